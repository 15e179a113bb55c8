# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What must hold before private keys, the secret export or an EM's SQL credentials travel to or from a host.

tp_certs, tp_secret and tp_em_info move such data in module arguments and results, so:

- the connection must encrypt it. WinRM over HTTPS does (TLS); over HTTP only NTLM, Kerberos and
  CredSSP (psrp: negotiate too) encrypt messages, and only while message encryption is not turned
  off. Basic or certificate authentication over HTTP sends everything readable on the wire.
- Ansible must not write it to disk or print it. ANSIBLE_KEEP_REMOTE_FILES turns pipelining off,
  and Ansible then writes each module's payload, arguments included, to a temporary file on the
  controller and leaves it on the host; ANSIBLE_DEBUG prints module arguments and results.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import typing as t

from ansible import constants as C

ENCRYPTING_AUTH = frozenset({"ntlm", "kerberos", "credssp", "negotiate"})


def _option(connection: t.Any, name: str) -> t.Any:
    try:
        return connection.get_option(name)
    except KeyError:
        return None


def unencrypted_reason(connection: t.Any) -> str | None:
    """Why this connection would carry messages unencrypted, or None when it encrypts them (or is not WinRM)."""
    kind = str(getattr(connection, "transport", ""))
    if kind.endswith("winrm"):
        return _winrm_reason(connection)
    if kind.endswith("psrp"):
        return _psrp_reason(connection)
    return None


def _winrm_reason(connection: t.Any) -> str | None:
    port = _option(connection, "port")
    scheme = _option(connection, "scheme") or ("http" if port == 5985 else "https")
    if scheme == "https":
        return None
    auths = [str(auth) for auth in _option(connection, "transport") or [] if auth] or ["plaintext"]
    encryption = (_option(connection, "_extras") or {}).get("ansible_winrm_message_encryption", "auto")
    weak = [auth for auth in auths if auth not in ENCRYPTING_AUTH]
    if encryption == "never":
        return f"WinRM over HTTP (port {port}) with ansible_winrm_message_encryption=never"
    if weak:
        return f"WinRM over HTTP (port {port}) with {', '.join(weak)} authentication, which does not encrypt messages"
    return None


def _psrp_reason(connection: t.Any) -> str | None:
    port, protocol = _option(connection, "port"), _option(connection, "protocol")
    if protocol is None:
        protocol = "http" if port is not None and int(port) == 5985 else "https"
    if protocol == "https":
        return None
    auth = str(_option(connection, "auth") or "negotiate")
    if _option(connection, "message_encryption") == "never":
        return f"PSRP over HTTP (port {port}) with ansible_psrp_message_encryption=never"
    if auth not in ENCRYPTING_AUTH:
        return f"PSRP over HTTP (port {port}) with {auth} authentication, which does not encrypt messages"
    return None


def secret_hazards(host: str, connection: t.Any, pipelining: bool) -> list[str]:
    """Each reason the keys, the export or the SQL credentials would leak on this run, as sentences naming the fix."""
    hazards = []
    if C.DEFAULT_KEEP_REMOTE_FILES:
        hazards.append("ANSIBLE_KEEP_REMOTE_FILES (keep_remote_files) is on: Ansible would write this module's arguments "
                       "to temporary files on the controller and leave them on the host; unset it for this run")
    if C.DEFAULT_DEBUG:
        hazards.append("ANSIBLE_DEBUG is on: Ansible would print module arguments and results; unset it for this run")
    if not pipelining and not C.DEFAULT_KEEP_REMOTE_FILES:
        hazards.append("the connection does not pipeline modules, so Ansible would copy each module's arguments to the "
                       "host's temporary folder; use the psrp or winrm connection plugin")
    reason = unencrypted_reason(connection)
    if reason:
        hazards.append(f"{reason}; use HTTPS (port 5986) or an encrypting authentication (Kerberos, NTLM, CredSSP) "
                       f"with message encryption on")
    return [f"{host}: {hazard}" for hazard in hazards]
