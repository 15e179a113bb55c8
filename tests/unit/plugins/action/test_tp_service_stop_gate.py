# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tp_service never stops or disables an Enterprise Manager under an agent: the rule is checked in the action itself.

These are the reproductions of issue 7 at the module: ``--start-at-task`` straight to the decommission, an
inventory that lacks an agent the EM knows, an ad-hoc stop, a console left on the old EM.
"""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.action.tp_service import ActionModule
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._product import CONSOLE_CONFIG

from fake_host import FakeWindows

if t.TYPE_CHECKING:
    from action_runner import RunAction

Run = t.Callable[..., dict[str, t.Any]]
DECOMMISSION = {"component": "enterprise_manager", "state": "stopped", "start_mode": "disabled", "successor": "new-em"}
CONSOLE_TEXT = ('<?xml version="1.0" encoding="utf-8"?>\r\n<configuration>\r\n  <appSettings>\r\n'
                '    <add key="managerAddress" value="{address}" />\r\n  </appSettings>\r\n</configuration>\r\n')


def rows(**statuses: str) -> list[dict[str, t.Any]]:
    return [{"Machine": name.upper(), "FQDN": f"{name}.corp.example", "Status": status} for name, status in statuses.items()]


@pytest.fixture
def old_em(windows: FakeWindows) -> FakeWindows:
    """The old EM, running; every agent has left it."""
    windows.install_em()
    windows.agent_answers = [rows(agent01="Lost Connection", agent02="Lost Connection", agent03="Lost Connection")]
    return windows


@pytest.fixture
def new_em(peers: dict[str, FakeWindows]) -> FakeWindows:
    em = FakeWindows()
    em.install_em()
    em.addresses = ["10.0.0.11"]
    em.agent_answers = [rows(agent01="Active", agent02="Active", agent03="Active")]
    peers["new-em"] = em
    return em


@pytest.fixture
def console(peers: dict[str, FakeWindows]) -> FakeWindows:
    host = FakeWindows()
    host.files[CONSOLE_CONFIG] = CONSOLE_TEXT.format(address="new-em.corp.example:3740").encode()
    host.dns = {"new-em.corp.example": ["10.0.0.11"], "old-em.corp.example": ["10.0.0.10"]}
    peers["console01"] = host
    return host


@pytest.fixture
def tp_service(run_action: RunAction, old_em: FakeWindows, new_em: FakeWindows) -> Run:
    del old_em, new_em
    return lambda args, **kwargs: run_action(ActionModule, args, host_name="old-em", **kwargs)


def test_a_decommission_with_every_agent_on_the_successor_goes_ahead(tp_service: Run, old_em: FakeWindows,
                                                                     new_em: FakeWindows) -> None:
    result = tp_service(DECOMMISSION)
    assert not result.get("failed") and result["changed"] is True
    assert old_em.services["sienterprisemanager"].state == "stopped"
    assert old_em.services["sienterprisemanager"].start_mode == "disabled"
    gate = result["stop_gate"]
    assert (gate["agents_listed"], gate["successor_listed"], gate["not_on_successor"]) == (3, 3, [])
    assert old_em.kinds() == ["win_service_info", "get_agent_status", "win_service"]
    assert new_em.kinds() == ["read_em_state", "get_agent_status"]


def test_an_agent_missing_from_the_inventory_but_known_to_the_em_holds_the_decommission(
        tp_service: Run, old_em: FakeWindows, new_em: FakeWindows) -> None:
    """Reproduction: an inventory without agent03; it is still active on the old EM, Lost Connection on the new."""
    old_em.agent_answers = [rows(agent01="Lost Connection", agent02="Lost Connection", agent03="Active")]
    new_em.agent_answers = [rows(agent01="Active", agent02="Active", agent03="Lost Connection")]
    for check_mode in (True, False):
        result = tp_service(DECOMMISSION, check_mode=check_mode)
        assert result["failed"] is True and "Nothing was changed" in result["msg"]
        assert "1 of the 3 agent(s) the EMs know are not active on new-em: AGENT03 (Lost Connection)" in result["msg"]
    assert old_em.services["sienterprisemanager"].state == "started" and "win_service" not in old_em.kinds()


def test_an_offline_agent_holds_it_until_named_abandoned(tp_service: Run, old_em: FakeWindows, new_em: FakeWindows) -> None:
    new_em.agent_answers = [rows(agent01="Active", agent02="Active", agent03="Stopped")]
    assert tp_service(DECOMMISSION)["failed"] is True
    result = tp_service({**DECOMMISSION, "abandoned_agents": ["agent03.corp.example"]})
    assert not result.get("failed") and result["stop_gate"]["abandoned_agents"] == ["agent03.corp.example"]
    assert old_em.services["sienterprisemanager"].start_mode == "disabled"


def test_disabling_without_a_successor_is_refused(tp_service: Run, old_em: FakeWindows) -> None:
    result = tp_service({"component": "enterprise_manager", "start_mode": "disabled"})
    assert result["failed"] is True and "option successor" in result["msg"]
    assert old_em.kinds() == ["win_service_info"] and old_em.services["sienterprisemanager"].start_mode == "auto"


def test_an_ad_hoc_stop_of_an_em_agents_are_on_is_refused(tp_service: Run, old_em: FakeWindows) -> None:
    """Reproduction: --start-at-task straight to "Stop and disable the old EM" on a fresh estate."""
    old_em.agent_answers = [rows(agent01="Active", agent02="Active", agent03="Active (Modules Pending)")]
    result = tp_service({"component": "enterprise_manager", "state": "stopped"})
    assert result["failed"] is True and "3 agent(s) are active on this Enterprise Manager" in result["msg"]
    assert result["stop_gate"]["active_here"] == ["AGENT01", "AGENT02", "AGENT03"]
    assert old_em.services["sienterprisemanager"].state == "started"


def test_a_stop_of_an_em_no_agent_is_on_needs_no_successor(tp_service: Run, old_em: FakeWindows) -> None:
    """The new EM's stop in vendor step 1: its list shows no agent active there."""
    result = tp_service({"component": "enterprise_manager", "state": "stopped"})
    assert not result.get("failed") and old_em.services["sienterprisemanager"].state == "stopped"


def test_a_brief_stop_names_the_agents_that_reconnect_but_never_lets_a_disable_pass(tp_service: Run, old_em: FakeWindows) -> None:
    """agents_reconnect: the new EM's certificate swap with a pilot agent on it stops and names it; a disable is still refused."""
    old_em.agent_answers = [rows(agent20="Active")] * 2
    refused = tp_service({"component": "enterprise_manager", "state": "stopped", "start_mode": "disabled", "agents_reconnect": True})
    assert refused["failed"] is True and "option successor" in refused["msg"]
    assert old_em.services["sienterprisemanager"].state == "started"
    result = tp_service({"component": "enterprise_manager", "state": "stopped", "agents_reconnect": True})
    assert not result.get("failed") and result["changed"] is True and result["stop_gate"]["active_here"] == ["AGENT20"]
    assert old_em.services["sienterprisemanager"].state == "stopped"


def test_a_stopped_em_is_not_read_and_a_restart_is_not_gated(tp_service: Run, old_em: FakeWindows) -> None:
    old_em.agent_answers = [rows(agent01="Active")]
    result = tp_service({"component": "enterprise_manager", "state": "restarted"})
    assert not result.get("failed") and "get_agent_status" not in old_em.kinds() and "stop_gate" not in result


def test_a_console_still_on_the_old_em_holds_the_decommission(tp_service: Run, old_em: FakeWindows,
                                                              console: FakeWindows) -> None:
    console.files[CONSOLE_CONFIG] = CONSOLE_TEXT.format(address="old-em.corp.example:3740").encode()
    result = tp_service({**DECOMMISSION, "consoles": ["console01"]})
    assert result["failed"] is True and "the console console01 still points at old-em.corp.example:3740" in result["msg"]
    assert old_em.services["sienterprisemanager"].state == "started"
    allowed = tp_service({**DECOMMISSION, "consoles": ["console01"], "abandoned_consoles": ["console01"]})
    assert not allowed.get("failed")


def test_a_console_on_the_new_em_lets_it_go_ahead(tp_service: Run, console: FakeWindows) -> None:
    result = tp_service({**DECOMMISSION, "consoles": ["console01"]})
    assert not result.get("failed")
    assert result["stop_gate"]["consoles"] == [{"host": "console01", "address": "new-em.corp.example:3740",
                                                "resolved": ["10.0.0.11"], "points_at_successor": True}]


def test_a_successor_that_is_not_running_is_refused(tp_service: Run, new_em: FakeWindows, old_em: FakeWindows) -> None:
    new_em.services["sienterprisemanager"].state = "stopped"
    result = tp_service(DECOMMISSION)
    assert result["failed"] is True and "new-em: the successor's Enterprise Manager service is stopped" in result["msg"]
    assert old_em.services["sienterprisemanager"].state == "started"
