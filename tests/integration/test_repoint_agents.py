# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/repoint_agents.yml against 22 emulated agents, with faults, re-runs and check mode."""

from __future__ import annotations

import typing as t

import pytest

from tplab import certs, product, status
from tplab.estate import Estate
from tplab.playbook import run_playbook

pytestmark = pytest.mark.lab

# Agents register as soon as their service starts in the lab, so verification can poll quickly.
FAST = {"agent_verify_delay": 1, "agent_verify_timeout": 20}
TOLERANT = {**FAST, "tp_agent_max_fail_percentage": 100}


def agent_config(estate: Estate, name: str) -> bytes:
    host = estate.host(name)
    service = host.system()["services"]["SIWindowsAgent"]
    return host.path(product.executable(service["path"]) + ".config").read_bytes()


def registered_on(estate: Estate) -> dict[str, str]:
    return {row["agent"]: row["registered_on"] for row in status.agent_rows(estate)}


def inject_faults(estate: Estate) -> dict[str, str]:
    """One agent per fault kind; returns agent -> what its error must mention."""
    estate.set_fault("agent03", "unreachable", True)
    config_of_05 = product.executable(estate.host("agent05").system()["services"]["SIWindowsAgent"]["path"]) + ".config"
    estate.set_fault("agent05", "locked", [config_of_05])
    estate.set_fault("agent07", "partial_write", True)
    estate.set_fault("agent09", "service_start_fails", ["SIWindowsAgent"])
    with estate.host("agent11").editing_system() as system:
        system["services"]["SIWindowsAgent"]["hardened"] = True
    broken = estate.host("agent13").path(
        product.executable(estate.host("agent13").system()["services"]["SIWindowsAgent"]["path"]) + ".config")
    broken.write_bytes(broken.read_bytes().replace(b"</appSettings>", b"</appSetings>", 1)
                       if b"</appSettings>" in broken.read_bytes() else broken.read_bytes()[:-40])
    return {
        "agent03": "Connection refused",
        "agent05": "being used by another process",
        "agent07": "not enough space on the disk",
        "agent09": "was put back",
        "agent11": "Soften",
        "agent13": "Nothing was changed",
    }


def test_faults_are_reported_and_leave_files_untouched_while_healthy_agents_move(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate()
    expected_errors = inject_faults(estate)
    before = {row["agent"]: agent_config(estate, row["agent"]) for row in status.agent_rows(estate)}

    run = run_playbook(estate, "repoint_agents.yml", extra_vars=TOLERANT)

    assert run.returncode != 0, "a run with failed agents must not exit 0"
    failures = run.failures()
    assert set(failures) == set(expected_errors), run.output
    for agent, needle in expected_errors.items():
        assert needle in failures[agent], f"{agent}: {failures[agent]!r} does not mention {needle!r}"
        assert agent in failures[agent] or needle == "Connection refused", failures[agent]
        assert agent_config(estate, agent) == before[agent], f"{agent}: a faulty agent's config file changed"
    where = registered_on(estate)
    healthy = [agent for agent in before if agent not in expected_errors]
    assert len(healthy) == 16
    assert {agent: where[agent] for agent in healthy} == {agent: "new-em" for agent in healthy}
    # Not orphaned: the faulty agents that can run are still connected to the old EM.
    assert {agent: where[agent] for agent in ("agent03", "agent05", "agent07", "agent11")} == dict.fromkeys(
        ("agent03", "agent05", "agent07", "agent11"), "old-em")


def test_second_run_changes_nothing_and_a_rerun_after_fixing_faults_completes(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate()
    inject_faults(estate)
    run_playbook(estate, "repoint_agents.yml", extra_vars=TOLERANT)

    second = run_playbook(estate, "repoint_agents.yml", extra_vars=TOLERANT)
    recap = second.recap()
    healthy = [agent for agent in recap if agent not in ("agent03", "agent05", "agent07", "agent09", "agent11", "agent13")]
    assert healthy and all(recap[agent]["changed"] == 0 for agent in healthy), second.output

    estate.clear_faults()
    with estate.host("agent11").editing_system() as system:
        system["services"]["SIWindowsAgent"]["hardened"] = False
    broken = agent_config(estate, "agent13")
    estate.host("agent13").path(product.executable(
        estate.host("agent13").system()["services"]["SIWindowsAgent"]["path"]) + ".config").write_bytes(
        broken.replace(b"</appSetings>", b"</appSettings>"))
    third = run_playbook(estate, "repoint_agents.yml", extra_vars=FAST)
    assert third.returncode == 0, third.output
    assert set(registered_on(estate).values()) == {"new-em"}
    fourth = run_playbook(estate, "repoint_agents.yml", extra_vars=FAST)
    assert fourth.returncode == 0 and all(host["changed"] == 0 for host in fourth.recap().values()), fourth.output


def test_check_mode_changes_nothing_and_reports_what_would_change(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate()
    before = status.tree_digest(estate)

    run = run_playbook(estate, "repoint_agents.yml", "--check", "--diff", extra_vars=FAST)

    assert run.returncode == 0, run.output
    assert status.tree_digest(estate) == before, "check mode changed a file or a service on an emulated host"
    recap = run.recap()
    assert recap["agent20"]["changed"] == 0, "agent20 already points at the new EM"
    assert sum(host["changed"] for host in recap.values()) == 21
    added = [line for line in run.output.splitlines() if line.startswith("+") and "new-em.corp.example:3741" in line]
    assert len(added) == 21, "--diff must show the new address once for every agent that would change"
    assert set(registered_on(estate).values()) == {"old-em", "new-em"}


def test_an_invalid_address_is_refused_everywhere_before_anything_changes(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=4)
    before = status.tree_digest(estate)

    run = run_playbook(estate, "repoint_agents.yml", extra_vars={**FAST, "tp_new_em_address": "new em:3741"})

    assert run.returncode != 0
    assert "option manager_address" in run.failures()["agent01"] and "Nothing was changed" in run.failures()["agent01"]
    assert status.tree_digest(estate) == before


def test_an_agent_whose_ca_the_new_em_does_not_hold_is_refused_before_its_file_changes(
        make_estate: t.Callable[..., Estate]) -> None:
    """The proof compares the agent's own ca-crt.pem with the new EM's CA in the call that would write: no write."""
    estate = make_estate(agents=5)
    agent = estate.host("agent03")
    folder = product.install_folder(agent.system()["services"]["SIWindowsAgent"])
    agent.path(f"{folder}\\CertsInfo\\ca-crt.pem").write_bytes(certs.make_ca("Another EM's CA").cert_pem)
    before = agent.path(f"{folder}\\SIWindowsAgent.exe.config").read_bytes()

    run = run_playbook(estate, "repoint_agents.yml", extra_vars={**TOLERANT, "agent_verify_timeout": 3})

    failures = run.failures()
    assert set(failures) == {"agent03"}, run.output
    assert "agent03: not pointing the agent at new-em.corp.example:3741 (new-em): the CA that signed" in failures["agent03"]
    assert agent.path(f"{folder}\\SIWindowsAgent.exe.config").read_bytes() == before
    assert registered_on(estate) == {"agent01": "new-em", "agent02": "new-em", "agent03": "-", "agent04": "new-em",
                                     "agent05": "new-em"}


def test_an_agent_that_does_not_register_on_the_new_em_is_put_back_on_the_old_one(
        make_estate: t.Callable[..., Estate]) -> None:
    """Verification is real: a firewall on the new EM drops agent03; it is restored, restarted and active on the old EM."""
    estate = make_estate(agents=5)
    estate.set_fault("new-em", "blocks_agents", ["agent03"])

    run = run_playbook(estate, "repoint_agents.yml", extra_vars={**TOLERANT, "agent_verify_timeout": 3})

    failures = run.failures()
    assert set(failures) == {"agent03"}, run.output
    assert "agent03: the agent is not active on new-em, the Enterprise Manager it was pointed at" in failures["agent03"]
    assert "It was put back" in failures["agent03"] and "it is active on old-em again" in failures["agent03"]
    assert registered_on(estate) == {"agent01": "new-em", "agent02": "new-em", "agent03": "old-em", "agent04": "new-em",
                                     "agent05": "new-em"}


def test_with_agent_on_failure_leave_the_agent_stays_on_the_new_address(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=3)
    estate.set_fault("new-em", "blocks_agents", ["agent02"])

    run = run_playbook(estate, "repoint_agents.yml",
                       extra_vars={**TOLERANT, "agent_verify_timeout": 3, "tp_agent_on_failure": "leave"})

    assert "It was left on the new address" in run.failures()["agent02"]
    assert registered_on(estate)["agent02"] == "-"


def test_a_run_cut_off_between_the_write_and_the_restart_is_finished_by_the_next(make_estate: t.Callable[..., Estate]) -> None:
    """The new file is written but the agent never restarted (the write and the restart are one remote call, so this is
    a host-side script cut off between them, or a run with agent_restart off): the agent keeps running on the old
    address; a re-run sees the file is the collection's and newer than the running agent, restarts it, and it arrives."""
    estate = make_estate(agents=3)

    first = run_playbook(estate, "repoint_agents.yml", "--limit", "agent02",
                         extra_vars={**FAST, "agent_restart": False, "agent_verify": False})
    assert first.returncode == 0, first.output
    assert b"new-em.corp.example:3741" in agent_config(estate, "agent02")
    assert registered_on(estate)["agent02"] == "old-em", "not restarted, so still on the old EM"

    second = run_playbook(estate, "repoint_agents.yml", extra_vars=FAST)
    assert second.returncode == 0, second.output
    finished = next(entry["result"] for entry in second.results
                    if entry["host"] == "agent02" and entry["task"].startswith("netwrix.threat_prevention.agent : Point"))
    assert finished["pending_restart"] is True and finished["restarted"] is True and finished["changed"] is True
    assert registered_on(estate) == dict.fromkeys(("agent01", "agent02", "agent03"), "new-em")
