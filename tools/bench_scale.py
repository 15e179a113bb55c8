# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make bench-scale`: a whole migrate.yml on a fresh lab estate of 1,000 agents and 2 consoles.

The run must end with every agent registered on the new EM (read from the estate, not from the
run's own report). Figures: wall time per phase (when the run's JSON report first showed each
phase, and each agent batch), the new EM's agent-status queries per batch (from the new EM's
Application event log, where the emulated exec wrapper logs each module's arguments, as Windows
does), remote calls per agent, controller CPU and peak controller memory (tests/bench/measure.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests" / "lab"), str(REPO / "tests" / "bench")]

from measure import EstateTemplates, measured_run  # noqa: E402  pylint: disable=wrong-import-position
from tplab import status, twins  # noqa: E402  pylint: disable=wrong-import-position
from tplab.estate import Estate  # noqa: E402  pylint: disable=wrong-import-position
from tplab.generator import EstateSpec  # noqa: E402  pylint: disable=wrong-import-position
from tplab.windows import eventlog  # noqa: E402  pylint: disable=wrong-import-position

INVOKED = " - Invoked with:\r\n  "


class PhaseWatch:
    """Polls the run's JSON report and notes when its phase (and agent batch) first changed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.marks: list[tuple[str, float]] = []

    def __call__(self) -> None:
        reports = sorted(self.folder.glob("*.json"))
        if not reports:
            return
        try:
            report = json.loads(reports[-1].read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return  # being replaced right now; the next sample reads it
        progress = report.get("progress") or {}
        batch = f" batch {progress.get('batch')}/{progress.get('batches')}" if report.get("phase") == "agents" else ""
        label = report.get("phase", "?") + batch
        if not self.marks or self.marks[-1][0] != label:
            self.marks.append((label, time.time()))


def status_queries(estate: Estate) -> list[int]:
    """Epoch milliseconds of each get_agent_status.ps1 run on the new EM, from its Application log."""
    times = []
    for entry in eventlog.read(estate.host("new-em"), "Application"):
        message = entry["message"]
        if message.startswith("ansible.windows.win_powershell" + INVOKED):
            script = json.loads(message.split(INVOKED, 1)[1]).get("script") or ""
            found = twins.twin_for(script)
            if found and found[0] == "get_agent_status":
                times.append(entry["time_ms"])
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--consoles", type=int, default=2)
    parser.add_argument("--forks", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tp-bench-scale-") as folder:
        templates = EstateTemplates(Path(folder))
        spec = EstateSpec(agents=args.agents, consoles=args.consoles, new_em="fresh")
        estate = templates.fresh(spec, "estate")
        print(f"estate: {args.agents} agents, {args.consoles} consoles generated in {templates.build_seconds[spec]:.1f}s, "
              f"copied in {templates.copy_seconds[0]:.1f}s", flush=True)
        reports = estate.root / "reports"
        estate.reset_calls()
        started = time.time()
        watch = PhaseWatch(reports)
        measured = measured_run(estate, str(REPO / "playbooks" / "migrate.yml"), args.forks, {
            "agent_verify_delay": 1, "agent_verify_timeout": 60, "tp_verify_delay": 1, "tp_verify_timeout": 60,
            "tp_report_folder": str(reports)}, on_sample=watch)
        ended = time.time()
        registered = status.registered_on(estate)
        agents = [host.name for host in estate.hosts("agent")]
        on_new = sum(1 for name in agents if registered.get(name) == "new-em")
        agent_calls = sum(len(estate.calls(name)) for name in agents)
        em_calls = {name: len(estate.calls(name)) for name in ("old-em", "new-em")}
        queries = status_queries(estate)
    marks = watch.marks + [("end", ended)]
    print(f"\nmigrate.yml: exit {measured.run.returncode}; {on_new} of {len(agents)} agents registered on new-em")
    print(f"wall {measured.wall:.1f}s; controller CPU {measured.cpu:.1f}s ({measured.cpu / len(agents) * 1000:.0f} ms/agent, "
          f"includes the emulated hosts); peak controller memory {measured.peak_memory / 2**20:.0f} MiB (PSS)")
    print(f"remote calls: {agent_calls / len(agents):.2f} per agent on its own host; old-em {em_calls['old-em']}, "
          f"new-em {em_calls['new-em']}")
    print("phases (from one state of the run's report to the next; 'start' is before the first report is written):")
    previous = ("start", started)
    for label, moment in marks:
        in_phase = [query for query in queries if previous[1] * 1000 <= query < moment * 1000]
        print(f"  {previous[0]:<18} -> {label:<18} {moment - previous[1]:7.1f}s   agent-status queries on new-em: {len(in_phase)}")
        previous = (label, moment)
    print(f"agent-status queries on new-em in all: {len(queries)}")
    return 0 if measured.run.returncode == 0 and on_new == len(agents) else 1


if __name__ == "__main__":
    raise SystemExit(main())
