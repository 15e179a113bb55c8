# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parse, format and compare Enterprise Manager addresses of the form ``host[:port]``.

Agents and consoles store the address as one string (``managerAddress``). Users give it as a host
name, an IPv4 address or an IPv6 address, with or without a port; IPv6 needs brackets when a port
follows. One canonical form (``host:port``, IPv6 in brackets) keeps writes predictable and lets a
second run see that nothing needs to change.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")
_PORT = re.compile(r"^[0-9]{1,5}$")


class AddressError(ValueError):
    """The text is not an address of the form host[:port]."""


@dataclass(frozen=True)
class ManagerAddress:
    """A host and an explicit or defaulted port; ``has_port`` remembers whether a port was written."""

    host: str
    port: int
    has_port: bool = True

    @property
    def is_ipv6(self) -> bool:
        return ":" in self.host

    def __str__(self) -> str:
        host = f"[{self.host}]" if self.is_ipv6 else self.host
        return f"{host}:{self.port}"

    def same_endpoint(self, other: ManagerAddress) -> bool:
        """Host names compare case-insensitively (DNS does); a port only counts when written."""
        return (self._host_key() == other._host_key() and self.has_port and other.has_port and self.port == other.port)

    def _host_key(self) -> str:
        if self.is_ipv6:
            return str(ipaddress.IPv6Address(self.host))
        host = self.host.lower()
        return host[:-1] if host.endswith(".") else host


def parse_address(text: str, default_port: int) -> ManagerAddress:
    """Parse ``host``, ``host:port``, ``[ipv6]``, ``[ipv6]:port`` or a bare IPv6 address."""
    if not isinstance(text, str) or not text.strip():
        raise AddressError("the address is empty; give host or host:port")
    value = text.strip()
    if "://" in value:
        raise AddressError(f"'{value}' is a URL; agents and consoles take a host or host:port, without a scheme or path "
                           f"(for example {value.split('://', 1)[1].split('/', 1)[0] or 'newem.corp.example'})")
    if any(character.isspace() for character in value):
        raise AddressError(f"'{value}' contains a space; give one host or host:port")
    host, port_text = _split(value)
    _check_host(host, value)
    if port_text is None:
        return ManagerAddress(host=host, port=default_port, has_port=False)
    return ManagerAddress(host=host, port=_check_port(port_text, value), has_port=True)


def _split(value: str) -> tuple[str, str | None]:
    if value.startswith("["):
        close = value.find("]")
        if close < 0:
            raise AddressError(f"'{value}' opens '[' for an IPv6 address but never closes it")
        host, rest = value[1:close], value[close + 1:]
        if ":" not in host:
            raise AddressError(f"'{value}' puts brackets around '{host}'; brackets are only for IPv6 addresses")
        if not rest:
            return host, None
        if not rest.startswith(":"):
            raise AddressError(f"'{value}' has text after ']' that is not ':port'")
        return host, rest[1:]
    if value.count(":") > 1:
        _refuse_ambiguous_ipv6(value)
        return value, None  # a bare IPv6 address cannot carry a port
    if ":" in value:
        host, port = value.split(":", 1)
        return host, port
    return value, None


def _refuse_ambiguous_ipv6(value: str) -> None:
    """``fd00::11:3741`` is a valid IPv6 address, and also reads as fd00::11 on port 3741: make the user say which."""
    head, last = value.rsplit(":", 1)
    if not (last.isdigit() and 1 <= int(last) <= 65535 and head and not head.endswith(":")):
        return
    try:
        ipaddress.IPv6Address(head)
    except ValueError:
        return
    raise AddressError(f"'{value}' is ambiguous: it is an IPv6 address, but it also reads as [{head}] on port {last}. "
                       f"Write [{head}]:{last} for that, or [{value}] for the address itself")


def _check_host(host: str, value: str) -> None:
    if ":" in host:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise AddressError(f"'{value}' is not a valid IPv6 address; write it as [address]:port") from None
        return
    if not host:
        raise AddressError(f"'{value}' has no host before the port")
    labels = (host[:-1] if host.endswith(".") else host).split(".")  # one trailing dot is the DNS root
    if not all(_HOST_LABEL.match(label) for label in labels):
        raise AddressError(f"'{value}' is not a host name or IP address; use letters, digits, '-', '_' and '.' only")
    if all(label.isdigit() for label in labels):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise AddressError(f"'{value}' looks like an IPv4 address but is not a valid one") from None


def _check_port(port_text: str, value: str) -> int:
    if not _PORT.match(port_text) or not 1 <= int(port_text) <= 65535:
        raise AddressError(f"'{value}' has port '{port_text}'; a port is a number from 1 to 65535")
    return int(port_text)
