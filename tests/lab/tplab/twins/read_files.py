# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of read_files.ps1."""

from __future__ import annotations

import base64
import typing as t

from tplab.twins._run import ScriptRun, read_all_bytes, sha256_hex

SCRIPT_SHA256 = "cbd19d56569d7026eab326b09952200d80e1ebcae196bab9e44d1a5bd1df40fd"


def read_files(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of read_files.ps1."""
    run.changed = False
    folder = params["Folder"]
    local = run.host.path(folder)
    on_disk = [entry for entry in local.iterdir() if entry.is_file()] if local.is_dir() else []
    files = []
    for requested in params["Names"]:
        item = next((entry for entry in on_disk if entry.name.lower() == requested.lower()), None)
        entry = {"requested": requested, "name": requested, "path": f"{folder}\\{requested}", "exists": False,
                 "sha256": None, "content": None}
        if item is not None:
            data = read_all_bytes(run, f"{folder}\\{item.name}")
            entry.update(name=item.name, path=f"{folder}\\{item.name}", exists=True, sha256=sha256_hex(data),
                         content=base64.b64encode(data).decode("ascii") if params.get("IncludeContent") else None)
        files.append(entry)
    run.result = {"folder": folder, "files": files}
