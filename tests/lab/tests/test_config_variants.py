# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The config style catalogue renders every variant it claims to, as bytes .NET would load."""

from __future__ import annotations

import codecs
import dataclasses
import re
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tplab.config_variants import (
    AGENT_STYLES, CONSOLE_STYLES, OLD_AGENT_ADDRESS, OLD_CONSOLE_ADDRESS, ConfigStyle, render_agent_config, render_console_config, style_by_name,
)
from tplab.dotnet_config import read_app_setting, read_app_settings

Renderer = Callable[[ConfigStyle, str], bytes]
CASES = [pytest.param(style, render_agent_config, OLD_AGENT_ADDRESS, id=style.name) for style in AGENT_STYLES] + [
    pytest.param(style, render_console_config, OLD_CONSOLE_ADDRESS, id=style.name) for style in CONSOLE_STYLES
]
ADDRESSES = ("old-em:3741", "10.20.0.10:3741", "[fd00::10]:3741", "old-em", "OLD-EM.corp.example:3741")
ADDRESS = "10.20.0.10:3741"
BOMS = {"utf-8": codecs.BOM_UTF8, "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}


def text_of(style: ConfigStyle, content: bytes) -> str:
    """The file as characters, decoded the way the style says it was written."""
    return content[len(BOMS[style.encoding]) if style.bom else 0:].decode(style.encoding)


def live_tag(style: ConfigStyle, text: str) -> str:
    """The live managerAddress add element, however it is spelled."""
    tags = [tag for tag in re.findall(r"<add\b[^>]*>", re.sub(r"<!--.*?-->", "", text, flags=re.S)) if "managerAddress" in tag]
    assert len(tags) == 1
    return tags[0]


@pytest.mark.parametrize(("style", "render", "old_address"), CASES)
def test_bom_is_written_only_when_asked(style: ConfigStyle, render: Renderer, old_address: str) -> None:
    content = render(style, ADDRESS)
    assert content.startswith(BOMS[style.encoding]) == style.bom
    assert style.bom or not any(content.startswith(bom) for bom in BOMS.values())


@pytest.mark.parametrize(("style", "render", "old_address"), CASES)
def test_declaration_names_the_encoding_of_the_bytes(style: ConfigStyle, render: Renderer, old_address: str) -> None:
    content = render(style, ADDRESS)
    text = text_of(style, content)
    assert text.startswith("<?xml ") == style.declaration
    assert text.startswith("<")
    if style.declaration:
        declared = re.match(r"<\?xml version=(['\"])1\.0\1 encoding=\1([^'\"]+)\1\?>", text).group(2)
        # A reader that knows only the declared name (and the BOM, for UTF-16) must get the same characters.
        assert content.decode(declared + "-sig" if declared == "utf-8" else declared) == text


@pytest.mark.parametrize(("style", "render", "old_address"), CASES)
def test_only_the_style_newline_is_used(style: ConfigStyle, render: Renderer, old_address: str) -> None:
    text = text_of(style, render(style, ADDRESS))
    assert text.endswith(style.newline)
    assert text.count(style.newline) >= 8
    assert "\r" not in text.replace("\r\n", "") and ("\r" not in text if style.newline == "\n" else "\n" not in text.replace("\r\n", ""))


@pytest.mark.parametrize(("style", "render", "old_address"), CASES)
def test_old_address_is_commented_out_before_the_live_one(style: ConfigStyle, render: Renderer, old_address: str) -> None:
    text = text_of(style, render(style, ADDRESS))
    if not style.commented_out_address:
        assert old_address not in text
        return
    assert text.count(old_address) == 1
    at = text.index(old_address)
    opened = text.rfind("<!--", 0, at)
    assert opened != -1 and "-->" not in text[opened:at] and "-->" in text[at:]
    assert "managerAddress" in text[opened:at]
    assert at < text.index(ADDRESS)


@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize(("style", "render", "old_address"), CASES)
def test_dotnet_reads_exactly_the_address(style: ConfigStyle, render: Renderer, old_address: str, address: str) -> None:
    assert read_app_setting(render(style, address), "managerAddress") == address


@given(style=st.sampled_from(AGENT_STYLES + CONSOLE_STYLES),
       address=st.text(st.characters(min_codepoint=0x20, exclude_categories=("Cs",), exclude_characters="\ufffe\uffff"), max_size=40))
def test_any_address_is_escaped_and_read_back_verbatim(style: ConfigStyle, address: str) -> None:
    render = render_console_config if style in CONSOLE_STYLES else render_agent_config
    assert read_app_setting(render(style, address), "managerAddress") == address


@pytest.mark.parametrize(("style", "render", "old_address"), CASES)
def test_rendering_follows_every_dimension_of_the_style(style: ConfigStyle, render: Renderer, old_address: str) -> None:
    text = text_of(style, render(style, ADDRESS))
    tag = live_tag(style, text)
    q, other = style.quote, '"' if style.quote == "'" else "'"
    assert f"{q}managerAddress{q}" in tag and other not in text
    assert (tag.index("value") < tag.index("key")) == style.value_first
    assert ("key = " in tag) == style.spaced_equals and (" = " in text) == style.spaced_equals
    assert (style.newline in tag) == style.multiline_tag
    assert tag.endswith(style.self_closing) and (" />" in text) == (style.self_closing == " />")
    assert f"{style.newline}{style.indent * 2}<add " in text
    assert f"{style.newline}{style.indent}<appSettings>" in text


@pytest.mark.parametrize("style", AGENT_STYLES, ids=lambda style: style.name)
def test_extra_keys_are_what_the_field_has(style: ConfigStyle) -> None:
    content = render_agent_config(style, ADDRESS)
    settings = read_app_settings(content)
    if style.extra_keys:
        assert settings == {"manageraddress": ADDRESS, "dnslookups": "true", "sdeventformat": "PROTOBUF"}
        assert re.search(r"<!-- <add key\s*=\s*.bindTo.", text_of(style, content))
    else:
        assert settings == {"manageraddress": ADDRESS}


def test_style_names_are_unique_and_found() -> None:
    names = [style.name for style in AGENT_STYLES + CONSOLE_STYLES]
    assert len(names) == len(set(names))
    assert all(style_by_name(style.name) is style for style in AGENT_STYLES + CONSOLE_STYLES)
    with pytest.raises(KeyError):
        style_by_name("no-such-style")


def test_catalogue_covers_every_dimension() -> None:
    assert len(AGENT_STYLES) >= 12 and 2 <= len(CONSOLE_STYLES) <= 3
    encodings = {(style.encoding, style.bom) for style in AGENT_STYLES}
    assert {("utf-8", True), ("utf-8", False), ("utf-16-le", True)} <= encodings
    assert {style.newline for style in AGENT_STYLES} == {"\r\n", "\n"}
    assert {style.quote for style in AGENT_STYLES} == {'"', "'"}
    assert {style.self_closing for style in AGENT_STYLES} == {"/>", " />"}
    assert {"  ", "    ", "\t"} <= {style.indent for style in AGENT_STYLES}
    for flag in ("declaration", "value_first", "commented_out_address", "extra_keys", "spaced_equals", "multiline_tag"):
        assert {getattr(style, flag) for style in AGENT_STYLES} == {True, False}, flag


@pytest.mark.parametrize("change", [{"encoding": "cp1252"}, {"newline": "\r"}, {"quote": "`"}, {"self_closing": ">"}, {"indent": "x"}])
def test_a_style_the_renderers_cannot_write_is_refused(change: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(AGENT_STYLES[0], **change)
