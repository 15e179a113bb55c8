# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lab's network: which emulated host a WinRM endpoint reaches, whether it answers, and who logs on.

The estate is the network the controller is on: ``TPLAB_ESTATE`` names its folder. A host name,
FQDN or address is resolved with the estate's DNS; the host must have a WinRM listener on the
port with the right scheme (HTTP on 5985, HTTPS on 5986 unless system.json says otherwise); the
account must be the estate's administrator account. Failures are raised as the HTTP layer
beneath pywinrm and pypsrp raises them (``requests.exceptions.ConnectionError`` with urllib3's
wording), so that the real connection plugins handle them as they would on a real network:

- a name the estate does not know: NameResolutionError;
- no listener, or the host's ``unreachable`` fault (also ``unreachable_after`` once its calls are
  used up): "Connection refused", at logon and before every later command of an open connection;
- wrong credentials: ``AuthenticationRejected``, which each transport turns into its library's error.

The ``slow`` fault adds its seconds before every command.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import requests.exceptions

from tplab.estate import Estate, Host
from tplab.windows.session import Session

DEFAULT_LISTENERS = {"5985": "http", "5986": "https"}


class AuthenticationRejected(Exception):
    """The listener refused the account or its password."""


@dataclass(frozen=True)
class Endpoint:
    """A WinRM endpoint as a connection plugin's transport addresses it."""

    server: str
    port: int
    ssl: bool
    username: str | None
    password: str | None
    encrypted: bool  # TLS, or WinRM message encryption over HTTP
    channel: str  # "winrm" or "psrp"

    @property
    def url(self) -> str:
        return f"{'https' if self.ssl else 'http'}://{self.server}:{self.port}/wsman"


def _pool(endpoint: Endpoint) -> str:
    kind = "HTTPS" if endpoint.ssl else "HTTP"
    return f"{kind}ConnectionPool(host='{endpoint.server}', port={endpoint.port}): Max retries exceeded with url: /wsman"


def refused(endpoint: Endpoint) -> requests.exceptions.ConnectionError:
    kind = "HTTPS" if endpoint.ssl else "HTTP"
    return requests.exceptions.ConnectionError(
        f"{_pool(endpoint)} (Caused by NewConnectionError('<urllib3.connection.{kind}Connection object>: Failed to "
        f"establish a new connection: [Errno 111] Connection refused'))")


def unresolved(endpoint: Endpoint) -> requests.exceptions.ConnectionError:
    kind = "HTTPS" if endpoint.ssl else "HTTP"
    return requests.exceptions.ConnectionError(
        f"{_pool(endpoint)} (Caused by NameResolutionError(\"<urllib3.connection.{kind}Connection object>: Failed to "
        f"resolve '{endpoint.server}' ([Errno -2] Name or service not known)\"))")


def estate_in_use() -> Estate | None:
    root = os.environ.get("TPLAB_ESTATE")
    return Estate(root) if root and Estate(root).exists() else None


def connect(endpoint: Endpoint) -> Session:
    """Log on to the host the endpoint names; raise what the HTTP layer would when it cannot."""
    estate = estate_in_use()
    host = estate.resolve_name(endpoint.server) if estate else None
    if estate is None or host is None:
        raise unresolved(endpoint)
    listeners = host.system().get("winrm_listeners") or DEFAULT_LISTENERS
    if listeners.get(str(endpoint.port)) != ("https" if endpoint.ssl else "http"):
        raise refused(endpoint)
    check_reachable(estate, host, endpoint)
    user = _logon(estate, endpoint)
    powershell = host.system().get("powershell") or {}
    return Session(estate=estate, host=host, user=user, channel=endpoint.channel, encrypted=endpoint.encrypted,
                   language_mode=str(powershell.get("language_mode") or "FullLanguage"))


def check_reachable(estate: Estate, host: Host, endpoint: Endpoint) -> None:
    """The host's connection faults, checked at logon and before each command."""
    faults = host.faults()
    limit = faults.get("unreachable_after")  # {"calls": N, "counted_before": calls already made when it was set}
    used_up = limit is not None and len(estate.calls(host.name)) - limit["counted_before"] >= limit["calls"]
    if faults.get("unreachable") or used_up:
        raise refused(endpoint)


def before_command(session: Session, endpoint: Endpoint) -> None:
    """Every command of an open connection: the host may have gone away, or be slow."""
    check_reachable(session.estate, session.host, endpoint)
    slow = session.host.faults().get("slow")
    if slow:
        time.sleep(float(slow))


def admin_session(estate: Estate, host: str, channel: str = "psrp") -> Session:
    """A logon of the estate's administrator account over an encrypted channel, for the lab's own tests."""
    return Session(estate=estate, host=estate.host(host), user=estate.setting("winrm_user"), channel=channel, encrypted=True)


def _logon(estate: Estate, endpoint: Endpoint) -> str:
    """The estate's administrator account, written as DOMAIN\\user, user@domain or user."""
    expected_user, expected_password = estate.setting("winrm_user"), estate.setting("winrm_password")
    given = (endpoint.username or "").lower()
    domain, _separator, name = expected_user.lower().rpartition("\\")
    if given not in (expected_user.lower(), name, f"{name}@{estate.setting('domain')}", f"{name}@{domain}"):
        raise AuthenticationRejected(f"the account '{endpoint.username}' is not known to {endpoint.server}")
    if endpoint.password != expected_password:
        raise AuthenticationRejected(f"wrong password for '{endpoint.username}'")
    return expected_user
