# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for editing several appSettings keys at once: set, remove, uncomment, add, on every field variant."""

from __future__ import annotations

import codecs
import xml.etree.ElementTree as ET

import pytest

from tplab import dotnet_config
from tplab.config_variants import AGENT_STYLES, CONSOLE_STYLES, ConfigStyle, render_agent_config, render_console_config

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._app_config import (
    AppConfigError,
    SettingChange,
    edit_app_settings,
    read_app_setting,
    set_app_setting,
)

OLD = "old-em.corp.local:3741"
NEW = "[fd00::10]:3741"
BIND = "10.0.0.5"
BOMS = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
# Styles whose agent config carries the vendor's bindTo, dnsLookups and SDEventFormat lines.
KEYED = [style for style in AGENT_STYLES if style.extra_keys]
ALL_STYLES = AGENT_STYLES + CONSOLE_STYLES


def _render(style: ConfigStyle, address: str = OLD) -> bytes:
    return (render_agent_config if style in AGENT_STYLES else render_console_config)(style, address)


def _bom(style: ConfigStyle) -> bytes:
    return BOMS[style.encoding] if style.bom else b""


def _text(style: ConfigStyle, content: bytes) -> str:
    bom = _bom(style)
    assert content.startswith(bom)
    return content[len(bom):].decode(style.encoding)


def _encode(style: ConfigStyle, text: str) -> bytes:
    return _bom(style) + text.encode(style.encoding)


def _in_line(text: str, marker: str, old: str, new: str) -> str:
    """Replace ``old`` by ``new`` in the one line holding ``marker``: the expected edit, built without the module."""
    lines = text.split("\n")
    [index] = [number for number, line in enumerate(lines) if marker in line]
    assert lines[index].count(old) == 1
    lines[index] = lines[index].replace(old, new)
    return "\n".join(lines)


def _uncommented(style: ConfigStyle, text: str, value: str) -> str:
    """The text with the vendor's commented-out bindTo line made live, written as the comment wrote it."""
    q = style.quote
    lines = text.split("\n")
    [index] = [number for number, line in enumerate(lines) if f"{q}bindTo{q}" in line]
    comment = lines[index].strip()
    assert comment.startswith("<!-- <add ") and comment.endswith(" -->")
    tag = comment[len("<!-- "):-len(" -->")]
    lines[index] = lines[index].replace(comment, tag.replace(q + q, q + value + q))
    return "\n".join(lines)


def _without_lines(style: ConfigStyle, text: str, marker: str) -> str:
    """The text without the live element holding ``marker``: its line, or both lines of a tag written over two."""
    lines = text.split(style.newline)
    [index] = [number for number, line in enumerate(lines) if marker in line and "<!--" not in line]
    count = 2 if style.multiline_tag and "managerAddress" in marker else 1
    if not lines[index].lstrip().startswith("<add"):
        index -= 1  # the value came first on the tag's second line
    del lines[index:index + count]
    return style.newline.join(lines)


def _assert_only_region_changed(old: bytes, new: bytes, start: int, end: int) -> None:
    """Every byte before ``start`` and from ``end`` on in ``old`` is found unchanged at both ends of ``new``."""
    assert new[:start] == old[:start]
    assert new[len(new) - (len(old) - end):] == old[end:]


def _byte_span(style: ConfigStyle, text: str, start: int, end: int) -> tuple[int, int]:
    head = len(_bom(style)) + len(text[:start].encode(style.encoding))
    return head, head + len(text[start:end].encode(style.encoding))


def _parsed(content: bytes, style: ConfigStyle) -> dict[str, str]:
    """appSettings as ElementTree reads them, keys lower-cased, independently of the module under test."""
    root = ET.fromstring(_text(style, content))
    section = root.find("appSettings")
    assert section is not None
    return {add.get("key", "").lower(): add.get("value", "") for add in section if add.tag == "add"}


@pytest.mark.parametrize("style", KEYED, ids=lambda s: s.name)
def test_several_keys_in_one_call(style: ConfigStyle) -> None:
    old = _render(style)
    edit = edit_app_settings(old, {"managerAddress": NEW, "dnsLookups": None, "bindTo": BIND, "SDEventFormat": "JSON"})
    q = style.quote
    expected = _text(style, _render(style, NEW))
    expected = _without_lines(style, expected, f"{q}dnsLookups{q}")
    expected = _uncommented(style, expected, BIND)
    expected = _in_line(expected, f"{q}SDEventFormat{q}", f"{q}PROTOBUF{q}", f"{q}JSON{q}")
    assert edit.content == _encode(style, expected)
    assert edit.changes == (
        SettingChange("managerAddress", OLD, NEW, "set"),
        SettingChange("dnsLookups", "true", None, "removed"),
        SettingChange("bindTo", None, BIND, "uncommented"),
        SettingChange("SDEventFormat", "PROTOBUF", "JSON", "set"),
    )
    assert edit.changed and (edit.encoding, edit.bom) == (style.encoding, style.bom)
    assert dotnet_config.read_app_settings(edit.content) == {"manageraddress": NEW, "bindto": BIND, "sdeventformat": "JSON"}
    assert _parsed(edit.content, style) == {"manageraddress": NEW, "bindto": BIND, "sdeventformat": "JSON"}


@pytest.mark.parametrize("style", KEYED, ids=lambda s: s.name)
def test_uncommenting_bind_to_changes_only_that_comment(style: ConfigStyle) -> None:
    old = _render(style)
    text = _text(style, old)
    q = style.quote
    start = text.rindex("<!--", 0, text.index(f"{q}bindTo{q}"))
    end = text.index("-->", start) + len("-->")
    edit = edit_app_settings(old, {"bindTo": BIND})
    assert edit.changes == (SettingChange("bindTo", None, BIND, "uncommented"),)
    assert edit.content == _encode(style, _uncommented(style, text, BIND))
    _assert_only_region_changed(old, edit.content, *_byte_span(style, text, start, end))
    assert _text(style, edit.content).count("<!--") == text.count("<!--") - 1
    assert read_app_setting(edit.content, "bindTo") == BIND
    assert dotnet_config.read_app_setting(edit.content, "bindTo") == BIND
    assert _parsed(edit.content, style)["bindto"] == BIND
    again = edit_app_settings(edit.content, {"bindTo": BIND})
    assert not again.changed and again.content is edit.content
    assert again.changes == (SettingChange("bindTo", BIND, BIND, "unchanged"),)


@pytest.mark.parametrize("style", KEYED, ids=lambda s: s.name)
def test_removing_a_key_leaves_no_blank_line(style: ConfigStyle) -> None:
    old = _render(style)
    text = _text(style, old)
    q = style.quote
    line_start = text.rindex(style.newline, 0, text.index(f"{q}dnsLookups{q}")) + len(style.newline)
    line_end = text.index(style.newline, line_start) + len(style.newline)
    edit = edit_app_settings(old, {"dnsLookups": None})
    assert edit.changes == (SettingChange("dnsLookups", "true", None, "removed"),)
    assert edit.content == _encode(style, text[:line_start] + text[line_end:])
    _assert_only_region_changed(old, edit.content, *_byte_span(style, text, line_start, line_end))
    new_text = _text(style, edit.content)
    assert not any(line.strip() == "" for line in new_text.split(style.newline)[:-1])
    assert dotnet_config.read_app_setting(edit.content, "dnsLookups") is None
    assert "dnslookups" not in _parsed(edit.content, style)


@pytest.mark.parametrize("style", ALL_STYLES, ids=lambda s: s.name)
def test_removing_the_address_removes_every_line_of_its_tag(style: ConfigStyle) -> None:
    old = _render(style)
    edit = edit_app_settings(old, {"MANAGERADDRESS": None})
    assert edit.changes == (SettingChange("managerAddress", OLD, None, "removed"),)
    q = style.quote
    assert edit.content == _encode(style, _without_lines(style, _text(style, old), f"{q}managerAddress{q}"))
    assert dotnet_config.read_app_setting(edit.content, "managerAddress") is None


@pytest.mark.parametrize("style", ALL_STYLES, ids=lambda s: s.name)
def test_removing_an_absent_key_is_unchanged(style: ConfigStyle) -> None:
    old = _render(style)
    edit = edit_app_settings(old, {"noSuchKey": None, "bindTo": None})
    assert not edit.changed
    assert edit.content is old
    assert edit.changes == (SettingChange("noSuchKey", None, None, "unchanged"), SettingChange("bindTo", None, None, "unchanged"))


@pytest.mark.parametrize("style", KEYED, ids=lambda s: s.name)
def test_equal_values_are_unchanged(style: ConfigStyle) -> None:
    old = _render(style)
    edit = edit_app_settings(old, {"managerAddress": OLD, "dnsLookups": "true", "SDEventFormat": "PROTOBUF"})
    assert not edit.changed
    assert edit.content is old
    assert [change.action for change in edit.changes] == ["unchanged"] * 3
    assert (edit.encoding, edit.bom) == (style.encoding, style.bom)


@pytest.mark.parametrize("style", KEYED, ids=lambda s: s.name)
def test_keys_compare_case_insensitively_and_report_the_file_spelling(style: ConfigStyle) -> None:
    edit = edit_app_settings(_render(style), {"DNSLOOKUPS": "false", "bindto": "Ethernet 2", "sdeventformat": None})
    assert edit.changes == (
        SettingChange("dnsLookups", "true", "false", "set"),
        SettingChange("bindTo", None, "Ethernet 2", "uncommented"),
        SettingChange("SDEventFormat", "PROTOBUF", None, "removed"),
    )
    assert dotnet_config.read_app_settings(edit.content) == {"manageraddress": OLD, "dnslookups": "false", "bindto": "Ethernet 2"}


def test_an_empty_edit_returns_the_file_itself() -> None:
    old = _render(AGENT_STYLES[0])
    edit = edit_app_settings(old, {})
    assert (edit.content, edit.changes, edit.changed, edit.encoding, edit.bom) == (old, (), False, "utf-8", True)
    assert edit.content is old


ADDRESS_ONLY = next(style for style in AGENT_STYLES if not style.extra_keys)


def test_missing_key_is_added_only_when_asked() -> None:
    old = _render(ADDRESS_ONLY)
    with pytest.raises(AppConfigError, match=r'no <add key="dnsLookups"> in <appSettings> \(line 5\): the key is missing; add it to the file'):
        edit_app_settings(old, {"managerAddress": NEW, "dnsLookups": "false"})
    edit = edit_app_settings(old, {"managerAddress": NEW, "dnsLookups": "false"}, add_if_missing=True)
    assert [change.action for change in edit.changes] == ["set", "added"]
    added = f'value="{NEW}"/>{ADDRESS_ONLY.newline}    <add key="dnsLookups" value="false"/>'
    assert edit.content == old.replace(f'value="{OLD}"/>'.encode(), added.encode())


def _config(inner: str) -> bytes:
    return f'<configuration>\n  <appSettings>\n    <add key="a" value="1"/>\n{inner}  </appSettings>\n</configuration>\n'.encode()


@pytest.mark.parametrize(
    ("comment", "live"),
    [
        pytest.param('    <!--<add key="bindTo" value=""/>-->\n', '    <add key="bindTo" value="v"/>\n', id="no-spaces"),
        pytest.param("    <!-- <add value='' key='BindTo' /> -->\n", "    <add value='v' key='BindTo' />\n", id="value-first"),
        pytest.param('    <!-- <add key="bindTo" value="old"></add> -->\n', '    <add key="bindTo" value="v"></add>\n', id="end-tag"),
        pytest.param('    <!--\r\n      <add key="bindTo"\r\n           value=""/>\r\n    -->\n', '    <add key="bindTo"\r\n           value="v"/>\n',
                     id="comment-over-lines"),
        pytest.param('    <add key="b" value="2"/><!-- <add key="bindTo" value=""/> -->\n', '    <add key="b" value="2"/><add key="bindTo" value="v"/>\n',
                     id="shares-a-line"),
        pytest.param('    <!-- <add key="bindTo" value="x"/> -->\n    <!-- <add key="bindTo" value="y"/> -->\n',
                     '    <add key="bindTo" value="v"/>\n    <!-- <add key="bindTo" value="y"/> -->\n', id="first-of-two"),
    ],
)
def test_uncomment_keeps_the_tag_as_written(comment: str, live: str) -> None:
    edit = edit_app_settings(_config(comment), {"bindTo": "v"})
    assert edit.content == _config(live)
    assert edit.changes[0].action == "uncommented"
    assert dotnet_config.read_app_setting(edit.content, "bindTo") == "v"


def test_uncommented_value_is_escaped_for_the_comment_quote() -> None:
    edit = edit_app_settings(_config("    <!-- <add key='bindTo' value=''/> -->\n"), {"bindTo": "it's <&>"})
    assert edit.content == _config("    <add key='bindTo' value='it&apos;s &lt;&amp;&gt;'/>\n")


@pytest.mark.parametrize(
    "comment",
    [
        pytest.param('<!-- <add key="bindTo" value=""/> note -->', id="text-after"),
        pytest.param('<!-- old: <add key="bindTo" value=""/> -->', id="text-before"),
        pytest.param('<!-- <add key="bindTo" value=""/><add key="x" value=""/> -->', id="two-elements"),
        pytest.param('<!-- <add key="bindTo" value="" -->', id="unclosed"),
        pytest.param('<!-- <add key="bindTo" value=""> -->', id="no-end-tag"),
        pytest.param('<!-- <add key="bindTo" value="&bogus;"/> -->', id="undefined-entity"),
        pytest.param('<!-- <add key="bindTo" value="" extra="1"/> -->', id="extra-attribute"),
        pytest.param('<!-- <add key="bindTo"/> -->', id="no-value"),
        pytest.param('<!-- <add key="bindTo" value="">x</add> -->', id="text-content"),
        pytest.param('<!-- <add key="bindTo" value=""><x/></add> -->', id="child-element"),
        pytest.param('<!-- <add key="bindTo" value=""/><?pi?> -->', id="processing-instruction"),
        pytest.param('<!-- <?xml version="1.0"?><add key="bindTo" value=""/> -->', id="xml-declaration-first"),
        pytest.param('<!-- <addition key="bindTo" value=""/> -->', id="other-element"),
        pytest.param('<!-- <add key="bindToo" value=""/> -->', id="other-key"),
        pytest.param('<!-- <add key="bindTo" value=""/ -->', id="malformed-closer"),
    ],
)
def test_a_comment_that_is_not_exactly_one_add_is_never_touched(comment: str) -> None:
    old = _config(f"    {comment}\n")
    with pytest.raises(AppConfigError, match='no <add key="bindTo"> in <appSettings>'):
        edit_app_settings(old, {"bindTo": "v"})
    edit = edit_app_settings(old, {"bindTo": "v"}, add_if_missing=True)
    assert edit.changes[0].action == "added"
    assert edit.content == old.replace(b'<add key="a" value="1"/>', b'<add key="a" value="1"/>\n    <add key="bindTo" value="v"/>')


def test_a_comment_outside_app_settings_is_never_uncommented() -> None:
    old = b'<configuration>\n  <startup>\n    <!-- <add key="bindTo" value=""/> -->\n  </startup>\n  <appSettings>\n  </appSettings>\n</configuration>\n'
    with pytest.raises(AppConfigError, match=r'no <add key="bindTo"> in <appSettings> \(line 5\)'):
        edit_app_settings(old, {"bindTo": "v"})


def test_set_app_setting_keeps_a_commented_out_address_as_history() -> None:
    old = _config('    <!-- <add key="managerAddress" value="former:3741"/> -->\n')
    with pytest.raises(AppConfigError, match="the key is missing"):
        set_app_setting(old, "managerAddress", "em:3741")
    edit = set_app_setting(old, "managerAddress", "em:3741", add_if_missing=True)
    assert (edit.added, edit.changed, edit.previous_value) == (True, True, None)
    assert edit.content == old.replace(b'<add key="a" value="1"/>', b'<add key="a" value="1"/>\n    <add key="managerAddress" value="em:3741"/>')


@pytest.mark.parametrize(
    ("inner", "key", "remaining"),
    [
        pytest.param('    <add key="b" value="2"/>\n', "b", "", id="own-line"),
        pytest.param('    <add key="b" value="2" />  \t\n', "b", "", id="trailing-blanks"),
        pytest.param('    <add key="b" value="2"></add>\n', "b", "", id="end-tag"),
        pytest.param('    <add key="b"\n         value="2"/>\n', "b", "", id="over-two-lines"),
        pytest.param('    <add key="b" value="2"/><add key="c" value="3"/>\n', "b", '    <add key="c" value="3"/>\n', id="first-of-line"),
        pytest.param('    <add key="c" value="3"/> <add key="b" value="2"/>\n', "b", '    <add key="c" value="3"/> \n', id="last-of-line"),
        pytest.param('    <add key="b" value="2"/> <!-- why -->\n', "b", "     <!-- why -->\n", id="comment-after"),
    ],
)
def test_removal_takes_the_line_only_when_the_element_is_alone(inner: str, key: str, remaining: str) -> None:
    edit = edit_app_settings(_config(inner), {key: None})
    assert edit.content == _config(remaining)
    assert edit.changes == (SettingChange(key, "2", None, "removed"),)


def test_removal_keeps_crlf_and_utf16() -> None:
    text = '<configuration>\r\n\t<appSettings>\r\n\t\t<add key="a" value="1"/>\r\n\t\t<add key="b" value="2"/>\r\n\t</appSettings>\r\n</configuration>\r\n'
    old = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    edit = edit_app_settings(old, {"a": None})
    assert edit.content == codecs.BOM_UTF16_LE + text.replace('\t\t<add key="a" value="1"/>\r\n', "").encode("utf-16-le")
    assert (edit.encoding, edit.bom) == ("utf-16-le", True)


@pytest.mark.parametrize(
    ("content", "settings", "message"),
    [
        pytest.param(_config('    <add key="A" value="2"/>\n'), {"a": None},
                     r'duplicate key "a" in <appSettings> \(lines 3, 4; keys compare case-insensitively\); remove the extra one', id="remove-duplicate"),
        pytest.param(_config('    <!-- <add key="bindTo" value=""/> -->\n    <clear/>\n'), {"bindTo": "v"},
                     r'<clear> on line 5 discards "bindTo" after it is set, so \.NET would not see the value; remove that <clear> element',
                     id="uncomment-before-clear"),
        pytest.param(_config(""), {"": "v"}, r"an empty key was asked for in <appSettings> \(line 2\); name the key to set or remove", id="empty-key"),
        pytest.param(_config(""), {"a": "nul\x00"}, r"the value contains '\\x00' \(position 3\), which XML 1\.0 cannot store; remove it",
                     id="unstorable-value"),
        pytest.param(b"<configuration><appSettings></configuration>", {"a": None}, r"not well-formed XML \(mismatched tag\) at line 1",
                     id="malformed"),
    ],
)
def test_refusals_name_the_problem(content: bytes, settings: dict[str, str | None], message: str) -> None:
    with pytest.raises(AppConfigError, match=message):
        edit_app_settings(content, settings, add_if_missing=True)
