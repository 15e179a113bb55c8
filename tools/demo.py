# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make demo`: generate a lab estate, migrate its Enterprise Manager with the collection, show before and after.

The estate (an old EM, a freshly installed new EM with its own certificates and secret, 20 agents
in the install and config variants the field has, two remote consoles) is written to
build/demo-estate; the full ansible-playbook output goes to build/demo-estate/ansible.log and the
migration report to build/demo-estate/reports.
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "lab"))

from tplab import status  # noqa: E402  pylint: disable=wrong-import-position
from tplab.estate import Estate  # noqa: E402  pylint: disable=wrong-import-position
from tplab.generator import EstateSpec, build_estate  # noqa: E402  pylint: disable=wrong-import-position
from tplab.playbook import run_playbook  # noqa: E402  pylint: disable=wrong-import-position

COLUMNS = ["agent", "install", "config_style", "file_address", "registered_on"]
EM_COLUMNS = ["em", "role", "service", "start_mode", "old_ca", "db_secret"]


def show(estate: Estate, title: str) -> None:
    print(title)
    print(status.format_table(status.em_rows(estate), EM_COLUMNS))
    print("(old_ca: runs with the old EM's CA; db_secret: holds the secret the shared database was set up with)\n")
    print(status.format_table(status.agent_rows(estate), COLUMNS))
    if status.console_rows(estate):
        print("\n" + status.format_table(status.console_rows(estate), ["console", "file_address"]))
    print("registered: " + ", ".join(f"{em}={count}" for em, count in sorted(status.summary(estate).items())) + "\n")


def main() -> int:
    estate = build_estate(REPO / "build" / "demo-estate", EstateSpec(agents=20, consoles=2, new_em="fresh"))
    print(f"Lab estate: {estate.root} (inventory: {estate.root / 'inventory.yml'})\n")
    show(estate, "BEFORE: the Enterprise Managers, and where each agent's config points and which EM it is registered with")

    command = "ansible-playbook -i inventory.yml netwrix.threat_prevention.migrate (playbooks/migrate.yml)"
    print(f"Running: {command}")
    started = time.monotonic()
    run = run_playbook(estate, "migrate.yml", extra_vars={"agent_verify_delay": 2, "tp_verify_delay": 2,
                                                          "tp_report_folder": str(estate.root / "reports")})
    log = estate.root / "ansible.log"
    log.write_text(run.output, encoding="utf-8")
    print(f"  finished in {time.monotonic() - started:.0f}s, exit code {run.returncode}")
    print(f"  full output: {shlex.quote(str(log))}\n")

    show(estate, "AFTER:")
    for report in sorted((estate.root / "reports").glob("*.md")):
        print(f"Migration report: {report}\n  (and {report.with_suffix('.json')})")
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
