# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SIGKILL ansible-playbook at seeded random moments of migrate.yml, then resume: nothing is lost, no agent orphaned.

One estate is migrated (with the decommission asked for) by a chain of runs, each killed, with its forks, after a
seeded number of task results plus a seeded fraction of a second, so the kills land inside tasks of every phase.
After each kill, and after the final uninterrupted run, the estate must hold every invariant of invariants.py
(a kill can land while a SecretMgr export exists, so one may lie in its private folder). After the resume every
agent is active on the new EM and the old EM is decommissioned; once the leftovers are older than the sweep's 10
minutes, one more run leaves no export anywhere.

In the lab the remote side of a call dies with the controller's fork that runs it; on Windows a WinRM shell
finishes its command. A kill here is therefore harsher than a real one: it also cuts the host-side scripts.
``TP_KILLS`` sets the number of kills (6 in make test, 30 in make soak); ``TP_KILL_SEED`` the seed.
"""

from __future__ import annotations

import os
import random
import time
import typing as t

import pytest

from invariants import check, exports
from tplab import status
from tplab.estate import Estate
from tplab.generator import EstateSpec, build_estate
from tplab.playbook import PlaybookRun, run_playbook

pytestmark = pytest.mark.lab

KILLS = int(os.environ.get("TP_KILLS", "6"))
SEED = int(os.environ.get("TP_KILL_SEED", "7"))
QUICK = {"agent_verify_delay": 1, "agent_verify_timeout": 20, "tp_verify_delay": 1, "tp_verify_timeout": 20,
         "tp_decommission_old_em": True}


def migrate(estate: Estate, kill: tuple[int, float] | None = None) -> PlaybookRun:
    return run_playbook(estate, "migrate.yml", extra_vars={**QUICK, "tp_report_folder": str(estate.root / "reports")},
                        kill=kill)


def test_seeded_kills_across_every_phase_then_a_resume_completes(make_estate: t.Callable[..., Estate]) -> None:
    reference = make_estate(agents=5, consoles=1)
    full = migrate(reference)
    assert full.returncode == 0, full.output[-3000:]
    total = len(full.results)

    estate = build_estate(reference.root.with_name("killed"), EstateSpec(agents=5, consoles=1))  # the same, untouched
    rng = random.Random(SEED)
    killed_at = []
    for kill in range(KILLS):
        after, extra = rng.randint(1, total), round(rng.uniform(0, 1.5), 2)
        run = migrate(estate, kill=(after, extra))
        killed_at.append((after, extra, run.returncode, run.results[-1]["task"] if run.results else "-"))
        print(f"kill {kill + 1}: after {after} of {total} results + {extra}s, rc {run.returncode}, last: {killed_at[-1][3]}")
        check(estate, f"kill {kill + 1} after {after} results + {extra}s (rc {run.returncode})")

    resume = migrate(estate)
    assert resume.returncode == 0, (killed_at, resume.output[-4000:])
    check(estate, "after the resume")
    assert set(status.registered_on(estate).values()) == {"new-em"}
    old = estate.host("old-em").system()["services"]["SIEnterpriseManager"]
    assert (old["state"], old["start_mode"]) == ("stopped", "disabled")

    past = time.time() - 11 * 60  # the sweep removes what interrupted moves left once it is 10 minutes old
    for path in exports(estate):
        os.utime(estate.root / path, (past, past))
    assert migrate(estate).returncode == 0
    assert exports(estate) == [], killed_at
