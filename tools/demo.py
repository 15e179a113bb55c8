# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: generate a lab estate, repoint its agents with the collection, show before and after.

The estate (one old EM, one new EM, 20 agents in the install and config variants the field has)
is written to build/demo-estate; the full ansible-playbook output goes to build/demo-estate/ansible.log.
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "lab"))

from tplab import status  # noqa: E402  pylint: disable=wrong-import-position
from tplab.generator import EstateSpec, build_estate  # noqa: E402  pylint: disable=wrong-import-position
from tplab.playbook import run_playbook  # noqa: E402  pylint: disable=wrong-import-position

COLUMNS = ["agent", "install", "config_style", "file_address", "registered_on"]


def main() -> int:
    estate = build_estate(REPO / "build" / "demo-estate", EstateSpec(agents=20))
    print(f"Lab estate: {estate.root} (inventory: {estate.root / 'inventory.yml'})\n")
    print("BEFORE: where each agent's config points, and which EM it is registered with")
    print(status.format_table(status.agent_rows(estate), COLUMNS), "\n")

    command = "ansible-playbook -i inventory.yml netwrix.threat_prevention.repoint_agents (playbooks/repoint_agents.yml)"
    print(f"Running: {command}")
    started = time.monotonic()
    run = run_playbook(estate, "repoint_agents.yml", extra_vars={"agent_verify_delay": 2})
    log = estate.root / "ansible.log"
    log.write_text(run.output, encoding="utf-8")
    recap = run.recap()
    changed = sorted(host for host, counts in recap.items() if counts["changed"])
    failed = sorted(host for host, counts in recap.items() if counts["failed"] or counts["unreachable"])
    print(f"  finished in {time.monotonic() - started:.0f}s, exit code {run.returncode}; "
          f"{len(changed)} agents repointed, {len(recap) - len(changed) - len(failed)} already right, {len(failed)} failed")
    print(f"  full output: {shlex.quote(str(log))}\n")

    print("AFTER:")
    print(status.format_table(status.agent_rows(estate), COLUMNS))
    counts = status.summary(estate)
    print("\nregistered: " + ", ".join(f"{em}={count}" for em, count in sorted(counts.items())))
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
