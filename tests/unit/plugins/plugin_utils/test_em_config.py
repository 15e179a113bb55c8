# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for reading an EM's SQL connection and comparing two EMs, on configs as SIDBConfigMgr may write them."""

from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import assume, given, settings, strategies as st

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._em_config import (
    EmConfigError,
    EmDatabases,
    SqlTarget,
    compare_databases,
    read_databases,
)

BOM8 = b"\xef\xbb\xbf"
BOM16LE = b"\xff\xfe"
USER = "svc_tp_sql"
# Every credential the fixtures hold, and fragments of them: none may ever come back from the module.
PASSWORDS = ['Xy7Kq;Vw"Zr9P', "Qw3'rt;Zk", "Plain9Pass", "Err0rPass", "S3cret"]
SECRETS = [*PASSWORDS, "Xy7Kq", 'Vw"Zr9P', "Zr9P", "Qw3'rt", "rt;Zk", "Err0r", "S3cr", USER]

HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
BODY = (
    "<configuration>\n"
    "  <configSections>\n"
    '    <section name="log4net" type="log4net.Config.Log4NetConfigurationSectionHandler, log4net" />\n'
    "  </configSections>\n"
    "  <startup>\n"
    '    <supportedRuntime version="v4.0" sku=".NETFramework,Version=v4.7.2" />\n'
    "  </startup>\n"
    "  <connectionStrings>\n"
    "@ENTRIES@"
    "  </connectionStrings>\n"
    "  <appSettings>\n"
    '    <add key="AgentPort" value="3741" />\n'
    '    <add key="ConsolePort" value="3740" />\n'
    '    <add key="Pre735Port" value="0" />\n'
    "  </appSettings>\n"
    "</configuration>\n"
)
ENTRIES_LINE = BODY.split("\n").index("@ENTRIES@  </connectionStrings>") + 2  # line of the first entry, with HEAD


def em_config(*entries: str, head: str = HEAD, body: str = BODY, newline: str = "\r\n", encoding: str = "utf-8", bom: bytes = BOM8) -> bytes:
    """An SIEnterpriseManager.exe.config holding ``entries`` (raw XML lines) in <connectionStrings>."""
    text = head + body.replace("@ENTRIES@", "".join(f"    {entry}\n" for entry in entries))
    return bom + text.replace("\n", newline).encode(encoding)


def add(name: str, connection_string: str) -> str:
    """An <add> line for a raw connection string, escaped for XML independently of the module."""
    return f'<add name="{name}" connectionString={quoteattr(connection_string)} providerName="System.Data.SqlClient" />'


def em(*connection_strings: str) -> EmDatabases:
    """Read a config whose entries are the given connection strings (entry names are deliberately not database names)."""
    return read_databases(em_config(*(add(f"Connection{index}", text) for index, text in enumerate(connection_strings))))


def target(entry: str, server: str, database: str) -> SqlTarget:
    return SqlTarget(entry=entry, server=server, database=database)


SQL_AUTH = em_config(
    '<add name="NVMonitorConfig" connectionString="Data Source=sql01.corp.example,1433;Initial Catalog=NVMonitorConfig;'
    'User ID=svc_tp_sql;Password=&quot;Xy7Kq;Vw&quot;&quot;Zr9P&quot;;Persist Security Info=False" providerName="System.Data.SqlClient" />',
    "<add name='NVMonitorData' connectionString='Data Source=sql01.corp.example,1433;Initial Catalog=NVMonitorData;"
    'User ID=svc_tp_sql;Password="Xy7Kq;Vw""Zr9P"\' providerName=\'System.Data.SqlClient\' />',
)
INTEGRATED_UTF16 = em_config(
    add("EMConnection", "Server=tcp:sql01.corp.example,1433;Database=NVMonitorConfig;Integrated Security=True;Connect Timeout=30"),
    add("EventsConnection", "Server=tcp:sql01.corp.example,1433;Database=NVMonitorData;Integrated Security=True;Connect Timeout=30"),
    head='<?xml version="1.0" encoding="utf-16"?>\n', encoding="utf-16-le", bom=BOM16LE,
)
NAMED_INSTANCE = em_config(
    add("Config", r"Data Source=SQL01\TP;Initial Catalog=NVMonitorConfig;Integrated Security=SSPI"),
    add("Data", r"Data Source=SQL01\TP;Initial Catalog=NVMonitorData;Integrated Security=SSPI"),
    newline="\n", bom=b"",
)
SYNONYMS_ODD_CASE = em_config(
    add("Config", "ADDRESS=sql01,1433;DATABASE=NVMonitorConfig;uid=svc_tp_sql;PWD='Qw3''rt;Zk'"),
    add("Data", "  network address = sql01 ; iNiTiAl CaTaLoG = NVMonitorData ; user id=svc_tp_sql; pAsSwOrD=Plain9Pass ;"),
    add("Archive", "Addr=sql02;Initial Catalog=NVMonitorArchive;Trusted_Connection=yes"),
    add("Master", "Data Source=sql01;Integrated Security=True"),  # no database: not a target
)
ENTITY_FRAMEWORK = em_config(
    '<add name="NVMonitorEntities" connectionString="metadata=res://*/Model.csdl|res://*/Model.ssdl|res://*/Model.msl;'
    "provider=System.Data.SqlClient;provider connection string=&quot;data source=sql01,1433;initial catalog=NVMonitorConfig;"
    'user id=svc_tp_sql;password=Plain9Pass;MultipleActiveResultSets=True;App=EntityFramework&quot;" providerName="System.Data.EntityClient" />',
)
REMOVE_AND_CLEAR = em_config(
    add("Stale", "Data Source=sql99;Initial Catalog=NVMonitorConfig;Integrated Security=True"),
    "<clear />",
    add("LocalSqlServer", r"data source=.\SQLEXPRESS;Integrated Security=SSPI;AttachDBFilename=|DataDirectory|aspnetdb.mdf;User Instance=true"),
    '<remove name="localsqlserver" />',
    add("Previous", "Data Source=sql97;Initial Catalog=NVMonitorData;Integrated Security=True"),
    '<remove name="PREVIOUS" />',
    "<!-- " + add("Decoy", "Data Source=sql98;Initial Catalog=NVMonitorData;Integrated Security=True") + " -->",
    add("Config", "Data Source=sql01;Initial Catalog=NVMonitorConfig;Integrated Security=True"),
)
APP_SETTINGS_ONLY = em_config(
    body=BODY.replace("  <connectionStrings>\n@ENTRIES@  </connectionStrings>\n", "").replace(
        "  </appSettings>", '    <add key="SQLServer" value="sql09" />\n    <add key="Database" value="NVMonitorConfig" />\n  </appSettings>'),
)
PROTECTED = em_config(
    body=BODY.replace(
        "  <connectionStrings>\n@ENTRIES@  </connectionStrings>\n",
        '  <connectionStrings configProtectionProvider="DataProtectionConfigurationProvider">\n'
        "    <EncryptedData>\n      <CipherData>\n"
        "        <CipherValue>AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAAExHR5tBDQkqlPZaW2MG+RgQAAAACAAAAAAADZgAAwAAAABAAAAB1bEfYrdUdIU</CipherValue>\n"
        "      </CipherData>\n    </EncryptedData>\n  </connectionStrings>\n",
    ),
)

RSA_PROTECTED_PREFIXED = em_config(
    body=BODY.replace(
        "  <connectionStrings>\n@ENTRIES@  </connectionStrings>\n",
        '  <connectionStrings configProtectionProvider="RsaProtectedConfigurationProvider">\n'
        '    <xenc:EncryptedData Type="http://www.w3.org/2001/04/xmlenc#Element" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">\n'
        "      <xenc:CipherData><xenc:CipherValue>ZHVtbXk=</xenc:CipherValue></xenc:CipherData>\n"
        "    </xenc:EncryptedData>\n  </connectionStrings>\n",
    ),
)
ENCRYPTED_DATA_WITHOUT_PROVIDER = em_config(
    body=BODY.replace(
        "@ENTRIES@",
        '    <EncryptedData Type="http://www.w3.org/2001/04/xmlenc#Element" xmlns="http://www.w3.org/2001/04/xmlenc#">\n'
        "      <CipherData><CipherValue>ZHVtbXk=</CipherValue></CipherData>\n    </EncryptedData>\n",
    ),
)

READ_CASES = {
    "utf8-bom-crlf-sql-auth-quoted-password": (SQL_AUTH, EmDatabases(False, (
        target("NVMonitorConfig", "sql01.corp.example,1433", "NVMonitorConfig"),
        target("NVMonitorData", "sql01.corp.example,1433", "NVMonitorData"),
    ))),
    "utf16-integrated-security-tcp-prefix": (INTEGRATED_UTF16, EmDatabases(False, (
        target("EMConnection", "tcp:sql01.corp.example,1433", "NVMonitorConfig"),
        target("EventsConnection", "tcp:sql01.corp.example,1433", "NVMonitorData"),
    ))),
    "named-instance-lf-no-bom": (NAMED_INSTANCE, EmDatabases(False, (
        target("Config", "SQL01\\TP", "NVMonitorConfig"),
        target("Data", "SQL01\\TP", "NVMonitorData"),
    ))),
    "synonyms-and-odd-case-keys": (SYNONYMS_ODD_CASE, EmDatabases(False, (
        target("Config", "sql01,1433", "NVMonitorConfig"),
        target("Data", "sql01", "NVMonitorData"),
        target("Archive", "sql02", "NVMonitorArchive"),
    ))),
    "entity-framework-wrapper": (ENTITY_FRAMEWORK, EmDatabases(False, (target("NVMonitorEntities", "sql01,1433", "NVMonitorConfig"),))),
    "remove-clear-and-comment": (REMOVE_AND_CLEAR, EmDatabases(False, (target("Config", "sql01", "NVMonitorConfig"),))),
    "appsettings-only": (APP_SETTINGS_ONLY, EmDatabases(False, ())),
    "protected": (PROTECTED, EmDatabases(True, ())),
    "protected-rsa-the-attribute-decides": (RSA_PROTECTED_PREFIXED, EmDatabases(True, ())),
    "encrypted-data-without-provider-attribute": (ENCRYPTED_DATA_WITHOUT_PROVIDER, EmDatabases(True, ())),
}


def _broken(connection_string: str) -> bytes:
    return em_config(add("NVMonitorConfig", connection_string))


MALFORMED_XML = em_config(
    '<add name="NVMonitorConfig" connectionString="Data Source=sql01;Initial Catalog=NVMonitorConfig;User ID=svc_tp_sql;Password=Err0rPass">',
)
# (content, a regular expression the message must match)
ERROR_CASES = {
    "malformed-xml": (MALFORMED_XML, rf"not well-formed XML \(mismatched tag\) at line {ENTRIES_LINE + 1}, column 5;"),
    "dtd-with-entity": (
        em_config(add("NVMonitorConfig", "Data Source=sql01;Initial Catalog=NVMonitorConfig;Password=&pw;").replace("&amp;pw;", "&pw;"),
                  head=HEAD + '<!DOCTYPE configuration [<!ENTITY pw "Err0rPass">]>\n'),
        r"a DTD or entity declaration on line 2",
    ),
    "undeclared-entity": (
        em_config(add("NVMonitorConfig", "Password=Err0rPass&pw;").replace("&amp;pw;", "&pw;")),
        rf"undefined entity\) at line {ENTRIES_LINE}, column",
    ),
    "not-utf8": (BOM8 + HEAD.encode() + b"<configuration>\xff</configuration>", r"not valid utf-8: the byte at offset \d+"),
    "unclosed-quote": (_broken('Data Source=sql01;Password="Err0rPass;Initial Catalog=NVMonitorConfig'),
                       rf'<add name="NVMonitorConfig"> on line {ENTRIES_LINE} is not valid ADO.NET syntax at character 28 '
                       r"\(a quoted value that is never closed\)"),
    "text-after-quote": (_broken("Data Source=sql01;Password='Err0r'Pass;Initial Catalog=NVMonitorConfig"),
                         r"at character 35 \(text after a closing quote\)"),
    "key-without-equals": (_broken("Data Source=sql01;Err0rPass;Initial Catalog=NVMonitorConfig"), r"at character 19 \(a key with no '='\)"),
    "value-without-key": (_broken("Data Source=sql01;=Err0rPass"), r"\(a value with no key\)"),
    "stray-closing-quote": (_broken("Data Source=sql01;Password=Err0rPass';Initial Catalog=NVMonitorConfig"),
                            r"\(a quote that ends a value it does not open\)"),
    "nested-string-broken": (_broken("provider=System.Data.SqlClient;provider connection string='data source=sql01;password=\"Err0rPass'"),
                             r"\(a quoted value that is never closed\)"),
    "duplicate-entry": (
        em_config(add("Config", "Data Source=sql01;Initial Catalog=NVMonitorConfig;Password=Err0rPass"),
                  add("CONFIG", "Data Source=sql02;Initial Catalog=NVMonitorConfig;Password=Err0rPass")),
        rf'adds the entry "CONFIG" twice \(lines {ENTRIES_LINE}, {ENTRIES_LINE + 1}\)',
    ),
    "no-connection-string": (em_config('<add name="Config" connectionstring="Password=Err0rPass" />'),
                             rf'<add name="Config"> on line {ENTRIES_LINE} in <connectionStrings> has no connectionString attribute'),
    "no-name": (em_config('<add connectionString="Password=Err0rPass" />'), rf"the <add> on line {ENTRIES_LINE} .* has no name attribute"),
    "two-without-name": (em_config('<add connectionString="Password=Err0rPass" />', '<add connectionString="Password=Err0rPass" />'),
                         rf"the <add> on line {ENTRIES_LINE} .* has no name attribute"),
    "removed-entry-without-string": (em_config('<add name="Old" />', '<remove name="Old" />'),
                                     rf'<add name="Old"> on line {ENTRIES_LINE} in <connectionStrings> has no connectionString attribute'),
    "config-source": (em_config(body=BODY.replace("<connectionStrings>", '<connectionStrings configSource="connections.config">')),
                      rf"<connectionStrings> on line {ENTRIES_LINE - 1} has a configSource attribute: the connection strings live "
                      r"in the file it names"),
    "two-sections": (em_config(body=BODY.replace("  <appSettings>", "  <connectionStrings />\n  <appSettings>")),
                     r"<connectionStrings> appears 2 times under <configuration>"),
    "not-a-config-file": (b"<settings><connectionStrings /></settings>", r"the root element is <settings>, not <configuration>"),
}


@pytest.mark.parametrize(("content", "expected"), READ_CASES.values(), ids=READ_CASES.keys())
def test_read_databases(content: bytes, expected: EmDatabases) -> None:
    assert read_databases(content) == expected


@pytest.mark.parametrize(("content", "pattern"), ERROR_CASES.values(), ids=ERROR_CASES.keys())
def test_read_databases_refuses(content: bytes, pattern: str) -> None:
    with pytest.raises(EmConfigError) as caught:
        read_databases(content)
    assert re.search(pattern, str(caught.value)), str(caught.value)


@pytest.mark.parametrize(("connection_string", "server", "database"), [
    ("Server=sql01;Data Source=sql02;Initial Catalog=NVMonitorConfig;Database=NVMonitorData", "sql02", "NVMonitorData"),
    ("Password='a'';Initial Catalog=NVMonitorData';Initial Catalog=NVMonitorConfig;Data Source=\"sql01\"", "sql01", "NVMonitorConfig"),
    ('Data Source=" sql01 ";Initial Catalog=" NVMonitorConfig"', " sql01 ", " NVMonitorConfig"),
    ("Data Source=sql01;Application Name=NV'Monitor\"App;Initial Catalog=NVMonitorConfig", "sql01", "NVMonitorConfig"),
    ("Server=sql01;Data Source==x=sql09;Initial Catalog=NVMonitorConfig", "sql01", "NVMonitorConfig"),
    ("Data Source=sql01;Initial Catalog=NVMonitorConfig;Password=", "sql01", "NVMonitorConfig"),
])
def test_ado_net_rules(connection_string: str, server: str, database: str) -> None:
    """The last of repeated keys or synonyms wins; quotes are doubled inside and kept inside a bare value; '==' is a literal '='."""
    assert em(connection_string).targets == (target("Connection0", server, database),)


@pytest.mark.parametrize(("connection_string", "key"), [
    ("Initial Catalog='O''Brien DB';Data Source=sql01", "initial catalog"),
    ("Data Source=sql01;Initial Catalog=NV'Monitor\"Config", "initial catalog"),
    ("Data Source='sql01;Initial Catalog=NVMonitorData';Initial Catalog=NVMonitorConfig", "data source"),
    ("Data Source=sql01;Initial Catalog= =NVMonitorConfig", "initial catalog"),
    (f"Data Source=sql01;Initial Catalog={'N' * 129}", "initial catalog"),
    (f"Data Source={'s' * 129};Initial Catalog=NVMonitorConfig", "data source"),
])
def test_values_that_cannot_be_names_are_refused(connection_string: str, key: str) -> None:
    """A ';', '=' or quote in a server or database, or more than 128 characters, means the string is mangled: not shown."""
    with pytest.raises(EmConfigError, match=rf"^the {key} in the connection string of <add name=\"Connection0\"> on line "
                                            rf"{ENTRIES_LINE} cannot be a server or database name \(it holds"):
        em(connection_string)


def test_names_up_to_128_characters_are_read() -> None:
    assert em(f"Data Source={'s' * 128};Initial Catalog={'N' * 128}").targets == (target("Connection0", "s" * 128, "N" * 128),)


def test_fixtures_are_what_they_claim() -> None:
    """The encodings and line endings the read cases rely on are really there."""
    assert SQL_AUTH.startswith(BOM8) and b"\r\n" in SQL_AUTH
    assert INTEGRATED_UTF16.startswith(BOM16LE) and "\r\n".encode("utf-16-le") in INTEGRATED_UTF16
    assert not NAMED_INSTANCE.startswith(BOM8) and b"\r\n" not in NAMED_INSTANCE
    assert b"Xy7Kq;Vw&quot;&quot;Zr9P" in SQL_AUTH and b'Xy7Kq;Vw""Zr9P' in SQL_AUTH


@pytest.mark.parametrize(("left", "right"), [
    ("sql01,1433", "SQL01"),
    ("tcp:sql01,1433", "sql01"),
    ("TCP:SQL01 , 01433", "sql01,1433"),
    ("sql01.corp.example,1433", "tcp:SQL01.corp.example"),
    ("SQL01\\TP", "sql01\\tp"),
    ("sql01\\tp,1500", "tcp:sql01\\TP,1500"),
])
def test_server_key_equal(left: str, right: str) -> None:
    assert target("a", left, "d").server_key() == target("b", right, "d").server_key()


@pytest.mark.parametrize(("left", "right"), [
    ("sql01\\tp", "sql01"),
    ("sql01\\tp", "sql01,1433"),
    ("sql01,1434", "sql01"),
    ("sql01", "sql02"),
    ("sql01", "sql01.corp.example"),
])
def test_server_key_different(left: str, right: str) -> None:
    assert target("a", left, "d").server_key() != target("b", right, "d").server_key()


@pytest.mark.parametrize(("server", "key"), [("SQL01", "sql01,1433"), ("tcp:sql01,1433", "sql01,1433"), ("SQL01\\TP", "sql01\\tp")])
def test_server_key_form(server: str, key: str) -> None:
    assert target("a", server, "d").server_key() == key


def test_same_databases_written_differently() -> None:
    """Other entry names, auth, encoding, 'tcp:' and port spelling: still the same server and databases."""
    assert compare_databases(read_databases(SQL_AUTH), read_databases(INTEGRATED_UTF16)) == []


def test_default_port_and_case_are_the_same_server() -> None:
    old = em("Data Source=SQL01;Initial Catalog=NVMonitorConfig", "Data Source=sql01;Initial Catalog=NVMonitorData")
    new = em("Server=tcp:sql01,1433;Database=NVMonitorConfig", "server=Sql01,1433;database=NVMonitorData")
    assert compare_databases(old, new) == []


def test_database_name_case_does_not_matter() -> None:
    old = em("Data Source=sql01;Initial Catalog=NVMonitorConfig", "Data Source=sql01;Initial Catalog=NVMonitorData")
    new = em("Data Source=sql01;Initial Catalog=nvmonitorconfig", "Data Source=sql01;Initial Catalog=NVMONITORDATA")
    assert compare_databases(old, new) == []


def test_different_server() -> None:
    old = em("Data Source=sql01;Initial Catalog=NVMonitorConfig", "Data Source=sql01;Initial Catalog=NVMonitorData")
    new = em("Data Source=SQL02,1433;Initial Catalog=NVMonitorConfig", "Data Source=sql01;Initial Catalog=NVMonitorData")
    assert compare_databases(old, new) == [
        "NVMonitorConfig is on sql01,1433 for the old EM but on sql02,1433 for the new EM; "
        "install the new EM against the existing databases (vendor step 1) or fix its connection with SIDBConfigMgr"
    ]


def test_named_instance_is_not_the_default_instance() -> None:
    problems = compare_databases(read_databases(NAMED_INSTANCE), em("Data Source=sql01;Initial Catalog=NVMonitorConfig",
                                                                    "Data Source=sql01\\tp;Initial Catalog=NVMonitorData"))
    assert problems == [
        "NVMonitorConfig is on sql01\\tp for the old EM but on sql01,1433 for the new EM; "
        "install the new EM against the existing databases (vendor step 1) or fix its connection with SIDBConfigMgr"
    ]


def test_one_database_on_two_servers_on_one_side() -> None:
    old = em("Data Source=sql01;Initial Catalog=NVMonitorConfig", "Data Source=sql02;Initial Catalog=NVMonitorConfig")
    new = em("Data Source=sql01;Initial Catalog=NVMonitorConfig")
    assert compare_databases(old, new, ("NVMonitorConfig",)) == [
        "NVMonitorConfig is on sql01,1433 and sql02,1433 for the old EM but on sql01,1433 for the new EM; "
        "install the new EM against the existing databases (vendor step 1) or fix its connection with SIDBConfigMgr"
    ]


def test_missing_database() -> None:
    old = read_databases(SQL_AUTH)
    new = em("Data Source=sql01.corp.example;Initial Catalog=NVMonitorConfig", "Data Source=sql01.corp.example;Initial Catalog=NVMonitorArchive")
    assert compare_databases(old, new) == ["the new EM's config names no NVMonitorData database"]
    assert compare_databases(new, old) == ["the old EM's config names no NVMonitorData database"]


def test_no_connection_strings_on_either_side() -> None:
    nothing = read_databases(APP_SETTINGS_ONLY)
    assert compare_databases(nothing, nothing) == [
        "the old EM's config names no NVMonitorConfig database", "the new EM's config names no NVMonitorConfig database",
        "the old EM's config names no NVMonitorData database", "the new EM's config names no NVMonitorData database",
    ]


def test_only_the_databases_asked_for_are_compared() -> None:
    old = em("Data Source=sql01;Initial Catalog=NVMonitorConfig", "Data Source=sql01;Initial Catalog=NVMonitorArchive")
    new = em("Data Source=sql01;Initial Catalog=NVMonitorConfig", "Data Source=sql07;Initial Catalog=NVMonitorArchive")
    assert compare_databases(old, new, ("NVMonitorConfig",)) == []
    assert len(compare_databases(old, new, ("NVMonitorConfig", "NVMonitorArchive"))) == 1


def test_local_server_message() -> None:
    old = em("Data Source=(local);Initial Catalog=NVMonitorConfig")
    new = em("Data Source=sql01;Initial Catalog=NVMonitorConfig")
    assert compare_databases(old, new, ("NVMonitorConfig",)) == [
        "NVMonitorConfig in the old EM's config names a server local to the EM host ('(local)'), which the other EM cannot "
        "reach as the same server; set the SQL server's network name with SIDBConfigMgr"
    ]


@pytest.mark.parametrize("server", [
    ".", "(local)", "localhost", "127.0.0.1", "(localdb)\\MSSQLLocalDB", ".\\SQLEXPRESS", "(LOCAL)\\TP", "tcp:localhost,1433",
    "127.0.0.2,1433", "::1", "lpc:SQL01", "np:\\\\.\\pipe\\sql\\query", "",
])
@pytest.mark.parametrize("side", ["old", "new"])
def test_host_local_server_on_either_side(server: str, side: str) -> None:
    local = em(f"Data Source={server};Initial Catalog=NVMonitorConfig" if server else "Initial Catalog=NVMonitorConfig")
    remote = em("Data Source=sql01;Initial Catalog=NVMonitorConfig")
    old, new = (local, remote) if side == "old" else (remote, local)
    problems = compare_databases(old, new, ("NVMonitorConfig",))
    assert len(problems) == 1
    assert f"in the {side} EM's config names a server local to the EM host" in problems[0]


def test_same_local_name_on_both_sides_is_still_a_problem() -> None:
    """'(local)' on both hosts compares equal as text but names two different machines."""
    local = em("Data Source=(local);Initial Catalog=NVMonitorConfig", "Data Source=(local);Initial Catalog=NVMonitorData")
    problems = compare_databases(local, local)
    assert len(problems) == 4
    assert all("names a server local to the EM host ('(local)')" in problem for problem in problems)


@pytest.mark.parametrize("server", ["sql01", "sql01.corp.example", "10.0.0.5,1433", "localhost01", "sql01\\local", "(localhost)"])
def test_network_names_are_not_local(server: str) -> None:
    databases = em(f"Data Source={server};Initial Catalog=NVMonitorConfig")
    assert compare_databases(databases, databases, ("NVMonitorConfig",)) == []


@pytest.mark.parametrize(("old_protected", "new_protected", "whose"), [
    (True, False, "the old EM's"), (False, True, "the new EM's"), (True, True, "both EMs'"),
])
def test_protected_section(old_protected: bool, new_protected: bool, whose: str) -> None:
    readable = read_databases(SQL_AUTH)
    protected = read_databases(PROTECTED)
    problems = compare_databases(protected if old_protected else readable, protected if new_protected else readable)
    assert problems == [
        f"{whose} connection strings are encrypted with .NET protected configuration and cannot be compared remotely; "
        "open SIDBConfigMgr on both EM hosts, check by hand that both use the same SQL server for NVMonitorConfig and NVMonitorData, "
        "then set tp_preflight_skip_database_check: true to skip this check"
    ]


# A lost quote moves connection string text, password and all, into an attribute or value the module reads.
LOST = "S3cret"
LOST_STRING = f"Data Source=sql01;User ID={USER};Password='{LOST}'"
INTEGRATED = "Data Source=sql01;Initial Catalog=NVMonitorConfig;Integrated Security=True"
# (content, the result or a regular expression the message must match)
LOST_QUOTE_CASES: dict[str, tuple[bytes, EmDatabases | str]] = {
    "connection-string-in-the-name": (
        em_config(f'<add name="NVMonitorConfig;{LOST_STRING}" />'),
        rf"^the <add> on line {ENTRIES_LINE} in <connectionStrings> has no connectionString attribute;",
    ),
    "in-the-name-of-an-entry-that-reads": (
        em_config(f'<add name="NVMonitorConfig;{LOST_STRING}" connectionString="{INTEGRATED}" />'),
        EmDatabases(False, (target(f"(entry on line {ENTRIES_LINE})", "sql01", "NVMonitorConfig"),)),
    ),
    "in-the-name-of-a-duplicated-entry": (
        em_config(add(f"Config;{LOST_STRING}", INTEGRATED), add(f"CONFIG;{LOST_STRING}", INTEGRATED)),
        rf"^<connectionStrings> adds one entry name twice \(lines {ENTRIES_LINE}, {ENTRIES_LINE + 1}\);",
    ),
    "in-the-name-of-a-removed-add-without-string": (
        em_config(f'<add name="Old;{LOST_STRING}" />', f'<remove name="Old;{LOST_STRING}" />'),
        rf"^the <add> on line {ENTRIES_LINE} in <connectionStrings> has no connectionString attribute;",
    ),
    "in-a-remove": (
        em_config(f'<remove name="Config;{LOST_STRING}" />', add("Config", INTEGRATED)),
        EmDatabases(False, (target("Config", "sql01", "NVMonitorConfig"),)),
    ),
    "in-config-source": (
        em_config(body=BODY.replace("<connectionStrings>", f'<connectionStrings configSource="connections.config;{LOST_STRING}">')),
        rf"^<connectionStrings> on line {ENTRIES_LINE - 1} has a configSource attribute:",
    ),
    "in-the-name-of-a-malformed-string": (
        em_config(f'<add name="NVMonitorConfig;{LOST_STRING}" connectionString="Data Source=sql01;Password=&quot;{LOST}" />'),
        rf"^the connection string of the <add> on line {ENTRIES_LINE} is not valid ADO.NET syntax at character 28",
    ),
    "in-a-quoted-database": (
        _broken(f"Data Source=sql01;Initial Catalog='NVMonitorConfig;User ID={USER};Password={LOST}'"),
        rf'^the initial catalog in the connection string of <add name="NVMonitorConfig"> on line {ENTRIES_LINE} cannot be',
    ),
    "in-a-quoted-server": (
        _broken(f'Data Source="sql01;User ID={USER};Password={LOST}";Initial Catalog=NVMonitorConfig'),
        rf'^the data source in the connection string of <add name="NVMonitorConfig"> on line {ENTRIES_LINE} cannot be',
    ),
}


def _outcome(content: bytes) -> tuple[EmDatabases | EmConfigError, list[str]]:
    """Read ``content`` and return the result or the error, with all the text that could reach a user."""
    try:
        result = read_databases(content)
    except EmConfigError as error:
        texts = []
        chained: BaseException | None = error
        while chained is not None:
            texts.append(f"{chained!r} {chained}")
            chained = chained.__cause__ or chained.__context__
        return error, texts
    keys = [target.server_key() for target in result.targets]
    return result, [repr(result), *keys, *compare_databases(result, result), *compare_databases(result, read_databases(SQL_AUTH))]


@pytest.mark.parametrize(("content", "expected"), LOST_QUOTE_CASES.values(), ids=LOST_QUOTE_CASES.keys())
def test_a_lost_quote_does_not_show_the_password(content: bytes, expected: EmDatabases | str) -> None:
    """The security finding: a name, configSource or value holding a connection string is referred to by its line."""
    assert LOST.encode() in content
    outcome, texts = _outcome(content)
    if isinstance(expected, EmDatabases):
        assert outcome == expected
    else:
        assert isinstance(outcome, EmConfigError) and re.search(expected, str(outcome)), str(outcome)
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, f"leaks {secret!r}: {text}"


def _all_outcomes() -> list[tuple[str, str]]:
    """Every result and message the module produces for the fixtures, as text: reads, errors and comparisons."""
    outcomes: list[tuple[str, str]] = []
    readable = []
    for name, (content, _expected) in READ_CASES.items():
        result = read_databases(content)
        readable.append(result)
        outcomes.append((name, repr(result)))
        outcomes.extend((f"{name} key", target.server_key()) for target in result.targets)
    for name, (content, _pattern) in ERROR_CASES.items():
        with pytest.raises(EmConfigError) as caught:
            read_databases(content)
        chained: BaseException | None = caught.value
        while chained is not None:
            outcomes.append((name, f"{chained!r} {chained}"))
            chained = chained.__cause__ or chained.__context__
    for index, old in enumerate(readable):
        for new in readable:
            outcomes.append((f"compare {index}", repr(compare_databases(old, new, ("NVMonitorConfig", "NVMonitorData", "NVMonitorArchive")))))
    return outcomes


def test_no_credential_ever_comes_back() -> None:
    outcomes = _all_outcomes()
    assert len(outcomes) > len(READ_CASES) + len(ERROR_CASES)
    for name, text in outcomes:
        for secret in SECRETS:
            assert secret not in text, f"{name} leaks {secret!r}"


def test_fixtures_hold_the_credentials() -> None:
    """The leak test means something only if the secrets really are in the files."""
    files = [case[0] for case in [*READ_CASES.values(), *ERROR_CASES.values()]]
    for password in ["Xy7Kq;Vw", "Qw3''rt;Zk", "Plain9Pass", "Err0rPass", USER]:
        assert any(password.encode() in content or password.encode("utf-16-le") in content for content in files), password


# Property: how a connection string is written (key order, case, synonyms, spacing, quoting) does not change the target.
_SERVERS = ["sql01.corp.example,1433", "SQL01\\TP", "tcp:sql01,1433", "10.1.2.3,14330", "sql-02"]
_DATABASES = ["NVMonitorConfig", "NVMonitorData", "nvmonitorconfig"]
_SPACE = st.text(alphabet=" \t", max_size=2)
_SAFE_UNQUOTED = re.compile(r"[^;'\"\s]([^;]*[^;'\"\s])?")


def _random_case(draw: st.DrawFn, key: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(key), max_size=len(key)))
    return "".join(char.upper() if flip else char.lower() for char, flip in zip(key, flips))


def _written_value(draw: st.DrawFn, value: str) -> str:
    styles = ["'", '"'] + (["bare"] if _SAFE_UNQUOTED.fullmatch(value) or not value else [])
    style = draw(st.sampled_from(styles))
    return value if style == "bare" else style + value.replace(style, style * 2) + style


@st.composite
def connection_strings(draw: st.DrawFn) -> tuple[str, str, str, str]:
    """A connection string in a random layout, with the server, database and password it must yield."""
    server, database = draw(st.sampled_from(_SERVERS)), draw(st.sampled_from(_DATABASES))
    password = "#" + draw(st.text(alphabet="ab9 ;='\"!", max_size=10))
    pairs = [
        (draw(st.sampled_from(["Data Source", "Server", "Address", "Addr", "Network Address"])), server),
        (draw(st.sampled_from(["Initial Catalog", "Database"])), database),
        (draw(st.sampled_from(["User ID", "UID", "User"])), USER),
        (draw(st.sampled_from(["Password", "PWD"])), password),
        ("Connect Timeout", "30"),
        ("Application Name", "Netwrix; TP"),
    ]
    order = draw(st.permutations(pairs))
    parts = [f"{draw(_SPACE)}{_random_case(draw, key)}{draw(_SPACE)}={draw(_SPACE)}{_written_value(draw, value)}{draw(_SPACE)}"
             for key, value in order]
    separators = draw(st.lists(st.sampled_from([";", ";;", "; "]), min_size=len(parts), max_size=len(parts)))
    text = "".join(part + separator for part, separator in zip(parts, separators))
    return (text if draw(st.booleans()) else text.rstrip("; ")), server, database, password


@settings(max_examples=300, deadline=None)
@given(written=connection_strings(), encoding=st.sampled_from([("utf-8", BOM8), ("utf-16-le", BOM16LE), ("utf-8", b"")]))
def test_any_layout_yields_the_same_target(written: tuple[str, str, str, str], encoding: tuple[str, bytes]) -> None:
    text, server, database, password = written
    codec, bom = encoding
    head = '<?xml version="1.0" encoding="utf-16"?>\n' if codec == "utf-16-le" else HEAD
    result = read_databases(em_config(add("Entry", text), head=head, encoding=codec, bom=bom))
    assert result == EmDatabases(False, (target("Entry", server, database),))
    assert password not in repr(result)


@settings(max_examples=200, deadline=None)
@given(host=st.sampled_from(["sql01", "sql01.corp.example", "10.1.2.3"]), flips=st.lists(st.booleans(), min_size=20, max_size=20),
       prefix=st.sampled_from(["", "tcp:", "TCP:", "tcp: "]), port=st.sampled_from(["", ",1433", ", 1433", ",01433"]))
def test_server_key_ignores_spelling_of_the_default(host: str, flips: list[bool], prefix: str, port: str) -> None:
    written = "".join(char.upper() if flip else char for char, flip in zip(host, flips))
    assert target("a", prefix + written + port, "d").server_key() == f"{host},1433"


# Property: whatever one lost or doubled quote does to a config, nothing around a password comes back.
MARKER = "Mk7pw"
_PUNCTUATION = "'\";=<>&! \\,-."
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Attribute delimiters are written as these until the quote to mutate is chosen, to tell them from quotes inside values.
_DELIMITERS = {"\x01": '"', "\x02": "'"}


def _attribute(draw: st.DrawFn, name: str, value: str) -> str:
    """``name="value"`` escaped for XML as a writer would, between either quote (written as a placeholder)."""
    quote = draw(st.sampled_from(['"', "'"]))
    escaped = "".join(_XML_ESCAPES.get(char, char) for char in value).replace(quote, "&quot;" if quote == '"' else "&apos;")
    delimiter = "\x01" if quote == '"' else "\x02"
    return f"{name}={delimiter}{escaped}{delimiter}"


@st.composite
def passwords(draw: st.DrawFn) -> str:
    """The marker in random punctuation: the quotes, separators and markup a password may hold."""
    return draw(st.text(alphabet=_PUNCTUATION, max_size=4)) + MARKER + draw(st.text(alphabet=_PUNCTUATION, max_size=4))


@st.composite
def secret_strings(draw: st.DrawFn) -> str:
    """A connection string with a secret password, ADO.NET-quoted or raw as a careless edit leaves it.

    The server or database may also hold the credentials, as when a quote was lost before they were written.
    """
    password = draw(passwords())
    credentials = f"User ID={USER};Password={password if draw(st.booleans()) else _written_value(draw, password)}"
    server, database = (_written_value(draw, name + draw(st.sampled_from(["", ";" + credentials]))) for name in ("sql01", "NVMonitorConfig"))
    pairs = [f"Data Source={server}", f"Initial Catalog={database}", *credentials.split(";", 1)]
    return ";".join(draw(st.permutations(pairs)))


@st.composite
def names(draw: st.DrawFn) -> str:
    """An entry name: a plain one, or one that a lost quote has filled with connection string text."""
    name = draw(st.sampled_from(["NVMonitorConfig", "Config"]))
    return f"{name};{draw(secret_strings())}" if draw(st.booleans()) else name


@st.composite
def entries(draw: st.DrawFn) -> str:
    """An <add> (now and then without connectionString), <remove> or <clear/>."""
    kind = draw(st.sampled_from(["add", "add", "add", "remove", "clear"]))
    if kind == "clear":
        return "<clear />"
    attributes = [_attribute(draw, "name", draw(names()))]
    if kind == "add" and draw(st.integers(0, 4)):
        attributes.append(_attribute(draw, "connectionString", draw(secret_strings())))
    if kind == "add":
        attributes.append(_attribute(draw, "providerName", "System.Data.SqlClient"))
    return f"<{kind} {' '.join(attributes)} />"


@st.composite
def mangled_configs(draw: st.DrawFn) -> bytes:
    """A config with secrets in its <connectionStrings>, where one quote character is then deleted or doubled.

    Mostly the quote is one inside a value: a lost delimiter mostly makes the XML unreadable, which tests little.
    """
    source = f" {_attribute(draw, 'configSource', 'connections.config;' + draw(passwords()))}" if draw(st.integers(0, 4)) == 0 else ""
    lines = [f"  <connectionStrings{source}>", *(f"    {entry}" for entry in draw(st.lists(entries(), min_size=1, max_size=3))),
             "  </connectionStrings>"]
    section = "\n".join(lines)
    assume(MARKER in section)
    inside = [index for index, char in enumerate(section) if char in "'\""]
    delimiters = [index for index, char in enumerate(section) if char in _DELIMITERS]
    at = draw(st.sampled_from(inside if inside and draw(st.integers(0, 3)) else delimiters))
    section = section[:at] + draw(st.sampled_from(["", section[at] * 2])) + section[at + 1:]
    return em_config(body=BODY.replace("  <connectionStrings>\n@ENTRIES@  </connectionStrings>", section.translate(str.maketrans(_DELIMITERS))))


@settings(max_examples=300, deadline=None)
@given(content=mangled_configs())
def test_a_mangled_config_never_returns_the_marker(content: bytes) -> None:
    """Refused or read, nothing that can reach a user (message, result, comparison) holds the marker."""
    _result, texts = _outcome(content)
    for text in texts:
        assert MARKER not in text, text
