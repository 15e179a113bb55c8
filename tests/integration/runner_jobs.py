# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""migrate.yml as AWX runs it: through ansible-runner, read back from the runner's artifacts, on AWX-sliced inventories.

AWX launches ansible-playbook through ansible-runner and knows a job only from what runner leaves in
``artifacts/<ident>/`` (status, rc, one JSON file per job event). These helpers do the same against a lab
estate, so the tests judge a job as AWX would. ``awx_slice`` builds the inventory AWX gives slice ``number`` of
``count`` (awx/main/models/inventory.py, Inventory.get_script_data and get_sliced_hosts): every host of the
inventory ordered by name, ``hosts[number - 1::count]``; every group kept, with only that slice's hosts (groups
left empty included); group and ``all`` vars kept; host vars only for the slice's hosts.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
import sys
import typing as t
from dataclasses import dataclass
from pathlib import Path

import ansible_runner
import yaml

from tplab.estate import Estate
from tplab.playbook import REPO, lab_environment

MIGRATE = REPO / "playbooks" / "migrate.yml"
REPORT_TASK = "Write the migration report (JSON and Markdown)"


@dataclass
class Job:
    """One finished ansible-runner job, as its artifacts tell it."""

    status: str
    rc: int
    artifacts: Path

    def events(self) -> list[dict[str, t.Any]]:
        """Every job event runner wrote, in the order they happened."""
        events = [json.loads(path.read_text(encoding="utf-8")) for path in (self.artifacts / "job_events").glob("*.json")]
        return sorted(events, key=lambda event: event["counter"])

    def stats(self) -> dict[str, dict[str, int]]:
        """The play recap from the playbook_on_stats event: ok, changed, failures, dark (unreachable) ... per host."""
        return next(event["event_data"] for event in reversed(self.events()) if event["event"] == "playbook_on_stats")

    def results(self, task: str) -> list[dict[str, t.Any]]:
        """The results (res) of each host that ran this task to ok."""
        return [event["event_data"]["res"] for event in self.events()
                if event["event"] == "runner_on_ok" and event["event_data"].get("task") == task]

    def report(self) -> dict[str, t.Any]:
        """The report the job's last report task wrote, found through the path in that task's event."""
        path = Path(self.results(REPORT_TASK)[-1]["report"]["json"])
        return json.loads(path.read_text(encoding="utf-8"))

    def stdout(self) -> str:
        path = self.artifacts / "stdout"
        return path.read_text(encoding="utf-8") if path.is_file() else ""


def runner_environment(estate: Estate) -> dict[str, str]:
    """The lab's environment for ansible-playbook (TPLAB_ESTATE, PYTHONPATH, ANSIBLE_COLLECTIONS_PATH), with runner's own callback."""
    env = lab_environment(estate)
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)  # the lab's results callback: runner's job events are what is read here
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])  # this virtualenv's ansible-playbook
    return env


def run_job(estate: Estate, private_data_dir: Path, ident: str, inventory: Path, extravars: dict[str, t.Any],
            forks: int = 5) -> Job:
    """Run migrate.yml through ansible_runner.run to the end, and read the job back from its artifacts."""
    private_data_dir.mkdir(parents=True, exist_ok=True)
    runner = ansible_runner.run(
        private_data_dir=str(private_data_dir), ident=ident, playbook=str(MIGRATE), inventory=str(inventory),
        envvars=runner_environment(estate), extravars=extravars, forks=forks, quiet=True)
    return Job(status=runner.status, rc=runner.rc, artifacts=private_data_dir / "artifacts" / ident)


def _run_in_child(estate_root: str, private_data_dir: str, ident: str, inventory: str, extravars: dict[str, t.Any],
                  forks: int) -> Job:
    return run_job(Estate(estate_root), Path(private_data_dir), ident, Path(inventory), extravars, forks)


def run_concurrently(estate: Estate, jobs: list[tuple[Path, str, Path, dict[str, t.Any]]], forks: int = 3) -> list[Job]:
    """Run several jobs at once, each (private_data_dir, ident, inventory, extravars), as AWX runs a sliced job's slices.

    Each job runs in its own process, as each slice runs on its own execution node: runner's pty and a
    threaded parent do not mix.
    """
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=len(jobs), mp_context=context) as pool:
        futures = [pool.submit(_run_in_child, str(estate.root), str(folder), ident, str(inventory), extravars, forks)
                   for folder, ident, inventory, extravars in jobs]
        return [future.result(timeout=600) for future in futures]


def awx_inventory(estate: Estate) -> dict[str, t.Any]:
    """The estate's inventory as an AWX user keeps it: settings every host shares in all vars, the rest per host.

    Job slicing drops the variables of hosts outside a slice, so the connection settings an added EM needs must
    be in all vars (or group vars), where every slice keeps them.
    """
    source = yaml.safe_load((estate.root / "inventory.yml").read_text(encoding="utf-8"))["all"]
    groups = {name: dict(group.get("hosts") or {}) for name, group in source["children"].items()}
    hostvars = {host: dict(variables or {}) for hosts in groups.values() for host, variables in hosts.items()}
    shared = {key: value for key, value in next(iter(hostvars.values())).items()
              if key != "ansible_host" and all(other.get(key) == value for other in hostvars.values())}
    return {"vars": {**(source.get("vars") or {}), **shared},
            "groups": {name: sorted(hosts) for name, hosts in groups.items()},
            "hostvars": {host: {key: value for key, value in variables.items() if key not in shared}
                         for host, variables in hostvars.items()}}


def awx_slice(inventory: dict[str, t.Any], number: int, count: int) -> dict[str, t.Any]:
    """The inventory AWX gives slice ``number`` (1-based) of ``count``: every count-th host by name, groups filtered."""
    hosts = sorted(inventory["hostvars"])[number - 1::count]
    return {**inventory, "groups": {name: [host for host in members if host in hosts] for name, members in inventory["groups"].items()},
            "hostvars": {host: inventory["hostvars"][host] for host in hosts}}


def write_inventory(inventory: dict[str, t.Any], path: Path) -> Path:
    """An inventory file of that shape (empty groups kept, as AWX keeps them)."""
    children = {name: {"hosts": {host: inventory["hostvars"][host] for host in members}}
                for name, members in inventory["groups"].items()}
    path.write_text(yaml.safe_dump({"all": {"vars": inventory["vars"], "children": children}}, sort_keys=True), encoding="utf-8")
    return path
