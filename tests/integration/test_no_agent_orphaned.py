# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No agent is ever left on no EM, however migrate.yml is started: the reproductions of issue 7, end to end.

Each test is one way a user left agents registered nowhere before the rules moved into the modules: starting the
playbook part-way, an inventory that misses an agent, an ambiguous address, a failure inside a batch, a run killed
between the stop and the start of a restart, and runs that did nothing while reporting success.
"""

from __future__ import annotations

import typing as t

import pytest
import yaml

from inventory_edits import leave_out_of_inventory
from tplab import product, services, status
from tplab.estate import Estate
from tplab.playbook import PlaybookRun, run_playbook

pytestmark = pytest.mark.lab

QUICK = {"agent_verify_delay": 1, "agent_verify_timeout": 10, "tp_verify_delay": 1, "tp_verify_timeout": 10}


def migrate(estate: Estate, *args: str, **extra: t.Any) -> PlaybookRun:
    return run_playbook(estate, "migrate.yml", *args,
                        extra_vars={**QUICK, "tp_report_folder": str(estate.root / "reports"), **extra})


def old_em_service(estate: Estate) -> dict[str, t.Any]:
    return estate.host("old-em").system()["services"]["SIEnterpriseManager"]


def test_starting_at_the_decommission_stops_nothing(make_estate: t.Callable[..., Estate]) -> None:
    """--start-at-task skips the playbook's gates; tp_service reads the agent lists itself and refuses."""
    estate = make_estate(agents=3)
    run = migrate(estate, "--start-at-task", "Stop and disable the old Enterprise Manager (vendor step 5; uninstalling "
                  "stays a separate step)", tp_decommission_old_em=True)
    assert run.returncode != 0
    assert "not stopping or disabling the Enterprise Manager: 3 of the 3 agent(s) the EMs know are not active on new-em" \
        in run.output
    assert (old_em_service(estate)["state"], old_em_service(estate)["start_mode"]) == ("started", "auto")
    assert set(status.registered_on(estate).values()) == {"old-em"}


def test_starting_at_the_repoint_writes_no_agent(make_estate: t.Callable[..., Estate]) -> None:
    """--start-at-task past the new EM's phase: the new EM (freshly installed) lacks the old CA: no agent file written."""
    estate = make_estate(agents=3, new_em="fresh")
    before = status.tree_digest(estate)
    run = migrate(estate, "--start-at-task", "Point the agent at the new Enterprise Manager (refused unless that EM is proven ready for it)")
    assert run.returncode != 0 and "is not the CA of new-em" in run.output
    changed = {path for path, digest in status.tree_digest(estate).items() if before.get(path) != digest}
    assert not [path for path in changed if path.endswith(".config")], changed
    assert set(status.registered_on(estate).values()) == {"old-em"}


def test_an_agent_missing_from_the_inventory_holds_the_decommission(make_estate: t.Callable[..., Estate]) -> None:
    """The EM's agent list is the fleet: agent04 is not in the inventory, so it stays on the old EM, which stays up."""
    estate = make_estate(agents=4)
    leave_out_of_inventory(estate, "agent04")

    run = migrate(estate, tp_decommission_old_em=True)

    assert run.returncode != 0
    assert "AGENT04 (LostConnection)" in run.output and "The EM's agent list, not the inventory, is the fleet" in run.output
    assert old_em_service(estate)["state"] == "started" and old_em_service(estate)["start_mode"] == "auto"
    assert status.registered_on(estate) == {"agent01": "new-em", "agent02": "new-em", "agent03": "new-em",
                                            "agent04": "old-em"}
    abandoned = migrate(estate, tp_decommission_old_em=True, tp_abandoned_agents=["agent04"])
    assert abandoned.returncode == 0, abandoned.output[-3000:]
    assert old_em_service(estate)["start_mode"] == "disabled"


@pytest.mark.parametrize(("address", "expected"), [
    ("fd00::11:3741", "tp_new_em_address: 'fd00::11:3741' is ambiguous"),
    ("https://new-em.corp.example", "tp_new_em_address: 'https://new-em.corp.example' is a URL"),
    ("new-em.corp.example:99999", "tp_new_em_address: 'new-em.corp.example:99999' has port '99999'"),
    ("new em", "tp_new_em_address: 'new em' contains a space"),
    ("old-em", "tp_new_em_address: 'old-em' names the old EM"),
], ids=["unbracketed-ipv6", "url", "port-out-of-range", "space", "the-old-em"])
def test_a_bad_new_em_address_is_refused_once_before_any_change(make_estate: t.Callable[..., Estate], address: str,
                                                                expected: str) -> None:
    estate = make_estate(agents=2)
    before = status.tree_digest(estate)
    run = migrate(estate, tp_new_em_address=address)
    assert run.returncode != 0 and expected in run.output
    assert run.output.count(expected) <= 3, "named in the inventory check (and the final message), not per host"
    assert status.tree_digest(estate) == before


def test_an_address_that_resolves_to_the_old_em_is_refused_in_the_agents_preflight(
        make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=2)
    old_ip = estate.host("old-em").system()["addresses"][0]
    before = status.tree_digest(estate)
    run = migrate(estate, tp_new_em_address=old_ip)
    assert run.returncode != 0 and f"{old_ip} is not an address of new-em" in run.output
    assert status.tree_digest(estate) == before


@pytest.mark.parametrize(("batches", "fault"), [
    ([1, "100%"], "locked"), (["10%", "100%"], "locked"), ([1, "100%"], "unreachable_after"),
], ids=["100%-batch-locked", "10%-batch-locked", "100%-batch-unreachable"])
def test_one_agent_failing_inside_a_batch_is_blamed_alone(make_estate: t.Callable[..., Estate],
                                                          batches: list[t.Any], fault: str) -> None:
    estate = make_estate(agents=10)
    failing = ["agent05"] + (["agent01"] if batches[0] == "10%" else [])  # the 10% batch is agent01 alone
    for name in failing:
        if fault == "locked":
            agent = estate.host(name)
            estate.set_fault(name, "locked", [product.executable(agent.system()["services"]["SIWindowsAgent"]["path"])
                                              + ".config"])
        else:
            estate.set_fault(name, "unreachable_after", 1)  # the preflight read gets through, nothing after it

    run = migrate(estate, tp_agent_batches=batches, tp_agent_max_fail_percentage=100)

    failed = set(run.failures()) - {"localhost"}
    expected = set(failing)
    assert failed == expected, run.output[-4000:]
    assert "HostVarsVars" not in run.output and "ansible_failed_task" not in run.output
    moved = {name for name, em in status.registered_on(estate).items() if em == "new-em"}
    assert moved == {f"agent{n:02d}" for n in range(1, 11)} - expected


def test_a_stopped_agent_already_on_the_new_em_is_started_by_the_next_run(make_estate: t.Callable[..., Estate]) -> None:
    """A run killed between the stop and the start of agent02's restart: the re-run starts it, and completes."""
    estate = make_estate(agents=3)
    assert migrate(estate).returncode == 0
    services.stop(estate.host("agent02"), "SIWindowsAgent")
    assert status.registered_on(estate)["agent02"] == "-"
    again = migrate(estate)
    assert again.returncode == 0, again.output[-3000:]
    assert status.registered_on(estate)["agent02"] == "new-em"


@pytest.mark.parametrize(("args", "expected"), [
    (("--tags", "preflight"), "migrate.yml does not run with --tags or --skip-tags"),
    (("--limit", "agent03"), "agent03: this run has no migration plan: its --limit (agent03) leaves out localhost"),
], ids=["tags", "limit-without-localhost"])
def test_a_run_that_would_do_nothing_says_so_and_fails(make_estate: t.Callable[..., Estate], args: tuple[str, ...],
                                                       expected: str) -> None:
    estate = make_estate(agents=3)
    before = status.tree_digest(estate)
    run = migrate(estate, *args)
    assert run.returncode != 0 and expected in run.output
    assert status.tree_digest(estate) == before


def test_a_misspelled_variable_gets_a_warning_naming_the_nearest_one(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=1)
    run = migrate(estate, "--check", tp_decomission_old_em=True)
    assert "the variable tp_decomission_old_em is not one the collection reads" in run.output
    assert "did you mean tp_decommission_old_em?" in run.output


def test_the_report_names_the_agents_the_em_knows_and_the_inventory_lacks(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=3)
    leave_out_of_inventory(estate, "agent03")
    run = migrate(estate, "--check")
    assert run.returncode == 0, run.output[-3000:]
    (path,) = sorted((estate.root / "reports").glob("tp-migration-*.md"))
    text = path.read_text(encoding="utf-8")
    assert "Listed by the old EM, not in the inventory (not moved; they hold the decommission): `AGENT03`" in text


def test_excluded_agents_stay_on_the_old_em_and_hold_the_decommission(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=3)
    run = migrate(estate, tp_agents_excluded=["agent02"], tp_decommission_old_em=True)
    assert run.returncode != 0
    assert status.registered_on(estate) == {"agent01": "new-em", "agent02": "old-em", "agent03": "new-em"}
    assert old_em_service(estate)["start_mode"] == "auto" and "AGENT02" in run.output
    assert not [entry for entry in run.results if entry["host"] == "agent02" and "tp_agent_config" in str(entry)]


def test_discover_agents_writes_an_inventory_of_what_the_em_lists(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=3)
    target = estate.root / "tp-agents.yml"
    run = run_playbook(estate, "discover_agents.yml", extra_vars={"tp_discovered_inventory": str(target)})
    assert run.returncode == 0, run.output[-3000:]
    hosts = yaml.safe_load(target.read_text(encoding="utf-8"))["all"]["children"]["tp_agents"]["hosts"]
    assert set(hosts) == {"agent01", "agent02", "agent03"}
    assert hosts["agent01"] == {"ansible_host": "agent01.corp.example", "tp_discovered_status": "Active"}
