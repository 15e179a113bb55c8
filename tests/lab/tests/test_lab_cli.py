# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's command line (python -m tplab): what each command prints and what it does to the estate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tplab import cli, dotnet_config, product, services, twins
from tplab.estate import Estate

LAB_PATH = Path(__file__).resolve().parents[1]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run tplab.cli.main and return its exit code, stdout and stderr."""
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def agent_config_path(estate: Estate, agent: str) -> str:
    return product.executable(estate.host(agent).system()["services"]["SIWindowsAgent"]["path"]) + ".config"


# up and down --------------------------------------------------------------------------------------
def test_up_creates_a_booted_estate_and_its_inventory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """up DIR --agents 3 builds old-em, new-em and three agents, writes inventory.yml and says where."""
    root = tmp_path / "estate"
    code, out, _err = run_cli(capsys, "up", str(root), "--agents", "3")
    assert code == 0
    assert f"estate ready: {root}" in out and str(root / "inventory.yml") in out
    estate = Estate(root)
    assert estate.exists()
    assert sorted(host.name for host in estate.hosts()) == ["agent01", "agent02", "agent03", "new-em", "old-em"]
    inventory = yaml.safe_load((root / "inventory.yml").read_text(encoding="utf-8"))
    assert set(inventory["all"]["children"]["tp_agents"]["hosts"]) == {"agent01", "agent02", "agent03"}
    assert {agent.name: product.connected_em(estate, agent).name for agent in estate.hosts("agent")} == dict.fromkeys(
        ["agent01", "agent02", "agent03"], "old-em")


def test_up_uses_the_given_domain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """up --domain names every host in that domain, in its system record and in the inventory."""
    root = tmp_path / "estate"
    assert run_cli(capsys, "up", str(root), "--agents", "1", "--domain", "lab.test")[0] == 0
    estate = Estate(root)
    assert estate.host("agent01").system()["fqdn"] == "agent01.lab.test"
    assert "ansible_host: old-em.lab.test" in (root / "inventory.yml").read_text(encoding="utf-8")
    resolved = estate.resolve_name("new-em.lab.test")
    assert resolved is not None and resolved.name == "new-em"


def test_up_refuses_to_wipe_a_folder_that_is_not_an_estate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """up on an existing folder that holds no estate refuses (exit 2) and leaves the folder's files alone."""
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    code, _out, err = run_cli(capsys, "up", str(folder), "--agents", "1")
    assert (folder / "notes.txt").is_file()
    assert code == 2 and "not an estate" in err


def test_down_deletes_the_estate(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """down DIR removes the estate folder."""
    assert run_cli(capsys, "down", str(estate.root))[0] == 0
    assert not estate.root.exists()


def test_down_leaves_a_folder_that_is_not_an_estate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """down on a folder without lab/estate.json refuses with exit 2 and deletes nothing."""
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    code, _out, err = run_cli(capsys, "down", str(tmp_path))
    assert code == 2 and "no estate at" in err
    assert (tmp_path / "notes.txt").is_file()


@pytest.mark.parametrize("argv", [
    ["status"], ["status", "--json"], ["fault", "agent01", "slow", "1"], ["fault", "--clear"], ["harden", "agent01"],
    ["soften", "agent01"], ["calls"], ["calls", "--reset"], ["down"],
], ids=" ".join)
def test_commands_on_a_missing_estate_exit_2_with_a_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """Every command but up, given a folder with no estate, exits 2, says so and how to create one, and creates nothing."""
    missing = tmp_path / "nothing-here"
    command, *rest = argv
    code, out, err = run_cli(capsys, command, str(missing), *rest)
    assert code == 2 and out == ""
    assert f"no estate at {missing}" in err and "python -m tplab up" in err
    assert not missing.exists()


def test_python_dash_m_tplab_runs_the_cli(tmp_path: Path) -> None:
    """python -m tplab is the same command line: its exit code and message come through the process."""
    completed = subprocess.run([sys.executable, "-m", "tplab", "status", str(tmp_path / "none")], capture_output=True, text=True,
                               env={**os.environ, "PYTHONPATH": str(LAB_PATH)}, check=False)
    assert completed.returncode == 2 and "no estate at" in completed.stderr


# status -------------------------------------------------------------------------------------------
def test_status_prints_a_table_of_agents_and_a_summary(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """status prints the EMs, then a header of the columns, one row per agent with its file address and EM, and a tally."""
    code, out, _err = run_cli(capsys, "status", str(estate.root))
    assert code == 0
    assert out.splitlines()[0].split() == ["em", "role", "service", "start_mode", "old_ca", "db_secret"]
    lines = out.splitlines()[[line.split() for line in out.splitlines()].index(cli.COLUMNS):]
    assert lines[0].split() == cli.COLUMNS
    assert set(lines[1].replace(" ", "")) == {"-"}
    rows = lines[2:-1]
    assert [row.split()[0] for row in rows] == ["agent01", "agent02", "agent03", "agent04"]
    assert all(row.split()[-1] == "old-em" for row in rows)
    assert lines[-1] == "registered: old-em=4"


def test_status_json_lists_each_agent_as_the_estate_has_it(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """status --json gives every column for every agent, the address read from its file, and the summary."""
    code, out, _err = run_cli(capsys, "status", str(estate.root), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["summary"] == {"old-em": 4}
    assert [row["agent"] for row in report["agents"]] == ["agent01", "agent02", "agent03", "agent04"]
    for row in report["agents"]:
        assert list(row) == cli.COLUMNS
        agent = estate.host(row["agent"])
        config = agent.path(agent_config_path(estate, row["agent"])).read_bytes()
        assert row["file_address"] == dotnet_config.read_app_setting(config, "managerAddress")
        assert row["config_style"] == agent.system()["lab"]["config_style"]
        assert (row["service"], row["registered_on"]) == ("started", "old-em")


def test_status_follows_the_estate(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """status is computed from the estate: a stopped agent is registered nowhere, a hardened one is marked."""
    services.stop(estate.host("agent02"), "SIWindowsAgent")
    assert run_cli(capsys, "harden", str(estate.root), "agent03")[0] == 0
    report = json.loads(run_cli(capsys, "status", str(estate.root), "--json")[1])
    by_agent = {row["agent"]: row for row in report["agents"]}
    assert (by_agent["agent02"]["service"], by_agent["agent02"]["registered_on"]) == ("stopped", "-")
    assert (by_agent["agent03"]["service"], by_agent["agent03"]["registered_on"]) == ("started (hardened)", "old-em")
    assert report["summary"] == {"old-em": 3, "-": 1}
    assert run_cli(capsys, "status", str(estate.root))[1].splitlines()[-1] == "registered: -=1, old-em=3"


def test_status_reports_an_unreadable_config(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """A config .NET cannot load shows as unreadable in status instead of crashing it."""
    estate.host("agent01").path(agent_config_path(estate, "agent01")).write_bytes(b"<configuration>")
    report = json.loads(run_cli(capsys, "status", str(estate.root), "--json")[1])
    assert report["agents"][0]["file_address"] == "(unreadable: ConfigReadError)"


def test_status_of_an_estate_without_agents(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """status on an estate with no agents prints the header and an empty tally instead of crashing."""
    root = tmp_path / "estate"
    assert run_cli(capsys, "up", str(root), "--agents", "0")[0] == 0
    code, out, _err = run_cli(capsys, "status", str(root))
    assert code == 0 and cli.COLUMNS in [line.split() for line in out.splitlines()]


# fault --------------------------------------------------------------------------------------------
def test_fault_locked_stores_the_agent_config_path(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """fault HOST locked stores the agent's config Windows path, and reading that config then fails as locked."""
    assert run_cli(capsys, "fault", str(estate.root), "agent01", "locked") == (0, "", "")
    path = agent_config_path(estate, "agent01")
    assert estate.faults() == {"agent01": {"locked": [path]}}
    assert estate.host("agent01").path(path).is_file()
    run = twins.ScriptRun(estate=estate, host=estate.host("agent01"), check_mode=False)
    with pytest.raises(twins.ScriptError, match="being used by another process"):
        twins.TWINS["read_program_config"](run, {"ServiceName": "SIWindowsAgent"})


@pytest.mark.parametrize(("argv", "stored"), [
    (["slow", "2"], 2.0),
    (["slow"], 1.0),
    (["unreachable_after", "3"], {"calls": 3, "counted_before": 0}),
    (["unreachable"], True),
    (["partial_write"], True),
    (["service_start_fails"], True),
    (["service_start_fails", "SIWindowsAgent"], ["SIWindowsAgent"]),
    (["locked", r"C:\Windows\Temp\x.txt"], [r"C:\Windows\Temp\x.txt"]),
])
def test_fault_stores_the_value_the_lab_reads(estate: Estate, capsys: pytest.CaptureFixture[str], argv: list[str], stored: object) -> None:
    """fault HOST KIND [VALUE] stores the value in the type the lab consumes (seconds as float, counts as int)."""
    assert run_cli(capsys, "fault", str(estate.root), "agent02", *argv)[0] == 0
    value = estate.faults()["agent02"][argv[0]]
    assert value == stored and type(value) is type(stored)


def test_fault_set_on_the_cli_takes_effect(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """service_start_fails set on the command line makes the next start of that service fail."""
    assert run_cli(capsys, "fault", str(estate.root), "agent01", "service_start_fails", "SIWindowsAgent")[0] == 0
    agent = estate.host("agent01")
    services.stop(agent, "SIWindowsAgent")
    with pytest.raises(services.ServiceError):
        services.start(agent, "SIWindowsAgent")


def test_fault_clear_one_host_or_all(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """fault HOST --clear clears that host's faults only; fault --clear clears every host's."""
    root = str(estate.root)
    run_cli(capsys, "fault", root, "agent01", "slow", "2")
    run_cli(capsys, "fault", root, "agent01", "unreachable")
    run_cli(capsys, "fault", root, "agent02", "partial_write")
    assert estate.faults() == {"agent01": {"slow": 2.0, "unreachable": True}, "agent02": {"partial_write": True}}
    assert run_cli(capsys, "fault", root, "agent01", "--clear")[0] == 0
    assert estate.faults() == {"agent02": {"partial_write": True}}
    assert run_cli(capsys, "fault", root, "--clear")[0] == 0
    assert estate.faults() == {}


def test_fault_without_a_kind_exits_2(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """fault with a host but no kind (and no --clear) exits 2 with usage help and stores nothing."""
    code, _out, err = run_cli(capsys, "fault", str(estate.root), "agent01")
    assert code == 2 and "give HOST KIND" in err
    assert estate.faults() == {}


def test_fault_with_an_unknown_kind_is_a_usage_error(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown fault kind is refused by the argument parser (exit 2), listing the known kinds."""
    with pytest.raises(SystemExit) as exited:
        cli.main(["fault", str(estate.root), "agent01", "gremlins"])
    assert exited.value.code == 2
    assert "unreachable_after" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["fault", "agent99", "slow", "1"], ["harden", "agent99"]], ids=["fault", "harden"])
def test_an_unknown_host_exits_2_with_a_message(estate: Estate, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """A host name the estate does not have exits 2 naming it, and changes nothing."""
    command, *rest = argv
    code, _out, err = run_cli(capsys, command, str(estate.root), *rest)
    assert code == 2 and "agent99" in err


# harden and soften --------------------------------------------------------------------------------
def test_harden_and_soften_an_agent(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """harden makes the agent refuse a local stop; soften lets it stop again."""
    agent = estate.host("agent01")
    assert run_cli(capsys, "harden", str(estate.root), "agent01")[0] == 0
    assert agent.system()["services"]["SIWindowsAgent"]["hardened"] is True
    with pytest.raises(services.ServiceError, match="cannot be stopped"):
        services.stop(agent, "SIWindowsAgent")
    assert run_cli(capsys, "soften", str(estate.root), "agent01")[0] == 0
    assert agent.system()["services"]["SIWindowsAgent"]["hardened"] is False
    services.stop(agent, "SIWindowsAgent")
    assert agent.system()["services"]["SIWindowsAgent"]["state"] == "stopped"


def test_harden_an_em_exits_2(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """harden on a host without the agent service exits 2 with a message and changes nothing."""
    before = estate.host("old-em").system()
    code, _out, err = run_cli(capsys, "harden", str(estate.root), "old-em")
    assert code == 2 and "old-em has no agent service" in err
    assert estate.host("old-em").system() == before


# calls --------------------------------------------------------------------------------------------
def test_calls_prints_each_hosts_counter_and_resets(estate: Estate, capsys: pytest.CaptureFixture[str]) -> None:
    """calls prints "host: N" for every host; --reset prints the counts, then empties every counter."""
    estate.record_call("agent01", "win_service_info")
    estate.record_call("agent01", "win_powershell")
    estate.record_call("old-em", "win_wait_for")
    expected = ["agent01: 2", "agent02: 0", "agent03: 0", "agent04: 0", "new-em: 0", "old-em: 1"]
    code, out, _err = run_cli(capsys, "calls", str(estate.root))
    assert code == 0 and sorted(out.splitlines()) == expected
    assert len(estate.calls("agent01")) == 2
    code, out, _err = run_cli(capsys, "calls", str(estate.root), "--reset")
    assert code == 0 and sorted(out.splitlines()) == expected
    assert all(estate.calls(host.name) == [] for host in estate.hosts())
    assert sorted(run_cli(capsys, "calls", str(estate.root))[1].splitlines()) == [line.split(":", maxsplit=1)[0] + ": 0" for line in expected]
