# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The contract between the collection, the lab and the real ansible.windows collection.

The collection may only use options and read return keys that the real modules document, and the
lab's stand-ins must accept exactly the documented options and return only documented keys.
Otherwise the lab could pass a playbook that would fail on Windows. The real documentation comes
from the ansible.windows collection that tools/bootstrap extracts into .cache/collections.
"""

from __future__ import annotations

import ast
import json
import re
import typing as t
from pathlib import Path

import pytest
import yaml

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import WindowsHost
from tplab import twins
from tplab.estate import Estate
from tplab.generator import EstateSpec, build_estate
from tplab.windows import exec_wrapper, network

REPO = Path(__file__).resolve().parents[3]
REAL = REPO / ".cache" / "collections" / "ansible_collections" / "ansible" / "windows" / "plugins" / "modules"
LAB = REPO / "tests" / "lab" / "tplab" / "windows" / "modules"
# Lab modules emulating a collection other than ansible.windows (the benchmark's stock-module baseline uses win_xml).
REAL_ELSEWHERE = {"win_xml": REPO / ".cache" / "collections" / "ansible_collections" / "community" / "windows" / "plugins" / "modules"}
HOST_BOUNDARY = REPO / "plugins" / "plugin_utils" / "_windows_host.py"
# Keys Ansible itself adds to any module result (a crash sets module_stdout/module_stderr/rc).
STANDARD_KEYS = {"changed", "failed", "msg", "skipped", "diff", "invocation", "warnings", "deprecations", "exception",
                 "module_stdout", "module_stderr", "rc"}


def real_docs(module: str) -> tuple[dict[str, t.Any], dict[str, t.Any]]:
    """DOCUMENTATION options and RETURN of the real module (from its .py stub or .yml sidecar)."""
    real = REAL_ELSEWHERE.get(module, REAL)
    if not real.is_dir():
        pytest.fail(f"the real collection is missing at {real}; run tools/bootstrap")
    sidecar = real / f"{module}.yml"
    if sidecar.is_file():
        data = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
        return data["DOCUMENTATION"].get("options") or {}, data.get("RETURN") or {}
    strings = {}
    for node in ast.parse((real / f"{module}.py").read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            strings[node.targets[0].id] = node.value.value
    return yaml.safe_load(strings["DOCUMENTATION"]).get("options") or {}, yaml.safe_load(strings["RETURN"]) or {}


def lab_spec(module: str) -> dict[str, t.Any]:
    tree = ast.parse((LAB / f"{module}.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "ARGUMENT_SPEC":
            return ast.literal_eval(node.value)
    raise AssertionError(f"{module}: no ARGUMENT_SPEC in the lab module")


def normalized(options: dict[str, t.Any]) -> dict[str, dict[str, t.Any]]:
    """Documented option facts that an argument spec must reproduce."""
    return {name: {"type": option.get("type", "str"), "required": bool(option.get("required", False)),
                   "default": option.get("default"), "choices": sorted(option.get("choices") or []),
                   "aliases": sorted(option.get("aliases") or []), "elements": option.get("elements"),
                   "suboptions": normalized(option.get("suboptions") or option.get("options") or {})}
            for name, option in options.items()}


class RecordingResult(dict):
    """A module result that remembers which keys the collection read from it."""

    def __init__(self, data: dict[str, t.Any], reads: set[str]) -> None:
        super().__init__(data)
        self.reads = reads

    def __getitem__(self, key: str) -> t.Any:
        self.reads.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: t.Any = None) -> t.Any:
        self.reads.add(key)
        return super().get(key, default)


class LabExecutor:
    """Runs the lab's emulated modules as the emulated exec wrapper does (module_wrapper.ps1), and records."""

    def __init__(self, estate: Estate, host: str) -> None:
        self.session = network.admin_session(estate, host)
        self.calls: list[dict[str, t.Any]] = []

    def __call__(self, module_name: str, module_args: dict[str, t.Any]) -> dict[str, t.Any]:
        short = module_name.rsplit(".", 1)[-1]
        outcome = exec_wrapper.run_module(self.session, module_name, {**module_args, "_ansible_module_name": module_name})
        if not outcome.stdout.strip():
            raise AssertionError(f"lab module {short} printed no result: {outcome.stderr}")
        raw = json.loads(outcome.stdout)
        reads: set[str] = set()
        self.calls.append({"module": short, "args": dict(module_args), "result": raw, "reads": reads})
        return RecordingResult(raw, reads)


@pytest.fixture(scope="module")
def exercised(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, t.Any]]:
    """Every host-boundary operation, run once against lab hosts."""
    estate = build_estate(tmp_path_factory.mktemp("contract") / "estate", EstateSpec(agents=1))
    agent = LabExecutor(estate, "agent01")
    on_agent = WindowsHost(agent, "agent01")
    service = on_agent.service("SIWindowsAgent")
    program = on_agent.read_program_config("SIWindowsAgent", None, ".config", companion_file="CertsInfo\\ca-crt.pem",
                                           resolve_name="new-em.corp.example")
    assert program.companion and program.companion.content and program.resolved and program.resolved.addresses
    on_agent.replace_file(program.config.path, program.config.content, program.config.sha256, program.config.path + ".bak")
    on_agent.set_service("SIWindowsAgent", state="restarted", start_mode="auto")
    em = LabExecutor(estate, "new-em")
    on_em = WindowsHost(em, "new-em")
    on_em.wait_for_port(3741, 5)
    assert on_em.read_em_state("SIEnterpriseManager", (3741, 3740)).listening == (3741, 3740)
    folder = service.path.strip('"').rsplit("\\", 1)[0] if service else ""
    assert folder, "the agent service was not found"
    em_service = on_em.service("SIEnterpriseManager")
    em_folder = em_service.path.strip('"').rsplit("\\", 1)[0]
    on_em.agent_status(em_folder + "\\SI.SIMonitor.PowerShell.dll", 3740)
    on_em.read_em_info(em_folder)
    key = on_em.read_files(em_folder + "\\CertsInfo", ("Em-key.pem",), include_content=True)[0]
    on_em.replace_file(key.path, key.content, key.sha256, em_folder + "\\CertsInfo\\backup\\Em-key.pem", secret=True)
    old = LabExecutor(estate, "old-em")
    export = WindowsHost(old, "old-em").export_secret(em_folder + "\\SecretMgr.exe", "C:\\ProgramData\\tp", ("C:\\Windows\\SysWOW64",))
    on_em.import_secret(em_folder + "\\SecretMgr.exe", "C:\\ProgramData\\tp", ("C:\\Windows\\SysWOW64",), export,
                        em_folder + "\\CertsInfo\\Secret.dpapi", "C:\\ProgramData\\tp\\marker.json", {"source_host": "old-em"})
    return agent.calls + em.calls + old.calls


def test_the_host_boundary_is_the_only_code_that_names_ansible_windows_modules() -> None:
    """Everything above _windows_host.py speaks product terms; a module call elsewhere escapes this contract."""
    offenders = [str(path.relative_to(REPO)) for folder in ("plugins/action", "plugins/plugin_utils", "roles", "playbooks")
                 for path in (REPO / folder).rglob("*") if path.is_file() and path != HOST_BOUNDARY
                 and re.search(r"ansible\.windows\.\w+", path.read_text(encoding="utf-8", errors="replace"))]
    assert offenders == []


def test_every_module_named_in_the_host_boundary_is_exercised(exercised: list[dict[str, t.Any]]) -> None:
    named = set(re.findall(r'"ansible\.windows\.(\w+)"', HOST_BOUNDARY.read_text(encoding="utf-8")))
    assert named == {call["module"] for call in exercised}


def test_the_collection_uses_only_documented_options_and_choices(exercised: list[dict[str, t.Any]]) -> None:
    for call in exercised:
        options, _returns = real_docs(call["module"])
        documented = set(options) | {alias for option in options.values() for alias in option.get("aliases") or []}
        assert set(call["args"]) <= documented, f"{call['module']}: undocumented {set(call['args']) - documented}"
        for name, value in call["args"].items():
            choices = (options.get(name) or {}).get("choices")
            assert not choices or value in choices, f"{call['module']}: {name}={value!r} not in {choices}"


def test_the_collection_reads_only_documented_return_keys(exercised: list[dict[str, t.Any]]) -> None:
    for call in exercised:
        _options, returns = real_docs(call["module"])
        unknown = call["reads"] - set(returns) - STANDARD_KEYS
        assert not unknown, f"{call['module']}: the collection reads undocumented keys {unknown}"


def test_the_lab_returns_only_documented_keys(exercised: list[dict[str, t.Any]]) -> None:
    for call in exercised:
        assert not call["result"].get("failed"), f"{call['module']} failed in the lab: {call['result']}"
        _options, returns = real_docs(call["module"])
        extra = set(call["result"]) - set(returns) - STANDARD_KEYS
        assert not extra, f"lab {call['module']} returns undocumented keys {extra}"
        for key, spec in returns.items():
            contains = spec.get("contains")
            if contains and spec.get("type") == "list" and isinstance(call["result"].get(key), list):
                for item in call["result"][key]:
                    assert set(item) <= set(contains), f"lab {call['module']}.{key}: undocumented {set(item) - set(contains)}"


def test_scripts_get_only_the_parameters_they_declare(exercised: list[dict[str, t.Any]]) -> None:
    """A parameter the script does not declare makes real PowerShell fail binding; the lab must catch it here."""
    scripts = [call for call in exercised if call["module"] == "win_powershell"]
    assert {twins.twin_for(call["args"]["script"])[0] for call in scripts} == set(twins.SCRIPT_SHA256), "exercise every script"
    for call in scripts:
        name, _twin = twins.twin_for(call["args"]["script"])
        script = (REPO / "plugins" / "plugin_utils" / "_scripts" / f"{name}.ps1").read_text(encoding="utf-8")
        declared = twins.declared_parameters(script)
        sent = set(call["args"]["parameters"]) | {item["name"] for item in call["args"].get("sensitive_parameters") or []}
        assert sent <= declared, f"{name}: {sent - declared}"


@pytest.mark.parametrize("module", sorted(path.stem for path in LAB.glob("win_*.py")))
def test_the_lab_accepts_exactly_the_documented_options(module: str) -> None:
    options, _returns = real_docs(module)
    assert normalized(lab_spec(module)) == normalized(options)


def test_the_lab_win_xml_returns_only_documented_keys(tmp_path: Path) -> None:
    """The baseline's call (tests/bench), changed and then unchanged: every key the lab returns is in win_xml's RETURN."""
    estate = build_estate(tmp_path / "estate", EstateSpec(agents=1))
    agent = LabExecutor(estate, "agent01")
    path = WindowsHost(agent, "agent01").service("SIWindowsAgent").path.strip('"').partition('" ')[0]
    args = {"path": path + ".config", "xpath": "/configuration/appSettings/add[@key='managerAddress']", "type": "attribute",
            "attribute": "value", "fragment": "new-em.corp.example:3741", "backup": True}
    results = [agent("community.windows.win_xml", args), agent("community.windows.win_xml", args)]
    assert [result["changed"] for result in results] == [True, False]
    _options, returns = real_docs("win_xml")
    assert not set(args) - set(_options), "the baseline's options are documented"
    for result in results:
        assert set(result) - set(returns) - STANDARD_KEYS == set()
