# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What `make bench` and `make bench-scale` measure about one ansible-playbook run on a lab estate.

- wall time: monotonic clock around the run;
- controller CPU: user+sys of every process the run started, from getrusage(RUSAGE_CHILDREN) of this
  process before and after (ansible-playbook reaps its forks, so their CPU is folded into its own). The
  lab's emulated hosts run inside those same fork processes (the connection plugins' transport is
  routed in-process), so this figure includes the emulation; the profile (tools/bench.py --profile)
  says how much of it is the lab;
- peak memory: every ~100 ms the process tree under this process is read from /proc and the PSS of
  each process (/proc/<pid>/smaps_rollup; RSS when PSS is unreadable) summed; the peak of the sums.
  PSS splits pages the forks share with their parent, so the sum does not count them once per fork.
"""

from __future__ import annotations

import os
import resource
import shutil
import threading
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

from tplab.estate import Estate
from tplab.generator import EstateSpec, build_estate, write_inventory
from tplab.playbook import PlaybookRun, run_playbook

SAMPLE_SECONDS = 0.1


@dataclass(frozen=True)
class Measured:
    """One run: its outcome, wall seconds, controller CPU seconds (user+sys, tree) and peak tree PSS in bytes."""

    run: PlaybookRun
    wall: float
    cpu: float
    peak_memory: int


def _children_map() -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process /proc shows."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _memory_of(pid: int) -> int:
    """PSS of one process in bytes (RSS if smaps_rollup is unreadable; 0 if it is gone)."""
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            with open(path, encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith(key):
                        return int(line.split()[1]) * 1024
        except OSError:
            continue
    return 0


def tree_memory(root: int) -> int:
    """Sum of the memory of every descendant of ``root`` (not ``root`` itself)."""
    children = _children_map()
    total, pending = 0, list(children.get(root, []))
    while pending:
        pid = pending.pop()
        total += _memory_of(pid)
        pending.extend(children.get(pid, []))
    return total


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured_run(estate: Estate, playbook: str, forks: int, extra_vars: dict[str, t.Any],
                 on_sample: t.Callable[[], None] | None = None) -> Measured:
    """Run a playbook and measure it; run_playbook is in a thread so this one can sample /proc (and call on_sample)."""
    outcome: list[PlaybookRun] = []
    worker = threading.Thread(target=lambda: outcome.append(run_playbook(estate, playbook, forks=forks, extra_vars=extra_vars)))
    cpu_before, started, peak = _children_cpu(), time.monotonic(), 0
    worker.start()
    while worker.is_alive():
        peak = max(peak, tree_memory(os.getpid()))
        if on_sample:
            on_sample()
        worker.join(SAMPLE_SECONDS)
    wall = time.monotonic() - started
    return Measured(outcome[0], wall, _children_cpu() - cpu_before, peak)


class EstateTemplates:
    """Estates built once per spec and copied for each run: copying 1,000 agents is much cheaper than generating them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.built: dict[EstateSpec, Path] = {}
        self.build_seconds: dict[EstateSpec, float] = {}
        self.copy_seconds: list[float] = []

    def fresh(self, spec: EstateSpec, name: str) -> Estate:
        """A private estate at folder/name, as the spec builds it."""
        if spec not in self.built:
            started = time.monotonic()
            template = self.folder / f"template-{len(self.built)}"
            build_estate(template, spec)
            self.built[spec] = template
            self.build_seconds[spec] = time.monotonic() - started
        started = time.monotonic()
        destination = self.folder / name
        shutil.rmtree(destination, ignore_errors=True)
        shutil.copytree(self.built[spec], destination, symlinks=True)
        estate = Estate(destination)
        write_inventory(estate, spec)
        self.copy_seconds.append(time.monotonic() - started)
        return estate

    def discard(self, estate: Estate) -> None:
        shutil.rmtree(estate.root, ignore_errors=True)
