# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Programs the collection starts on an EM host, emulated: SecretMgr.exe.

What the vendor documents of SecretMgr.exe: ``-e <file>`` exports the EM's secret, ``-i <file>``
imports it; it finds ``CertsInfo\\Secret.dpapi`` by itself (beside its own executable); "by default,
myOutFile is created at C:\\Windows\\SysWOW64". Everything else is unknown, so the lab picks one
plausible answer for each and makes the unknown that matters a setting (``secretmgr_output``):

- ``working_folder``: the export goes where the path says (a relative path: the working folder);
- ``syswow64``: the export always lands in C:\\Windows\\SysWOW64 under its file name, whatever
  folder was asked for (the documented default, taken as the pessimistic rule).

The export holds the secret itself, unprotected (the worst case for leaks); import protects it
with the importing host's machine key. The ``secretmgr_fails`` fault makes either switch write
half an export and exit with code 1.
"""

from __future__ import annotations

import base64
import ntpath
import typing as t

from tplab import dpapi, product
from tplab.estate import Host, write_bytes_atomic

EXPORT_HEADER = b"TPLAB SECRETMGR EXPORT 1\n"


def run(host: Host, executable: str, arguments: list[str], working_folder: str) -> tuple[int, str]:
    """Run a program on the host; return its exit code and standard error."""
    if ntpath.basename(executable).lower() != "secretmgr.exe":
        return 9009, f"'{executable}' is not a program the lab emulates"
    if not host.path(executable).is_file():
        return 2, f"The system cannot find the file specified: {executable}"
    if len(arguments) != 2 or arguments[0] not in ("-e", "-i"):
        return 1, "Usage: SecretMgr.exe -e <file> | -i <file>"
    secret_file = f"{ntpath.dirname(executable)}\\CertsInfo\\Secret.dpapi"
    target = arguments[1] if ntpath.isabs(arguments[1]) else ntpath.join(working_folder, arguments[1])
    if host.faults().get("secretmgr_fails"):
        if arguments[0] == "-e":
            write_bytes_atomic(host.path(_export_path(host, target)), EXPORT_HEADER[:10])
        return 1, "SecretMgr: unexpected error (fault injected by the lab)"
    if arguments[0] == "-e":
        return _export(host, secret_file, _export_path(host, target))
    return _import(host, secret_file, target)


def _export_path(host: Host, target: str) -> str:
    if host.estate.setting("secretmgr_output") == "syswow64":
        return "C:\\Windows\\SysWOW64\\" + ntpath.basename(target)
    return target


def _export(host: Host, secret_file: str, target: str) -> tuple[int, str]:
    source = host.path(secret_file)
    if not source.is_file():
        return 3, f"Secret file not found: {secret_file}"
    try:
        secret = dpapi.unprotect(host.system()["machine_key"], source.read_bytes())
    except dpapi.DecryptError as error:
        return 4, f"Cannot read {secret_file}: {error}"
    write_bytes_atomic(host.path(target), EXPORT_HEADER + base64.b64encode(secret) + b"\n")
    return 0, ""


def _import(host: Host, secret_file: str, source: str) -> tuple[int, str]:
    data = host.path(source).read_bytes() if host.path(source).is_file() else None
    if data is None or not data.startswith(EXPORT_HEADER):
        return 5, f"Not a SecretMgr export: {source}"
    secret = base64.b64decode(data[len(EXPORT_HEADER):].strip())
    write_bytes_atomic(host.path(secret_file), dpapi.protect(host.system()["machine_key"], secret))
    return 0, ""


def secret_of(host: Host) -> bytes | None:
    """The secret the EM on this host holds (for the lab's own status and tests)."""
    service = product.running_service(host, "enterprise_manager") or next(
        (svc for svc in host.system()["services"].values() if svc["program"] == "enterprise_manager"), None)
    if service is None:
        return None
    path = host.path(product.install_folder(t.cast(dict, service)) + "\\CertsInfo\\Secret.dpapi")
    try:
        return dpapi.unprotect(host.system()["machine_key"], path.read_bytes())
    except (OSError, dpapi.DecryptError):
        return None
