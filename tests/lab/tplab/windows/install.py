# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Put the lab's transports beneath pywinrm and pypsrp, in this Python process, as they are imported.

Ansible's ``winrm`` and ``psrp`` connection plugins import pywinrm's Protocol and pypsrp's WSMan,
RunspacePool and PowerShell by name. A finder on ``sys.meta_path`` waits for those library modules
to be loaded and then swaps in the lab's classes (pywinrm's ``Transport`` as Protocol builds it;
pypsrp's ``WSMan``, ``RunspacePool`` and ``PowerShell``), before the plugins import them. Nothing
is imported early, so a process that never connects to Windows pays nothing. Installed by
tests/lab/pythonpath/sitecustomize.py for every Python process that has that folder on PYTHONPATH.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
import typing as t


def _patch_winrm_protocol(module: types.ModuleType) -> None:
    from tplab.windows.winrs import LabTransport
    module.Transport = LabTransport  # type: ignore[attr-defined]


def _patch_pypsrp_wsman(module: types.ModuleType) -> None:
    from tplab.windows.psrp import LabWSMan
    module.WSMan = LabWSMan  # type: ignore[attr-defined]


def _patch_pypsrp_powershell(module: types.ModuleType) -> None:
    from tplab.windows.psrp import LabPowerShell, LabRunspacePool
    module.RunspacePool = LabRunspacePool  # type: ignore[attr-defined]
    module.PowerShell = LabPowerShell  # type: ignore[attr-defined]


PATCHES: dict[str, t.Callable[[types.ModuleType], None]] = {
    "winrm.protocol": _patch_winrm_protocol,
    "pypsrp.wsman": _patch_pypsrp_wsman,
    "pypsrp.powershell": _patch_pypsrp_powershell,
}


class _PatchingLoader(importlib.abc.Loader):
    """Runs the real loader, then the patch."""

    def __init__(self, loader: importlib.abc.Loader, patch: t.Callable[[types.ModuleType], None]) -> None:
        self._loader = loader
        self._patch = patch

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self._loader.exec_module(module)
        self._patch(module)


class _PatchingFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: t.Any, target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        patch = PATCHES.get(fullname)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(t.cast(importlib.abc.Loader, spec.loader), patch)
                return spec
        return None


def install() -> None:
    """Idempotent: one finder per process, even if sitecustomize runs twice."""
    if any(isinstance(finder, _PatchingFinder) for finder in sys.meta_path):
        return
    already = [name for name in PATCHES if name in sys.modules]
    for name in already:  # imported before us (unusual): patch in place
        PATCHES[name](sys.modules[name])
    sys.meta_path.insert(0, _PatchingFinder())
