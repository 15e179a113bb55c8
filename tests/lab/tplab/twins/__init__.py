# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Python twins of the collection's PowerShell scripts, so the emulated win_powershell can run them.

There is no PowerShell here. Each twin (one module per script) does what its script does, step
for step, against the emulated host: the same checks, the same order, the same error texts, using
the same Windows primitives the lab emulates for every other module, and failing where Windows
PowerShell 5.1 and .NET would fail. A twin is bound to one exact script text by SHA-256: when a
script changes, the lab refuses to run it until its twin is reviewed and its hash updated
(tests/lab/tests/test_twins.py names the stale one).

The twins decide nothing the collection must earn: they read and write files and report what the
product's state is; whether the outcome is right is checked by the tests against that state.
"""

from __future__ import annotations

import hashlib
import typing as t

from tplab.twins import (get_agent_status, move_secret, read_em_info, read_em_state, read_files, read_program_config,
                         replace_file)
from tplab.twins._run import ScriptError, ScriptRun, declared_parameters

_MODULES = (read_program_config, replace_file, get_agent_status, read_files, move_secret, read_em_info, read_em_state)
Twin = t.Callable[[ScriptRun, dict[str, t.Any]], None]
SCRIPT_SHA256: dict[str, str] = {module.__name__.rsplit(".", 1)[1]: module.SCRIPT_SHA256 for module in _MODULES}
TWINS: dict[str, Twin] = {name: getattr(module, name) for name, module in zip(SCRIPT_SHA256, _MODULES)}

__all__ = ["SCRIPT_SHA256", "TWINS", "ScriptError", "ScriptRun", "declared_parameters", "twin_for"]


def twin_for(script: str) -> tuple[str, Twin] | None:
    """The twin bound to this exact script text, if any."""
    digest = hashlib.sha256(script.encode("utf-8")).hexdigest()
    for name, expected in SCRIPT_SHA256.items():
        if expected == digest:
            return name, TWINS[name]
    return None
