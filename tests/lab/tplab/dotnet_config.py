# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a .NET Framework program would read from a config file: an independent judge for the lab.

The collection edits ``SIWindowsAgent.exe.config`` and ``SIWinConsole.exe.Config`` on hosts we
cannot run .NET on. Reading the edited bytes back with the collection's own parser would only
prove that it agrees with itself, so this module re-implements, from the framework's documented
and observed behaviour, how ``ConfigurationManager.AppSettings`` gets its values: how
``XmlTextReader`` picks the encoding, which files the configuration system refuses at start-up
(the service then fails with a ``ConfigurationErrorsException``), and how ``appSettings``
applies ``add``, ``remove`` and ``clear``. It uses the standard library only and imports nothing
from the collection.

Not emulated: sections inherited from ``machine.config``, ``location`` elements, the ``file`` and
``configSource`` attributes, and UCS-4 files. Attribute values are normalised as the XML
specification says (a literal tab or line break becomes a space); no real config holds one.
"""

from __future__ import annotations

import codecs
import re
from xml.parsers import expat

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# XmlTextReader takes any of these declared names to mean "the UTF-16 the byte order mark or the first bytes showed".
_UTF16_NAMES = {"utf-16", "ucs-2", "iso-10646-ucs-2"}
_DECLARATION = re.compile(r"<\?xml[ \t\r\n][^>]*?encoding[ \t\r\n]*=[ \t\r\n]*([\"'])(?P<name>[^\"']*)\1")
_WHITESPACE = " \t\r\n"
# appSettings children and the attributes each accepts; .NET refuses anything else.
_ITEM_ATTRIBUTES = {"add": {"key", "value"}, "remove": {"key"}, "clear": set()}


class ConfigReadError(Exception):
    """The .NET runtime would refuse this file (a ConfigurationErrorsException at service start)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.message, self.line, self.column = message, line, column
        super().__init__(message if line is None else f"{message} (line {line}, position {column})")


def read_app_settings(content: bytes) -> dict[str, str]:
    """Keys returned lower-cased (AppSettings is case-insensitive), values as .NET sees them."""
    return _AppSettingsReader().read(_decode(content))


def read_app_setting(content: bytes, key: str) -> str | None:
    """The value ``ConfigurationManager.AppSettings[key]`` would give, or None where it gives null."""
    return read_app_settings(content).get(key.lower())


def _decode(content: bytes) -> str:
    """Decode the file as XmlTextReader does: BOM or first bytes first, then the declaration, else UTF-8."""
    detected, body = None, content
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            detected, body = encoding, content[len(bom):]
            break
    else:
        if content.startswith(b"<\x00"):
            detected = "utf-16-le"
        elif content.startswith(b"\x00<"):
            detected = "utf-16-be"
    utf16 = detected in ("utf-16-le", "utf-16-be")
    # UTF-16 has to be decoded to find the declaration; any 8-bit encoding leaves it readable as Latin-1.
    preview = _strict_decode(body, detected) if utf16 else body.decode("latin-1")
    match = _DECLARATION.match(preview)
    declared = match.group("name").lower() if match else None
    if declared in _UTF16_NAMES:
        if not utf16:
            raise ConfigReadError("There is no Unicode byte order mark. Cannot switch to Unicode.")
        return preview
    if declared is None:
        return preview if utf16 else _strict_decode(body, detected or "utf-8")
    try:
        codecs.lookup(declared)
    except LookupError:
        raise ConfigReadError(f"System does not support '{declared}' encoding.") from None
    if utf16:
        # XmlTextReader would switch to the declared 8-bit encoding mid-file and meet NUL characters.
        raise ConfigReadError(f"The file is UTF-16 but declares encoding '{declared}'.")
    # The declared encoding wins even over a UTF-8 BOM: XmlTextReader re-decodes everything after it.
    return _strict_decode(body, declared)


def _strict_decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ConfigReadError(f"Invalid character in the given encoding ({encoding}) at byte {error.start}.") from None


class _AppSettingsReader:
    """Walks the document once with expat, applying appSettings items in document order."""

    def __init__(self) -> None:
        self._parser = expat.ParserCreate()
        self._parser.StartDoctypeDeclHandler = self._refuse_dtd
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.CharacterDataHandler = self._text
        self._open: list[str] = []
        self._sections: list[str] = []
        self._settings: dict[str, str] = {}

    def read(self, text: str) -> dict[str, str]:
        try:
            # A str is handed to expat as UTF-8 whatever the declaration says; _decode already honoured it.
            self._parser.Parse(text, True)
        except expat.ExpatError as error:
            raise ConfigReadError(expat.ErrorString(error.code), error.lineno, error.offset + 1) from None
        return self._settings

    def _fail(self, message: str) -> None:
        raise ConfigReadError(message, self._parser.CurrentLineNumber, self._parser.CurrentColumnNumber + 1)

    def _refuse_dtd(self, *_: object) -> None:
        self._fail("For security reasons DTD is prohibited in this XML document.")

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        depth = len(self._open)
        self._open.append(name)
        if depth == 0 and name != "configuration":
            self._fail(f"The root element must be 'configuration', not '{name}'.")
        elif depth == 1:
            self._start_section(name)
        elif depth == 2 and self._open[1] == "appSettings":
            self._apply(name, attributes)

    def _start_section(self, name: str) -> None:
        if name == "configSections" and self._sections:
            self._fail("Only one <configSections> element allowed per config file and if present must be the first child of the root <configuration> element.")
        if name in self._sections and name != "location":
            self._fail("Sections must only appear once per config file.")
        self._sections.append(name)

    def _apply(self, item: str, attributes: dict[str, str]) -> None:
        if item not in _ITEM_ATTRIBUTES:
            self._fail(f"Unrecognized element '{item}'.")
        for attribute in attributes:
            if attribute not in _ITEM_ATTRIBUTES[item]:
                self._fail(f"Unrecognized attribute '{attribute}'. Note that attribute names are case-sensitive.")
        if item != "clear" and "key" not in attributes:
            self._fail(f"Required attribute 'key' not found on '{item}'.")
        if item == "add":
            self._settings[attributes["key"].lower()] = attributes.get("value", "")
        elif item == "remove":
            self._settings.pop(attributes["key"].lower(), None)
        else:
            self._settings.clear()

    def _end(self, _name: str) -> None:
        self._open.pop()

    def _text(self, data: str) -> None:
        # Text directly in configuration or appSettings is refused; inside other sections it is theirs to judge.
        if data.strip(_WHITESPACE) and (self._open == ["configuration"] or self._open == ["configuration", "appSettings"]):
            self._fail("The configuration section cannot contain a CDATA or text element.")
