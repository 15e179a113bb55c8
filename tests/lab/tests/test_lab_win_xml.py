# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The emulated community.windows.win_xml, run as the exec wrapper runs it, for the benchmark's baseline.

The point of the emulation is that the baseline pays what win_xml really costs: the whole file is
re-serialised by XmlDocument.Save, so these tests pin the bytes that come out, not only the value.
"""

from __future__ import annotations

import codecs
import json
import re
import typing as t

import pytest

from tplab import config_variants, dotnet_config
from tplab.estate import Estate
from tplab.generator import AGENT_FOLDERS
from tplab.windows import exec_wrapper, network
from tplab.windows.modules import win_xml

pytestmark = pytest.mark.lab

NEW = "new-em.corp.example:3741"
XPATH = "/configuration/appSettings/add[@key='managerAddress']"
CONFIG = "C:\\bench\\SIWindowsAgent.exe.config"


def call(estate: Estate, check_mode: bool = False, **overrides: t.Any) -> dict[str, t.Any]:
    """One win_xml run on agent01 with the baseline's options (overridable); the result as the controller gets it."""
    args = {"path": CONFIG, "xpath": XPATH, "type": "attribute", "attribute": "value", "fragment": NEW, "backup": True,
            "_ansible_check_mode": check_mode, **overrides}
    outcome = exec_wrapper.run_module(network.admin_session(estate, "agent01"), "community.windows.win_xml", args)
    return json.loads(outcome.stdout)


def put(estate: Estate, data: bytes, path: str = CONFIG) -> None:
    target = estate.host("agent01").path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def current(estate: Estate, path: str = CONFIG) -> bytes:
    return estate.host("agent01").path(path).read_bytes()


def backups(estate: Estate) -> list[str]:
    return sorted(path.name for path in estate.host("agent01").path(CONFIG).parent.glob("*.bak"))


def test_the_whole_file_is_rewritten_as_xmldocument_save_writes_it(estate: Estate) -> None:
    put(estate, b"<?xml version='1.0' encoding='utf-8'?>\n<!-- top -->\n<configuration>\n    <appSettings>\n"
                b"        <add key='managerAddress'\n             value = 'old-em:3741'/>\n        <!-- keep me -->\n"
                b"        <add key=\"x\" value=\"a&apos;b &lt; c\"></add>\n        <empty>\n        </empty>\n"
                b"    </appSettings>\n    <t>mixed <b/> text</t>\n</configuration>\n")

    result = call(estate)

    assert result["changed"] is True and result["msg"] == "attribute changed"
    assert current(estate) == codecs.BOM_UTF8 + (
        '<?xml version="1.0" encoding="utf-8"?>\r\n<!-- top -->\r\n<configuration>\r\n  <appSettings>\r\n'
        f'    <add key="managerAddress" value="{NEW}" />\r\n    <!-- keep me -->\r\n'
        '    <add key="x" value="a\'b &lt; c"></add>\r\n    <empty></empty>\r\n  </appSettings>\r\n'
        '  <t>mixed <b /> text</t>\r\n</configuration>').encode("utf-8")


@pytest.mark.parametrize("style", config_variants.AGENT_STYLES, ids=lambda style: style.name)
def test_every_field_style_is_repointed_and_reencoded(estate: Estate, style: config_variants.ConfigStyle) -> None:
    before = config_variants.render_agent_config(style, "old-em:3741")
    put(estate, before)

    result = call(estate)

    after = current(estate)
    assert result["changed"] is True
    assert dotnet_config.read_app_setting(after, "managerAddress") == NEW
    if not style.declaration:  # no declaration: TextEncoding is null, so UTF-8 without a BOM
        assert after.startswith(b"<configuration>")
    elif style.encoding == "utf-8":
        assert after.startswith(codecs.BOM_UTF8 + b'<?xml version="1.0" encoding="utf-8"?>\r\n')
    else:  # "utf-16" through Encoding.GetEncoding is little-endian, whatever the file was
        assert after.startswith(codecs.BOM_UTF16_LE + '<?xml version="1.0" encoding="utf-16"?>\r\n'.encode("utf-16-le"))
    text = decoded(after)
    assert "\n" not in text.replace("\r\n", ""), "every line ends CRLF"
    assert not text.endswith("\n"), "no newline after the root's end tag"
    assert all(len(lead) % 2 == 0 for lead in re.findall(r"^ *", text, re.MULTILINE)), "two-space indents"
    assert "\t" not in text and "'" not in text.split("-->")[-1], "no tabs, double quotes"
    assert text.count("<!--") == decoded(before).count("<!--"), "comments are kept"


def decoded(data: bytes) -> str:
    """A config's text, whichever BOM (or none) it starts with."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding)
    return data.decode("utf-16-le") if data[1:2] == b"\x00" else data.decode("utf-8")


def test_a_second_run_changes_nothing_and_leaves_the_bytes(estate: Estate) -> None:
    put(estate, config_variants.render_agent_config(config_variants.AGENT_STYLES[0], "old-em:3741"))
    call(estate)
    written = current(estate)

    again = call(estate)

    assert (again["changed"], again["msg"], current(estate)) == (False, "not changed", written)
    assert "backup_file" not in again and len(backups(estate)) == 1


def test_a_value_that_differs_only_in_case_is_left_alone_as_powershell_ne_ignores_case(estate: Estate) -> None:
    before = config_variants.render_agent_config(config_variants.AGENT_STYLES[0], NEW.upper())
    put(estate, before)

    result = call(estate)

    assert (result["changed"], current(estate)) == (False, before)


def test_backup_is_a_copy_of_the_original_named_as_backup_file_names_it(estate: Estate) -> None:
    before = config_variants.render_agent_config(config_variants.AGENT_STYLES[0], "old-em:3741")
    put(estate, before)

    result = call(estate)

    assert re.fullmatch(re.escape(CONFIG) + r"\.\d+\.\d{8}-\d{6}\.bak", result["backup_file"])
    assert estate.host("agent01").path(result["backup_file"]).read_bytes() == before


def test_check_mode_reports_a_change_and_writes_nothing(estate: Estate) -> None:
    before = config_variants.render_agent_config(config_variants.AGENT_STYLES[0], "old-em:3741")
    put(estate, before)

    result = call(estate, check_mode=True)

    assert (result["changed"], result["msg"], current(estate), backups(estate)) == (True, "not changed check mode", before, [])
    assert "diff" not in result, "win_xml.ps1 never returns a diff"


def test_an_xpath_that_matches_nothing_is_not_a_failure(estate: Estate) -> None:
    before = config_variants.render_agent_config(config_variants.AGENT_STYLES[0], "old-em:3741")
    put(estate, before)

    result = call(estate, xpath="/configuration/appSettings/add[@key='managerAdress']")

    assert not result.get("failed") and result["changed"] is False and result["msg"] == win_xml.NO_MATCH
    assert current(estate) == before


@pytest.mark.parametrize("setup, message", [
    ("missing", f"Specified path {CONFIG} does not exist or is not a file."),
    ("malformed", f"Failed to parse file at '{CONFIG}' as an XML document: Exception calling \"Load\" with \"1\" argument(s): "),
    ("locked", f"Failed to parse file at '{CONFIG}' as an XML document: Exception calling \"Load\" with \"1\" argument(s): "
               f"\"The process cannot access the file '{CONFIG}' because it is being used by another process.\""),
])
def test_failures_say_what_win_xml_says(estate: Estate, setup: str, message: str) -> None:
    if setup == "malformed":
        put(estate, b"<configuration><appSettings></configuration>")
    elif setup == "locked":
        put(estate, config_variants.render_agent_config(config_variants.AGENT_STYLES[0], "old-em:3741"))
        estate.set_fault("agent01", "locked", [CONFIG])
    before = current(estate) if setup != "missing" else None

    result = call(estate)

    assert result["failed"] is True and result["changed"] is False and result["msg"].startswith(message)
    assert (current(estate) if setup != "missing" else None) == before and backups(estate) == []


def test_options_the_lab_does_not_emulate_fail_rather_than_pretend(estate: Estate) -> None:
    put(estate, config_variants.render_agent_config(config_variants.AGENT_STYLES[0], "old-em:3741"))

    result = call(estate, type="element", fragment="<add key='x' value='y'/>")

    assert result["failed"] is True and "is not emulated by the lab" in result["msg"]


def test_the_generated_agents_config_is_found_at_its_install_folder(estate: Estate) -> None:
    """agent03 is in the default folder the baseline assumes; the path the bench gives the others exists too."""
    for index, name in ((3, "agent03"), (1, "agent01")):
        path = AGENT_FOLDERS[index % len(AGENT_FOLDERS)][1] + "\\SIWindowsAgent.exe.config"
        assert estate.host(name).path(path).is_file(), path
