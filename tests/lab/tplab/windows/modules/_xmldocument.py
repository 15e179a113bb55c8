# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""System.Xml.XmlDocument as community.windows.win_xml uses it: Load, SelectNodes, Save.

win_xml loads the file into an XmlDocument with ``PreserveWhitespace = $false`` and, when it
changed something, writes the whole document back with ``XmlDocument.Save(path)``. It never
edits bytes in place, so what the file looks like afterwards is what .NET's writer makes of the
document, not what was there before. Each effect below names the .NET behaviour it copies
(reference source of System.Xml, .NET Framework 4.x and .NET 6+ behave the same here):

- Whitespace-only text between elements is dropped on Load (``PreserveWhitespace = false``),
  except under ``xml:space="preserve"``; text with anything else in it is kept.
- ``Save(string)`` opens an ``XmlTextWriter`` with ``Formatting.Indented`` (because
  PreserveWhitespace is false): two spaces per level, ``IndentChar`` a space, each element,
  comment and processing instruction on its own line, lines ended by ``Environment.NewLine``
  (CRLF on Windows), no newline after the root's end tag. Inside an element that holds text
  (mixed content) nothing is indented.
- Attributes are written in document order, one space apart, always in double quotes (the
  writer's ``QuoteChar``); a multi-line start tag becomes one line; ``a = "b"`` becomes ``a="b"``.
- Escaping is the writer's: ``& < >`` and ``"`` in attribute values, tab/CR/LF in attribute
  values as ``&#x9; &#xD; &#xA;``, ``& < >`` in text; ``&apos;`` and ``&quot;`` in text come out
  as the plain characters.
- ``<x/>`` (XmlElement.IsEmpty) is written ``<x />`` (space before the slash); ``<x></x>`` or an
  element whose only content was whitespace stays ``<x></x>``.
- Comments and CDATA sections keep their exact text, re-indented as nodes of their own.
- The encoding is ``XmlDocument.TextEncoding``: the declaration's ``encoding`` through
  ``Encoding.GetEncoding``. ``utf-8`` gives UTF-8 *with* a BOM (Encoding.UTF8 has a preamble),
  ``utf-16`` gives little-endian UTF-16 with a BOM (a big-endian file becomes little-endian). A
  document without a declaration is written as UTF-8 without a BOM and still without a declaration.
- The declaration is rebuilt from its parts (``XmlDeclaration.InnerText``): double quotes,
  ``version``, ``encoding``, ``standalone`` in that order, the encoding name as it was written.

Parsing uses expat, which checks well-formedness as XmlDocument.Load does; its error messages are
worded differently from XmlException's (the line and position are given the .NET way).
"""

from __future__ import annotations

import codecs
import re
import typing as t
from dataclasses import dataclass, field
from xml.parsers import expat

NEWLINE = "\r\n"
INDENT = "  "
END_TAGS = (b"<\x00/\x00", b"\x00<\x00/")  # "</" in UTF-16 LE and BE


class XmlLoadError(Exception):
    """What XmlDocument.Load throws (XmlException) for a file that is not well-formed XML."""


@dataclass
class Node:
    """One node of the document: element, text, comment, cdata or pi (processing instruction)."""

    kind: str
    name: str = ""
    value: str = ""
    attributes: list[list[str]] = field(default_factory=list)  # [name, value] pairs in document order
    children: list[Node] = field(default_factory=list)
    is_empty: bool = False  # <x/> rather than <x></x>, as XmlElement.IsEmpty

    def attribute(self, name: str) -> str | None:
        return next((value for key, value in self.attributes if key == name), None)

    def set_attribute(self, name: str, value: str) -> None:
        """XmlElement.SetAttribute: replace the value in place, or append a new attribute."""
        for pair in self.attributes:
            if pair[0] == name:
                pair[1] = value
                return
        self.attributes.append([name, value])


@dataclass
class Document:
    """The loaded document: the declaration's parts and the top-level nodes (one of them the root element)."""

    version: str | None
    encoding: str | None
    standalone: int
    nodes: list[Node]

    @property
    def root(self) -> Node:
        return next(node for node in self.nodes if node.kind == "element")


def load(data: bytes) -> Document:
    """XmlDocument.Load with PreserveWhitespace = false: well-formedness checked, whitespace-only text dropped."""
    parser = expat.ParserCreate()
    parser.ordered_attributes = True
    declaration: dict[str, t.Any] = {"version": None, "encoding": None, "standalone": -1}
    top: list[Node] = []
    stack: list[tuple[Node, bool]] = []  # element, xml:space preserve in scope
    in_cdata = [False]

    def append(node: Node) -> None:
        (stack[-1][0].children if stack else top).append(node)

    def on_declaration(version: str, encoding: str | None, standalone: int) -> None:
        declaration.update(version=version, encoding=encoding, standalone=standalone)

    def on_start(name: str, attributes: list[str]) -> None:
        node = Node("element", name, attributes=[[attributes[i], attributes[i + 1]] for i in range(0, len(attributes), 2)])
        space = node.attribute("xml:space")
        preserve = space == "preserve" if space is not None else (stack[-1][1] if stack else False)
        append(node)
        stack.append((node, preserve))

    def on_end(_name: str) -> None:
        node, preserve = stack.pop()
        # expat reports the end of <x/> just after the tag, the end of <x></x> at its "</": look at which is there
        at = parser.CurrentByteIndex
        node.is_empty = not node.children and data[at:at + 4] not in END_TAGS and data[at:at + 2] != b"</"
        node.children = [child for child in node.children if keep(child, preserve)]

    def on_text(text: str) -> None:
        siblings = stack[-1][0].children if stack else top
        if in_cdata[0] or (siblings and siblings[-1].kind == "text"):
            siblings[-1].value += text  # expat splits text at line ends and entities; a CDATA section is one node
        else:
            append(Node("text", value=text))

    def on_cdata(started: bool) -> None:
        in_cdata[0] = started
        if started:
            append(Node("cdata"))

    parser.XmlDeclHandler = on_declaration
    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    parser.CharacterDataHandler = on_text
    parser.CommentHandler = lambda text: append(Node("comment", value=text))
    parser.ProcessingInstructionHandler = lambda target, data: append(Node("pi", target, value=data))
    parser.StartCdataSectionHandler = lambda: on_cdata(True)
    parser.EndCdataSectionHandler = lambda: on_cdata(False)
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise XmlLoadError(f"{expat.ErrorString(error.code).capitalize()}. Line {error.lineno}, position {error.offset + 1}.") from None
    return Document(declaration["version"], declaration["encoding"], declaration["standalone"],
                    [node for node in top if node.kind != "text"])


def keep(node: Node, preserve: bool) -> bool:
    """PreserveWhitespace = false: a text node of whitespace only is not loaded (unless xml:space='preserve')."""
    return node.kind != "text" or preserve or node.value.strip(" \t\r\n") != ""


_STEP = re.compile(r"^(?P<name>[\w.:-]+|\*)(?P<predicates>(\[@[\w.:-]+(=(\"[^\"]*\"|'[^']*'))?\])*)$")
_PREDICATE = re.compile(r"\[@(?P<name>[\w.:-]+)(=(\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'))?\]")


def select_elements(document: Document, xpath: str) -> list[Node] | None:
    """SelectNodes for absolute child-step paths with [@attr] / [@attr='value'] predicates; None: not emulated."""
    if not xpath.startswith("/") or xpath.startswith("//"):
        return None
    steps = xpath[1:].split("/")
    matched: list[Node] = [Node("document", children=[document.root])]
    for step in steps:
        found = _STEP.match(step)
        if not found:
            return None
        predicates = [(item.group("name"), item.group("dq") if item.group("dq") is not None else item.group("sq"))
                      for item in _PREDICATE.finditer(found.group("predicates"))]
        matched = [child for parent in matched for child in parent.children if child.kind == "element"
                   and found.group("name") in ("*", child.name)
                   and all(child.attribute(name) is not None and value in (None, child.attribute(name)) for name, value in predicates)]
    return matched


def _attribute_text(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\t", "&#x9;").replace("\n", "&#xA;").replace("\r", "&#xD;"))


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _write(node: Node, depth: int, out: list[str], mixed: bool) -> None:
    """One node as XmlTextWriter (Formatting.Indented) writes it; ``mixed``: the parent holds text, so no indenting."""
    if node.kind in ("text", "cdata"):
        out.append(_text(node.value) if node.kind == "text" else f"<![CDATA[{node.value}]]>")
        return
    if out and not mixed:
        out.append(NEWLINE + INDENT * depth)
    if node.kind == "comment":
        out.append(f"<!--{node.value}-->")
    elif node.kind == "pi":
        out.append(f"<?{node.name} {node.value}?>" if node.value else f"<?{node.name}?>")
    else:
        out.append(f"<{node.name}" + "".join(f' {name}="{_attribute_text(value)}"' for name, value in node.attributes))
        if node.is_empty:
            out.append(" />")
            return
        out.append(">")
        holds_text = mixed  # XmlTextWriter marks an element mixed when text is written into it, and children inherit it
        for child in node.children:
            holds_text = holds_text or child.kind in ("text", "cdata")
            _write(child, depth + 1, out, holds_text)
        if node.children and not holds_text:
            out.append(NEWLINE + INDENT * depth)
        out.append(f"</{node.name}>")


def _codec(encoding: str | None) -> tuple[str, bytes]:
    """XmlDocument.TextEncoding through Encoding.GetEncoding: the codec and the preamble (BOM) the writer emits."""
    if encoding is None:
        return "utf-8", b""  # no declaration: StreamWriter's default, UTF-8 without a BOM
    name = codecs.lookup(encoding).name
    if name == "utf-8":
        return "utf-8", codecs.BOM_UTF8
    if name in ("utf-16", "utf-16-le"):
        return "utf-16-le", codecs.BOM_UTF16_LE
    if name == "utf-16-be":
        return "utf-16-be", codecs.BOM_UTF16_BE
    return name, b""


def save(document: Document) -> bytes:
    """XmlDocument.Save(path): the bytes of the file it writes."""
    out: list[str] = []
    if document.version is not None:
        declaration = f'version="{document.version}"'
        if document.encoding:
            declaration += f' encoding="{document.encoding}"'
        if document.standalone != -1:
            declaration += f' standalone="{"yes" if document.standalone else "no"}"'
        out.append(f"<?xml {declaration}?>")
    for node in document.nodes:
        _write(node, 0, out, False)
    name, preamble = _codec(document.encoding if document.version is not None else None)
    return preamble + "".join(out).encode(name, errors="xmlcharrefreplace")
