# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for playbook runs against a freshly generated estate."""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest

from tplab.estate import Estate
from tplab.generator import EstateSpec, build_estate


@pytest.fixture
def make_estate(tmp_path: Path) -> t.Callable[..., Estate]:
    """A factory: a freshly generated estate in this test's temporary folder."""
    def make(agents: int = 22, **settings: t.Any) -> Estate:
        return build_estate(tmp_path / "estate", EstateSpec(agents=agents, **settings))
    return make
