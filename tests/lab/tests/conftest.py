# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures of the lab's own tests: small estates and throwaway playbooks."""

from __future__ import annotations

import shutil
import typing as t
from pathlib import Path

import pytest
import yaml

from tplab.estate import Estate
from tplab.generator import EstateSpec, build_estate, write_inventory

REPO = Path(__file__).resolve().parents[3]
SCRIPTS = REPO / "plugins" / "plugin_utils" / "_scripts"
SMALL_AGENTS = 4


class Unsafe(str):
    """A string Ansible must not template (written with the ``!unsafe`` tag)."""


class _PlaybookDumper(yaml.SafeDumper):
    pass


class _PlaybookLoader(yaml.SafeLoader):
    pass


_PlaybookDumper.add_representer(Unsafe, lambda dumper, data: dumper.represent_scalar("!unsafe", str(data), style='"'))
_PlaybookLoader.add_constructor("!unsafe", lambda loader, node: Unsafe(loader.construct_scalar(node)))


def script_text(name: str) -> Unsafe:
    """The exact text of one of the collection's PowerShell scripts (its twin is bound to these bytes)."""
    return Unsafe((SCRIPTS / f"{name}.ps1").read_bytes().decode("utf-8"))


def write_playbook(path: Path, plays: list[dict[str, t.Any]]) -> Path:
    """Write plays as a playbook file; scripts survive the YAML round trip byte for byte."""
    text = yaml.dump(plays, Dumper=_PlaybookDumper, sort_keys=False, width=4096)
    assert yaml.load(text, Loader=_PlaybookLoader) == plays  # noqa: S506 - our own SafeLoader subclass
    path.write_text(text, encoding="utf-8")
    return path


def play(hosts: str, tasks: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    """A play without fact gathering (the lab emulates no setup module)."""
    return {"name": f"on {hosts}", "hosts": hosts, "gather_facts": False, "tasks": tasks}


def small_estate_copy(template: Path, destination: Path) -> Estate:
    """A private copy of the template estate, with an inventory that points at the copy."""
    shutil.copytree(template, destination)
    estate = Estate(destination)
    write_inventory(estate, EstateSpec(agents=SMALL_AGENTS))
    return estate


@pytest.fixture(scope="session")
def estate_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small estate built once per session; tests that change state work on copies of it."""
    root = tmp_path_factory.mktemp("template") / "estate"
    build_estate(root, EstateSpec(agents=SMALL_AGENTS))
    return root


@pytest.fixture
def estate(estate_template: Path, tmp_path: Path) -> Estate:
    """A fresh small estate (old-em, new-em, agent01..agent04) that this test alone changes."""
    return small_estate_copy(estate_template, tmp_path / "estate")
