# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared fixtures of the lab's own tests: small estates, built once and copied for each test that changes one."""

from __future__ import annotations

import shutil
import typing as t
from pathlib import Path

import pytest

from tplab.estate import Estate
from tplab.generator import EstateSpec, build_estate, write_inventory

SMALL_AGENTS = 4


@pytest.fixture(scope="session")
def estate_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small estate (old-em, new-em, agent01..agent04) built once per session; never changed."""
    root = tmp_path_factory.mktemp("template") / "estate"
    build_estate(root, EstateSpec(agents=SMALL_AGENTS))
    return root


@pytest.fixture(scope="session")
def copy_estate(estate_template: Path) -> t.Callable[[Path], Estate]:
    """Make a private copy of the template estate at a path, with an inventory that points at the copy."""
    def copy(destination: Path) -> Estate:
        shutil.copytree(estate_template, destination)
        estate = Estate(destination)
        write_inventory(estate, EstateSpec(agents=SMALL_AGENTS))
        return estate
    return copy


@pytest.fixture
def estate(copy_estate: t.Callable[[Path], Estate], tmp_path: Path) -> Estate:
    """A fresh small estate that this test alone changes."""
    return copy_estate(tmp_path / "estate")
