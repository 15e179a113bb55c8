# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a .NET ``*.exe.config`` the way .NET does: one safe, offset-keeping reader for every config module.

The appSettings editor needs the exact character offset of every element and comment so that it can
splice bytes, and the EM's connection-string check needs the same tree with lines for its messages;
both must decode the file as .NET would (BOM, UTF-16 sniffing, declaration) and both must refuse
DTDs and entity declarations, which a tampered file could use to expand entities or hide a value.
This module does that once. It raises :class:`DotnetConfigError`; callers re-raise in their own terms.
Only the standard library is used: the controller may lack lxml.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_DECLARED = {"utf-8": "utf-8", "utf8": "utf-8", "us-ascii": "ascii", "ascii": "ascii", "iso-8859-1": "iso-8859-1", "latin1": "iso-8859-1",
             "latin-1": "iso-8859-1", "windows-1252": "cp1252", "cp1252": "cp1252"}
_UTF16_NAMES = frozenset({"utf-16", "ucs-2", "iso-10646-ucs-2"})
_DECLARATION = re.compile(r"""<\?xml[ \t\r\n][^>]*?encoding[ \t\r\n]*=[ \t\r\n]*(["'])([^"']*)\1""")
_UTF16_SECOND = frozenset(b"?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


class DotnetConfigError(ValueError):
    """The file cannot be read safely. The message says what is wrong and what to do, and quotes no attribute value."""


@dataclass(frozen=True)
class DecodedConfig:
    """A config file as text, plus what is needed to write edited text back byte-for-byte."""

    text: str
    encoding: str
    bom: bytes
    newline: str


@dataclass(frozen=True)
class Comment:
    """Where a comment's ``<!--`` begins, so a commented-out element can be found in the text."""

    start: int
    line: int


@dataclass(eq=False)
class Element:  # pylint: disable=too-many-instance-attributes
    """An element with the character offsets of its start tag and end event, which expat alone does not keep."""

    name: str
    attrs: dict[str, str]
    start: int
    line: int
    parent: str
    children: list[Element] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    close: int = -1


def decode_config(content: bytes) -> DecodedConfig:
    """Decode the file the way .NET would, so offsets in the text map back to exact bytes."""
    bom, sniffed = _sniff_encoding(content)
    encoding = sniffed or _declared_encoding(_declared(content.decode("latin-1")))
    try:
        text = content[len(bom):].decode(encoding)
    except UnicodeDecodeError as exc:
        raise DotnetConfigError(
            f"the file is not valid {encoding}: the byte at offset {exc.start + len(bom)} cannot be decoded; "
            "the file may be truncated or saved in another encoding than it declares; restore it from a backup"
        ) from exc
    if sniffed:
        _check_declaration(text, sniffed, bom)
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    return DecodedConfig(text, encoding, bom, "\r\n" if crlf and crlf >= lf else "\n")


def read_configuration(content: bytes) -> tuple[DecodedConfig, Element]:
    """Decode and parse the file; return it with its ``<configuration>`` root, refusing any other root."""
    decoded = decode_config(content)
    root = parse(decoded.text)
    if root.name != "configuration":
        raise DotnetConfigError(f"the root element is <{root.name}>, not <configuration>; this is not a .NET config file, check the path")
    return decoded, root


def parse(text: str) -> Element:
    """The document's root element with offsets and lines, or an error that says where the XML is broken."""
    return _Parser(text).parse()


def safe_parser() -> expat.XMLParserType:
    """An expat parser fed UTF-8 that refuses any DTD or entity declaration, for the whole file or a fragment of it."""
    # An explicit encoding overrides the declaration: expat gets UTF-8 whatever the file says.
    parser = expat.ParserCreate("UTF-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args: object) -> None:
        raise DotnetConfigError(
            f"a DTD or entity declaration on line {parser.CurrentLineNumber}: DTDs and entity declarations are "
            "not allowed in a .NET config file; the file may have been tampered with; inspect it"
        )

    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = refuse
    return parser


def children_named(parent: Element, name: str) -> list[Element]:
    """The direct children called ``name``: .NET reads a section only directly under its parent."""
    return [child for child in parent.children if child.name == name]


def first_nested(root: Element, name: str) -> Element | None:
    """The first element called ``name`` at any depth, found without recursion (files may nest deeply)."""
    pending = list(reversed(root.children))
    while pending:
        element = pending.pop()
        if element.name == name:
            return element
        pending.extend(reversed(element.children))
    return None


def lines(elements: list[Element]) -> str:
    """The elements' line numbers for a message, which may name lines but never values."""
    return ", ".join(str(element.line) for element in elements)


def _sniff_encoding(content: bytes) -> tuple[bytes, str | None]:
    """Find UTF-8/16 from the BOM or UTF-16 from its zero bytes, as .NET does before any declaration."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return bom, encoding
    head = content[:4]
    if len(head) == 4 and head[0] == 0x3C and head[1] == 0 and head[3] == 0 and head[2] in _UTF16_SECOND:
        return b"", "utf-16-le"
    if len(head) == 4 and head[0] == 0 and head[1] == 0x3C and head[2] == 0 and head[3] in _UTF16_SECOND:
        return b"", "utf-16-be"
    return b"", None


def _declared(text: str) -> str | None:
    """The encoding named in the XML declaration, as written."""
    declaration = _DECLARATION.match(text)
    return None if declaration is None else declaration.group(2)


def _declared_encoding(declared: str | None) -> str:
    """Map the declaration of an 8-bit file to a codec; only names .NET and Python agree on are accepted."""
    if declared is None:
        return "utf-8"
    name = declared.strip().lower()
    if name in _DECLARED:
        return _DECLARED[name]
    if name in _UTF16_NAMES or name.startswith("utf-16"):
        raise DotnetConfigError(
            f'the XML declaration says encoding="{declared}", but the file has no byte-order mark and is 8-bit text; '
            "re-save it as UTF-16 with a byte-order mark, or correct the declaration"
        )
    raise DotnetConfigError(
        f'unsupported encoding "{declared}" in the XML declaration; re-save the file as UTF-8 '
        "(supported: utf-8, us-ascii, iso-8859-1, windows-1252, and UTF-16 with a byte-order mark)"
    )


def _check_declaration(text: str, encoding: str, bom: bytes) -> None:
    """Refuse a declaration that contradicts the BOM: .NET would then refuse the file or decode it differently."""
    declared = _declared(text)
    utf16 = encoding.startswith("utf-16")
    if declared is None or declared.strip().lower() in (_UTF16_NAMES if utf16 else {"utf-8", "utf8"}):
        return
    raise DotnetConfigError(
        f"the file is {encoding} by its {'byte-order mark' if bom else 'first bytes'}, but its XML declaration says "
        f'encoding="{declared}", which .NET would refuse or decode differently; correct the declaration to '
        f'encoding="{"utf-16" if utf16 else "utf-8"}"'
    )


class _Parser:  # pylint: disable=too-few-public-methods
    """Runs expat over the text and records each element's and comment's character offset and line."""

    def __init__(self, text: str) -> None:
        self._utf8 = text.encode("utf-8")
        self._byte = 0
        self._char = 0
        # The document node holds the root element, so every element has a parent and lookups need no None checks.
        self._document = Element("", {}, 0, 0, "")
        self._open = [self._document]
        self._expat = safe_parser()
        self._expat.StartElementHandler = self._start
        self._expat.EndElementHandler = self._end
        self._expat.CommentHandler = self._comment

    def parse(self) -> Element:
        """Return the root element, or explain where the XML is broken."""
        try:
            self._expat.Parse(self._utf8, True)
        except expat.ExpatError as exc:
            raise DotnetConfigError(
                f"the file is not well-formed XML ({expat.ErrorString(exc.code)}) at line {exc.lineno}, "
                f"column {exc.offset + 1}; repair it or restore it from a backup"
            ) from exc
        return self._document.children[0]  # expat has ensured exactly one root element

    def _offset(self) -> int:
        """Map expat's byte index to a character offset; events arrive in document order."""
        byte = self._expat.CurrentByteIndex
        self._char += len(self._utf8[self._byte:byte].decode("utf-8"))
        self._byte = byte
        return self._char

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        element = Element(name, attrs, self._offset(), self._expat.CurrentLineNumber, self._open[-1].name)
        self._open[-1].children.append(element)
        self._open.append(element)

    def _end(self, _name: str) -> None:
        self._open.pop().close = self._offset()

    def _comment(self, _data: str) -> None:
        # The data expat passes has its line ends normalised; the raw comment is read from the text by offset instead.
        self._open[-1].comments.append(Comment(self._offset(), self._expat.CurrentLineNumber))
