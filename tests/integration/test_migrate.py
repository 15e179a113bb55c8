# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/migrate.yml against generated estates: the whole procedure, re-runs, check mode, faults, bad input."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import pytest

from tplab import certs, dotnet_config, product, status
from tplab.generator import SQL_PASSWORD
from tplab.product import CONSOLE_CONFIG
from tplab.estate import Estate
from tplab.playbook import PlaybookRun, run_playbook

pytestmark = pytest.mark.lab

EM_CERTS = "C:\\Program Files\\Netwrix\\Netwrix Threat Prevention\\SIEnterpriseManager\\CertsInfo"


def migrate(estate: Estate, *args: str, **extra: t.Any) -> PlaybookRun:
    """Run migrate.yml with quick verification polls and the report inside the estate folder."""
    return run_playbook(estate, "migrate.yml", *args, extra_vars={
        "agent_verify_delay": 1, "agent_verify_timeout": 15, "tp_verify_delay": 1, "tp_verify_timeout": 15,
        "tp_report_folder": str(estate.root / "reports"), **extra})


def em(estate: Estate, name: str) -> dict[str, t.Any]:
    return next(row for row in status.em_rows(estate) if row["em"] == name)


def report(estate: Estate) -> dict[str, t.Any]:
    """The latest run's report (each run writes its own, named after its start time)."""
    path = sorted((estate.root / "reports").glob("*.json"))[-1]
    return json.loads(path.read_text(encoding="utf-8"))


def exports_left(estate: Estate) -> list[str]:
    """SecretMgr exports or private folders anywhere on any host."""
    return [str(path.relative_to(estate.root)) for path in (estate.root / "hosts").rglob("*") if "tp-secret-" in path.name.lower()]


def test_full_migration_moves_everything_and_a_second_run_changes_nothing(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=20, consoles=2, new_em="fresh")
    assert em(estate, "new-em")["old_ca"] is False and em(estate, "new-em")["db_secret"] is False
    estate.reset_calls()

    first = migrate(estate)

    assert first.returncode == 0, first.output
    assert set(status.registered_on(estate).values()) == {"new-em"}
    expected = {"em": "new-em", "role": "new_em", "service": "started", "start_mode": "auto", "old_ca": True, "db_secret": True}
    assert em(estate, "new-em") == expected
    assert em(estate, "old-em")["service"] == "started", "without tp_decommission_old_em the old EM keeps running"
    for console in ("console01", "console02"):
        config = estate.host(console).path(CONSOLE_CONFIG).read_bytes()
        assert dotnet_config.read_app_setting(config, "managerAddress") == "new-em.corp.example:3740"
    assert exports_left(estate) == []
    data = report(estate)
    assert data["outcome"] == "completed" and data["verification"]["missing"] == []
    assert sorted((estate.root / "reports").glob("*.md"))

    # What it cost: the preflight's read is the repoint's read, and the write, the restart and the restore-if-need-be
    # are one call, so two remote calls per agent or console that changed and one per host that needed nothing.
    repointed = {entry["host"]: bool(entry["result"].get("changed")) for entry in first.results
                 if entry["task"].startswith(("netwrix.threat_prevention.agent : Point", "netwrix.threat_prevention.console : Point"))}
    assert len(repointed) == 22 and sum(repointed.values()) >= 20, repointed
    assert {name: len(estate.calls(name)) for name in repointed} == {name: 1 + changed for name, changed in repointed.items()}
    estate.reset_calls()

    second = migrate(estate)
    assert second.returncode == 0, second.output
    assert all(counts["changed"] == 0 for counts in second.recap().values()), second.output
    assert all(estate.calls(name) == ["win_powershell"] for name in repointed), "a re-run reads each host once"


def test_check_mode_changes_nothing_and_says_what_would_change(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=3, consoles=1, new_em="fresh")
    before = status.tree_digest(estate)

    run = migrate(estate, "--check", "--diff")

    assert run.returncode == 0, run.output
    assert status.tree_digest(estate) == before, "check mode changed a file or a service on an emulated host"
    assert "+Em-key.pem  sha256:" in run.output and "-Em-key.pem  sha256:" in run.output
    assert "BEGIN" not in run.output, "a diff showed certificate or key content"
    assert sum(1 for line in run.output.splitlines() if line.startswith("+") and "new-em.corp.example:374" in line) == 4
    assert report(estate)["outcome"].startswith("check mode")


def test_decommission_only_with_the_flag_and_only_after_every_agent_is_verified(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=3, new_em="fresh")
    agent = estate.host("agent02")
    agent.path(product.install_folder(agent.system()["services"]["SIWindowsAgent"]) + "\\CertsInfo\\ca-crt.pem").write_bytes(
        certs.make_ca("Another EM's CA").cert_pem)

    blocked = migrate(estate, tp_decommission_old_em=True, tp_agent_max_fail_percentage=100)

    assert blocked.returncode != 0
    assert em(estate, "old-em")["service"] == "started", "an unverified agent must keep the old EM running"
    assert report(estate)["verification"]["missing"] == ["agent02"]

    agent.path(product.install_folder(agent.system()["services"]["SIWindowsAgent"]) + "\\CertsInfo\\ca-crt.pem").write_bytes(
        estate.host("agent01").path(product.install_folder(estate.host("agent01").system()["services"]["SIWindowsAgent"])
                                    + "\\CertsInfo\\ca-crt.pem").read_bytes())
    done = migrate(estate, tp_decommission_old_em=True)

    assert done.returncode == 0, done.output
    assert (em(estate, "old-em")["service"], em(estate, "old-em")["start_mode"]) == ("stopped", "disabled")
    assert set(status.registered_on(estate).values()) == {"new-em"}
    assert report(estate)["outcome"] == "completed, old EM stopped and disabled"


FAULTS = {
    "secretmgr": (lambda estate: estate.set_fault("old-em", "secretmgr_fails", True), "old-em", "Move the secret"),
    "new_em_start": (lambda estate: estate.set_fault("new-em", "service_start_fails", ["SIEnterpriseManager"]), "new-em",
                     "Start this EM"),
    # A full disk on the new EM is found by the preflight's self-test of the atomic replace in CertsInfo,
    # before anything changes.
    "disk_full": (lambda estate: estate.set_fault("new-em", "partial_write", True), "new-em",
                  "Validate the old EM's certificates"),
    # The preflight makes 10 calls on the old EM and the new EM role re-checks with 7 more; the old EM then stops
    # answering while the certificates are read, after the new EM was stopped.
    "old_em_unreachable": (lambda estate: estate.set_fault("old-em", "unreachable_after", 17), "old-em", "Move the certificates"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_stops_the_run_leaves_the_old_em_serving_and_a_rerun_completes(
        make_estate: t.Callable[..., Estate], fault: str) -> None:
    estate = make_estate(agents=3, new_em="fresh")
    inject, host, step = FAULTS[fault]
    inject(estate)

    failed = migrate(estate)

    assert failed.returncode != 0
    errors = report(estate)["failed"]
    assert list(errors) == ["new-em"], errors
    assert step in errors["new-em"] and host in errors["new-em"], errors
    assert f"new-em: {step}" in failed.output.replace("\n", " ") or step in failed.output
    assert em(estate, "old-em")["service"] == "started"
    assert set(status.registered_on(estate).values()) == {"old-em"}, "agents must stay connected to the old EM"
    assert exports_left(estate) == []

    estate.clear_faults()
    again = migrate(estate)

    assert again.returncode == 0, again.output
    assert set(status.registered_on(estate).values()) == {"new-em"}
    assert em(estate, "new-em")["db_secret"] and em(estate, "new-em")["old_ca"]
    assert exports_left(estate) == []


def _customer(estate: Estate) -> None:
    del estate


def _mismatched_key(estate: Estate) -> None:
    estate.host("old-em").path(EM_CERTS + "\\Em-key.pem").write_bytes(certs.issue(certs.make_ca(), "x").key_pem)


def _missing_pem(estate: Estate) -> None:
    estate.host("old-em").path(EM_CERTS + "\\Em-crt.pem").unlink()


def _two_old_ems(estate: Estate) -> None:
    inventory = estate.root / "inventory.yml"
    inventory.write_text(inventory.read_text(encoding="utf-8").replace(
        "    tp_old_em:\n      hosts:\n", "    tp_old_em:\n      hosts:\n        agent01:\n"), encoding="utf-8")


BAD_INPUT = {
    "customer_supplied": ({"certificates": "customer"}, _customer, "customer-supplied"),
    "mismatched_key": ({}, _mismatched_key, "Em-key.pem"),
    "missing_pem": ({}, _missing_pem, "Em-crt.pem"),
    "version_mismatch": ({"new_em_version": "7.5.0.100"}, _customer, "product versions differ"),
    "different_databases": ({"new_em_sql_server": "sql02.corp.example,1433"}, _customer, "sql02"),
    "two_old_ems": ({}, _two_old_ems, "tp_old_em group must hold exactly one host"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_refused_in_preflight_with_nothing_changed(make_estate: t.Callable[..., Estate], case: str) -> None:
    spec, spoil, says = BAD_INPUT[case]
    estate = make_estate(agents=2, new_em="fresh", **spec)
    spoil(estate)
    before = status.tree_digest(estate)

    run = migrate(estate)

    assert run.returncode != 0
    assert says in run.output, run.output[-3000:]
    assert status.tree_digest(estate) == before, "a refused migration changed something"
    assert report(estate)["outcome"].startswith(("stopped after the preflight", "refused"))


def test_agents_and_consoles_config_paths_in_reports_name_no_secret(make_estate: t.Callable[..., Estate]) -> None:
    """The report holds names, addresses and digests: never the SQL password from the EM config."""
    estate = make_estate(agents=2, consoles=1, new_em="fresh")
    run = migrate(estate)
    assert run.returncode == 0, run.output
    for path in (estate.root / "reports").iterdir():
        assert SQL_PASSWORD not in path.read_text(encoding="utf-8")
    assert Path(estate.root / "reports").is_dir()


def test_a_limit_that_leaves_out_localhost_changes_nothing(make_estate: t.Callable[..., Estate]) -> None:
    """Without the localhost plays there is no plan and no preflight: every other play must end unchanged."""
    estate = make_estate(agents=1, consoles=1, new_em="fresh")
    before = status.tree_digest(estate)
    run = migrate(estate, "--limit", "tp_new_em:tp_agents:tp_consoles")
    assert status.tree_digest(estate) == before, run.output[-2000:]
    assert "changed=1" not in run.output


def test_consoles_get_the_console_port_even_when_the_new_em_address_names_the_agent_port(
        make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=1, consoles=1, new_em="fresh")
    run = migrate(estate, tp_new_em_address="new-em.corp.example:3741")
    assert run.returncode == 0, run.output[-3000:]
    console = estate.host("console01").path(CONSOLE_CONFIG).read_bytes()
    assert dotnet_config.read_app_setting(console, "managerAddress") == "new-em.corp.example:3740"
    assert status.registered_on(estate) == {"agent01": "new-em"}
