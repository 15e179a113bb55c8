# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of read_program_config.ps1."""

from __future__ import annotations

import base64
import typing as t

from tplab import product, services
from tplab.twins._run import ScriptRun, read_all_bytes, sha256_hex

SCRIPT_SHA256 = "0b0804e9d4fbb5ae5f0278bb52eec62cee7f653542a810c7940b4fe97ff76637"


def read_program_config(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of read_program_config.ps1."""
    run.changed = False
    service_name, config_path = params.get("ServiceName") or "", params.get("ConfigPath") or ""
    service = None
    found = services.find(run.host, service_name) if service_name else None
    if found:
        name, raw = found
        running = raw["state"] == "started"
        service = {"name": name, "display_name": raw["display_name"], "state": raw["state"],
                   "start_mode": raw["start_mode"], "path": raw["path"], "accepts_stop": running and not raw.get("hardened"),
                   "started_ms": raw.get("started_ms") if running else None}
    if not config_path and service:
        config_path = product.executable(service["path"]) + (params.get("ConfigSuffix") or ".config")
    config: dict[str, t.Any] = {"path": config_path or None, "exists": False, "content": None, "sha256": None,
                                "last_write_ms": None}
    if config_path and run.host.path(config_path).is_file():
        data = read_all_bytes(run, config_path)
        config.update(exists=True, sha256=sha256_hex(data), content=base64.b64encode(data).decode("ascii"),
                      last_write_ms=run.host.path(config_path).stat().st_mtime_ns // 1_000_000)
    run.result = {"service": service, "config": config}
