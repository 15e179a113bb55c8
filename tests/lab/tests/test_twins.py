# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Each of the collection's PowerShell scripts has a reviewed Python twin in the lab, bound to its text.

When a script changes, its twin must be reviewed against it and its hash updated in
tests/lab/tplab/twins.py; until then the lab refuses to run the script and this test names it.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from pathlib import Path

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._windows_host import _script_text
from tplab import twins

SCRIPTS = Path(__file__).resolve().parents[3] / "plugins" / "plugin_utils" / "_scripts"
TWIN_PARAM = re.compile(r'params(?:\.get\(|\[)"(\w+)"')


def test_every_script_has_a_twin_and_every_twin_a_script() -> None:
    assert {path.stem for path in SCRIPTS.glob("*.ps1")} == set(twins.SCRIPT_SHA256) == set(twins.TWINS)


@pytest.mark.parametrize("name", sorted(twins.SCRIPT_SHA256))
def test_the_twin_is_bound_to_the_current_script_text(name: str) -> None:
    """Hashed as the collection sends it (win_powershell's script option), so the lab matches what it receives."""
    digest = hashlib.sha256(_script_text(name).encode("utf-8")).hexdigest()
    assert twins.SCRIPT_SHA256[name] == digest, (
        f"{name}.ps1 changed: review twins.{name} against it, then set its SCRIPT_SHA256 entry to {digest}")


@pytest.mark.parametrize("name", sorted(twins.SCRIPT_SHA256))
def test_the_twin_reads_only_parameters_the_script_declares(name: str) -> None:
    twin_source = inspect.getsource(twins.TWINS[name])
    assert set(TWIN_PARAM.findall(twin_source)) <= twins.declared_parameters((SCRIPTS / f"{name}.ps1").read_text(encoding="utf-8"))
