# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tp_service end to end: arguments in, ansible.windows calls out, task result back."""

from __future__ import annotations

import typing as t

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.netwrix.threat_prevention.plugins.action.tp_service import ActionModule

from fake_host import FakeWindows

if t.TYPE_CHECKING:
    from action_runner import RunAction

Run = t.Callable[..., dict[str, t.Any]]  # the action, called with task args and run_action keywords

AGENT_PATH = r'"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWindowsAgent\SIWindowsAgent.exe"'
EM_PATH = r'"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIEnterpriseManager\SIEnterpriseManager.exe" -service'
EM_FOLDER = r"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIEnterpriseManager"


@pytest.fixture
def host(windows: FakeWindows) -> FakeWindows:
    """A host with a running agent and a stopped EM that listens on both ports once started."""
    windows.add_service("SIWindowsAgent", AGENT_PATH, display_name="Netwrix Threat Prevention Windows Agent")
    windows.add_service("SIEnterpriseManager", EM_PATH, state="stopped")
    windows.listening = {3741, 3740}
    return windows


@pytest.fixture
def tp_service(run_action: RunAction, host: FakeWindows) -> Run:
    del host
    return lambda args, **kwargs: run_action(ActionModule, args, **kwargs)


def test_report_only_is_one_call_and_derives_the_install_folder(tp_service: Run, host: FakeWindows) -> None:
    """Without state/start_mode the task only reads: one win_service_info, no change, facts returned."""
    result = tp_service({"component": "agent"})
    assert host.calls == [("ansible.windows.win_service_info", {"name": "SIWindowsAgent"})]
    assert not result.get("failed") and result["changed"] is False
    assert result["install_folder"] == r"C:\Program Files\Netwrix\Netwrix Threat Prevention\SIWindowsAgent"
    assert (result["name"], result["state"], result["hardened"], result["exists"]) == ("SIWindowsAgent", "started", False, True)
    assert result["display_name"] == "Netwrix Threat Prevention Windows Agent"


def test_name_overrides_the_component_default(tp_service: Run, host: FakeWindows) -> None:
    """A renamed service is looked up by the given name, not SIEnterpriseManager."""
    host.add_service("TPEM2", EM_PATH)
    result = tp_service({"component": "enterprise_manager", "name": "TPEM2"})
    assert host.args_of("win_service_info") == [{"name": "TPEM2"}]
    assert result["name"] == "TPEM2"


def test_start_a_stopped_em_and_wait_for_its_ports(tp_service: Run, host: FakeWindows) -> None:
    """Start, then wait for each port in order on 127.0.0.1 with the given timeout."""
    result = tp_service({"component": "enterprise_manager", "state": "started", "wait_for_ports": [3741, 3740]})
    assert host.kinds() == ["win_service_info", "win_service", "win_wait_for", "win_wait_for"]
    assert host.args_of("win_service") == [{"name": "SIEnterpriseManager", "state": "started"}]
    assert host.args_of("win_wait_for") == [
        {"host": "127.0.0.1", "port": port, "state": "started", "timeout": 120, "sleep": 1} for port in (3741, 3740)]
    assert result["changed"] is True and result["state"] == "started" and result["listening"] == [3741, 3740]
    assert result["install_folder"] == EM_FOLDER


@pytest.mark.parametrize("state", [None, "stopped"])
def test_ports_are_not_waited_for_on_a_stopped_service(tp_service: Run, host: FakeWindows, state: str | None) -> None:
    """wait_for_ports only applies to a started service (as documented); a stopped one is not waited on."""
    args: dict[str, t.Any] = {"component": "enterprise_manager", "wait_for_ports": [3741]}
    result = tp_service(args if state is None else {**args, "state": state})
    assert "win_wait_for" not in host.kinds() and "listening" not in result and not result.get("failed")


def test_check_mode_predicts_the_change_without_acting_or_waiting(tp_service: Run, host: FakeWindows) -> None:
    """Check mode reads only: no win_service, no waits; reports the state before and changed=True."""
    result = tp_service({"component": "enterprise_manager", "state": "started", "wait_for_ports": [3741]}, check_mode=True)
    assert host.kinds() == ["win_service_info"]
    assert result["changed"] is True and result["state"] == "stopped" and "listening" not in result


def test_diff_shows_state_and_start_mode_before_and_after(tp_service: Run, host: FakeWindows) -> None:
    """--diff gives a readable before/after of the two settings tp_service manages."""
    result = tp_service({"component": "enterprise_manager", "state": "started", "start_mode": "delayed"}, diff=True)
    assert result["diff"] == {"before_header": "SIEnterpriseManager", "after_header": "SIEnterpriseManager",
                              "before": "state: stopped\nstart_mode: auto\n", "after": "state: started\nstart_mode: delayed\n"}
    assert host.args_of("win_service") == [{"name": "SIEnterpriseManager", "state": "started", "start_mode": "delayed"}]


def test_no_change_means_no_call_and_no_diff(tp_service: Run, host: FakeWindows) -> None:
    """A service already in the asked state and mode is left alone (idempotence)."""
    result = tp_service({"component": "agent", "state": "started", "start_mode": "auto"}, diff=True)
    assert host.kinds() == ["win_service_info"]
    assert result["changed"] is False and "diff" not in result


def test_restarted_always_changes(tp_service: Run, host: FakeWindows) -> None:
    """restarted on a running service restarts it and reports a change every time."""
    result = tp_service({"component": "agent", "state": "restarted"}, diff=True)
    assert host.args_of("win_service") == [{"name": "SIWindowsAgent", "state": "restarted"}]
    assert result["changed"] is True and result["state"] == "started"
    assert "(restarted)" in result["diff"]["after"]


def test_start_mode_change_alone(tp_service: Run, host: FakeWindows, peers: dict[str, FakeWindows]) -> None:
    """Disabling a stopped EM sends only start_mode (its state already matches); the successor lists no agent."""
    peers["new-em"] = successor = FakeWindows()
    successor.install_em()
    result = tp_service({"component": "enterprise_manager", "state": "stopped", "start_mode": "disabled", "successor": "new-em"})
    assert host.args_of("win_service") == [{"name": "SIEnterpriseManager", "start_mode": "disabled"}]
    assert result["changed"] is True and (result["state"], result["start_mode"]) == ("stopped", "disabled")
    assert host.services["sienterprisemanager"].start_mode == "disabled"


def test_missing_service_fails_naming_host_and_service(tp_service: Run, host: FakeWindows) -> None:
    """A host without the service fails (exists=false) and the message says where and what."""
    del host.services["siwindowsagent"]
    result = tp_service({"component": "agent", "state": "started"})
    assert result["failed"] is True and result["exists"] is False
    assert result["msg"].startswith("agent01: ") and "'SIWindowsAgent'" in result["msg"] and "not installed" in result["msg"]


@pytest.mark.parametrize("state", ["stopped", "restarted"])
def test_hardened_agent_is_refused_before_any_change(tp_service: Run, host: FakeWindows, state: str) -> None:
    """A running agent that does not accept stop is refused up front, with the Soften instruction."""
    host.services["siwindowsagent"].hardened = True
    result = tp_service({"component": "agent", "state": state})
    assert host.kinds() == ["win_service_info"]
    assert result["failed"] is True and result["hardened"] is True and "Soften" in result["msg"]


@pytest.mark.parametrize(("component", "hinted"), [("agent", True), ("enterprise_manager", False)])
def test_win_service_failure_gets_the_hardening_hint_for_agents(tp_service: Run,
                                                                host: FakeWindows, component: str, hinted: bool) -> None:
    """A stop the SCM refuses keeps its own message; for an agent it also says how to soften."""
    service = host.services["siwindowsagent" if component == "agent" else "sienterprisemanager"]
    service.state = "started"
    service.refuse["restarted"] = f"Failed to stop service '{service.name}'. Error: Provider failure"
    result = tp_service({"component": component, "state": "restarted"})
    assert result["failed"] is True
    assert result["msg"].startswith(f"agent01: Failed to stop service '{service.name}'. Error: Provider failure")
    assert ("Soften" in result["msg"]) is hinted


def test_port_that_never_listens_fails_naming_the_port(tp_service: Run, host: FakeWindows) -> None:
    """Waiting stops at the first silent port, and the message names that port and the timeout."""
    host.listening = {3741}
    result = tp_service({"component": "enterprise_manager", "state": "started", "wait_for_ports": [3741, 3740],
                         "wait_timeout": 30})
    assert host.kinds() == ["win_service_info", "win_service", "win_wait_for", "win_wait_for"]
    assert result["failed"] is True and result["changed"] is True, "the service was started before the wait failed"
    assert "port 3740 after 30s" in result["msg"] and "timeout while waiting for 127.0.0.1:3740" in result["msg"]
    assert result["msg"].count("agent01:") == 1, "the host is named once"


def test_check_mode_refuses_a_hardened_agent_as_a_real_run_would(tp_service: Run, host: FakeWindows) -> None:
    """Check mode must not predict a change that the real run refuses."""
    host.services["siwindowsagent"].hardened = True
    result = tp_service({"component": "agent", "state": "restarted"}, check_mode=True)
    assert result["failed"] is True and "Soften" in result["msg"] and host.kinds() == ["win_service_info"]


@pytest.mark.parametrize("args", [
    {"component": "agent", "state": "running"},
    {"component": "console"},
    {"state": "started"},
    {"component": "agent", "wait_for_ports": ["http"]},
    {"component": "agent", "unknown": 1},
], ids=["bad-state", "bad-component", "no-component", "bad-port", "unknown-option"])
def test_invalid_arguments_raise_before_any_remote_call(tp_service: Run, host: FakeWindows, args: dict[str, t.Any]) -> None:
    """Argument errors are AnsibleActionFail from the spec, raised before the host is touched."""
    with pytest.raises(AnsibleActionFail):
        tp_service(args)
    assert host.calls == []


def test_delegated_task_names_both_hosts(tp_service: Run, host: FakeWindows) -> None:
    """Delegated to new-em for agent01, the message says 'new-em (for agent01)'."""
    del host.services["sienterprisemanager"]
    result = tp_service({"component": "enterprise_manager"}, delegate_to="new-em")
    assert result["failed"] is True and result["msg"].startswith("new-em (for agent01): ")
