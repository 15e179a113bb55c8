# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's transports beneath the real psrp and winrm connection plugins, through ansible-playbook.

Each test runs a small play against hosts of a mixed estate (every other host over psrp, the rest
over winrm) and checks what the real plugins make of what the emulated hosts answer: a refused
logon, a connection lost in the middle of a task, ANSIBLE_KEEP_REMOTE_FILES (modules copied to the
host's temporary folder and run from there), and the plugins' own -vvvvv logging.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import yaml

from tplab.estate import Estate
from tplab.generator import connection_of
from tplab.playbook import PlaybookRun, run_playbook

pytestmark = pytest.mark.lab
PAIR = ("agent01", "agent02")  # one over psrp, one over winrm in a mixed estate
INFO = {"name": "info", "ansible.windows.win_service_info": {"name": "SIWindowsAgent"}}


def play(estate: Estate, tmp_path: Path, tasks: list[dict[str, t.Any]], *args: str, hosts: str = ",".join(PAIR),
         env: dict[str, str] | None = None, extra_vars: dict[str, t.Any] | None = None) -> PlaybookRun:
    playbook = tmp_path / "play.yml"
    playbook.write_text(yaml.safe_dump([{"name": "lab", "hosts": hosts, "gather_facts": False, "tasks": tasks}]), encoding="utf-8")
    return run_playbook(estate, str(playbook), *args, env=env, extra_vars=extra_vars)


def by_host(run: PlaybookRun, task: str) -> dict[str, dict[str, t.Any]]:
    return {entry["host"]: entry for entry in run.results if entry["task"] == task}


def test_the_pair_uses_both_real_plugins(estate: Estate) -> None:
    assert {connection_of(estate, estate.host(name)) for name in PAIR} == {"psrp", "winrm"}


def test_a_refused_logon_is_unreachable_with_each_plugins_own_words(estate: Estate, tmp_path: Path) -> None:
    run = play(estate, tmp_path, [INFO], extra_vars={"ansible_password": "not-the-password"})
    results = by_host(run, "info")
    assert {host: entry["status"] for host, entry in results.items()} == {name: "unreachable" for name in PAIR}
    messages = {connection_of(estate, estate.host(host)): entry["result"]["msg"] for host, entry in results.items()}
    assert "failed to authenticate with the server" in messages["psrp"]
    assert "the specified credentials were rejected by the server" in messages["winrm"]
    assert not estate.calls("agent01") and not estate.calls("agent02")


def test_a_connection_lost_in_the_middle_of_a_task_makes_the_host_unreachable(estate: Estate, tmp_path: Path) -> None:
    """tp_agent_config reads, then writes: the host answers the read and is gone for the write."""
    for name in PAIR:
        estate.set_fault(name, "unreachable_after", 1)
    run = play(estate, tmp_path, [{"name": "repoint", "netwrix.threat_prevention.tp_agent_config": {
        "manager_address": "new-em.corp.example", "em_host": "new-em"}}])
    results = by_host(run, "repoint")
    for name in PAIR:
        assert results[name]["status"] == "unreachable", results[name]
        assert f"{name}: the connection was lost" in results[name]["result"]["msg"]
        assert estate.calls(name) == ["win_powershell"], "one call answered, nothing after it"


def test_keep_remote_files_copies_each_module_to_the_hosts_temporary_folder(estate: Estate, tmp_path: Path) -> None:
    """Without pipelining Ansible makes a temporary folder, puts the module there and runs it from the file."""
    run = play(estate, tmp_path, [INFO], env={"ANSIBLE_KEEP_REMOTE_FILES": "1"})
    assert {host: entry["status"] for host, entry in by_host(run, "info").items()} == {name: "ok" for name in PAIR}, run.output
    for name in PAIR:
        host = estate.host(name)
        assert estate.calls(name) == ["mkdtemp", "put_file", "win_service_info"]
        left = list(host.path("C:\\Users\\tp-ansible\\AppData\\Local\\Temp").glob("ansible-tmp-*/AnsiballZ_win_service_info.ps1"))
        assert len(left) == 1, "kept on the host, as ANSIBLE_KEEP_REMOTE_FILES asks"


def test_each_plugin_prints_raw_module_output_at_five_vs(estate: Estate, tmp_path: Path) -> None:
    """The plugins' own logging, which the collection's secret-bearing modules must censor."""
    run = play(estate, tmp_path, [INFO], "-vvvvv")
    assert "PSRP STDOUT: {" in run.output and "WINRM RESULT <Response code 0, out '{" in run.output
