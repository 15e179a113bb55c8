# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read and edit ``<appSettings>`` keys of a .NET app.config without re-serialising it.

Threat Prevention agents and consoles keep their Enterprise Manager address in a .NET
``*.exe.config``. Those files differ in encoding, BOM, line endings, quoting and layout, and an
administrator reviewing a change wants to see exactly the values asked for move: so setting a key
replaces only the characters of its ``value`` attribute, removing one deletes only its ``<add>``
element (and its line when it is alone there), and every other byte is left alone. The file is
still parsed, by the shared reader in ``_dotnet_config.py`` (expat, DTDs refused), so that
comments, CDATA and other sections can never be taken for the live setting. Installers ship optional keys commented out, as
``<!-- <add key="bindTo" value="" /> -->``; setting such a key turns that comment back into the
element where the vendor put it rather than adding a second line. Only the standard library is
used: the controller may lack lxml.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from xml.parsers import expat

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _dotnet_config
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._dotnet_config import (
    Comment, DecodedConfig, DotnetConfigError, Element, children_named, first_nested, lines, safe_parser)

_ATTRIBUTE = re.compile(r"""[ \t\r\n]*([^ \t\r\n=/>]+)[ \t\r\n]*=[ \t\r\n]*(["'])""")
_SECTION_END = re.compile(r"[ \t]*(?=</appSettings[ \t\r\n]*>)")
_LINE_INDENT = re.compile(r"^([ \t]+)<", re.MULTILINE)
_LINE_REST = re.compile(r"[ \t]*(?:\r\n|\n|\r)")
_XML_SPACE = " \t\r\n"
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;", '"': "&quot;", "'": "&apos;"}


class AppConfigError(DotnetConfigError):
    """The file cannot be read or edited safely. The message says what is wrong and what to do."""


@dataclass(frozen=True)
class AppSettingEdit:
    """The outcome of one edit, so that callers can report change and diff without re-reading."""

    content: bytes
    previous_value: str | None
    value: str
    changed: bool
    added: bool
    encoding: str
    bom: bool


@dataclass(frozen=True)
class SettingChange:
    """What happened to one key: ``action`` is unchanged, set, added, uncommented or removed; ``key`` as written in the file."""

    key: str
    previous: str | None
    value: str | None
    action: str


@dataclass(frozen=True)
class AppSettingsEdit:
    """The outcome of editing several keys at once, one change per key in the order asked."""

    content: bytes
    changes: tuple[SettingChange, ...]
    changed: bool
    encoding: str
    bom: bool


@dataclass(frozen=True)
class _Attr:
    """Where an attribute's raw value sits in the text, and which quote delimits it."""

    quote: str
    start: int
    end: int


@dataclass(frozen=True)
class _Tag:
    """A start tag as written: attribute spans, and where its closing ``>`` or ``/>`` (``closer``) begins and ends."""

    attrs: dict[str, _Attr]
    gap: int
    end: int
    closer: str
    self_closing: bool


def decode_config(content: bytes) -> DecodedConfig:
    """Decode the file the way .NET would, so offsets in the text map back to exact bytes."""
    with _app_config_errors():
        return _dotnet_config.decode_config(content)


@contextmanager
def _app_config_errors() -> Iterator[None]:
    """Re-raise the reader's refusals as AppConfigError, the one error this module's callers catch."""
    try:
        yield
    except DotnetConfigError as exc:
        raise AppConfigError(str(exc)) from exc


def read_app_setting(content: bytes, key: str) -> str | None:
    """Return the live value of ``key`` in ``<appSettings>`` (entities resolved), or None if absent."""
    match = _find_key(_load(content)[1], key)
    return None if match is None else match.attrs["value"]


def set_app_setting(content: bytes, key: str, value: str, *, add_if_missing: bool = False) -> AppSettingEdit:
    """Set one key as :func:`edit_app_settings` does, but never by uncommenting.

    Its callers set ``managerAddress``, whose commented-out line is a former manager kept as history, not a
    placeholder: a missing key is inserted as a new line (with ``add_if_missing``) and the comment stays.
    """
    edit = edit_app_settings(content, {key: value}, add_if_missing=add_if_missing, uncomment=False)
    change = edit.changes[0]
    return AppSettingEdit(edit.content, change.previous, value, edit.changed, change.action == "added", edit.encoding, edit.bom)


def edit_app_settings(content: bytes, settings: Mapping[str, str | None], *, add_if_missing: bool = False,
                      uncomment: bool = True) -> AppSettingsEdit:
    """Apply every key of ``settings`` in order (None removes the key), changing only the bytes each one needs.

    With ``uncomment``, a key that is not live but sits in ``<appSettings>`` as a comment holding exactly one
    ``<add>`` for it is uncommented in place (the first such comment; any others stay as they are). Otherwise a
    missing key is inserted only with ``add_if_missing``. When nothing changes, ``content`` itself is returned.
    """
    editor = _Editor(content, add_if_missing, uncomment)
    changes = tuple(editor.apply(key, value) for key, value in settings.items())
    changed = any(change.action != "unchanged" for change in changes)
    return AppSettingsEdit(editor.content if changed else content, changes, changed, editor.decoded.encoding, bool(editor.decoded.bom))


class _Editor:  # pylint: disable=too-few-public-methods
    """Applies one key at a time, re-parsing after each change so that every splice works on fresh offsets."""

    def __init__(self, content: bytes, add_if_missing: bool, uncomment: bool) -> None:
        self.content = content
        self.decoded, self._section = _load(content)
        self._add_if_missing = add_if_missing
        self._uncomment = uncomment

    def apply(self, key: str, value: str | None) -> SettingChange:
        """Set or remove ``key``, and say what was done."""
        if not key:
            raise AppConfigError(f"an empty key was asked for in <appSettings> (line {self._section.line}); name the key to set or remove")
        if value is not None:
            _check_storable(value, "value")
        match = _find_key(self._section, key)
        if match is not None:
            return self._edit_live(match, value)
        if value is None:
            return SettingChange(key, None, None, "unchanged")
        return self._make_live(key, value)

    def _edit_live(self, match: Element, value: str | None) -> SettingChange:
        """Remove the live element, or rewrite only its value."""
        key, previous = match.attrs["key"], match.attrs["value"]
        text = self.decoded.text
        if value is None:
            tag = _scan_tag(text, match)
            self._splice(*_wholelines(text, match.start, _element_end(text, match, tag)), "")
            return SettingChange(key, previous, None, "removed")
        if previous == value:
            return SettingChange(key, previous, value, "unchanged")
        span = _scan_tag(text, match).attrs["value"]
        self._splice(span.start, span.end, _escape(value, span.quote))
        return SettingChange(key, previous, value, "set")

    def _make_live(self, key: str, value: str) -> SettingChange:
        """Uncomment the vendor's commented-out element where there is one, else insert a line if asked to."""
        section, text = self._section, self.decoded.text
        commented = _commented_add(text, section, key) if self._uncomment else None
        if commented is not None:
            comment, element, end = commented
            _refuse_masking(section, comment.start, key)
            span = _scan_tag(text, element).attrs["value"]
            self._splice(comment.start, _comment_end(text, comment), text[element.start:span.start] + _escape(value, span.quote) + text[span.end:end])
            return SettingChange(element.attrs["key"], None, value, "uncommented")
        if not self._add_if_missing:
            raise AppConfigError(
                f'no <add key="{key}"> in <appSettings> (line {section.line}): the key is missing; '
                "add it to the file, or ask for it to be inserted"
            )
        _check_storable(key, "key")
        self._splice(*_insertion(self.decoded, section, key, value))
        return SettingChange(key, None, value, "added")

    def _splice(self, start: int, end: int, replacement: str) -> None:
        self.content = _splice(self.content, self.decoded, start, end, replacement)
        self.decoded, self._section = _load(self.content)


def _load(content: bytes) -> tuple[DecodedConfig, Element]:
    """Decode, parse safely and locate the one ``<appSettings>`` that .NET would read."""
    with _app_config_errors():
        decoded, root = _dotnet_config.read_configuration(content)
    return decoded, _app_settings(root)


def _app_settings(root: Element) -> Element:
    """Enforce the structure .NET accepts and return the section that holds the settings."""
    sections = children_named(root, "appSettings")
    if not sections:
        stray = first_nested(root, "appSettings")
        where = "" if stray is None else f" (the one on line {stray.line} is inside <{stray.parent}>)"
        raise AppConfigError(
            f"no <appSettings> section directly under <configuration>{where}; check that this is the right file, "
            "or restore it from a backup"
        )
    if len(sections) > 1:
        raise AppConfigError(
            f"<appSettings> appears {len(sections)} times under <configuration> (lines {lines(sections)}); "
            ".NET refuses duplicate sections: merge them into one"
        )
    section = sections[0]
    if "configSource" in section.attrs:
        raise AppConfigError(
            f'<appSettings> on line {section.line} has configSource="{section.attrs["configSource"]}": '
            "its settings live in that file; edit that file instead"
        )
    return section


def _find_key(section: Element, key: str) -> Element | None:
    """Return the live ``<add>`` for ``key`` (case-insensitive, as .NET compares keys), or None."""
    wanted = key.lower()
    matches = [child for child in section.children if child.name == "add" and child.attrs.get("key", "").lower() == wanted]
    if len(matches) > 1:
        raise AppConfigError(
            f'duplicate key "{key}" in <appSettings> (lines {lines(matches)}; keys compare case-insensitively); '
            "remove the extra one"
        )
    if not matches:
        if "file" in section.attrs:
            raise AppConfigError(
                f'the key "{key}" is missing from <appSettings> on line {section.line}, which also reads '
                f'file="{section.attrs["file"]}"; that file may hold the key and would override this one: edit it there'
            )
        return None
    match = matches[0]
    if "value" not in match.attrs:
        raise AppConfigError(f'<add key="{match.attrs["key"]}"> on line {match.line} has no value attribute; add value="..." to it or remove it')
    _refuse_masking(section, match.start, key)
    return match


def _refuse_masking(section: Element, after: int, key: str) -> None:
    """Refuse when a later ``<clear/>`` or ``<remove>`` would make .NET discard the setting we touch."""
    for child in section.children:
        if child.start > after and (child.name == "clear" or (child.name == "remove" and child.attrs.get("key", "").lower() == key.lower())):
            raise AppConfigError(
                f'<{child.name}> on line {child.line} discards "{key}" after it is set, so .NET would not see the value; '
                f"remove that <{child.name}> element"
            )


def _scan_tag(text: str, element: Element) -> _Tag:
    """Locate attribute value spans in a start tag that expat has already checked is well-formed."""
    pos = element.start + 1 + len(element.name)
    attrs: dict[str, _Attr] = {}
    while (attribute := _ATTRIBUTE.match(text, pos)) is not None:
        quote = attribute.group(2)
        end = text.index(quote, attribute.end())
        attrs[attribute.group(1)] = _Attr(quote, attribute.end(), end)
        pos = end + 1
    end = text.index(">", pos) + 1
    return _Tag(attrs, pos, end, text[pos:end], text[pos:end].endswith("/>"))


def _insertion(decoded: DecodedConfig, section: Element, key: str, value: str) -> tuple[int, int, str]:
    """Plan the text that inserts ``<add key value/>`` in the sibling's style: (start, end, replacement)."""
    text, newline = decoded.text, decoded.newline
    outer = _indent(text, section.start)
    adds = [child for child in section.children if child.name == "add"]
    if adds:
        sibling = adds[-1]
        tag = _scan_tag(text, sibling)
        first = next(iter(tag.attrs.values()), None)
        closer = tag.closer if tag.closer in ("/>", " />") else " />"
        line = newline + _indent(text, sibling.start) + _add_tag(key, value, '"' if first is None else first.quote, closer)
        at = _element_end(text, sibling, tag)
    else:
        tag = _scan_tag(text, section)
        line = newline + outer + _indent_unit(text) + _add_tag(key, value, '"', " />")
        if tag.self_closing:
            return tag.gap, tag.end, ">" + line + newline + outer + "</appSettings>"
        at = tag.end
    _refuse_masking(section, at, key)
    # When </appSettings> follows on the same line, move it to its own line instead of after the new tag.
    closing = _SECTION_END.match(text, at)
    if closing is None:
        return at, at, line
    return at, closing.end(), line + newline + outer


def _element_end(text: str, element: Element, tag: _Tag) -> int:
    """The offset just past the element: its ``/>``, or the ``>`` of its end tag."""
    return tag.end if tag.self_closing else text.index(">", element.close) + 1


def _commented_add(text: str, section: Element, key: str) -> tuple[Comment, Element, int] | None:
    """The first comment in the section that holds exactly one ``<add>`` for ``key``: the comment, the element and where it ends."""
    for comment in section.comments:
        inner = text[comment.start + len("<!--"):_comment_end(text, comment) - len("-->")]
        fragment = inner.strip(_XML_SPACE)
        attrs = _lone_add(fragment)
        if attrs is not None and attrs["key"].lower() == key.lower():
            start = comment.start + len("<!--") + len(inner) - len(inner.lstrip(_XML_SPACE))
            return comment, Element("add", attrs, start, comment.line, section.name), start + len(fragment)
    return None


def _comment_end(text: str, comment: Comment) -> int:
    # A comment cannot contain "--", so the first "-->" after its opening is its end.
    return text.index("-->", comment.start + len("<!--")) + len("-->")


def _lone_add(fragment: str) -> dict[str, str] | None:
    """The attributes if ``fragment`` is exactly one empty, well-formed ``<add key value>`` element, else None.

    expat judges the fragment, so nothing malformed can become live; anything but ``key`` and ``value`` (which .NET
    would refuse at start-up), content, or a processing instruction rules the comment out.
    """
    if not fragment.startswith("<add"):
        return None
    events: list[tuple[str, dict[str, str]]] = []
    parser = safe_parser()
    parser.StartElementHandler = lambda name, attrs: events.append((name, attrs))
    parser.CharacterDataHandler = parser.ProcessingInstructionHandler = lambda *_args: events.append(("", {}))
    try:
        parser.Parse(fragment.encode("utf-8"), True)
    except expat.ExpatError:
        return None
    if len(events) != 1 or events[0][0] != "add" or set(events[0][1]) != {"key", "value"}:
        return None
    return events[0][1]


def _wholelines(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``text[start:end]`` to its lines and one line end when nothing else is on them, so no blank line is left."""
    line_start = _line_start(text, start)
    rest = _LINE_REST.match(text, end)
    if rest is None or text[line_start:start].strip(" \t"):
        return start, end
    return line_start, rest.end()


def _line_start(text: str, offset: int) -> int:
    return max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1


def _indent(text: str, offset: int) -> str:
    """The leading whitespace of the line that contains ``offset``."""
    line = text[_line_start(text, offset):offset]
    return line[:len(line) - len(line.lstrip(" \t"))]


def _indent_unit(text: str) -> str:
    """Guess one level of indentation from the file: a tab, or the narrowest of 2 or 4 spaces."""
    indents = _LINE_INDENT.findall(text)
    if any(indent.startswith("\t") for indent in indents):
        return "\t"
    return "    " if min(map(len, indents), default=2) >= 4 else "  "


def _add_tag(key: str, value: str, quote: str, closer: str) -> str:
    return f"<add key={quote}{_escape(key, quote)}{quote} value={quote}{_escape(value, quote)}{quote}{closer}"


def _escape(value: str, quote: str) -> str:
    """Escape for an attribute delimited by ``quote``; whitespace as references so it reads back unchanged."""
    other = "'" if quote == '"' else '"'
    return "".join(char if char == other else _ESCAPES.get(char, char) for char in value)


def _check_storable(text: str, what: str) -> None:
    bad = _NOT_XML_CHAR.search(text)
    if bad is not None:
        raise AppConfigError(f"the {what} contains {bad.group()!r} (position {bad.start()}), which XML 1.0 cannot store; remove it")


def _splice(content: bytes, decoded: DecodedConfig, start: int, end: int, replacement: str) -> bytes:
    """Replace text[start:end] in the raw bytes, encoding only the replacement; all else is copied."""
    encoding = decoded.encoding
    head = len(decoded.bom) + len(decoded.text[:start].encode(encoding))
    tail = head + len(decoded.text[start:end].encode(encoding))
    try:
        encoded = replacement.encode(encoding)
    except UnicodeEncodeError as exc:
        raise AppConfigError(
            f"{exc.object[exc.start]!r} cannot be written to this file, whose encoding is {encoding}; "
            "use a value without it, or re-save the file as UTF-8 first"
        ) from exc
    return content[:head] + encoded + content[tail:]
