# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Twin of read_program_config.ps1 (with lib/atomic_replace.ps1 and lib/service_record.ps1, twinned by
``_atomic_replace`` and ``_service_record``).

What it models, and where that comes from:
- the ConstrainedLanguage guard, before any .NET call (about_Language_Modes: the language mode is readable in
  every mode); after it, ``[DateTimeOffset]`` and the ``[IO.*]`` calls are where that mode would stop the script
  (only core types may be converted to or called there);
- the service record from the service control manager's data (``system.json``), the config path from the
  service's command line (the quoted part, or up to ".exe");
- -WhatIf (check mode) makes both ShouldProcess calls false: the sweep and the self-test are skipped;
- a config over MaxBytes is refused before ReadAllBytes and again after it; ReadAllBytes fails under ``locked``;
- the companion file (an agent's ``CertsInfo\\ca-crt.pem``) read whole when it exists and is within MaxBytes, and
  ``ResolveName`` answered by the host's resolver (``_service_record``), a failed lookup kept as its message;
- the record of what the collection wrote, the sweep and the self-test as the library does them (``_windows_io``
  names the source of every .NET and Win32 behaviour they rely on).
"""

from __future__ import annotations

import base64
import ntpath
import typing as t

from tplab.twins import _atomic_replace as library
from tplab.twins import _service_record as record
from tplab.twins import _windows_io as io
from tplab.twins._run import ScriptError, ScriptRun, read_all_bytes, sha256_hex

SCRIPT_SHA256 = "247564524a1089860e4d73b57a2006f8adce83b6eeac3482f2844f8697e4517e"


def read_program_config(run: ScriptRun, params: dict[str, t.Any]) -> None:
    """Twin of read_program_config.ps1."""
    run.changed = False
    if run.stopped_outside_full_language():
        return
    service_name, config_path = params.get("ServiceName") or "", params.get("ConfigPath") or ""
    record_suffix, limit = params.get("RecordSuffix") or "", int(params.get("MaxBytes") or 1048576)
    service = record.service_record(run, service_name) if service_name else None
    if not config_path and service:
        config_path = record.service_executable(service["path"]) + (params.get("ConfigSuffix") or ".config")
    config: dict[str, t.Any] = {"path": config_path, "exists": False, "content": None, "sha256": None,
                                "last_write_ms": None, "written_sha256": None}
    removed: list[str] = []
    self_test = None
    if config_path:
        run.dotnet()  # [IO.Path]::GetDirectoryName
        folder = ntpath.dirname(config_path)
        names = [ntpath.basename(config_path)] + ([ntpath.basename(config_path + record_suffix)] if record_suffix else [])
        if io.should_process(run, folder, "Remove stale temporary files of the collection"):
            removed = library.remove_stale_temporary_files(run, folder, names)
        local = run.host.path(config_path)
        too_large = (f"{config_path} is larger than {limit} bytes, the most the collection reads from a host (a Threat "
                     f"Prevention config file is a few KiB). Nothing was changed; check that this is the right file.")
        if local.is_file():
            if local.stat().st_size > limit:
                raise ScriptError(too_large)
            data = read_all_bytes(run, config_path)
            if len(data) > limit:
                raise ScriptError(too_large)
            config.update(exists=True, sha256=sha256_hex(data), content=base64.b64encode(data).decode("ascii"),
                          last_write_ms=local.stat().st_mtime_ns // 1_000_000)
            if record_suffix:
                config["written_sha256"] = library.read_written_record(run, config_path + record_suffix)
            if params.get("SelfTest") and io.should_process(run, folder, "Prove the atomic replace with scratch files"):
                self_test = library.test_atomic_replace(run, folder, names[0])
    companion = _companion(run, config_path, params.get("CompanionFile") or "", limit)
    resolved = _resolved(run, params.get("ResolveName") or "")
    run.result = {"language_mode": "FullLanguage", "service": service, "config": config, "removed": removed,
                  "self_test": self_test, "companion": companion, "resolved": resolved}


def _companion(run: ScriptRun, config_path: str, name: str, limit: int) -> dict[str, t.Any] | None:
    """The file beside the config (an agent's CertsInfo\\ca-crt.pem): [IO.Path]::Combine, then FileInfo and ReadAllBytes."""
    if not (name and config_path):
        return None
    run.dotnet()
    path = ntpath.join(ntpath.dirname(config_path), name)
    companion: dict[str, t.Any] = {"path": path, "exists": False, "content": None}
    local = run.host.path(path)
    if local.is_file() and local.stat().st_size <= limit:
        companion.update(exists=True, content=base64.b64encode(read_all_bytes(run, path)).decode("ascii"))
    return companion


def _resolved(run: ScriptRun, name: str) -> dict[str, t.Any] | None:
    """GetHostAddresses in try/catch: the inner exception's message is kept (the SocketException's)."""
    if not name:
        return None
    try:
        return {"name": name, "addresses": record.get_host_addresses(run, name), "error": None}
    except LookupError as error:
        return {"name": name, "addresses": [], "error": str(error)}
