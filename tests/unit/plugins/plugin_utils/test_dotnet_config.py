# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared .NET config reader: the offsets the editor splices on, the decoding, and the refusals both readers rely on."""

from __future__ import annotations

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._dotnet_config import (
    DotnetConfigError,
    children_named,
    decode_config,
    first_nested,
    lines,
    parse,
    read_configuration,
    safe_parser,
)

# Multi-byte characters before the elements: a byte offset taken for a character offset would land mid-text.
TEXT = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    "<configuration>\n"
    "  <!-- é€😀 -->\n"
    '  <appSettings>\n'
    '    <add key="ü" value="ß"/>\n'
    "    <!-- <add key='x' value='y'/> -->\n"
    "  </appSettings>\n"
    "  <a><b><appSettings/></b></a>\n"
    "</configuration>\n"
)


def test_elements_and_comments_carry_character_offsets_and_lines() -> None:
    """Each offset must index the text itself, so that a splice by offset touches exactly that tag or comment."""
    root = parse(TEXT)
    section = children_named(root, "appSettings")[0]
    add = section.children[0]
    assert (root.name, root.line, root.parent) == ("configuration", 2, "")
    assert TEXT[root.comments[0].start:].startswith("<!-- é€😀 -->") and root.comments[0].line == 3
    assert TEXT[section.start:].startswith("<appSettings>") and section.line == 4 and section.parent == "configuration"
    assert TEXT[add.start:].startswith('<add key="ü"') and add.attrs == {"key": "ü", "value": "ß"} and add.line == 5
    assert TEXT[section.comments[0].start:].startswith("<!-- <add key='x'") and section.comments[0].line == 6
    assert TEXT[section.close:].startswith("</appSettings>")


def test_lookups_see_direct_children_and_nested_ones_in_document_order() -> None:
    root = parse(TEXT)
    assert [element.line for element in children_named(root, "appSettings")] == [4]
    assert children_named(root, "connectionStrings") == []
    nested = first_nested(root.children[1], "appSettings")
    assert nested is not None and (nested.line, nested.parent) == (8, "b")
    assert first_nested(root, "missing") is None
    assert lines(root.children) == "4, 8"


@pytest.mark.parametrize(("content", "encoding", "bom", "newline"), [
    (b'<?xml version="1.0"?>\r\n<configuration/>\r\n', "utf-8", b"", "\r\n"),
    (b"\xef\xbb\xbf<configuration/>\n", "utf-8", b"\xef\xbb\xbf", "\n"),
    ("\ufeff<configuration/>\r\n".encode("utf-16-le"), "utf-16-le", b"\xff\xfe", "\r\n"),
    ("<configuration/>".encode("utf-16-be"), "utf-16-be", b"", "\n"),
    ('<?xml version="1.0" encoding="windows-1252"?><configuration/>'.encode("cp1252"), "cp1252", b"", "\n"),
])
def test_decoding_follows_bom_zero_bytes_and_declaration(content: bytes, encoding: str, bom: bytes, newline: str) -> None:
    decoded, root = read_configuration(content)
    assert (decoded.encoding, decoded.bom, decoded.newline, root.name) == (encoding, bom, newline, "configuration")


def test_decoded_text_starts_after_the_bom_so_offsets_map_back_to_bytes() -> None:
    """The editor adds len(bom) to every encoded offset: the BOM must not be part of the text."""
    content = "\ufeff<configuration>é</configuration>".encode("utf-16-le")
    decoded = decode_config(content)
    assert decoded.text == "<configuration>é</configuration>" and decoded.bom == b"\xff\xfe"
    offset = decoded.text.index("é")
    assert content[len(decoded.bom) + len(decoded.text[:offset].encode(decoded.encoding)):].decode(decoded.encoding).startswith("é")


@pytest.mark.parametrize(("content", "message"), [
    (b'<?xml version="1.0" encoding="utf-16"?><configuration/>', r'encoding="utf-16", but the file has no byte-order mark'),
    (b'<?xml version="1.0" encoding="shift_jis"?><configuration/>', 'unsupported encoding "shift_jis"'),
    (b"\xef\xbb\xbf<?xml version='1.0' encoding='latin1'?><configuration/>", "correct the declaration to encoding=\"utf-8\""),
    (b"<configuration>\xff</configuration>", "the byte at offset 15 cannot be decoded"),
    (b"<settings/>", r"the root element is <settings>, not <configuration>"),
    (b"<configuration><a></configuration>", r"not well-formed XML \(mismatched tag\) at line 1, column 21"),
])
def test_files_dotnet_would_refuse_are_refused(content: bytes, message: str) -> None:
    with pytest.raises(DotnetConfigError, match=message):
        read_configuration(content)


@pytest.mark.parametrize("content", [
    b'<!DOCTYPE configuration><configuration/>',
    b'<!DOCTYPE configuration SYSTEM "http://example.invalid/x.dtd"><configuration/>',
    b'<!DOCTYPE c [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><configuration>&b;</configuration>',
])
def test_dtds_and_entity_declarations_are_refused_before_any_expansion(content: bytes) -> None:
    """A tampered file could expand entities without bound or pull in outside text; the reader must never do either."""
    with pytest.raises(DotnetConfigError, match="DTDs and entity declarations are not allowed"):
        read_configuration(content)


def test_the_fragment_parser_is_as_strict_as_the_file_parser() -> None:
    """The editor parses commented-out elements with safe_parser: it must refuse a DTD just as the whole file does."""
    parser = safe_parser()
    with pytest.raises(DotnetConfigError, match="on line 1"):
        parser.Parse(b'<!DOCTYPE add [<!ENTITY e "x">]><add key="k" value="&e;"/>', True)
