# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the collection's playbooks against an estate, as a user would, and collect what happened.

The real ansible.windows collection (from the pinned wheel, in .cache/collections) and the real
psrp and winrm connection plugins are used; TPLAB_ESTATE and PYTHONPATH=tests/lab/pythonpath route
the plugins' transports to the estate's emulated hosts (tplab.windows). The collection itself is
reached through a symlink named ansible_collections/netwrix/threat_prevention under
build/collections; tests/lab/collections adds only the lab's results callback.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

from tplab.estate import Estate

REPO = Path(__file__).resolve().parents[3]
LAB_COLLECTIONS = REPO / "tests" / "lab" / "collections"
LAB_PYTHONPATH = REPO / "tests" / "lab" / "pythonpath"
BUILD_COLLECTIONS = REPO / "build" / "collections"
REAL_COLLECTIONS = REPO / ".cache" / "collections"  # ansible.windows, extracted by tools/bootstrap
_RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.MULTILINE)


def ensure_collection_link() -> Path:
    """build/collections/ansible_collections/netwrix/threat_prevention -> the repository root."""
    link = BUILD_COLLECTIONS / "ansible_collections" / "netwrix" / "threat_prevention"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO, target_is_directory=True)
    return BUILD_COLLECTIONS


@dataclass
class PlaybookRun:
    """The outcome of one ansible-playbook run."""

    returncode: int
    output: str
    results: list[dict[str, t.Any]] = field(default_factory=list)

    def recap(self) -> dict[str, dict[str, int]]:
        return {host: {"ok": int(ok), "changed": int(changed), "unreachable": int(unreachable), "failed": int(failed),
                       "skipped": int(skipped)}
                for host, ok, changed, unreachable, failed, skipped in _RECAP.findall(self.output)}

    def failures(self) -> dict[str, str]:
        """Host -> message of its failed or unreachable result."""
        return {entry["host"]: str(entry["result"].get("msg", "")) for entry in self.results
                if entry["status"] in ("failed", "unreachable")}


def lab_environment(estate: Estate | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment ansible-playbook needs to run the collection against the lab (and the estate, when given)."""
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join([str(LAB_COLLECTIONS), str(ensure_collection_link()), str(REAL_COLLECTIONS)]),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(LAB_PYTHONPATH), env.get("PYTHONPATH")])),
        "ANSIBLE_CALLBACKS_ENABLED": "tplab.estate.results", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0", "ANSIBLE_DEPRECATION_WARNINGS": "0", "PY_COLORS": "0",
    })
    if estate is not None:
        env["TPLAB_ESTATE"] = str(estate.root)
    env.update(extra or {})
    return env


def run_playbook(estate: Estate, playbook: str, *args: str, extra_vars: dict[str, t.Any] | None = None,
                 forks: int = 10, env: dict[str, str] | None = None,
                 kill: tuple[int, float] | t.Callable[[list[dict[str, t.Any]]], bool] | None = None) -> PlaybookRun:
    """Run playbooks/<playbook> (or a path) against the estate's inventory.

    ``kill=(results, seconds)`` SIGKILLs ansible-playbook and every process it started (its forks, and with them
    the lab's side of each remote call) once that many task results were reported and that many seconds more
    passed; the run's returncode is then -9. ``kill`` may instead be a test of the results reported so far (each
    ``{host, task, status, result}``): the run is killed as soon as it holds. A run that ends first is not killed.
    """
    path = Path(playbook) if Path(playbook).is_absolute() else REPO / "playbooks" / playbook
    with tempfile.TemporaryDirectory(prefix="tplab-results-") as folder:
        results_file = Path(folder) / "results.jsonl"
        command = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", str(estate.root / "inventory.yml"),
                   str(path), "-f", str(forks), *args]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        output = Path(folder) / "output.txt"
        with open(output, "w", encoding="utf-8") as stream:
            process = subprocess.Popen(command, cwd=REPO, stdout=stream, stderr=subprocess.STDOUT, text=True,
                                       env=lab_environment(estate, {"TPLAB_RESULTS": str(results_file), **(env or {})}),
                                       start_new_session=kill is not None)
            returncode = _wait(process, results_file, kill)
        results = [json.loads(line) for line in results_file.read_text(encoding="utf-8").splitlines()] if results_file.exists() else []
        return PlaybookRun(returncode=returncode, output=output.read_text(encoding="utf-8"), results=results)


def _reported(results_file: Path) -> list[dict[str, t.Any]]:
    """The results written so far; a line still being written is left for the next look."""
    if not results_file.exists():
        return []
    results = []
    for line in results_file.read_text(encoding="utf-8").splitlines():
        try:
            results.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return results


def _wait(process: subprocess.Popen[str], results_file: Path,
          kill: tuple[int, float] | t.Callable[[list[dict[str, t.Any]]], bool] | None) -> int:
    if kill is None:
        return process.wait()
    due, then = (kill, 0.0) if callable(kill) else ((lambda results: len(results) >= kill[0]), kill[1])
    while process.poll() is None:
        if due(_reported(results_file)):
            time.sleep(then)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    process.wait()
    return -9 if process.returncode == -signal.SIGKILL else process.returncode
