# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find which SQL server holds an Enterprise Manager's databases, and check that two EMs share them.

Migrating the EM means installing a second one "against the existing SQL Server" (vendor step 1)
and running both on the same NVMonitorConfig and NVMonitorData until the agents have moved. A new
EM installed against another server or fresh databases would start empty, and agents repointed
to it would lose their policies, so the preflight compares both EMs' connections first.

SIDBConfigMgr writes the connection into ``<connectionStrings>`` of SIEnterpriseManager.exe.config.
The entry names are not documented, so databases are recognised by their Initial Catalog, and each
string is split by ADO.NET's own rules: a regular expression would misread a quoted password that
holds ``;`` or ``=``. The strings carry credentials, so only the server and database values are
kept. A single lost quote can move a connection string, password included, into another attribute
or value, so nothing read from the file is shown or returned unless it is plainly a name: entry
names only if they match ``_SAFE_NAME``, servers and databases only if they pass ``_readable``,
configSource values never. Anything else is referred to by its line.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._dotnet_config import (
    DotnetConfigError, Element, children_named, lines, read_configuration)

DATABASES = ("NVMonitorConfig", "NVMonitorData")
SKIP_VARIABLE = "tp_preflight_skip_database_check"
DEFAULT_PORT = "1433"

# SqlClient's synonyms, lower case as ADO.NET compares keys; the last one written wins.
_SYNONYMS = {"server": "data source", "address": "data source", "addr": "data source", "network address": "data source",
             "database": "initial catalog"}
# Entity Framework wraps the SqlClient string in this key of its own string.
_NESTED = "provider connection string"
_WHITESPACE = " \t\r\n\f\v"
_QUOTES = "'\""
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")  # whitespace is allowed, as in .NET
# Names that mean "this very host" to SqlClient; "(localdb)\..." is matched by prefix.
_LOCAL_HOSTS = frozenset({"", ".", "(local)", "localhost"})
_NOT_HOST = re.compile(r"[\\,]")
# What an entry name must look like to be shown: a connection string pushed into it by a lost quote cannot.
_SAFE_NAME = re.compile(r"[\w.-]{1,64}", re.ASCII)
# A server or database name never holds these; a value that does is a mangled string that may carry a password.
_NOT_A_NAME = re.compile("[;=\"']")
_MAX_NAME = 128  # SQL Server's sysname


class EmConfigError(ValueError):
    """The file cannot be read; the message says why and what to do (no content, no credentials)."""


class _Unparsable(ValueError):
    """A connection string ADO.NET would refuse; carries only a position and a reason, never the text."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"at character {position + 1} ({reason})")


@dataclass(frozen=True)
class SqlTarget:
    """One connection string reduced to what may be shown: where the database is, never how to log in.

    ``entry`` is the entry's name when it matches ``_SAFE_NAME``, otherwise "(entry on line N)": a name
    with other characters may be a connection string that a lost quote moved into the name attribute.
    """

    entry: str
    server: str
    database: str

    def server_key(self) -> str:
        """A comparable form: lower case, 'tcp:' prefix dropped, default port 1433 made explicit; named instances kept.

        'sql01,1433' == 'SQL01' == 'tcp:sql01,1433'. A named instance without a port is found through
        the SQL Browser, so no port is assumed for it ('sql01\\tp').
        """
        value = self.server.strip().lower()
        if value.startswith("tcp:"):
            value = value[4:].strip()
        host, _comma, port = (part.strip() for part in value.partition(","))
        if port.isascii() and port.isdigit():
            port = str(int(port))
        elif not port and "\\" not in host:
            port = DEFAULT_PORT
        return f"{host},{port}" if port else host


@dataclass(frozen=True)
class EmDatabases:
    """What one EM's config says about its databases; ``protected`` means it could not be read here."""

    protected: bool
    targets: tuple[SqlTarget, ...]


def read_databases(content: bytes) -> EmDatabases:
    """List the SQL targets of ``<connectionStrings>`` as .NET would see them (add, remove, clear applied)."""
    section = _connection_strings(_parse(content))
    if section is None:
        return EmDatabases(protected=False, targets=())
    if "configProtectionProvider" in section.attrs or any(child.name == "EncryptedData" for child in section.children):
        return EmDatabases(protected=True, targets=())
    targets = (_target(element) for element in _live_entries(section))
    return EmDatabases(protected=False, targets=tuple(target for target in targets if target is not None))


def compare_databases(old: EmDatabases, new: EmDatabases, databases: tuple[str, ...] = DATABASES) -> list[str]:
    """Explain each way the two EMs fail to share ``databases``; an empty list means they share them."""
    protected = [label for label, side in (("old", old), ("new", new)) if side.protected]
    if protected:
        return [_protected_problem(protected, databases)]
    problems: list[str] = []
    for database in databases:
        problems.extend(_database_problems(database, old, new))
    return problems


def _parse(content: bytes) -> Element:
    """Decode and parse with the shared .NET config reader (expat, DTDs refused), re-raising in this module's terms."""
    try:
        return read_configuration(content)[1]
    except DotnetConfigError as exc:
        raise EmConfigError(str(exc)) from exc


def _connection_strings(root: Element) -> Element | None:
    """The one ``<connectionStrings>`` .NET reads, or None; a file .NET would refuse is refused here too."""
    sections = children_named(root, "connectionStrings")
    if len(sections) > 1:
        raise EmConfigError(
            f"<connectionStrings> appears {len(sections)} times under <configuration> (lines {lines(sections)}); "
            "the EM would refuse to start; merge them into one with SIDBConfigMgr or restore the file from a backup"
        )
    if not sections:
        return None
    section = sections[0]
    if "configSource" in section.attrs:
        raise EmConfigError(  # the value is not shown: a lost quote may have put a connection string into it
            f"<connectionStrings> on line {section.line} has a configSource attribute: the connection strings live in "
            "the file it names, which this check does not read; compare the EMs by hand in SIDBConfigMgr"
        )
    return section


def _live_entries(section: Element) -> list[Element]:
    """The ``<add>`` elements left after ``<remove>`` and ``<clear/>``; names compare case-insensitively, as in .NET."""
    live: dict[str, Element] = {}
    for child in section.children:
        name = child.attrs.get("name", "").lower()
        if child.name == "clear":
            live.clear()
        elif child.name == "remove":
            live.pop(name, None)
        elif child.name == "add":
            _check_add(child)
            if name in live:
                shown = _safe_name(child)
                entry = "one entry name" if shown is None else f'the entry "{shown}"'
                raise EmConfigError(
                    f"<connectionStrings> adds {entry} twice (lines {lines([live[name], child])}); "
                    "the EM would refuse to start; remove one of them"
                )
            live[name] = child
    return list(live.values())


def _check_add(element: Element) -> None:
    """Both attributes are required by .NET, even on an entry a later ``<remove>`` discards."""
    for attribute in ("name", "connectionString"):
        if attribute not in element.attrs:
            raise EmConfigError(
                f"{_where(element)} in <connectionStrings> has no {attribute} attribute; "
                "the EM would refuse to start; repair it with SIDBConfigMgr"
            )


def _target(element: Element) -> SqlTarget | None:
    """The server and database of one entry, or None when it names no database; nothing else is kept."""
    where = _where(element)
    try:
        settings = _sql_settings(element.attrs["connectionString"])
    except _Unparsable as exc:
        raise EmConfigError(
            f"the connection string of {where} is not valid ADO.NET syntax {exc}; the EM could not use it either; "
            "set the connection again with SIDBConfigMgr"
        ) from None  # nothing of the string may travel, not even in a chained exception
    database = settings.get("initial catalog", "")
    if not database:
        return None
    server = settings.get("data source", "")
    for key, value in (("data source", server), ("initial catalog", database)):
        if not _readable(value):
            raise EmConfigError(
                f"the {key} in the connection string of {where} cannot be a server or database name (it holds ';', '=' "
                f"or a quote, or is longer than {_MAX_NAME} characters); a quote may be missing in the file; "
                "set the connection again with SIDBConfigMgr"
            )
    entry = _safe_name(element) or f"(entry on line {element.line})"
    return SqlTarget(entry=entry, server=server, database=database)


def _safe_name(element: Element) -> str | None:
    """The element's name attribute if it is plainly a name, else None: only such a name may be shown."""
    name = element.attrs.get("name", "")
    return name if _SAFE_NAME.fullmatch(name) else None


def _where(element: Element) -> str:
    """An ``<add>`` for a message: by its name when that is safe to show, always by its line."""
    name = _safe_name(element)
    tag = "the <add>" if name is None else f'<add name="{name}">'
    return f"{tag} on line {element.line}"


def _readable(value: str) -> bool:
    """False for a value no server or database is called, which a lost quote can make hold a password."""
    return len(value) <= _MAX_NAME and not _NOT_A_NAME.search(value)


def _sql_settings(text: str) -> dict[str, str]:
    """SqlClient's view of a connection string: synonyms merged, an Entity Framework wrapper opened."""
    settings = _canonical(_split_pairs(text))
    nested = settings.get(_NESTED)
    return settings if nested is None else _canonical(_split_pairs(nested))


def _canonical(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Map synonyms to one key in written order, so that the last one written wins as in SqlClient."""
    return {_SYNONYMS.get(key, key): value for key, value in pairs}


def _split_pairs(text: str) -> list[tuple[str, str]]:
    """Split ``key=value;...`` as ADO.NET's DbConnectionOptions does; keys come back lower case."""
    pairs: list[tuple[str, str]] = []
    position = _skip(text, 0, _WHITESPACE + ";")
    while position < len(text):
        key, position = _read_key(text, position)
        value, position = _read_value(text, _skip(text, position, _WHITESPACE))
        pairs.append((key, value))
        position = _skip(text, position, _WHITESPACE + ";")
    return pairs


def _skip(text: str, position: int, characters: str) -> int:
    while position < len(text) and text[position] in characters:
        position += 1
    return position


def _read_key(text: str, start: int) -> tuple[str, int]:
    """Read up to the ``=`` that ends a key (``==`` stands for a literal ``=``); return the key and where its value starts."""
    key: list[str] = []
    position = start
    while position < len(text):
        char = text[position]
        if char == "=" and text.startswith("==", position):
            key.append("=")
            position += 2
        elif char == "=":
            name = "".join(key).rstrip(_WHITESPACE).lower()
            if not name:
                raise _Unparsable(start, "a value with no key")
            return name, position + 1
        elif char == ";" or _CONTROL.match(char):
            break
        else:
            key.append(char)
            position += 1
    raise _Unparsable(start, "a key with no '='")


def _read_value(text: str, start: int) -> tuple[str, int]:
    """Read a value that is quoted (the quote doubled inside) or runs to the next ``;``, whitespace trimmed."""
    if start < len(text) and text[start] in _QUOTES:
        return _read_quoted(text, start)
    end = text.find(";", start)
    end = len(text) if end < 0 else end
    value = text[start:end].rstrip(_WHITESPACE)
    if _CONTROL.search(value):
        raise _Unparsable(start, "a control character in a value")
    if value and value[-1] in _QUOTES:
        raise _Unparsable(start, "a quote that ends a value it does not open")
    return value, end


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    value: list[str] = []
    position = start + 1
    while True:
        close = text.find(quote, position)
        if close < 0:
            raise _Unparsable(start, "a quoted value that is never closed")
        value.append(text[position:close])
        if not text.startswith(quote * 2, close):
            break
        value.append(quote)
        position = close + 2
    after = _skip(text, close + 1, _WHITESPACE)
    if after < len(text) and text[after] != ";":
        raise _Unparsable(after, "text after a closing quote")
    return "".join(value), after


def _database_problems(database: str, old: EmDatabases, new: EmDatabases) -> list[str]:
    """Problems for one database: missing on a side, on a host-local server, or on different servers."""
    found = {label: _serving(side, database) for label, side in (("old", old), ("new", new))}
    missing = [f"the {label} EM's config names no {database} database" for label, targets in found.items() if not targets]
    if missing:
        return missing
    local = [_local_problem(database, label, server) for label, targets in found.items() for server in _local_servers(targets)]
    if local:
        return local
    old_keys, new_keys = (sorted({target.server_key() for target in found[label]}) for label in ("old", "new"))
    if old_keys == new_keys:
        return []
    return [
        f"{database} is on {' and '.join(old_keys)} for the old EM but on {' and '.join(new_keys)} for the new EM; "
        "install the new EM against the existing databases (vendor step 1) or fix its connection with SIDBConfigMgr"
    ]


def _serving(side: EmDatabases, database: str) -> list[SqlTarget]:
    # SQL Server's default collation is case-insensitive, so 'nvmonitorconfig' is the same database
    # as 'NVMonitorConfig'; a case-sensitive server collation would be a deliberate, rare choice.
    wanted = database.casefold()
    return [target for target in side.targets if target.database.casefold() == wanted]


def _local_servers(targets: list[SqlTarget]) -> list[str]:
    """The host-local server names among ``targets``, each once, as written."""
    return list(dict.fromkeys(target.server for target in targets if _is_local(target.server)))


def _is_local(server: str) -> bool:
    """True when the name means 'the machine SqlClient runs on', which differs between the two EM hosts."""
    value = server.strip().lower()
    protocol, colon, rest = value.partition(":")
    if colon and protocol == "lpc":  # shared memory only reaches the local machine
        return True
    if colon and protocol in ("tcp", "np"):
        value = rest.strip().lstrip("\\")  # np:\\host\pipe\...
    host = _NOT_HOST.split(value, maxsplit=1)[0].strip()
    if host in _LOCAL_HOSTS or host.startswith("(localdb)"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _local_problem(database: str, label: str, server: str) -> str:
    shown = f"'{server}'" if server.strip() else "no server, which SqlClient takes to mean the EM host itself"
    return (
        f"{database} in the {label} EM's config names a server local to the EM host ({shown}), which the other EM cannot "
        "reach as the same server; set the SQL server's network name with SIDBConfigMgr"
    )


def _protected_problem(labels: list[str], databases: tuple[str, ...]) -> str:
    whose = "both EMs'" if len(labels) == 2 else f"the {labels[0]} EM's"
    names = " and ".join(databases) or "its databases"
    return (
        f"{whose} connection strings are encrypted with .NET protected configuration and cannot be compared remotely; "
        f"open SIDBConfigMgr on both EM hosts, check by hand that both use the same SQL server for {names}, "
        f"then set {SKIP_VARIABLE}: true to skip this check"
    )
