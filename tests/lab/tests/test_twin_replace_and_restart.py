# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""replace_file.ps1 with RestartService, through its twin: the write and the agent's restart in one round trip.

The agent must end on the file it can run with: the new one when it restarts, the previous one (with the
service as it was found) when it does not. A read that no longer holds (the file, or the service's state,
start mode or stop control) changes nothing and comes back as ``stale``.
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from tplab import product, services
from tplab.estate import Estate, Host
from tplab.twins import TWINS, ScriptError, ScriptRun
from tplab.windows.network import admin_session

AGENT = "SIWindowsAgent"
NEW = b'<?xml version="1.0"?>\r\n<configuration><appSettings><add key="managerAddress" value="new-em:3741" /></appSettings></configuration>\r\n'


def config_path(host: Host) -> str:
    return product.executable(host.system()["services"][AGENT]["path"]) + ".config"


def restart_replace(estate: Estate, name: str, state: str | None = None, **extra: str) -> ScriptRun:
    host = estate.host(name)
    path = config_path(host)
    run = ScriptRun(estate=estate, host=host, check_mode=False, session=admin_session(estate, name))
    TWINS["replace_file"](run, {
        "Path": path, "ContentBase64": base64.b64encode(NEW).decode("ascii"), "Sha256": hashlib.sha256(NEW).hexdigest(),
        "ExpectedSha256": hashlib.sha256(host.path(path).read_bytes()).hexdigest(), "BackupPath": "",
        "RecordPath": path + ".tp-written.json", "RestartService": AGENT,
        "ServiceState": state or host.system()["services"][AGENT]["state"], **extra})
    return run


def service(host: Host) -> dict[str, object]:
    return host.system()["services"][AGENT]


def test_the_agent_is_restarted_on_the_new_file_in_the_same_call(estate: Estate) -> None:
    host = estate.host("agent01")
    before_start = service(host)["started_ms"]
    run = restart_replace(estate, "agent01")
    assert run.result["restart"] == {"restarted": True, "error": None, "restored": False, "restore_error": None,
                                     "started_again": False, "start_again_error": None}
    assert host.path(config_path(host)).read_bytes() == NEW
    assert service(host)["state"] == "started" and service(host)["started_ms"] >= before_start
    assert service(host)["effective_manager"] == "new-em:3741"  # the program read the file when it started


def test_a_stopped_agent_is_started_on_the_new_file(estate: Estate) -> None:
    host = estate.host("agent02")
    with host.editing_system() as system:
        system["services"][AGENT].update(state="stopped", effective_manager=None)
    run = restart_replace(estate, "agent02")
    assert run.result["restart"]["restarted"] is True and service(host)["state"] == "started"


@pytest.mark.parametrize("was", ["started", "stopped"])
def test_an_agent_that_will_not_start_gets_its_previous_file_back_and_its_state(estate: Estate, was: str) -> None:
    host = estate.host("agent03")
    path = config_path(host)
    previous = host.path(path).read_bytes()
    if was == "stopped":
        with host.editing_system() as system:
            system["services"][AGENT].update(state="stopped", effective_manager=None)
    estate.set_fault("agent03", "service_start_fails", True)
    run = restart_replace(estate, "agent03")
    outcome = run.result["restart"]
    assert outcome["restarted"] is False and "cannot be started due to the following error" in outcome["error"]
    assert outcome["restored"] is True and host.path(path).read_bytes() == previous
    record = json.loads(host.path(path + ".tp-written.json").read_text(encoding="utf-8"))
    assert record["sha256"] == hashlib.sha256(previous).hexdigest()  # the record names what the file holds
    # Started again only when it was running; the fault makes that start fail too, and the outcome says so.
    assert outcome["started_again"] is False
    assert (outcome["start_again_error"] is not None) is (was == "started")
    assert service(host)["state"] == "stopped"


def test_a_restore_that_works_brings_a_running_agent_back_on_the_previous_file(
        estate: Estate, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the first start fails (an agent that will not run with the new file), as a bad new address would."""
    host = estate.host("agent04")
    real_start, calls = services.start, []

    def first_start_fails(target: Host, name: str) -> None:
        calls.append(name)
        if len(calls) == 1:
            with target.editing_system() as system:
                system["services"][name]["state"] = "stopped"
            raise services.ServiceError(f"Service 'X ({name})' cannot be started due to the following error: Cannot start "
                                        f"service {name} on computer '.'.")
        real_start(target, name)

    monkeypatch.setattr(services, "start", first_start_fails)
    previous_manager = service(host)["effective_manager"]
    outcome = restart_replace(estate, "agent04").result["restart"]
    assert outcome["restored"] is True and outcome["started_again"] is True and outcome["start_again_error"] is None
    assert service(host)["state"] == "started" and service(host)["effective_manager"] == previous_manager


@pytest.mark.parametrize("change", ["state", "disabled", "hardened", "removed", "file"])
def test_a_read_that_no_longer_holds_changes_nothing(estate: Estate, change: str) -> None:
    host = estate.host("agent01")
    path = config_path(host)
    before, state_before = host.path(path).read_bytes(), dict(service(host))
    state = "stopped" if change == "state" else None
    extra = {"ExpectedSha256": "0" * 64} if change == "file" else {}
    with host.editing_system() as system:
        if change == "disabled":
            system["services"][AGENT]["start_mode"] = "disabled"
        elif change == "hardened":
            system["services"][AGENT]["hardened"] = True
        elif change == "removed":
            system["services"]["Renamed"] = system["services"].pop(AGENT)
    run = ScriptRun(estate=estate, host=host, check_mode=False, session=admin_session(estate, "agent01"))
    TWINS["replace_file"](run, {"Path": path, "ContentBase64": base64.b64encode(NEW).decode("ascii"),
                                "Sha256": hashlib.sha256(NEW).hexdigest(),
                                "ExpectedSha256": hashlib.sha256(before).hexdigest(), "BackupPath": "",
                                "RestartService": AGENT, "ServiceState": state or "started", **extra})
    assert set(run.result) == {"stale"} and run.result["stale"].endswith("Nothing was changed; run again.")
    assert run.changed is False and host.path(path).read_bytes() == before
    current = host.system()["services"].get(AGENT) or host.system()["services"]["Renamed"]
    assert current["state"] == state_before["state"]


def test_restart_service_without_the_previous_bytes_is_refused(estate: Estate) -> None:
    with pytest.raises(ScriptError, match="RestartService needs ExpectedSha256"):
        restart_replace(estate, "agent01", ExpectedSha256="")
