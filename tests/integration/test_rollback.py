# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""rollback.yml: agents and consoles back to the old EM, after a migration that decommissioned it."""

from __future__ import annotations

import json
import typing as t

import pytest

from tplab import dotnet_config, status
from tplab.estate import Estate
from tplab.playbook import PlaybookRun, run_playbook
from tplab.product import CONSOLE_CONFIG

pytestmark = pytest.mark.lab

QUICK = {"agent_verify_delay": 1, "agent_verify_timeout": 10, "tp_verify_delay": 1, "tp_verify_timeout": 10}


def play(estate: Estate, playbook: str, *args: str, **extra: t.Any) -> PlaybookRun:
    return run_playbook(estate, playbook, *args, extra_vars={**QUICK, "tp_report_folder": str(estate.root / "reports"), **extra})


def service(estate: Estate, host: str) -> dict[str, t.Any]:
    return estate.host(host).system()["services"]["SIEnterpriseManager"]


def console_address(estate: Estate, host: str) -> str | None:
    return dotnet_config.read_app_setting(estate.host(host).path(CONSOLE_CONFIG).read_bytes(), "managerAddress")


@pytest.fixture
def migrated(make_estate: t.Callable[..., Estate]) -> Estate:
    """An estate migrated to the new EM, the old one decommissioned."""
    estate = make_estate(agents=4, consoles=1)
    run = play(estate, "migrate.yml", tp_decommission_old_em=True)
    assert run.returncode == 0, run.output[-3000:]
    assert service(estate, "old-em")["start_mode"] == "disabled"
    return estate


def test_rollback_restarts_the_old_em_and_moves_every_agent_and_console_back(migrated: Estate) -> None:
    run = play(migrated, "rollback.yml")
    assert run.returncode == 0, run.output[-4000:]
    assert (service(migrated, "old-em")["state"], service(migrated, "old-em")["start_mode"]) == ("started", "auto")
    assert set(status.registered_on(migrated).values()) == {"old-em"}
    assert console_address(migrated, "console01") == "old-em.corp.example:3740"
    assert service(migrated, "new-em")["state"] == "started", "the new EM is only stopped when asked"
    (path,) = sorted((migrated.root / "reports").glob("tp-rollback-*.json"))
    report = json.loads(path.read_text(encoding="utf-8"))
    assert report["outcome"] == "completed" and report["kind"] == "rollback" and report["verification"]["missing"] == []
    again = play(migrated, "rollback.yml")
    assert again.returncode == 0 and "changed=1" not in again.output.split("PLAY RECAP")[1].replace("localhost", "")


def test_rollback_stops_the_new_em_only_when_asked_and_every_agent_is_back(migrated: Estate) -> None:
    run = play(migrated, "rollback.yml", tp_rollback_stop_new_em=True)
    assert run.returncode == 0, run.output[-4000:]
    assert service(migrated, "new-em")["state"] == "stopped"
    assert set(status.registered_on(migrated).values()) == {"old-em"}


def test_an_agent_that_cannot_reach_the_old_em_is_put_back_on_the_new_one(migrated: Estate) -> None:
    migrated.set_fault("old-em", "blocks_agents", ["agent02"])
    run = play(migrated, "rollback.yml", tp_rollback_stop_new_em=True, tp_agent_max_fail_percentage=100)
    assert run.returncode != 0
    assert "agent02: the agent is not active on old-em, the Enterprise Manager it was pointed at" in run.output
    assert "it is active on new-em again" in run.output
    assert status.registered_on(migrated)["agent02"] == "new-em"
    assert service(migrated, "new-em")["state"] == "started", "an agent is still on it"
