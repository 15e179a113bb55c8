# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the byte-preserving app.config editor, on variants seen in the field."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from tplab import dotnet_config
from tplab.config_variants import AGENT_STYLES, CONSOLE_STYLES, ConfigStyle, render_agent_config, render_console_config

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._app_config import (
    AppConfigError,
    decode_config,
    read_app_setting,
    set_app_setting,
)

BOM8 = b"\xef\xbb\xbf"
BOM16LE = b"\xff\xfe"
BOM16BE = b"\xfe\xff"
MARK = "@V@"  # where the live value's raw text goes in a template


@dataclass(frozen=True)
class Variant:  # pylint: disable=too-many-instance-attributes
    """A config file as found on a host: template text, how it is stored, and its live value."""

    name: str
    template: str
    raw: str
    expected: str
    encoding: str = "utf-8"
    bom: bytes = b""
    new: str = "10.20.30.40:3741"
    key: str = "managerAddress"

    def bytes_with(self, raw: str) -> bytes:
        return self.bom + self.template.replace(MARK, raw).encode(self.encoding)

    def value_span(self) -> tuple[int, int]:
        """Byte offsets of the live value in the original file, computed independently of the module."""
        before, after = self.template.split(MARK)
        start = len(self.bom) + len(before.encode(self.encoding))
        return start, len(self.bytes_with(self.raw)) - len(after.encode(self.encoding))


SAMPLE = (
    '<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <appSettings>\n'
    '    <add key="managerAddress" value="@V@"/>\n    <!-- <add key="bindTo" value="10.0.0.5"/> -->\n'
    '    <add key="dnsLookups" value="true"/>\n  </appSettings>\n</configuration>\n'
)


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


VARIANTS = [
    Variant("sample-utf8-lf", SAMPLE, "192.168.189.135:3741", "192.168.189.135:3741"),
    Variant("utf8-bom-crlf", _crlf(SAMPLE), "192.168.189.135:3741", "192.168.189.135:3741", bom=BOM8),
    Variant(
        "utf16le-bom-crlf", _crlf(SAMPLE.replace('encoding="utf-8"', 'encoding="utf-16"')), "em01:3741", "em01:3741",
        encoding="utf-16-le", bom=BOM16LE,
    ),
    Variant(
        "utf16be-bom-lf-no-declaration", SAMPLE.split("\n", 1)[1], "em01.corp.local", "em01.corp.local", encoding="utf-16-be", bom=BOM16BE,
        new="em02.corp.local:3741",
    ),
    Variant(
        "utf16le-no-bom", SAMPLE.replace('encoding="utf-8"', 'encoding="utf-16"'), "1.2.3.4", "1.2.3.4", encoding="utf-16-le",
    ),
    Variant(
        "mixed-newlines",
        '<?xml version="1.0"?>\r\n<configuration>\n  <appSettings>\r\n    <add key="managerAddress" value="@V@" />\n'
        "  </appSettings>\r\n</configuration>",
        "10.0.0.1:3741", "10.0.0.1:3741",
    ),
    Variant(
        "single-quotes-value-first",
        "<configuration>\n  <appSettings>\n    <add value='@V@' key='managerAddress'/>\n  </appSettings>\n</configuration>\n",
        "host:3741", "host:3741", new="it's \"quoted\" & <odd>",
    ),
    Variant(
        "spaces-around-equals-tag-across-lines-tabs",
        "<configuration>\n\t<appSettings>\n\t\t<add\n\t\t\tkey = \"managerAddress\"\n\t\t\tvalue\t=\t\"@V@\"\n\t\t/>\n"
        "\t</appSettings>\n</configuration>\n",
        "em.example.com", "em.example.com",
    ),
    Variant(
        "commented-out-key-before-live-one",
        "<configuration>\n  <appSettings>\n    <!-- <add key=\"managerAddress\" value=\"old.example.com:3741\"/> -->\n"
        '    <add key="managerAddress" value="@V@"/>\n  </appSettings>\n</configuration>\n',
        "new.example.com:3741", "new.example.com:3741",
    ),
    Variant(
        "comment-containing-appsettings",
        "<configuration>\n  <!-- <appSettings><add key=\"managerAddress\" value=\"decoy\"/></appSettings> -->\n"
        '  <appSettings>\n    <add key="managerAddress" value="@V@"/>\n  </appSettings>\n</configuration>\n',
        "real:3741", "real:3741",
    ),
    Variant(
        "cdata-and-processing-instructions",
        '<?xml version="1.0" encoding="utf-8"?>\n<?xml-stylesheet type="text/xsl" href="x.xsl"?>\n<configuration>\n'
        '  <startup><supportedRuntime version="v4.0"/><![CDATA[<appSettings><add key="managerAddress" value="cdata"/>]]></startup>\n'
        '  <appSettings>\n    <?tp note?>\n    <add key="managerAddress" value="@V@"/>\n  </appSettings>\n</configuration>\n',
        "10.1.1.1", "10.1.1.1",
    ),
    Variant(
        "empty-value-single-quoted",
        "<configuration>\n  <appSettings>\n    <add key='managerAddress' value=''/>\n  </appSettings>\n</configuration>\n".replace(
            "value=''", "value='@V@'"),
        "", "",
    ),
    Variant(
        "escaped-ampersand",
        '<configuration>\n  <appSettings>\n    <add key="managerAddress" value="@V@"/>\n  </appSettings>\n</configuration>\n',
        "a&amp;b&lt;c&#x41;", "a&b<cA", new="a&b<cA!",
    ),
    Variant(
        "key-in-other-casing",
        '<configuration>\n  <appSettings>\n    <add key="ManagerAddress" value="@V@"/>\n  </appSettings>\n</configuration>\n',
        "em:3741", "em:3741", key="MANAGERaddress",
    ),
    Variant(
        "other-sections-with-same-key",
        '<configuration>\n  <configSections>\n    <section name="tp" type="System.Configuration.NameValueSectionHandler"/>\n'
        '  </configSections>\n  <tp>\n    <add key="managerAddress" value="wrong1"/>\n  </tp>\n'
        '  <location path="."><appSettings><add key="managerAddress" value="wrong2"/></appSettings></location>\n'
        '  <appSettings>\n    <add key="managerAddress" value="@V@"/>\n'
        "  </appSettings>\n</configuration>\n",
        "right:3741", "right:3741",
    ),
    Variant(
        "ipv6-value",
        '<configuration>\n  <appSettings>\n    <add key="managerAddress" value="@V@"/>\n  </appSettings>\n</configuration>\n',
        "[fd00::10]:3741", "[fd00::10]:3741", new="[2001:db8::1]:3741",
    ),
    Variant(
        "windows-1252-declared-with-accents",
        '<?xml version="1.0" encoding="Windows-1252"?>\r\n<configuration>\r\n  <!-- Agent für Zürich – €uro -->\r\n'
        '  <appSettings>\r\n    <add key="managerAddress" value="@V@"/>\r\n  </appSettings>\r\n</configuration>\r\n',
        "zürich-em:3741", "zürich-em:3741", encoding="cp1252", new="genève-em:3741",
    ),
    Variant(
        "utf8-multibyte-before-value",
        '<configuration>\n  <!-- ✓ 𝄞 日本 -->\n  <appSettings>\n    <add key="dns" value="ñ"/>\n'
        '    <add key="managerAddress" value="@V@"/>\n  </appSettings>\n</configuration>\n',
        "東京:3741", "東京:3741", new="𝄞.example:1",
    ),
    Variant(
        "us-ascii-declared",
        "<?xml version='1.0' encoding='us-ascii'?>\n<configuration><appSettings><add key=\"managerAddress\" value=\"@V@\"></add>"
        "</appSettings></configuration>",
        "ascii.example", "ascii.example",
        encoding="ascii",
    ),
    Variant(
        "namespace-and-non-self-closing-add",
        '<configuration xmlns="http://schemas.microsoft.com/.NetConfiguration/v2.0">\n  <appSettings>\n'
        '    <add key="managerAddress" value="@V@" ></add>\n    <add key="other" value="x" />\n  </appSettings>\n</configuration>\n',
        "v:1", "v:1",
    ),
    Variant(
        "raw-gt-and-apos-in-value",
        '<configuration>\n  <appSettings>\n    <add key="managerAddress" value="@V@"/>\n  </appSettings>\n</configuration>\n',
        "a>b'c", "a>b'c", new="a>b'c2",
    ),
]


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parsed_value(content: bytes, encoding: str, bom: bytes, key: str = "managerAddress") -> str | None:
    """The value as the standard library's ElementTree sees it, independent of the module under test."""
    root = ET.fromstring(content[len(bom):].decode(encoding))
    sections = [child for child in root if _local(child.tag) == "appSettings"]
    assert len(sections) == 1
    adds = [add for add in sections[0] if _local(add.tag) == "add"]
    values = [add.get("value") for add in adds if add.get("key", "").lower() == key.lower()]
    assert len(values) <= 1
    return values[0] if values else None


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_read_returns_live_value(variant: Variant) -> None:
    content = variant.bytes_with(variant.raw)
    assert read_app_setting(content, variant.key) == variant.expected
    assert dotnet_config.read_app_setting(content, variant.key) == variant.expected


@pytest.mark.parametrize("style", AGENT_STYLES + CONSOLE_STYLES, ids=lambda s: s.name)
def test_lab_styles_edit_to_exactly_the_freshly_rendered_file(style: ConfigStyle) -> None:
    render = render_agent_config if style in AGENT_STYLES else render_console_config
    edit = set_app_setting(render(style, "old-em.corp.local:3741"), "managerAddress", "[fd00::10]:3741")
    assert edit.content == render(style, "[fd00::10]:3741")
    assert dotnet_config.read_app_setting(edit.content, "managerAddress") == "[fd00::10]:3741"


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_set_changes_only_the_value_bytes(variant: Variant) -> None:
    old = variant.bytes_with(variant.raw)
    start, end = variant.value_span()
    edit = set_app_setting(old, variant.key, variant.new)
    new = edit.content
    assert edit.changed and not edit.added
    assert edit.previous_value == variant.expected
    assert edit.value == variant.new
    assert (edit.encoding, edit.bom) == (variant.encoding, bool(variant.bom))
    assert new[:start] == old[:start]
    assert new[len(new) - (len(old) - end):] == old[end:]
    assert _parsed_value(new, variant.encoding, variant.bom) == variant.new
    assert read_app_setting(new, variant.key) == variant.new
    assert dotnet_config.read_app_setting(new, variant.key) == variant.new


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_second_set_is_a_no_op(variant: Variant) -> None:
    first = set_app_setting(variant.bytes_with(variant.raw), variant.key, variant.new).content
    again = set_app_setting(first, variant.key, variant.new)
    assert not again.changed and not again.added
    assert again.content is first
    assert again.previous_value == variant.new


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_setting_current_value_is_a_no_op(variant: Variant) -> None:
    old = variant.bytes_with(variant.raw)
    edit = set_app_setting(old, variant.key, variant.expected)
    assert not edit.changed
    assert edit.content is old


@pytest.mark.parametrize(
    ("quote", "value", "raw"),
    [
        ('"', "it's \"quoted\" & <odd>", "it's &quot;quoted&quot; &amp; &lt;odd&gt;"),
        ("'", "it's \"quoted\" & <odd>", "it&apos;s \"quoted\" &amp; &lt;odd&gt;"),
        ('"', "tab\there\nline\r", "tab&#9;here&#10;line&#13;"),
    ],
)
def test_new_value_is_escaped_for_the_existing_quote(quote: str, value: str, raw: str) -> None:
    old = f"<configuration><appSettings><add key={quote}managerAddress{quote} value={quote}x{quote}/></appSettings></configuration>"
    edit = set_app_setting(old.encode(), "managerAddress", value)
    assert edit.content == old.replace(f"value={quote}x{quote}", f"value={quote}{raw}{quote}").encode()
    assert read_app_setting(edit.content, "managerAddress") == value


def test_value_comparison_is_case_sensitive() -> None:
    old = b'<configuration><appSettings><add key="managerAddress" value="EM01:3741"/></appSettings></configuration>'
    edit = set_app_setting(old, "managerAddress", "em01:3741")
    assert edit.changed
    assert edit.content == old.replace(b"EM01", b"em01")


@pytest.mark.parametrize(
    ("content", "encoding", "bom", "newline"),
    [
        (BOM8 + b"<a/>\r\n", "utf-8", BOM8, "\r\n"),
        (BOM16LE + "<a/>\n".encode("utf-16-le"), "utf-16-le", BOM16LE, "\n"),
        (BOM16BE + "<a/>".encode("utf-16-be"), "utf-16-be", BOM16BE, "\n"),
        ("<?xml version='1.0'?><a/>".encode("utf-16-be"), "utf-16-be", b"", "\n"),
        ("<a/>".encode("utf-16-le"), "utf-16-le", b"", "\n"),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<a>\xe9</a>\n\r\n', "iso-8859-1", b"", "\n"),
        (b'<?xml version="1.0"?>\n<a>\r\n</a>', "utf-8", b"", "\r\n"),
        (b"<?xml version='1.0' encoding = 'latin1' ?><a/>", "iso-8859-1", b"", "\n"),
        (b'<?xml version="1.0" encoding="cp1252"?>\r\n<a/>\r\n<b/>\n', "cp1252", b"", "\r\n"),
        (b'<?xml version="1.0" encoding="ASCII"?><a/>', "ascii", b"", "\n"),
        (b"<a/>", "utf-8", b"", "\n"),
    ],
)
def test_decode_config_detects_encoding_and_newline(content: bytes, encoding: str, bom: bytes, newline: str) -> None:
    decoded = decode_config(content)
    assert (decoded.encoding, decoded.bom, decoded.newline) == (encoding, bom, newline)
    assert decoded.text == content[len(bom):].decode(encoding)
    assert not decoded.text.startswith("\ufeff")


def _config(inner: str) -> bytes:
    return f"<configuration>\n{inner}\n</configuration>\n".encode()


ADD = '<add key="managerAddress" value="em:3741"/>'


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"<configuration><appSettings></configuration>", r"not well-formed XML \(mismatched tag\) at line 1, column 31; "
                     r"repair it or restore it from a backup", id="malformed"),
        pytest.param(b"", r"not well-formed XML .* at line 1", id="empty-file"),
        pytest.param(b'<?xml version="1.0"?>\n<!DOCTYPE configuration>\n<configuration><appSettings/></configuration>',
                     r"DTD or entity declaration on line 2: DTDs and entity declarations are not allowed in a \.NET config file; "
                     "the file may have been tampered with; inspect it", id="doctype"),
        pytest.param(b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n <!ENTITY lol2 "&lol;&lol;&lol;&lol;">\n]>\n'
                     b"<configuration><appSettings><add key='managerAddress' value='&lol2;'/></appSettings></configuration>",
                     "DTDs and entity declarations are not allowed", id="billion-laughs"),
        pytest.param(b"<configuration><appSettings><add key='managerAddress' value='&xxe;'/></appSettings></configuration>",
                     r"undefined entity", id="undefined-entity"),
        pytest.param(_config("  <startup/>"), r"no <appSettings> section directly under <configuration>; check that this is the right file",
                     id="no-appsettings"),
        pytest.param(_config(f"  <appSettings>{ADD}</appSettings>\n  <appSettings/>"),
                     r"<appSettings> appears 2 times under <configuration> \(lines 2, 3\); \.NET refuses duplicate sections",
                     id="two-appsettings"),
        pytest.param(_config(f"  <location path='.'>\n    <appSettings>{ADD}</appSettings>\n  </location>"),
                     r"no <appSettings> section directly under <configuration> \(the one on line 3 is inside <location>\)",
                     id="appsettings-not-under-configuration"),
        pytest.param(f"<settings><appSettings>{ADD}</appSettings></settings>".encode(),
                     r"root element is <settings>, not <configuration>", id="wrong-root"),
        pytest.param(_config(f"  <appSettings>\n    {ADD}\n    {ADD}\n  </appSettings>"),
                     r'duplicate key "managerAddress" in <appSettings> \(lines 3, 4; .*\); remove the extra one', id="duplicate-key"),
        pytest.param(_config(f"  <appSettings>\n    {ADD}\n    <add key='MANAGERADDRESS' value='x'/>\n  </appSettings>"),
                     r'duplicate key "managerAddress" in <appSettings> \(lines 3, 4; keys compare case-insensitively\)',
                     id="duplicate-key-other-case"),
        pytest.param(_config("  <appSettings>\n    <add key='managerAddress'/>\n  </appSettings>"),
                     r'<add key="managerAddress"> on line 3 has no value attribute', id="add-without-value"),
        pytest.param(_config('  <appSettings configSource="appSettings.config"/>'),
                     r'configSource="appSettings\.config": its settings live in that file', id="config-source"),
        pytest.param(_config('  <appSettings file="site.config"><add key="other" value="1"/></appSettings>'),
                     r'the key "managerAddress" is missing .* file="site\.config"; that file may hold the key', id="file-attribute"),
        pytest.param(_config(f"  <appSettings>\n    {ADD}\n    <clear />\n  </appSettings>"),
                     r"<clear> on line 4 discards \"managerAddress\"", id="clear-after-key"),
        pytest.param(_config(f"  <appSettings>\n    {ADD}\n    <remove key='ManagerAddress'/>\n  </appSettings>"),
                     r"<remove> on line 4 discards \"managerAddress\"", id="remove-after-key"),
        pytest.param(b'<?xml version="1.0" encoding="ebcdic-cp-us"?><configuration/>',
                     r'unsupported encoding "ebcdic-cp-us" in the XML declaration', id="unknown-encoding"),
        pytest.param(b'<?xml version="1.0" encoding="utf-16"?><configuration/>',
                     r'says encoding="utf-16", but the file has no byte-order mark and is 8-bit text', id="utf16-declared-8bit"),
        pytest.param(b"<configuration><appSettings><add key='managerAddress' value='\xff\xfe'/></appSettings></configuration>",
                     r"not valid utf-8: the byte at offset 61 cannot be decoded", id="undecodable-utf8"),
        pytest.param(BOM16BE + '<?xml version="1.0" encoding="utf-8"?><configuration/>'.encode("utf-16-be"),
                     r'the file is utf-16-be by its byte-order mark, but its XML declaration says encoding="utf-8"', id="utf16-bom-declares-utf8"),
        pytest.param('<?xml version="1.0" encoding="us-ascii"?><configuration/>'.encode("utf-16-le"),
                     r'the file is utf-16-le by its first bytes, but its XML declaration says encoding="us-ascii"', id="utf16-declares-ascii"),
        pytest.param(BOM8 + b'<?xml version="1.0" encoding="windows-1252"?><configuration/>',
                     r'the file is utf-8 by its byte-order mark, but .* encoding="windows-1252", which \.NET would refuse or decode differently',
                     id="utf8-bom-declares-cp1252"),
        pytest.param(BOM16LE + b"<\x00a", r"not valid utf-16-le: the byte at offset 4 cannot be decoded", id="odd-length-utf16"),
        pytest.param(b'<?xml version="1.0" encoding="windows-1252"?><configuration>\x81</configuration>',
                     r"not valid cp1252", id="undecodable-cp1252"),
    ],
)
def test_refusals_name_the_problem(content: bytes, message: str) -> None:
    with pytest.raises(AppConfigError, match=message):
        read_app_setting(content, "managerAddress")
    with pytest.raises(AppConfigError, match=message):
        set_app_setting(content, "managerAddress", "em:3741", add_if_missing=True)


def test_remove_before_the_key_does_not_mask_it() -> None:
    content = _config(f"  <appSettings>\n    <clear/>\n    <remove key='managerAddress'/>\n    {ADD}\n  </appSettings>")
    assert read_app_setting(content, "managerAddress") == "em:3741"


def test_missing_key_without_insert_is_refused() -> None:
    content = _config('  <appSettings>\n    <add key="other" value="1"/>\n  </appSettings>')
    assert read_app_setting(content, "managerAddress") is None
    with pytest.raises(AppConfigError, match=r'no <add key="managerAddress"> in <appSettings> \(line 2\): the key is missing'):
        set_app_setting(content, "managerAddress", "em:3741")


def test_value_not_representable_in_file_encoding() -> None:
    content = b"<?xml version='1.0' encoding='us-ascii'?><configuration><appSettings><add key='managerAddress' value='x'/></appSettings></configuration>"
    with pytest.raises(AppConfigError, match=r"'é' cannot be written to this file, whose encoding is ascii"):
        set_app_setting(content, "managerAddress", "café")


@pytest.mark.parametrize("value", ["nul\x00", "bell\x07", "\ufffe", "lone\ud800"])
def test_value_xml_cannot_store_is_refused(value: str) -> None:
    content = _config(f"  <appSettings>{ADD}</appSettings>")
    with pytest.raises(AppConfigError, match="which XML 1.0 cannot store"):
        set_app_setting(content, "managerAddress", value)


def test_insert_after_last_sibling_copies_its_style() -> None:
    old = (
        "<configuration>\r\n\t<appSettings>\r\n\t\t<add key='dnsLookups' value='true'/>\r\n"
        "\t\t<!-- note -->\r\n\t\t<add value='1' key='other'/>\r\n\t</appSettings>\r\n</configuration>\r\n"
    ).encode()
    edit = set_app_setting(old, "managerAddress", "em&co:3741", add_if_missing=True)
    assert (edit.added, edit.changed, edit.previous_value, edit.value) == (True, True, None, "em&co:3741")
    assert edit.content == old.replace(
        b"<add value='1' key='other'/>", b"<add value='1' key='other'/>\r\n\t\t<add key='managerAddress' value='em&amp;co:3741'/>"
    )
    assert set_app_setting(edit.content, "managerAddress", "em&co:3741").content is edit.content


def test_insert_after_non_self_closing_sibling() -> None:
    old = b'<configuration>\n    <appSettings>\n        <add key="a" value="1"></add>\n    </appSettings>\n</configuration>\n'
    edit = set_app_setting(old, "managerAddress", "em", add_if_missing=True)
    assert edit.content == old.replace(b"</add>", b'</add>\n        <add key="managerAddress" value="em" />')


def test_insert_without_siblings_indents_one_unit_deeper() -> None:
    old = b'<?xml version="1.0"?>\n<configuration>\n    <startup>\n    </startup>\n    <appSettings>\n    </appSettings>\n</configuration>\n'
    edit = set_app_setting(old, "managerAddress", "em:3741", add_if_missing=True)
    assert edit.content == old.replace(b"<appSettings>\n", b'<appSettings>\n        <add key="managerAddress" value="em:3741" />\n')


@pytest.mark.parametrize("tag", ["<appSettings/>", "<appSettings />"])
def test_insert_expands_self_closing_appsettings(tag: str) -> None:
    old = f"<configuration>\r\n  <startup/>\r\n  {tag}\r\n</configuration>\r\n".encode()
    edit = set_app_setting(old, "managerAddress", "em:3741", add_if_missing=True)
    expected = '<appSettings>\r\n    <add key="managerAddress" value="em:3741" />\r\n  </appSettings>'
    assert edit.content == old.replace(tag.encode(), expected.encode())
    assert read_app_setting(edit.content, "managerAddress") == "em:3741"


def test_insert_moves_closing_tag_on_same_line_to_its_own_line() -> None:
    old = b"<configuration>\n\t<appSettings>  </appSettings>\n</configuration>"
    edit = set_app_setting(old, "managerAddress", "em", add_if_missing=True)
    assert edit.content == b'<configuration>\n\t<appSettings>\n\t\t<add key="managerAddress" value="em" />\n\t</appSettings>\n</configuration>'


def test_insert_in_utf16_with_bom() -> None:
    text = ('<?xml version="1.0" encoding="utf-16"?>\r\n<configuration>\r\n  <appSettings>\r\n    <add key="a" value="b" />\r\n'
            "  </appSettings>\r\n</configuration>\r\n")
    old = BOM16LE + text.encode("utf-16-le")
    edit = set_app_setting(old, "managerAddress", "[fd00::10]:3741", add_if_missing=True)
    expected = text.replace('<add key="a" value="b" />', '<add key="a" value="b" />\r\n    <add key="managerAddress" value="[fd00::10]:3741" />')
    assert edit.content == BOM16LE + expected.encode("utf-16-le")
    assert (edit.encoding, edit.bom, edit.added) == ("utf-16-le", True, True)
    assert _parsed_value(edit.content, "utf-16-le", BOM16LE) == "[fd00::10]:3741"


def test_inserted_key_is_escaped_and_checked_for_encoding() -> None:
    old = b"<?xml version='1.0' encoding='us-ascii'?><configuration><appSettings/></configuration>"
    edit = set_app_setting(old, 'a"<b', "v", add_if_missing=True)
    assert read_app_setting(edit.content, 'A"<B') == "v"
    with pytest.raises(AppConfigError, match="'ü' cannot be written"):
        set_app_setting(old, "schlüssel", "v", add_if_missing=True)
