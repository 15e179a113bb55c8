# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/repoint_agents.yml verifies agents on the new EM whatever Get-SIAgentStatus writes, and under PowerShell 7.

The vendor does not document the cmdlet's output, so each shape the lab can emit
(tplab.product.AGENT_STATUS_SHAPES) gets a whole repoint; a cmdlet that only prints to the console
fails the verification at once instead of after agent_verify_timeout.
"""

from __future__ import annotations

import typing as t

import pytest

from tplab import product, status
from tplab.estate import Estate
from tplab.playbook import run_playbook

pytestmark = pytest.mark.lab

FAST = {"agent_verify_delay": 1, "agent_verify_timeout": 20}


def registered_on(estate: Estate) -> set[str]:
    return {row["registered_on"] for row in status.agent_rows(estate)}


@pytest.mark.parametrize("shape", [shape for shape in product.AGENT_STATUS_SHAPES if shape != "host"])
def test_verification_succeeds_in_every_shape(make_estate: t.Callable[..., Estate], shape: str) -> None:
    estate = make_estate(agents=5, agent_status_shape=shape)

    run = run_playbook(estate, "repoint_agents.yml", extra_vars=FAST)

    assert run.returncode == 0, run.output
    assert registered_on(estate) == {"new-em"}
    # One proof that new-em can take agents (shared by every batch of the run), then the list once per batch (1,
    # 10%, the rest): every batch was active at its first read.
    assert estate.calls("new-em").count("win_powershell") == 1 + 3


def test_verification_of_a_list_printed_to_the_console_fails_at_once(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=3, agent_status_shape="host")

    run = run_playbook(estate, "repoint_agents.yml", extra_vars={**FAST, "agent_verify_timeout": 600})

    assert run.returncode != 0
    assert "Get-SIAgentStatus returned no agent objects and printed this to the console instead" in run.output
    assert "administrator role" in run.output
    assert estate.calls("new-em").count("win_powershell") == 1 + 1, "the proof, then the first batch fails at its first read"


@pytest.mark.parametrize("connection", ["winrm", "psrp"])
def test_verification_under_powershell_7_reads_in_windows_powershell(
        make_estate: t.Callable[..., Estate], connection: str) -> None:
    """ansible_pwsh_interpreter=pwsh for the new EM: its modules run in PowerShell 7, the agent list in powershell.exe."""
    estate = make_estate(agents=3, connection=connection)
    with estate.host("new-em").editing_system() as system:
        system.setdefault("powershell", {})["pwsh_installed"] = True
    (estate.root / "host_vars").mkdir()
    (estate.root / "host_vars" / "new-em.yml").write_text("ansible_pwsh_interpreter: pwsh\n", encoding="utf-8")

    run = run_playbook(estate, "repoint_agents.yml", extra_vars=FAST)

    assert run.returncode == 0, run.output
    assert registered_on(estate) == {"new-em"}
    # The proof (no EM module: PowerShell 7 reads it), then per batch: the script refuses PowerShell 7, then the same
    # read in powershell.exe.
    assert estate.calls("new-em").count("win_powershell") == 1 + 6
