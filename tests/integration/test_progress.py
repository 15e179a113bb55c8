# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A person can follow a long run: one line after every canary batch, and a report that an interrupted run leaves
holding every agent already moved.

12 agents in migrate.yml's default batches make three: agent01, agent02, and the other ten. The run is killed
(SIGKILL, as a lost controller session would end it) right after the second batch's line; the report must then
show both agents as moved and say how far the run got, and a re-run must finish the job.
"""

from __future__ import annotations

import json
import typing as t

import pytest

from invariants import check
from tplab import status
from tplab.estate import Estate
from tplab.playbook import PlaybookRun, run_playbook

pytestmark = pytest.mark.lab
QUICK = {"agent_verify_delay": 1, "agent_verify_timeout": 10, "tp_verify_delay": 1, "tp_verify_timeout": 10}
PROGRESS_TASK = "Say how far the agent phase has got"


def migrate(estate: Estate, **options: t.Any) -> PlaybookRun:
    return run_playbook(estate, "migrate.yml", extra_vars={**QUICK, "tp_report_folder": str(estate.root / "reports")}, **options)


def report(estate: Estate) -> dict[str, t.Any]:
    [path] = sorted((estate.root / "reports").glob("tp-migration-*.json"))
    return json.loads(path.read_text(encoding="utf-8"))


def second_batch_reported(results: list[dict[str, t.Any]]) -> bool:
    return sum(result["task"] == PROGRESS_TASK for result in results) >= 2


def test_each_batch_says_how_far_the_run_has_got_and_an_interrupted_run_keeps_what_moved(
        make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=12)
    for index in range(3, 13):
        estate.set_fault(f"agent{index:02d}", "slow", 3)  # the third batch is still running when the kill comes

    killed = migrate(estate, kill=second_batch_reported)

    assert killed.returncode == -9, killed.output[-3000:]
    assert "Agents, batch 1 of 3: 1 agent(s), 1 changed, 0 failed; 1 of 12 agents done." in killed.output
    assert "Agents, batch 2 of 3: 1 agent(s), 1 changed, 0 failed; 2 of 12 agents done." in killed.output
    interrupted = report(estate)
    moved = {host for host, record in interrupted["hosts"].items() if (record.get("result") or {}).get("changed")}
    assert {"agent01", "agent02"} <= moved and interrupted["progress"]["batch"] == 2, interrupted["progress"]
    assert all(status.registered_on(estate)[name] == "new-em" for name in ("agent01", "agent02"))
    markdown = next((estate.root / "reports").glob("tp-migration-*.md")).read_text(encoding="utf-8")
    assert "- Progress: Agents, batch 2 of 3" in markdown
    check(estate, "killed after the second batch")

    estate.clear_faults()
    resumed = migrate(estate)

    assert resumed.returncode == 0, resumed.output[-3000:]
    assert "Agents, batch 3 of 3: 10 agent(s), 10 changed, 0 failed; 12 of 12 agents done." in resumed.output
    assert "Wait until this batch's agents show as active on the new EM, at most 10s on new-em" in resumed.output
    assert set(status.registered_on(estate).values()) == {"new-em"}
    final = sorted((estate.root / "reports").glob("tp-migration-*.md"))[-1].read_text(encoding="utf-8")  # the resumed run's
    assert "- Proof: 12 of 12 agents active on new-em at 20" in final and "; backup `" in final
