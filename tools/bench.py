# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make bench`: remote calls per agent and wall time for repointing N lab agents at a given forks.

Remote calls come from the lab's per-host counter (one line per emulated module call); on a real
network each costs about a WinRM round trip, so calls per agent is the figure that scales. Wall
time here measures the controller and the emulation, not a network: read it as an upper bound of
controller overhead, not as a prediction for real hosts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "lab"))

from tplab.estate import Estate  # noqa: E402  pylint: disable=wrong-import-position
from tplab.generator import EstateSpec, build_estate  # noqa: E402  pylint: disable=wrong-import-position
from tplab.playbook import run_playbook  # noqa: E402  pylint: disable=wrong-import-position


def calls_by_agent(estate: Estate) -> dict[str, list[str]]:
    return {host.name: estate.calls(host.name) for host in estate.hosts("agent")}


def describe(label: str, counts: list[int]) -> str:
    if not counts:
        return f"  {label:<34} (none)"
    return (f"  {label:<34} n={len(counts):<4} min={min(counts)} median={statistics.median(counts):g} "
            f"max={max(counts)}")


def timed_run(estate: Estate, forks: int, batches: list[object]) -> tuple[float, int]:
    estate.reset_calls()
    started = time.monotonic()
    run = run_playbook(estate, "repoint_agents.yml", forks=forks,
                       extra_vars={"agent_verify_delay": 1, "tp_agent_batches": batches})
    elapsed = time.monotonic() - started
    if run.returncode != 0:
        raise SystemExit(f"bench: the playbook failed (exit {run.returncode}):\n{run.output[-3000:]}")
    return elapsed, len(estate.calls("new-em"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--forks", type=int, default=10)
    args = parser.parse_args()
    batches: list[object] = [1, "10%", "100%"]
    with tempfile.TemporaryDirectory(prefix="tp-bench-") as folder:
        started = time.monotonic()
        estate = build_estate(Path(folder) / "estate", EstateSpec(agents=args.agents))
        print(f"estate: {args.agents} agents generated in {time.monotonic() - started:.1f}s; forks={args.forks}, "
              f"batches={batches}")

        repoint_time, em_calls_first = timed_run(estate, args.forks, batches)
        first = calls_by_agent(estate)
        already = {name for name in first if int(name[5:]) % 20 == 0}  # the generator's agents already on the new EM
        noop_time, em_calls_second = timed_run(estate, args.forks, batches)
        second = calls_by_agent(estate)

    print("\nremote module calls per agent (lab counter)")
    print(describe("agent that needs a change", [len(first[name]) for name in first if name not in already]))
    print(describe("agent already on the new EM", [len(first[name]) for name in already]))
    print(describe("every agent, second run", [len(calls) for calls in second.values()]))
    mix = Counter(call for name in first if name not in already for call in first[name])
    per_agent = ", ".join(f"{module} x{count / (len(first) - len(already)):g}" for module, count in sorted(mix.items()))
    print(f"  modules for a change:              {per_agent}")
    print(f"  calls on the new EM (verification): first run {em_calls_first}, second run {em_calls_second} "
          f"({len(batches)} batches)")
    print("\nwall time")
    print(f"  repoint {args.agents} agents:  {repoint_time:6.1f}s  ({repoint_time / args.agents * 1000:.0f} ms/agent)")
    print(f"  re-run, nothing to change: {noop_time:6.1f}s  ({noop_time / args.agents * 1000:.0f} ms/agent)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
