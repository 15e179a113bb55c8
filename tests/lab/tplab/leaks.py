# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What must never leave the EM hosts, in every form it travels in, and a search for it.

The private keys travel as PEM text inside base64 (module arguments and results), the secret
export the same way, the EM config (with its SQL password) as base64 of the whole file. A copy of
any of them anywhere on the controller contains one of these needles: a PEM body line, or a
40-character window of the base64 at each of the three byte alignments it can start at.
"""

from __future__ import annotations

import base64
from pathlib import Path

from tplab import programs
from tplab.estate import Estate

CERTS = "C:\\Program Files\\Netwrix\\Netwrix Threat Prevention\\SIEnterpriseManager\\CertsInfo"
EM_CONFIG = "C:\\Program Files\\Netwrix\\Netwrix Threat Prevention\\SIEnterpriseManager\\SIEnterpriseManager.exe.config"


def _windows(encoded: bytes, skip_head: int, skip_tail: int) -> set[bytes]:
    if len(encoded) < skip_head + skip_tail + 40:
        return {encoded}
    return {encoded[index:index + 40] for index in range(skip_head, len(encoded) - skip_tail - 40, 32)}


def forms(secret: bytes, skip_head: int = 160, skip_tail: int = 104) -> set[bytes]:
    """Fragments that any copy of ``secret`` would contain: PEM body lines and windows of its base64 at 3 alignments.

    The first and last characters are skipped: PEM headers, footers and the ASN.1 preamble of a key
    are the same in every key of a type, and would be found in public certificates too.
    """
    pieces = {line for line in secret.splitlines()[2:] if len(line) >= 40 and not line.startswith(b"-----")}
    for offset in range(3):
        pieces |= _windows(base64.b64encode(secret[offset:]), skip_head, skip_tail)
    return {piece for piece in pieces if len(piece) >= 20}


def needles(estate: Estate) -> dict[str, set[bytes]]:
    """What must never leave the EM hosts, read from the hosts before a run."""
    found: dict[str, set[bytes]] = {}
    for host in ("old-em", "new-em"):
        for key in ("Ca-key.pem", "Em-key.pem"):
            path = estate.host(host).path(f"{CERTS}\\{key}")
            if path.is_file():
                found[f"{host} {key}"] = forms(path.read_bytes())
        found[f"{host} EM config"] = forms(connection_strings(estate.host(host).path(EM_CONFIG).read_bytes()), 0, 0)
    secret = programs.secret_of(estate.host("old-em"))
    assert secret is not None
    export = programs.EXPORT_HEADER + base64.b64encode(secret) + b"\n"
    found["secret"] = {base64.b64encode(secret), secret.hex().encode()} | forms(export)
    return found


def connection_strings(config: bytes) -> bytes:
    """The <connectionStrings> section of an EM config: what carries the SQL credentials."""
    start, end = config.index(b"<connectionStrings>"), config.index(b"</connectionStrings>")
    return config[start:end]


def sql_password_needles(password: str) -> dict[str, set[bytes]]:
    """The SQL password itself, as text and as UTF-16 (how .NET and PowerShell hold strings)."""
    return {"SQL password": {password.encode(), password.encode("utf-16-le")}}


def search(haystacks: dict[str, bytes], secrets: dict[str, set[bytes]]) -> list[str]:
    """Each (secret, place) where a needle was found."""
    return [f"{what} in {where}" for where, data in haystacks.items() for what, pieces in secrets.items()
            if any(piece in data for piece in pieces)]


def files_under(folder: Path, label: str = "") -> dict[str, bytes]:
    """Every file below a folder, by its path relative to the folder (prefixed with ``label``)."""
    return {f"{label}{path.relative_to(folder)}": path.read_bytes() for path in folder.rglob("*") if path.is_file()}
