# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight proves, on the real hosts and before anything changes, what the migration relies on.

Each test gives one host a condition a real estate can have (a PowerShell logging policy, WDAC's
ConstrainedLanguage mode, ...), runs migrate.yml, and checks that the preflight stops the run with a
message naming the host and the fix, and that nothing in the estate changed.
"""

from __future__ import annotations

import os
import typing as t

import pytest

from tplab import leaks
from tplab.estate import Estate, Host
from tplab.playbook import run_playbook
from tplab.status import tree_digest
from tplab.windows import eventlog, registry

pytestmark = pytest.mark.lab

FAST = {"agent_verify_delay": 1, "tp_verify_delay": 1}


def set_system(host: Host, **entries: t.Any) -> None:
    with host.editing_system() as system:
        for key, value in entries.items():
            if isinstance(value, dict):
                system.setdefault(key, {}).update(value)
            else:
                system[key] = value


def changed_paths(estate: Estate, before: dict[str, str]) -> list[str]:
    return sorted(path for path, digest in tree_digest(estate).items() if before.get(path) != digest)


def test_module_logging_on_an_em_stops_the_preflight_unless_accepted(make_estate: t.Callable[..., Estate]) -> None:
    """With the policy on, the keys would reach the new EM's event log: the run refuses; accepted, they do."""
    estate = make_estate(agents=2, new_em="fresh")
    set_system(estate.host("new-em"), registry={f"{registry.MODULE_LOGGING}": {"EnableModuleLogging": 1}})
    before = tree_digest(estate)
    refused = run_playbook(estate, "migrate.yml", extra_vars=FAST)
    assert refused.returncode != 0
    assert "new-em: PowerShell module logging is enabled by policy (ModuleLogging)" in refused.output
    assert "tp_allow_powershell_logging" in refused.output
    assert changed_paths(estate, before) == []

    accepted = run_playbook(estate, "migrate.yml", extra_vars={**FAST, "tp_allow_powershell_logging": True})
    assert accepted.returncode == 0, accepted.output[-3000:]
    logged = "\n".join(entry["message"] for entry in eventlog.read(estate.host("new-em"), "Microsoft-Windows-PowerShell/Operational"))
    key = leaks.forms(estate.host("old-em").path(f"{leaks.CERTS}\\Em-key.pem").read_bytes())
    assert any(piece.decode() in logged for piece in key), "what the refusal warns of is what the policy records"


def test_constrained_language_mode_stops_the_preflight_with_guidance(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=2, new_em="fresh")
    set_system(estate.host("old-em"), powershell={"language_mode": "ConstrainedLanguage"})
    before = tree_digest(estate)
    run = run_playbook(estate, "migrate.yml", extra_vars=FAST)
    assert run.returncode != 0
    assert "old-em: PowerShell runs in ConstrainedLanguage mode here (a WDAC or AppLocker policy)" in run.output
    assert changed_paths(estate, before) == []


@pytest.mark.parametrize("host", ["new-em", "agent02", "console01"])
def test_a_folder_where_the_atomic_replace_fails_stops_the_preflight(make_estate: t.Callable[..., Estate], host: str) -> None:
    """The self-test writes, replaces and removes scratch files where the run will write: access denied there stops it."""
    estate = make_estate(agents=2, consoles=1, new_em="fresh")
    estate.set_fault(host, "replace_fails", {"code": 5, "times": 10})  # more than the replace's retries
    before = tree_digest(estate)
    run = run_playbook(estate, "migrate.yml", extra_vars=FAST)
    assert run.returncode != 0
    assert f"{host}: the atomic replace that writes" in run.output and "does not work in" in run.output, run.output[-3000:]
    assert "exclude" in run.output and "from scanning" in run.output
    assert changed_paths(estate, before) == []


def test_the_old_ems_agent_list_is_checked_for_the_verifications_properties(make_estate: t.Callable[..., Estate]) -> None:
    """A status property the EM's rows lack would make every verification wait in vain: the preflight says so at once."""
    estate = make_estate(agents=2, new_em="fresh")
    before = tree_digest(estate)
    run = run_playbook(estate, "migrate.yml", extra_vars={**FAST, "agent_status_property": "State"})
    assert run.returncode != 0
    assert "old-em: the Enterprise Manager listed 2 agent row(s), but they have no status property (State)" in run.output
    assert changed_paths(estate, before) == []


def test_a_cut_temporary_key_file_is_swept_by_a_run_with_nothing_to_do(make_estate: t.Callable[..., Estate]) -> None:
    """Litter of an interrupted write (part of a private key) does not outlive the next run."""
    estate = make_estate(agents=1, new_em="fresh")
    assert run_playbook(estate, "migrate.yml", extra_vars=FAST).returncode == 0
    new = estate.host("new-em")
    cut = new.path(f"{leaks.CERTS}\\.Em-key.pem.0a1b2c3d.tmp")
    cut.write_bytes(new.path(f"{leaks.CERTS}\\Em-key.pem").read_bytes()[:300])
    stale = 11 * 60
    os.utime(cut, (cut.stat().st_atime - stale, cut.stat().st_mtime - stale))
    again = run_playbook(estate, "migrate.yml", extra_vars=FAST)
    assert again.returncode == 0, again.output[-3000:]
    assert not cut.exists()
