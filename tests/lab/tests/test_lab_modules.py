# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulated ansible.windows modules and the lab connection, end to end through ansible-playbook.

One throwaway playbook runs once per module against a 15-agent estate: each host plays one
scenario (its own task file, its own faults), hosts run side by side under the ``free`` strategy,
and the fixture keeps the results and the estate before and after. Each test then checks one
behaviour against the estate's files and services.
"""

from __future__ import annotations

import base64
import hashlib
import typing as t
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import _script_text
from tplab import config_variants, dotnet_config, product, services
from tplab.estate import Estate, Host
from tplab.generator import CONNECTION_VARS, EstateSpec, build_estate
from tplab.playbook import PlaybookRun, run_playbook
from tplab.status import tree_digest

AGENT = "SIWindowsAgent"
NEW_EM_ADDRESS = "new-em.corp.example:3741"
LAB = pytest.mark.lab
# The per-service keys ansible.windows.win_service_info documents under RETURN.services.
DOCUMENTED_SERVICE_KEYS = {
    "checkpoint", "controls_accepted", "dependencies", "dependency_of", "description", "desktop_interact", "display_name",
    "error_control", "failure_actions", "failure_action_on_non_crash_failure", "failure_command", "failure_reboot_msg",
    "failure_reset_period_sec", "launch_protection", "load_order_group", "name", "path", "pre_shutdown_timeout_ms",
    "preferred_node", "process_id", "required_privileges", "service_exit_code", "service_flags", "service_type", "sid_info",
    "start_mode", "state", "triggers", "username", "wait_hint_ms", "win32_exitcode",
}
# Which host plays which scenario in the shared run.
READER, SCRIPTER, STOPPER, HARDENED, RESTARTER, MODE_SETTER, CHECKER = (
    "agent01", "agent02", "agent03", "agent04", "agent05", "agent06", "agent07")
STALE, FULL_DISK, LOCKED, REPLACER = "agent08", "agent09", "agent10", "agent11"
UNREACHABLE, UNREACHABLE_AFTER, SLOW, UNREACHABLE_AFTER_LATE = "agent12", "agent13", "agent14", "agent15"
GHOST = "ghost"


# Playbook helpers ---------------------------------------------------------------------------------
class Unsafe(str):
    """A string Ansible must not template (written with the ``!unsafe`` tag)."""


class _Dumper(yaml.SafeDumper):
    pass


class _Loader(yaml.SafeLoader):
    pass


_Dumper.add_representer(Unsafe, lambda dumper, data: dumper.represent_scalar("!unsafe", str(data), style='"'))
_Loader.add_constructor("!unsafe", lambda loader, node: Unsafe(loader.construct_scalar(node)))


def script_text(name: str) -> Unsafe:
    """The exact text of one of the collection's PowerShell scripts as sent, libraries included (its twin is bound to it)."""
    return Unsafe(_script_text(name))


def write_playbook(path: Path, plays: list[dict[str, t.Any]]) -> Path:
    """Write plays as a playbook; the scripts in it survive byte for byte."""
    text = yaml.dump(plays, Dumper=_Dumper, sort_keys=False, width=4096)
    assert yaml.load(text, Loader=_Loader) == plays  # noqa: S506 - a SafeLoader subclass
    path.write_text(text, encoding="utf-8")
    return path


def write_scenarios(folder: Path, scenarios: dict[str, list[dict[str, t.Any]]]) -> Path:
    """A playbook in which each host runs its own task file, side by side with the others (strategy free)."""
    (folder / "scenarios").mkdir(parents=True)
    for host, tasks in scenarios.items():
        write_playbook(folder / "scenarios" / f"{host}.yml", tasks)
    return write_playbook(folder / "playbook.yml", [{
        "name": "lab scenarios", "hosts": "all", "gather_facts": False, "strategy": "free",
        "tasks": [{"name": "scenario", "ansible.builtin.include_tasks": "scenarios/{{ inventory_hostname }}.yml"}]}])


def only(run: PlaybookRun, host: str, task: str) -> dict[str, t.Any]:
    """The one result of this task on this host."""
    entries = [entry for entry in run.results if entry["host"] == host and entry["task"] == task and entry["status"] != "skipped"]
    assert len(entries) == 1, f"{len(entries)} results for {task!r} on {host}:\n{run.output}"
    return entries[0]


def error_text(result: dict[str, t.Any]) -> str:
    """Everything a failed win_powershell or module result says about why."""
    return " ".join([str(result.get("msg", ""))] + [error["exception"]["message"] for error in result.get("error") or []])


def agent_config(agent: Host) -> tuple[str, Path]:
    """The Windows path of the agent's config file and the local file behind it."""
    windows_path = product.executable(agent.system()["services"][AGENT]["path"]) + ".config"
    return windows_path, agent.path(windows_path)


def repointed_config(agent: Host, address: str) -> bytes:
    """The agent's config file as it would read with another managerAddress, in the file's own style."""
    style = config_variants.style_by_name(agent.system()["lab"]["config_style"])
    current = agent_config(agent)[1].read_bytes()
    assert config_variants.render_agent_config(style, dotnet_config.read_app_setting(current, "managerAddress") or "") == current
    return config_variants.render_agent_config(style, address)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def service_task(name: str, **options: t.Any) -> dict[str, t.Any]:
    return {"name": name, "ansible.windows.win_service": {"name": AGENT, **options}}


def info_task(name: str, service: str | None = AGENT, **keywords: t.Any) -> dict[str, t.Any]:
    return {"name": name, "ansible.windows.win_service_info": {"name": service} if service else {}, **keywords}


def replace_task(name: str, agent: Host, new: bytes, expected_sha256: str, backup: str = "") -> dict[str, t.Any]:
    parameters = {"Path": agent_config(agent)[0], "ContentBase64": base64.b64encode(new).decode("ascii"), "Sha256": sha256(new),
                  "ExpectedSha256": expected_sha256}
    if backup:
        parameters["BackupPath"] = backup
    return {"name": name, "ansible.windows.win_powershell": {"script": script_text("replace_file"), "parameters": parameters},
            "ignore_errors": True}


def read_task(name: str) -> dict[str, t.Any]:
    return {"name": name, "ansible.windows.win_powershell": {"script": script_text("read_program_config"),
                                                             "parameters": {"ServiceName": AGENT}}, "ignore_errors": True}


def connected(estate: Estate, agent: str) -> str | None:
    em = product.connected_em(estate, estate.host(agent))
    return em.name if em else None


def host_digest(estate: Estate, host: str) -> dict[str, str]:
    """tree_digest limited to one host's files (system.json included)."""
    prefix = f"hosts/{host}/"
    return {path: digest for path, digest in tree_digest(estate).items() if path.startswith(prefix)}


def config_and_listing(agent: Host) -> tuple[bytes, list[str]]:
    """The agent config's bytes and the names in its folder."""
    local = agent_config(agent)[1]
    return local.read_bytes(), sorted(entry.name for entry in local.parent.iterdir())


# The shared run ----------------------------------------------------------------------------------
@dataclass
class Snapshot:
    """What the estate looked like at one moment, for the hosts the tests look at."""

    systems: dict[str, dict[str, t.Any]]
    connected: dict[str, str | None]
    files: dict[str, tuple[bytes, list[str]]]
    digests: dict[str, dict[str, str]]


@dataclass
class LabRun:
    estate: Estate
    run: PlaybookRun
    before: Snapshot
    after: Snapshot
    calls: dict[str, list[str]]
    new_config: dict[str, bytes]


def snapshot(estate: Estate) -> Snapshot:
    agents = [host.name for host in estate.hosts("agent")]
    return Snapshot(systems={host.name: host.system() for host in estate.hosts()},
                    connected={name: connected(estate, name) for name in agents},
                    files={name: config_and_listing(estate.host(name)) for name in agents},
                    digests={host.name: host_digest(estate, host.name) for host in estate.hosts()})


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> LabRun:
    """Set each host's scenario up, run the one playbook, and keep the results and the estate before and after."""
    folder = tmp_path_factory.mktemp("modules")
    estate = build_estate(folder / "estate", EstateSpec(agents=15))
    host = estate.host
    with estate.host(HARDENED).editing_system() as system:  # what Harden Agent in the Administration Console sets
        system["services"][AGENT]["hardened"] = True
    new_config = {name: repointed_config(host(name), NEW_EM_ADDRESS) for name in (RESTARTER, CHECKER, STALE, FULL_DISK, LOCKED, REPLACER)}
    agent_config(host(RESTARTER))[1].write_bytes(new_config[RESTARTER])
    estate.set_fault(FULL_DISK, "partial_write", True)
    estate.set_fault(LOCKED, "locked", [agent_config(host(LOCKED))[0].upper()])
    estate.set_fault(UNREACHABLE, "unreachable", True)
    estate.set_fault(UNREACHABLE_AFTER, "unreachable_after", 2)
    estate.set_fault(SLOW, "slow", 1)
    estate.record_call(UNREACHABLE_AFTER_LATE, "win_service_info")  # two calls answered before the fault is set
    estate.record_call(UNREACHABLE_AFTER_LATE, "win_service_info")
    estate.set_fault(UNREACHABLE_AFTER_LATE, "unreachable_after", 1)
    inventory = estate.root / "inventory.yml"  # a host whose address the lab's DNS does not know
    ghost_vars = "".join(f"          {key}: {value}\n" for key, value in CONNECTION_VARS["psrp"].items())
    inventory.write_text(inventory.read_text(encoding="utf-8") + f"        {GHOST}:\n          ansible_host: ghost.elsewhere.example\n"
                         + ghost_vars, encoding="utf-8")
    current = {name: sha256(agent_config(host(name))[1].read_bytes()) for name in (CHECKER, FULL_DISK, LOCKED, REPLACER)}
    three_calls = [info_task(f"call {index}", ignore_unreachable=True) for index in (1, 2, 3)]
    scenarios = {
        READER: [info_task("info all", None), info_task("info agent", "siwindowsagent"),
                 info_task("info by display name", "Netwrix Threat Prevention Windows*"), info_task("info missing", "NoSuchService")],
        SCRIPTER: [
            {"name": "unknown script", "ansible.windows.win_powershell": {"script": "Write-Output 'hello'"}, "ignore_errors": True},
            read_task("read config"),
            {"name": "wait for the em", "ansible.windows.win_wait_for": {"host": "OLD-EM.corp.example", "port": 3741, "timeout": 5}}],
        "old-em": [
            {"name": "wait for 3741", "ansible.windows.win_wait_for": {"port": 3741, "timeout": 10}},
            {"name": "wait for a closed port", "ansible.windows.win_wait_for": {"port": 3999, "timeout": 2}, "ignore_errors": True}],
        STOPPER: [service_task("stop", state="stopped"), info_task("info after stop"), service_task("start", state="started"),
                  service_task("start again", state="started")],
        HARDENED: [dict(service_task("stop hardened", state="stopped"), ignore_errors=True)],
        RESTARTER: [{"name": "restart", "ansible.windows.win_service": {"name": "siwindowsagent", "state": "restarted"}}],
        MODE_SETTER: [service_task("manual", start_mode="manual")],
        CHECKER: [{"name": "check mode", "check_mode": True, "block": [
            service_task("stop", state="stopped"), service_task("restart", state="restarted"), service_task("disable", start_mode="disabled"),
            replace_task("replace", host(CHECKER), new_config[CHECKER], current[CHECKER]), read_task("read")]}],
        "new-em": [{"name": "stop the em", "check_mode": True,
                    "ansible.windows.win_service": {"name": "SIEnterpriseManager", "state": "stopped"}}],
        STALE: [replace_task("replace", host(STALE), new_config[STALE], "0" * 64)],
        FULL_DISK: [replace_task("replace", host(FULL_DISK), new_config[FULL_DISK], current[FULL_DISK])],
        LOCKED: [read_task("read"), replace_task("replace", host(LOCKED), new_config[LOCKED], current[LOCKED])],
        REPLACER: [replace_task("replace", host(REPLACER), new_config[REPLACER], current[REPLACER], agent_config(host(REPLACER))[0] + ".bak")],
        UNREACHABLE: three_calls,
        UNREACHABLE_AFTER: three_calls,
        UNREACHABLE_AFTER_LATE: three_calls,
        SLOW: [{"name": "t0", "set_fact": {"t0": "{{ now().timestamp() }}"}}, three_calls[0],
               {"name": "t1", "set_fact": {"t1": "{{ now().timestamp() }}"}}],
        GHOST: [info_task("info")],
    }
    playbook = write_scenarios(folder, scenarios)
    before = snapshot(estate)
    run = run_playbook(estate, str(playbook))
    after = snapshot(estate)
    return LabRun(estate, run, before, after, {h.name: estate.calls(h.name) for h in estate.hosts()}, new_config)


# win_service_info ---------------------------------------------------------------------------------
@LAB
def test_win_service_info_returns_the_documented_keys(lab: LabRun) -> None:
    """win_service_info returns exists and services, each service with exactly the documented keys and its real state."""
    result = only(lab.run, READER, "info agent")["result"]
    assert result["exists"] is True and result["changed"] is False
    [info] = result["services"]
    assert set(info) == DOCUMENTED_SERVICE_KEYS
    recorded = lab.before.systems[READER]["services"][AGENT]
    assert (info["name"], info["state"], info["start_mode"], info["path"], info["display_name"]) == (
        AGENT, "started", "auto", recorded["path"], recorded["display_name"])
    assert "stop" in info["controls_accepted"] and info["process_id"] > 0


@LAB
def test_win_service_info_filters_by_name_or_display_name(lab: LabRun) -> None:
    """Without a name every service is listed; a display-name wildcard finds the agent; an unknown name exists=false."""
    assert [svc["name"] for svc in only(lab.run, READER, "info all")["result"]["services"]] == [AGENT]
    assert [svc["name"] for svc in only(lab.run, READER, "info by display name")["result"]["services"]] == [AGENT]
    missing = only(lab.run, READER, "info missing")["result"]
    assert missing["exists"] is False and missing["services"] == []


# win_wait_for -------------------------------------------------------------------------------------
@LAB
def test_win_wait_for_an_em_port_succeeds_at_once(lab: LabRun) -> None:
    """The EM listens on 3741: waiting for it succeeds on the first attempt, on the EM and from an agent by name."""
    for host, task in (("old-em", "wait for 3741"), (SCRIPTER, "wait for the em")):
        entry = only(lab.run, host, task)
        assert entry["status"] == "ok"
        assert entry["result"]["wait_attempts"] == 1 and entry["result"]["elapsed"] < 1


@LAB
def test_win_wait_for_a_closed_port_times_out(lab: LabRun) -> None:
    """Nothing listens on 3999: the wait fails after the 2 s timeout with the module's timeout message."""
    entry = only(lab.run, "old-em", "wait for a closed port")
    assert entry["status"] == "failed"
    assert "timeout while waiting for 127.0.0.1:3999" in entry["result"]["msg"]
    assert entry["result"]["elapsed"] >= 2 and entry["result"]["wait_attempts"] >= 2


# win_powershell -----------------------------------------------------------------------------------
@LAB
def test_win_powershell_refuses_a_script_without_a_twin(lab: LabRun) -> None:
    """A script the lab has no twin for fails saying so, instead of pretending to run."""
    entry = only(lab.run, SCRIPTER, "unknown script")
    assert entry["status"] == "failed"
    assert "no twin" in entry["result"]["msg"] and "matches" in entry["result"]["msg"]


@LAB
def test_read_script_returns_the_config_bytes_on_disk(lab: LabRun) -> None:
    """read_program_config.ps1 returns the service record and the config file's exact bytes (base64) and SHA-256."""
    entry = only(lab.run, SCRIPTER, "read config")
    assert entry["status"] == "ok" and entry["result"]["changed"] is False
    windows_path, local = agent_config(lab.estate.host(SCRIPTER))
    config = entry["result"]["result"]["config"]
    assert config["path"] == windows_path and config["exists"] is True
    assert base64.b64decode(config["content"]) == local.read_bytes()
    assert config["sha256"] == sha256(local.read_bytes())
    svc = entry["result"]["result"]["service"]
    assert (svc["name"], svc["state"], svc["accepts_stop"]) == (AGENT, "started", True)


@LAB
def test_replace_script_refuses_a_file_changed_since_it_was_read(lab: LabRun) -> None:
    """With an ExpectedSha256 the file no longer has, replace_file.ps1 changes nothing and says why (a stale read)."""
    entry = only(lab.run, STALE, "replace")
    assert entry["status"] == "ok" and entry["result"]["changed"] is False
    assert "changed after it was read" in entry["result"]["result"]["stale"]
    assert lab.after.files[STALE] == lab.before.files[STALE]


@LAB
def test_replace_script_on_a_full_disk_leaves_the_original_and_no_temporary_file(lab: LabRun) -> None:
    """With partial_write, replace_file.ps1 fails with "not enough space", the original is byte-identical, no .tmp is left."""
    entry = only(lab.run, FULL_DISK, "replace")
    assert entry["status"] == "failed"
    assert "There is not enough space on the disk" in error_text(entry["result"])
    data, listing = lab.after.files[FULL_DISK]
    assert data == lab.before.files[FULL_DISK][0]
    assert listing == lab.before.files[FULL_DISK][1]
    assert not [name for name in listing if name.endswith(".tmp")]


@LAB
def test_a_locked_config_cannot_be_read_or_replaced(lab: LabRun) -> None:
    """With the locked fault (its path in any case) reading fails "being used by another process" and nothing is written."""
    for task in ("read", "replace"):
        entry = only(lab.run, LOCKED, task)
        assert entry["status"] == "failed", task
        assert "being used by another process" in error_text(entry["result"]), task
    assert lab.after.files[LOCKED] == lab.before.files[LOCKED]


@LAB
def test_replace_script_replaces_the_file_and_keeps_a_backup(lab: LabRun) -> None:
    """Without a fault replace_file.ps1 writes exactly the new bytes and keeps the old ones at BackupPath."""
    entry = only(lab.run, REPLACER, "replace")
    assert entry["status"] == "ok" and entry["result"]["changed"] is True
    data, listing = lab.after.files[REPLACER]
    assert data == lab.new_config[REPLACER]
    windows_path, local = agent_config(lab.estate.host(REPLACER))
    assert entry["result"]["result"] == {"sha256": sha256(data), "backup_file": windows_path + ".bak"}
    assert (local.parent / (local.name + ".bak")).read_bytes() == lab.before.files[REPLACER][0]
    assert listing == sorted(lab.before.files[REPLACER][1] + [local.name + ".bak"])


@LAB
def test_a_replaced_config_takes_effect_at_the_next_start(lab: LabRun) -> None:
    """The file written through the lab is what the agent reads at its next start: it moves to the new EM."""
    assert lab.after.connected[REPLACER] == "old-em"
    agent = lab.estate.host(REPLACER)
    services.stop(agent, AGENT)
    services.start(agent, AGENT)
    assert connected(lab.estate, REPLACER) == "new-em"


def test_locked_fault_without_paths_is_refused(estate: Estate) -> None:
    """locked takes the Windows paths to lock (the CLI fills in the agent config); anything else is refused up front."""
    with pytest.raises(ValueError, match="list of Windows paths"):
        estate.set_fault("agent01", "locked", True)
    assert estate.faults().get("agent01", {}).get("locked") is None


# win_service --------------------------------------------------------------------------------------
@LAB
def test_win_service_stop_and_start_drive_the_emulated_service(lab: LabRun) -> None:
    """win_service stops the agent (win_service_info then sees it stopped) and starts it again; a second start is no change."""
    stop, info = only(lab.run, STOPPER, "stop"), only(lab.run, STOPPER, "info after stop")
    start, again = only(lab.run, STOPPER, "start"), only(lab.run, STOPPER, "start again")
    assert stop["result"]["changed"] is True and stop["result"]["state"] == "stopped"
    assert info["result"]["services"][0]["state"] == "stopped" and info["result"]["services"][0]["controls_accepted"] == []
    assert start["result"]["changed"] is True and start["result"]["state"] == "running"
    assert again["status"] == "ok" and again["result"]["changed"] is False
    assert lab.after.systems[STOPPER]["services"][AGENT]["state"] == "started" and lab.after.connected[STOPPER] == "old-em"


@LAB
def test_win_service_restart_makes_the_agent_reread_its_config(lab: LabRun) -> None:
    """win_service state=restarted really restarts: the agent picks up the managerAddress written before the run."""
    assert lab.before.connected[RESTARTER] == "old-em"
    entry = only(lab.run, RESTARTER, "restart")
    assert entry["status"] == "ok" and entry["result"]["changed"] is True and entry["result"]["name"] == AGENT
    assert lab.after.systems[RESTARTER]["services"][AGENT]["state"] == "started"
    assert lab.after.connected[RESTARTER] == "new-em"


@LAB
def test_win_service_cannot_stop_a_hardened_agent(lab: LabRun) -> None:
    """win_service on a hardened agent fails with Windows' "cannot be stopped" text and the agent keeps running."""
    entry = only(lab.run, HARDENED, "stop hardened")
    assert entry["status"] == "failed"
    assert "cannot be stopped" in entry["result"]["msg"]
    assert lab.after.systems[HARDENED]["services"][AGENT]["state"] == "started" and lab.after.connected[HARDENED] == "old-em"


@LAB
def test_win_service_sets_the_start_mode(lab: LabRun) -> None:
    """win_service start_mode=manual changes the recorded start mode and leaves the service running."""
    entry = only(lab.run, MODE_SETTER, "manual")
    assert entry["result"]["changed"] is True and entry["result"]["start_mode"] == "manual"
    service = lab.after.systems[MODE_SETTER]["services"][AGENT]
    assert service["start_mode"] == "manual" and service["state"] == "started"


# Check mode ---------------------------------------------------------------------------------------
@LAB
def test_check_mode_changes_nothing(lab: LabRun) -> None:
    """In check mode win_service and win_powershell leave every file and service of the host as it was."""
    for host in (CHECKER, "new-em"):
        assert lab.after.systems[host] == lab.before.systems[host]
        assert lab.after.digests[host] == lab.before.digests[host]
    assert lab.after.connected[CHECKER] == "old-em"
    assert lab.after.systems["new-em"]["services"]["SIEnterpriseManager"]["state"] == "started"


@LAB
def test_check_mode_reports_what_win_service_would_change(lab: LabRun) -> None:
    """Check mode reports changed for a stop, a restart and a start-mode change, showing the service as it is."""
    for host, task in ((CHECKER, "stop"), (CHECKER, "restart"), (CHECKER, "disable"), ("new-em", "stop the em")):
        entry = only(lab.run, host, task)
        assert entry["status"] == "ok" and entry["result"]["changed"] is True, task
    assert only(lab.run, CHECKER, "stop")["result"]["state"] == "running"


@LAB
def test_check_mode_skips_a_script_without_should_process(lab: LabRun) -> None:
    """replace_file.ps1 (no SupportsShouldProcess) is skipped in check mode with the real module's message."""
    entry = only(lab.run, CHECKER, "replace")
    assert entry["status"] == "ok"
    assert entry["result"]["msg"] == "skipped, running in check mode" and entry["result"]["changed"] is True
    assert "result" not in entry["result"]


@LAB
def test_check_mode_runs_the_read_script(lab: LabRun) -> None:
    """read_program_config.ps1 declares SupportsShouldProcess, so it runs in check mode and returns the file."""
    config = only(lab.run, CHECKER, "read")["result"]["result"]["config"]
    data = lab.before.files[CHECKER][0]
    assert base64.b64decode(config["content"]) == data and config["sha256"] == sha256(data)


# The connection and its faults --------------------------------------------------------------------
def statuses(lab: LabRun, host: str) -> list[str]:
    return [only(lab.run, host, f"call {index}")["status"] for index in (1, 2, 3)]


@LAB
def test_each_module_call_is_counted_on_its_host(lab: LabRun) -> None:
    """Every module call that reaches a host (failed ones too) adds one line to that host's counter only."""
    counts = {name: len(calls) for name, calls in lab.calls.items() if name != UNREACHABLE_AFTER_LATE}
    assert counts == {
        "old-em": 2, "new-em": 1, READER: 4, SCRIPTER: 3, STOPPER: 4, HARDENED: 1, RESTARTER: 1, MODE_SETTER: 1, CHECKER: 5,
        STALE: 1, FULL_DISK: 1, LOCKED: 2, REPLACER: 1, UNREACHABLE: 0, UNREACHABLE_AFTER: 2, SLOW: 1}
    assert lab.calls[SCRIPTER] == ["win_powershell", "win_powershell", "win_wait_for"]
    assert lab.calls[READER] == ["win_service_info"] * 4


@LAB
def test_unreachable_host_counts_no_call(lab: LabRun) -> None:
    """An unreachable host reports UNREACHABLE for every module call and its counter stays at zero."""
    assert statuses(lab, UNREACHABLE) == ["unreachable"] * 3
    assert "Connection refused" in only(lab.run, UNREACHABLE, "call 1")["result"]["msg"]
    assert lab.calls[UNREACHABLE] == []


@LAB
def test_unreachable_after_lets_n_calls_through(lab: LabRun) -> None:
    """unreachable_after: 2 on a fresh host answers two module calls, then refuses the third without counting it."""
    assert statuses(lab, UNREACHABLE_AFTER) == ["ok", "ok", "unreachable"]
    assert lab.calls[UNREACHABLE_AFTER] == ["win_service_info", "win_service_info"]


@LAB
def test_unreachable_after_counts_from_when_the_fault_is_set(lab: LabRun) -> None:
    """unreachable_after: 1 set after two earlier calls still answers one more call, then refuses."""
    assert statuses(lab, UNREACHABLE_AFTER_LATE) == ["ok", "unreachable", "unreachable"]


@LAB
def test_slow_host_takes_at_least_the_delay_per_call(lab: LabRun) -> None:
    """slow: 1 makes a module call on the host take at least one second; the call still succeeds and counts."""
    facts = {entry["task"]: entry["result"]["ansible_facts"] for entry in lab.run.results
             if entry["host"] == SLOW and entry["task"] in ("t0", "t1")}
    assert float(facts["t1"]["t1"]) - float(facts["t0"]["t0"]) >= 1.0
    assert only(lab.run, SLOW, "call 1")["status"] == "ok"


@LAB
def test_an_address_outside_the_estate_is_unreachable(lab: LabRun) -> None:
    """A host whose ansible_host the lab's DNS cannot resolve is unreachable, never some other host."""
    entry = only(lab.run, GHOST, "info")
    assert entry["status"] == "unreachable" and "Failed to resolve 'ghost.elsewhere.example'" in entry["result"]["msg"]
    assert GHOST not in lab.calls
