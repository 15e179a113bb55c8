# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The .NET config judge reads what ConfigurationManager.AppSettings would, and refuses what .NET refuses."""

from __future__ import annotations

import codecs
import time

import pytest

from tplab.dotnet_config import ConfigReadError, read_app_setting, read_app_settings

DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\r\n'


def config(app_settings: str, *, before: str = "", after: str = "") -> bytes:
    """A UTF-8 config whose appSettings holds ``app_settings``, with other sections around it."""
    return (f'{DECLARATION}<configuration>\r\n{before}  <appSettings>\r\n{app_settings}\r\n  </appSettings>\r\n{after}</configuration>\r\n').encode()


def test_later_add_overrides_earlier_one_whatever_the_case() -> None:
    content = config('<add key="managerAddress" value="old-em:3741"/>\r\n<add key="MANAGERADDRESS" value="new-em:3741"/>')
    assert read_app_settings(content) == {"manageraddress": "new-em:3741"}
    assert read_app_setting(content, "managerAddress") == read_app_setting(content, "ManagerAddress") == "new-em:3741"


def test_remove_deletes_and_clear_empties() -> None:
    content = config('<add key="a" value="1"/><add key="b" value="2"/><add key="c" value="3"/><remove key="B"/><remove key="absent"/>')
    assert read_app_settings(content) == {"a": "1", "c": "3"}
    content = config('<add key="a" value="1"/><clear/><add key="b" value="2"/>')
    assert read_app_settings(content) == {"b": "2"}
    assert read_app_setting(content, "a") is None


def test_comments_are_ignored() -> None:
    content = config('<!-- <add key="managerAddress" value="old-em:3741"/> -->\r\n<add key="managerAddress" value="new-em:3741"/>\r\n'
                     '<!--<add key="managerAddress" value="later-em:3741"/>-->')
    assert read_app_setting(content, "managerAddress") == "new-em:3741"


def test_value_is_unescaped_and_defaults_to_empty() -> None:
    content = config('<add key="a" value="x&amp;y&lt;&#x41;&quot;"/><add key="b"/>')
    assert read_app_settings(content) == {"a": 'x&y<A"', "b": ""}


def test_only_app_settings_counts() -> None:
    content = config('<add key="a" value="1"/>', before='  <connectionStrings><add name="managerAddress" connectionString="x"/></connectionStrings>\r\n',
                     after='  <log4net><add key="managerAddress" value="wrong"/></log4net>\r\n')
    assert read_app_settings(content) == {"a": "1"}


def test_no_app_settings_is_empty() -> None:
    assert read_app_settings(b"<configuration><startup/></configuration>") == {}
    assert read_app_setting(b"<configuration/>", "managerAddress") is None


def test_dtd_is_refused() -> None:
    content = b'<?xml version="1.0"?>\n<!DOCTYPE configuration>\n<configuration><appSettings/></configuration>'
    with pytest.raises(ConfigReadError, match="DTD is prohibited"):
        read_app_settings(content)


def test_billion_laughs_is_refused_quickly() -> None:
    entities = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)]
    content = ('<?xml version="1.0"?>\n<!DOCTYPE configuration [\n' + "\n".join(entities) + ']>\n'
               '<configuration><appSettings><add key="a" value="&lol9;"/></appSettings></configuration>').encode()
    started = time.perf_counter()
    with pytest.raises(ConfigReadError, match="DTD is prohibited"):
        read_app_settings(content)
    assert time.perf_counter() - started < 1


def test_malformed_xml_is_refused_with_its_position() -> None:
    content = b'<configuration>\n  <appSettings>\n    <add key="a" value="1">\n  </appSettings>\n</configuration>\n'
    with pytest.raises(ConfigReadError) as caught:
        read_app_settings(content)
    assert (caught.value.line, caught.value.column) == (4, 5)
    assert "line 4, position 5" in str(caught.value)


@pytest.mark.parametrize("content", [
    b"",
    b"<configuration>",
    b'<configuration><appSettings><add key="a" value="&undefined;"/></appSettings></configuration>',
    b'<configuration><appSettings><add key="a" value="1" value="2"/></appSettings></configuration>',
    b"<configuration/><configuration/>",
], ids=["empty", "unclosed", "undefined-entity", "duplicate-attribute", "two-roots"])
def test_not_well_formed_is_refused(content: bytes) -> None:
    with pytest.raises(ConfigReadError):
        read_app_settings(content)


@pytest.mark.parametrize(("content", "message"), [
    (config('<add key="a" value="1"/>', after='  <appSettings><add key="a" value="2"/></appSettings>\r\n'), "Sections must only appear once"),
    (config("", before="  <startup/>\r\n", after="  <startup/>\r\n"), "Sections must only appear once"),
    (config("", before="  <startup/>\r\n  <configSections/>\r\n"), "must be the first child"),
    (b"<appSettings/>", "root element must be 'configuration'"),
    (config('<add key="a" value="1"/><set key="b" value="2"/>'), "Unrecognized element 'set'"),
    (config('<add key="a" value="1" comment="old"/>'), "Unrecognized attribute 'comment'"),
    (config('<add Key="a" value="1"/>'), "Unrecognized attribute 'Key'"),
    (config('<add value="1"/>'), "Required attribute 'key'"),
    (config('<add key="a" value="1"/>managerAddress'), "cannot contain a CDATA or text element"),
], ids=["two-app-settings", "two-startups", "config-sections-not-first", "wrong-root", "unknown-item", "unknown-attribute",
        "attribute-case", "missing-key", "text"])
def test_what_the_configuration_system_refuses(content: bytes, message: str) -> None:
    with pytest.raises(ConfigReadError, match=message):
        read_app_settings(content)


def test_config_sections_first_and_locations_repeated_are_fine() -> None:
    content = config('<add key="a" value="1"/>', before="  <configSections/>\r\n  <location/>\r\n", after="  <location/>\r\n")
    assert read_app_settings(content) == {"a": "1"}


UTF16_DOCUMENT = '<configuration>\r\n  <appSettings>\r\n    <add key="managerAddress" value="em-é:3741"/>\r\n  </appSettings>\r\n</configuration>\r\n'


@pytest.mark.parametrize("declaration", [True, False], ids=["declared", "undeclared"])
@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_is_detected_with_or_without_bom(encoding: str, bom: bool, declaration: bool) -> None:
    text = ('<?xml version="1.0" encoding="utf-16"?>\r\n' if declaration else "") + UTF16_DOCUMENT
    content = ({"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[encoding] if bom else b"") + text.encode(encoding)
    assert read_app_setting(content, "managerAddress") == "em-é:3741"


def test_utf8_bom_and_no_declaration_is_utf8() -> None:
    content = codecs.BOM_UTF8 + UTF16_DOCUMENT.encode()
    assert read_app_setting(content, "managerAddress") == "em-é:3741"
    assert read_app_setting(UTF16_DOCUMENT.encode(), "managerAddress") == "em-é:3741"


def test_windows_1252_declared_file_is_decoded_as_declared() -> None:
    body = '<configuration><appSettings><add key="site" value="Zürich – Genève"/></appSettings></configuration>'
    content = ('<?xml version="1.0" encoding="windows-1252"?>' + body).encode("cp1252")
    assert read_app_setting(content, "site") == "Zürich – Genève"
    # A UTF-8 BOM does not stop XmlTextReader from switching to the declared encoding.
    assert read_app_setting(codecs.BOM_UTF8 + content, "site") == "Zürich – Genève"
    with pytest.raises(ConfigReadError, match="Invalid character"):
        read_app_settings(body.encode("cp1252"))


@pytest.mark.parametrize(("content", "message"), [
    (codecs.BOM_UTF8 + b'<?xml version="1.0" encoding="utf-16"?><configuration/>', "no Unicode byte order mark"),
    (b'<?xml version="1.0" encoding="UTF-16"?><configuration/>', "no Unicode byte order mark"),
    ('<?xml version="1.0" encoding="utf-8"?><configuration/>'.encode("utf-16"), "declares encoding 'utf-8'"),
    (b'<?xml version="1.0" encoding="klingon"?><configuration/>', "does not support 'klingon'"),
    (codecs.BOM_UTF8 + b'<configuration><appSettings><add key="a" value="\xe9"/></appSettings></configuration>', "Invalid character"),
], ids=["utf8-bom-declares-utf16", "no-bom-declares-utf16", "utf16-declares-utf8", "unknown-encoding", "invalid-utf8"])
def test_encoding_contradictions_are_refused(content: bytes, message: str) -> None:
    with pytest.raises(ConfigReadError, match=message):
        read_app_settings(content)
