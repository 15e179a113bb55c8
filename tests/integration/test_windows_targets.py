# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ansible-test Windows integration targets (tests/integration/targets), run against the lab.

On a real Windows VM a user runs them with ``ansible-test windows-integration`` (docs/testing.md);
here each target runs as ansible-test runs it, a play of the target role on the hosts of the
``windows`` group, against bare hosts of a lab estate (win01 over psrp, win02 over winrm), so that
the targets never rot. Each target lays out its own stand-in of Threat Prevention and removes it.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
import yaml

from tplab.estate import Estate
from tplab.generator import EstateSpec, build_estate
from tplab.playbook import run_playbook

pytestmark = pytest.mark.lab
TARGETS = Path(__file__).resolve().parent / "targets"
WINDOWS_TARGETS = sorted(path.name for path in TARGETS.iterdir()
                         if (path / "aliases").is_file() and "windows" in (path / "aliases").read_text(encoding="utf-8").split())


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Estate:
    return build_estate(tmp_path_factory.mktemp("targets") / "estate", EstateSpec(agents=2, windows_hosts=2))


def test_targets_are_found() -> None:
    assert WINDOWS_TARGETS, "an empty list would let the parametrized test below check nothing"


@pytest.mark.parametrize("target", WINDOWS_TARGETS)
def test_target_passes_against_the_lab(estate: Estate, target: str, tmp_path: Path) -> None:
    playbook = tmp_path / f"{target}.yml"
    playbook.write_text(yaml.safe_dump([{"name": f"target {target}", "hosts": "windows", "gather_facts": False,
                                         "roles": [target]}]), encoding="utf-8")
    run = run_playbook(estate, str(playbook), env={"ANSIBLE_ROLES_PATH": str(TARGETS)})
    assert run.returncode == 0, run.output[-4000:]
    leftovers = [host.name for host in estate.hosts("windows") if host.path("C:\\ansible-tp-test").exists()]
    assert leftovers == [], "each target removes its stand-in"


def test_every_target_runs_on_windows_hosts_only(estate: Estate) -> None:
    inventory = yaml.safe_load((estate.root / "inventory.yml").read_text(encoding="utf-8"))
    assert set(inventory["all"]["children"]["windows"]["hosts"]) == {"win01", "win02"}
    assert all(t.cast(str, name).startswith("win") for name in inventory["all"]["children"]["windows"]["hosts"])
