# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of read_files.ps1.

What it models, and where that comes from:
- the ConstrainedLanguage guard (about_Language_Modes: the language mode is readable in every mode);
- Get-ChildItem -File -Force lists the folder's files, hidden ones included; names compare
  case-insensitively (-ieq), as NTFS does, and come back as they are on disk;
- ``[IO.Path]::Combine`` is string work and needs no drive (.NET reference source, Path.Combine),
  so a folder on a drive the host lacks gives "not there" entries, where Join-Path would throw
  DriveNotFoundException in Windows PowerShell 5.1;
- ReadAllBytes fails with the .NET sharing-violation text when another process holds the file
  open without sharing (the ``locked`` fault); a file over MaxBytes is hashed but not read;
- Sweep and SelfTest are the atomic_replace library's (twin: tplab.twins._atomic_replace), each
  behind ShouldProcess, which is false in check mode (-WhatIf).
"""

from __future__ import annotations

import base64
import hashlib
import ntpath
import typing as t

from tplab.twins import _atomic_replace as library
from tplab.twins import _windows_io as io
from tplab.twins._run import ScriptRun, read_all_bytes, sha256_hex

SCRIPT_SHA256 = "c74b125c80d1c20f41a5fb69e7215ffd534a1c33b214b0faa76e32d0cbeb6070"


def read_files(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of read_files.ps1."""
    run.changed = False
    if run.stopped_outside_full_language():
        return
    folder, names = params["Folder"], list(params["Names"])
    removed: list[str] = []
    if params.get("Sweep") and io.should_process(run, folder, "Remove stale temporary files of the collection"):
        removed = library.remove_stale_temporary_files(run, folder, names)
    local = run.host.path(folder)
    limit = int(params.get("MaxBytes") or 1048576)
    on_disk = [entry for entry in local.iterdir() if entry.is_file()] if local.is_dir() else []
    files = []
    for requested in params["Names"]:
        item = next((entry for entry in on_disk if entry.name.lower() == requested.lower()), None)
        entry = {"requested": requested, "name": requested, "path": ntpath.join(folder, requested), "exists": False,
                 "too_large": False, "sha256": None, "content": None}
        if item is not None:
            path = ntpath.join(folder, item.name)
            entry.update(name=item.name, path=path, exists=True)
            if item.stat().st_size > limit:
                entry.update(too_large=True, sha256=hashlib.sha256(item.read_bytes()).hexdigest())
            else:
                data = read_all_bytes(run, path)
                entry.update(sha256=sha256_hex(data),
                             content=base64.b64encode(data).decode("ascii") if params.get("IncludeContent") else None)
        files.append(entry)
    self_test = None
    if params.get("SelfTest") and io.should_process(run, folder, "Prove the atomic replace with scratch files"):
        self_test = library.test_atomic_replace(run, folder, names[0])
    run.result = {"folder": folder, "files": files, "removed": removed, "self_test": self_test}
