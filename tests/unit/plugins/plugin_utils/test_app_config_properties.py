# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests: on any benign config layout, an edit touches only the value's bytes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from xml.sax.saxutils import escape

from hypothesis import given, settings, strategies as st

from tplab import dotnet_config

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._app_config import read_app_setting, set_app_setting

MARK = "\x00"  # stands for the live value's raw text in a template; never valid in XML, so never ambiguous

# (codec, BOM, XML declarations the file may start with; None = no declaration)
STORAGES = [
    ("utf-8", b"", [None, '<?xml version="1.0" encoding="utf-8"?>', "<?xml version='1.0'?>"]),
    ("utf-8", b"\xef\xbb\xbf", [None, '<?xml version="1.0" encoding="UTF-8"?>']),
    ("utf-16-le", b"\xff\xfe", [None, '<?xml version="1.0" encoding="utf-16"?>']),
    ("utf-16-be", b"\xfe\xff", [None, '<?xml version="1.0" encoding="utf-16"?>']),
    ("utf-16-le", b"", ['<?xml version="1.0" encoding="utf-16"?>']),
    ("cp1252", b"", ['<?xml version="1.0" encoding="windows-1252"?>']),
    ("iso-8859-1", b"", ["<?xml version='1.0' encoding='ISO-8859-1' ?>"]),
    ("ascii", b"", ['<?xml version="1.0" encoding="us-ascii"?>']),
]
EXTRA_CHARS = {"utf-8": "é✓日本𝄞", "utf-16-le": "é✓日本𝄞", "utf-16-be": "é✓日本𝄞", "cp1252": "éü€", "iso-8859-1": "éüß", "ascii": ""}
CASINGS = ["managerAddress", "ManagerAddress", "MANAGERADDRESS", "manageraddress"]

_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
_hostname = st.lists(_label, min_size=1, max_size=4).map(".".join)
_host = st.one_of(_hostname, st.ip_addresses(v=4).map(str), st.ip_addresses(v=6).map(lambda address: f"[{address}]"))
ADDRESSES = st.tuples(_host, st.none() | st.integers(1, 65535)).map(lambda pair: pair[0] if pair[1] is None else f"{pair[0]}:{pair[1]}")
VALUES = st.one_of(ADDRESSES, ADDRESSES, st.text(alphabet="ab &<>\"'\t\r\n;#", max_size=8))


def _attr(value: str, quote: str) -> str:
    """Escape independently of the module under test."""
    return escape(value, {quote: "&quot;" if quote == '"' else "&apos;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"})


@dataclass(frozen=True)
class Doc:
    """A generated config: bytes, where the live value's raw text sits in them, and what it means."""

    template: str
    raw: str
    value: str | None
    encoding: str
    bom: bytes

    @property
    def content(self) -> bytes:
        return self.bom + self.template.replace(MARK, self.raw).encode(self.encoding)

    @property
    def span(self) -> tuple[int, int]:
        before, after = self.template.split(MARK)
        start = len(self.bom) + len(before.encode(self.encoding))
        return start, len(self.content) - len(after.encode(self.encoding))


@st.composite
def documents(draw: st.DrawFn, live: bool = True) -> Doc:  # pylint: disable=too-many-locals
    """A benign config in a random field style; with ``live`` it holds managerAddress once."""
    encoding, bom, declarations = draw(st.sampled_from(STORAGES))
    declaration = draw(st.sampled_from(declarations))
    newline_style = draw(st.sampled_from(["\n", "\r\n", "mixed"]))
    unit = draw(st.sampled_from(["\t", "  ", "    "]))
    words = st.text(alphabet="abc XYZ 0.9:" + EXTRA_CHARS[encoding], max_size=12)

    def nl() -> str:
        return draw(st.sampled_from(["\n", "\r\n"])) if newline_style == "mixed" else newline_style

    def comment() -> str:
        decoy = draw(st.sampled_from(["", '<add key="managerAddress" value="decoy"/>', "<appSettings>", "</appSettings>"]))
        return f"<!-- {draw(words)}{decoy} -->"

    def add(key: str, raw: str) -> str:
        quote = draw(st.sampled_from(['"', "'"]))
        eq = draw(st.sampled_from(["=", " = ", "\t=", "=" + nl() + unit]))
        gap = st.sampled_from([" ", "  ", "\t", nl() + unit * 3])
        gaps = [draw(gap), draw(gap)]
        attrs = [f"key{eq}{quote}{_attr(key, quote)}{quote}", f"value{eq}{quote}{raw if raw == MARK else _attr(raw, quote)}{quote}"]
        if draw(st.booleans()):
            attrs.reverse()
        closer = draw(st.sampled_from(["/>", " />", "></add>", ">" + nl() + unit * 2 + "</add>"]))
        trailing = draw(st.sampled_from(["", nl() + unit * 2])) if closer == "/>" else ""
        return f"<add{gaps[0]}{attrs[0]}{gaps[1]}{attrs[1]}{trailing}{closer}"

    other_keys = st.from_regex(r"[a-z][a-zA-Z]{0,8}", fullmatch=True).filter(lambda key: key.lower() != "manageraddress")
    kinds = draw(st.lists(st.booleans(), max_size=4))
    items = [add(draw(other_keys), draw(words)) if is_add else comment() for is_add in kinds]
    value = draw(VALUES) if live else None
    if live:
        items.insert(draw(st.integers(0, len(items))), add(draw(st.sampled_from(CASINGS)), MARK))
    around = [
        comment(),
        '<tp><add key="managerAddress" value="elsewhere"/></tp>',
        '<startup><supportedRuntime version="v4.0" sku=".NETFramework,Version=v4.8"/></startup>',
        "<x><![CDATA[<appSettings><add key='managerAddress' value='cdata'/></appSettings>]]></x>",
        '<?tp processing instruction?>',
    ]
    # Each section at most once: .NET refuses a repeated one.
    others = draw(st.lists(st.sampled_from(around), max_size=4, unique=True))
    split = draw(st.integers(0, len(others)))
    before, after = others[:split], others[split:]
    if not items and draw(st.booleans()):
        section = draw(st.sampled_from(["<appSettings/>", "<appSettings />"]))
    else:
        section = "<appSettings>" + "".join(nl() + unit * 2 + item for item in items) + nl() + unit + "</appSettings>"
    body = "".join(nl() + unit + part for part in [*before, section, *after])
    text = ("" if declaration is None else declaration + nl()) + "<configuration>" + body + nl() + "</configuration>" + draw(st.sampled_from(["", nl()]))
    raw = "" if value is None else _attr(value, re.search(f"value[ \t\r\n]*=[ \t\r\n]*(.){MARK}", text).group(1))
    return Doc(text, raw, value, encoding, bom)


def _parsed_value(content: bytes, doc: Doc) -> str | None:
    """The value as ElementTree sees it in the re-decoded bytes, independent of the module under test."""
    section = ET.fromstring(content[len(doc.bom):].decode(doc.encoding)).find("appSettings")
    assert section is not None
    values = [add.get("value") for add in section if add.tag == "add" and add.get("key", "").lower() == "manageraddress"]
    assert len(values) <= 1
    return values[0] if values else None


@settings(max_examples=200, deadline=None)
@given(doc=documents(), new=VALUES, key=st.sampled_from(CASINGS))
def test_edit_changes_only_value_bytes(doc: Doc, new: str, key: str) -> None:
    old = doc.content
    assert read_app_setting(old, key) == doc.value
    assert _parsed_value(old, doc) == doc.value
    assert dotnet_config.read_app_setting(old, key) == doc.value
    edit = set_app_setting(old, key, new)
    assert edit.previous_value == doc.value
    assert edit.value == new and not edit.added
    assert (edit.encoding, edit.bom) == (doc.encoding, bool(doc.bom))
    assert edit.changed == (new != doc.value)
    if not edit.changed:
        assert edit.content is old
    start, end = doc.span
    content = edit.content
    assert content[:start] == old[:start]
    assert content[len(content) - (len(old) - end):] == old[end:]
    assert read_app_setting(content, key) == new
    assert _parsed_value(content, doc) == new
    assert dotnet_config.read_app_setting(content, key) == new
    again = set_app_setting(content, key, new)
    assert not again.changed and again.content is content


@settings(max_examples=200, deadline=None)
@given(doc=documents(live=False), new=VALUES, key=st.sampled_from(CASINGS))
def test_insert_adds_one_element_and_keeps_the_rest(doc: Doc, new: str, key: str) -> None:
    old = doc.content
    assert read_app_setting(old, key) is None
    edit = set_app_setting(old, key, new, add_if_missing=True)
    assert (edit.added, edit.changed, edit.previous_value) == (True, True, None)
    assert read_app_setting(edit.content, key) == new
    assert _parsed_value(edit.content, doc) == new
    assert dotnet_config.read_app_setting(edit.content, key) == new
    again = set_app_setting(edit.content, key, new)
    assert not again.changed and again.content is edit.content
    # Outside one insertion point, only blanks before </appSettings> or the '/>' of <appSettings/> may go.
    old_text, new_text = old[len(doc.bom):].decode(doc.encoding), edit.content[len(doc.bom):].decode(doc.encoding)
    prefix = len(_common_prefix(old_text, new_text))
    suffix = len(_common_prefix(old_text[prefix:][::-1], new_text[prefix:][::-1]))
    assert re.fullmatch(r"[ \t]*/?", old_text[prefix:len(old_text) - suffix])
    assert new_text.count("<add ") == old_text.count("<add ") + 1


def _common_prefix(left: str, right: str) -> str:
    for index, (one, other) in enumerate(zip(left, right)):
        if one != other:
            return left[:index]
    return left[:min(len(left), len(right))]
