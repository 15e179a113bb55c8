# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keys, the secret export and the SQL password stay secret at the user's verbosity and settings.

The migration runs over the real psrp and winrm connection plugins at -vvvvv (where both print raw
module output unless the play context says no_log), with a log file, the default callback and
every controller folder (HOME, TMPDIR, ANSIBLE_HOME, ANSIBLE_LOCAL_TEMP) inside one directory.
Each estate has its own SQL password. Afterwards every byte written there, the output, every
registered result and the report are searched for each secret in every form it travels in
(tplab.leaks). ANSIBLE_KEEP_REMOTE_FILES and ANSIBLE_DEBUG runs must refuse before anything
secret moves, and an unencrypted WinRM transport must be refused too.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
import typing as t
from pathlib import Path

import pytest

from tplab import leaks
from tplab.estate import Estate
from tplab.playbook import run_playbook
from tplab.status import tree_digest

pytestmark = pytest.mark.lab

FAST = {"agent_verify_delay": 1, "tp_verify_delay": 1}


@pytest.fixture
def controller() -> t.Iterator[Path]:
    """A short path: ansible-core's local RPC server puts a socket in TMPDIR, and socket paths are limited."""
    folder = Path(tempfile.mkdtemp(prefix="tp-ctl-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def controller_env(controller: Path) -> dict[str, str]:
    folders = {name: controller / name for name in ("home", "tmp", "ansible-home", "local-temp")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {"HOME": str(folders["home"]), "TMPDIR": str(folders["tmp"]), "ANSIBLE_HOME": str(folders["ansible-home"]),
            "ANSIBLE_LOCAL_TEMP": str(folders["local-temp"]), "ANSIBLE_LOG_PATH": str(controller / "ansible.log"),
            "ANSIBLE_STDOUT_CALLBACK": "default"}


def secret_estate(make_estate: t.Callable[..., Estate], connection: str) -> tuple[Estate, dict[str, set[bytes]]]:
    password = f"Sql-{secrets.token_hex(8)};Pw"
    estate = make_estate(agents=2, consoles=1, new_em="fresh", connection=connection, sql_password=password)
    return estate, {**leaks.needles(estate), **leaks.sql_password_needles(password)}


def everything_written(controller: Path, run_output: str, results: list[dict[str, t.Any]]) -> dict[str, bytes]:
    haystacks = {"output": run_output.encode(), "registered results": json.dumps(results).encode()}
    haystacks.update(leaks.files_under(controller))
    return haystacks


@pytest.mark.parametrize("connection", ["psrp", "winrm"])
def test_nothing_secret_reaches_the_controller_at_five_vs(make_estate: t.Callable[..., Estate], controller: Path,
                                                          connection: str) -> None:
    estate, needles = secret_estate(make_estate, connection)
    run = run_playbook(estate, "migrate.yml", "-vvvvv", extra_vars={**FAST, "tp_report_folder": str(controller / "reports")},
                       env=controller_env(controller))
    assert run.returncode == 0, run.output[-3000:]
    assert "certificates written" in json.dumps(run.results), "the migration must really have moved the keys"
    banner = "PSRP STDOUT" if connection == "psrp" else "WINRM RESULT"
    assert banner in run.output, f"-vvvvv over {connection} prints raw module output, so the search means something"
    haystacks = everything_written(controller, run.output, run.results)
    assert (controller / "ansible.log").is_file() and any(name.startswith("reports") for name in haystacks)
    assert leaks.search(haystacks, needles) == []


@pytest.mark.parametrize("setting", ["ANSIBLE_KEEP_REMOTE_FILES", "ANSIBLE_DEBUG"])
def test_a_setting_that_writes_or_prints_module_arguments_is_refused(make_estate: t.Callable[..., Estate], controller: Path,
                                                                     setting: str) -> None:
    """The preflight stops on the new EM before any key, export or EM config travels; nothing changes anywhere."""
    estate, needles = secret_estate(make_estate, "psrp")
    before = tree_digest(estate)
    run = run_playbook(estate, "migrate.yml", extra_vars={**FAST, "tp_report_folder": str(controller / "reports")},
                       env={**controller_env(controller), setting: "1"})
    assert run.returncode != 0
    assert f"new-em: {setting}" in run.output, run.output[-3000:]
    assert "Nothing was read or changed" in run.output
    hosts_temp = {name: data for host in estate.hosts() for folder in (host.path("C:\\Users"), host.path("C:\\Windows\\TEMP"))
                  if folder.is_dir() for name, data in leaks.files_under(folder, f"{host.name} temp ").items()}
    assert leaks.search({**everything_written(controller, run.output, run.results), **hosts_temp}, needles) == []
    # Ansible's own temporary files may stay in the account's %TEMP% (that is what KEEP_REMOTE_FILES does); nothing else.
    changed = {path for path, digest in tree_digest(estate).items() if before.get(path) != digest}
    assert {path for path in changed if "/AppData/Local/Temp/" not in path} == set(), sorted(changed)


def test_an_unencrypted_transport_is_refused_before_keys_move(make_estate: t.Callable[..., Estate]) -> None:
    """WinRM over HTTP with Basic authentication sends messages in clear: tp_certs refuses, naming the fix."""
    estate = make_estate(agents=1, new_em="fresh", connection="winrm")
    inventory = estate.root / "inventory.yml"
    text = inventory.read_text(encoding="utf-8")
    inventory.write_text(text.replace("ansible_port: 5986\n          ansible_winrm_scheme: https\n          "
                                      "ansible_winrm_transport: ntlm", "ansible_port: 5985\n          ansible_winrm_scheme: http\n"
                                      "          ansible_winrm_transport: basic", 1), encoding="utf-8")
    run = run_playbook(estate, "migrate.yml", extra_vars=FAST)
    assert run.returncode != 0
    assert "old-em: WinRM over HTTP (port 5985) with basic authentication" in run.output, run.output[-3000:]
    assert "use HTTPS (port 5986)" in run.output
    assert "certificates written" not in json.dumps(run.results)
