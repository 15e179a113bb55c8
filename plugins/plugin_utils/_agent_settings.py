# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the values asked for the agent's ``<appSettings>`` keys before any file is touched.

The agent reads a few keys from ``SIWindowsAgent.exe.config`` besides its Enterprise Manager
address, and a wrong value there is only noticed when the service starts. So the values the
vendor describes are checked here, with a message that says how to fix them:

- ``bindTo`` picks the network adapter the agent uses on a host with several: the vendor says to
  set it to the IP address to use, or to the name of the desired adapter. The installer ships it
  commented out with an empty value.
- ``dnsLookups`` is a boolean; the installer writes ``true``, so values are written lower case,
  whatever spelling YAML or ``-e`` gave.
- ``SDEventFormat`` is ``PROTOBUF`` in the installer's file; the values the product accepts are
  not documented, so any single word is passed through as given.
- ``managerAddress`` is refused: the manager_address option proves the target Enterprise Manager
  before it repoints an agent, and a plain setting would skip that.

Keys compare case-insensitively, as .NET does. Other keys are passed through as text, since the
agent may read keys this collection does not know; None means remove the key.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any

_BOOLEANS = {"true": "true", "yes": "true", "1": "true", "false": "false", "no": "false", "0": "false"}
_ADAPTER_NAME_MAX = 256
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_BAD_KEY_CHAR = re.compile(r"[\s\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What a mistyped address looks like (a port, brackets, a wrong octet): refused rather than taken for an adapter's name.
_ADDRESS_LIKE = re.compile(r"[0-9]*\.[0-9.]*(?::[0-9]*)?|\[?[0-9A-Fa-f]*:[0-9A-Fa-f:.]*\]?(?::[0-9]*)?")


class SettingError(ValueError):
    """A setting that cannot be written; the message names the key, the bad value and the fix."""


def normalize_settings(settings: Mapping[str, Any]) -> dict[str, str | None]:
    """Return each key with the text to write for it (None to remove it), or raise SettingError for the first bad one."""
    normalized: dict[str, str | None] = {}
    seen: dict[str, str] = {}
    for key, value in settings.items():
        _check_key(key)
        if key.lower() in seen:
            raise SettingError(f'settings has both "{seen[key.lower()]}" and "{key}", the same key to .NET (keys compare case-insensitively); '
                               "give it once")
        seen[key.lower()] = key
        normalized[key] = None if value is None else _CHECKS.get(key.lower(), _other)(key, value)
    return normalized


def _check_key(key: object) -> None:
    if not isinstance(key, str):
        raise SettingError(f"settings has the key {key!r}, which is not text; quote it")
    if not key:
        raise SettingError("settings has an empty key; name the appSettings key to set or remove")
    bad = _BAD_KEY_CHAR.search(key)
    if bad is not None:
        raise SettingError(f"settings has the key {key!r}, which contains {bad.group()!r}; an appSettings key has no whitespace "
                           "or characters XML cannot store: correct the key")
    if key.lower() == "manageraddress":
        raise SettingError(f'settings has the key "{key}": use the manager_address option, which proves the target EM first')


def _refuse(key: str, value: object, fix: str) -> SettingError:
    return SettingError(f'settings["{key}"] = {value!r}: {fix}')


def _bind_to(key: str, value: object) -> str:
    """An address literal, or else an adapter's name; a near-miss address is refused, not taken for a name."""
    if not isinstance(value, str):
        raise _refuse(key, value, "give the IP address to use, or the name of the desired network adapter, as text")
    if _is_address(value):
        return value
    if _ADDRESS_LIKE.fullmatch(value):
        raise _refuse(key, value, "this is not a valid IP address; give a plain IPv4 or IPv6 address (no port, no brackets), "
                                  "or the name of the desired network adapter")
    if not value or len(value) > _ADAPTER_NAME_MAX or _CONTROL.search(value) or value != value.strip():
        raise _refuse(key, value, f"a network adapter name is 1 to {_ADAPTER_NAME_MAX} characters, without control characters "
                                  "or leading or trailing spaces; give the adapter's name as Windows shows it, an IP address, "
                                  "or None to remove the key")
    return value


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def _dns_lookups(key: str, value: object) -> str:
    """Whatever spelling of a boolean YAML or ``-e`` gives, written as the installer writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).lower() if isinstance(value, (str, int)) else ""
    if text not in _BOOLEANS:
        raise _refuse(key, value, "this is a boolean; give true or false")
    return _BOOLEANS[text]


def _sd_event_format(key: str, value: object) -> str:
    """The accepted formats are undocumented: only the shape of one word is checked, and the case is kept."""
    if not isinstance(value, str) or not value or any(char.isspace() for char in value):
        raise _refuse(key, value, "give the event format as one word without spaces, as the installer's PROTOBUF")
    return value


def _other(key: str, value: object) -> str:
    """A key this collection does not know gets any scalar as text; a list or mapping has no single text to write."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise _refuse(key, value, "an appSettings value is a single text value; quote it, or give None to remove the key")


_CHECKS: dict[str, Callable[[str, object], str]] = {"bindto": _bind_to, "dnslookups": _dns_lookups, "sdeventformat": _sd_event_format}
