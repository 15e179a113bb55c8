# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the checks on values asked for the agent's appSettings keys."""

from __future__ import annotations

from typing import Any

import pytest

from tplab import dotnet_config
from tplab.config_variants import AGENT_STYLES, ConfigStyle, render_agent_config

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._agent_settings import SettingError, normalize_settings
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._app_config import edit_app_settings


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param({"bindTo": "10.0.0.5"}, {"bindTo": "10.0.0.5"}, id="bind-ipv4"),
        pytest.param({"bindTo": "fd00::10"}, {"bindTo": "fd00::10"}, id="bind-ipv6"),
        pytest.param({"BINDTO": "fe80::1%12"}, {"BINDTO": "fe80::1%12"}, id="bind-scoped-ipv6-any-case"),
        pytest.param({"bindTo": "Ethernet 2"}, {"bindTo": "Ethernet 2"}, id="bind-adapter"),
        pytest.param({"bindTo": "vEthernet (Default Switch)"}, {"bindTo": "vEthernet (Default Switch)"}, id="bind-adapter-parentheses"),
        pytest.param({"bindTo": "a" * 256}, {"bindTo": "a" * 256}, id="bind-adapter-longest"),
        pytest.param({"bindTo": None}, {"bindTo": None}, id="bind-removed"),
        pytest.param({"dnsLookups": True}, {"dnsLookups": "true"}, id="dns-true"),
        pytest.param({"dnsLookups": False}, {"dnsLookups": "false"}, id="dns-false"),
        pytest.param({"dnsLookups": "YES"}, {"dnsLookups": "true"}, id="dns-yes"),
        pytest.param({"dnsLookups": "No"}, {"dnsLookups": "false"}, id="dns-no"),
        pytest.param({"dnsLookups": "TRUE"}, {"dnsLookups": "true"}, id="dns-upper"),
        pytest.param({"dnsLookups": "0"}, {"dnsLookups": "false"}, id="dns-zero-text"),
        pytest.param({"dnslookups": 1}, {"dnslookups": "true"}, id="dns-one-from-yaml"),
        pytest.param({"SDEventFormat": "PROTOBUF"}, {"SDEventFormat": "PROTOBUF"}, id="format-as-installed"),
        pytest.param({"sdeventformat": "Json"}, {"sdeventformat": "Json"}, id="format-case-kept"),
        pytest.param({"custom": True, "count": 3, "ratio": 1.5, "text": "a b", "gone": None},
                     {"custom": "true", "count": "3", "ratio": "1.5", "text": "a b", "gone": None}, id="unknown-keys"),
        pytest.param({}, {}, id="nothing"),
    ],
)
def test_accepted_values_are_written_as_the_installer_writes_them(settings: dict[str, Any], expected: dict[str, str | None]) -> None:
    normalized = normalize_settings(settings)
    assert normalized == expected
    assert list(normalized) == list(expected)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param({"managerAddress": "em:3741"}, r'the key "managerAddress": use the manager_address option, which proves the target EM first',
                     id="manager-address"),
        pytest.param({"MANAGERADDRESS": None}, r'the key "MANAGERADDRESS": use the manager_address option', id="manager-address-removal-any-case"),
        pytest.param({"bindTo": "10.0.0.300"}, r'settings\["bindTo"\] = \'10\.0\.0\.300\': this is not a valid IP address; give a plain IPv4 or IPv6',
                     id="bind-bad-octet"),
        pytest.param({"bindTo": "10.0.0.5:3741"}, r"'10\.0\.0\.5:3741': this is not a valid IP address; .*\(no port, no brackets\)", id="bind-with-port"),
        pytest.param({"bindTo": "[fd00::10]"}, r"'\[fd00::10\]': this is not a valid IP address", id="bind-bracketed"),
        pytest.param({"bindTo": ""}, r"settings\[\"bindTo\"\] = '': a network adapter name is 1 to 256 characters", id="bind-empty"),
        pytest.param({"bindTo": " Ethernet"}, r"' Ethernet': a network adapter name .* without control characters or leading or trailing spaces",
                     id="bind-leading-space"),
        pytest.param({"bindTo": "Ethernet\t"}, r"a network adapter name", id="bind-trailing-tab"),
        pytest.param({"bindTo": "Eth\x07"}, r"a network adapter name", id="bind-control"),
        pytest.param({"bindTo": "a" * 257}, r"a network adapter name is 1 to 256 characters", id="bind-too-long"),
        pytest.param({"bindTo": 5}, r"settings\[\"bindTo\"\] = 5: give the IP address to use, or the name of the desired network adapter, as text",
                     id="bind-not-text"),
        pytest.param({"dnsLookups": "maybe"}, r"settings\[\"dnsLookups\"\] = 'maybe': this is a boolean; give true or false", id="dns-word"),
        pytest.param({"dnsLookups": 2}, r"= 2: this is a boolean", id="dns-two"),
        pytest.param({"dnsLookups": " true"}, r"this is a boolean", id="dns-padded"),
        pytest.param({"dnsLookups": ["true"]}, r"this is a boolean", id="dns-list"),
        pytest.param({"SDEventFormat": ""}, r"settings\[\"SDEventFormat\"\] = '': give the event format as one word without spaces", id="format-empty"),
        pytest.param({"SDEventFormat": "PROTO BUF"}, r"'PROTO BUF': give the event format as one word", id="format-space"),
        pytest.param({"SDEventFormat": True}, r"= True: give the event format", id="format-boolean"),
        pytest.param({"custom": ["a"]}, r"settings\[\"custom\"\] = \['a'\]: an appSettings value is a single text value; quote it", id="list"),
        pytest.param({"custom": {"a": 1}}, r"an appSettings value is a single text value", id="dict"),
        pytest.param({"": "x"}, r"settings has an empty key; name the appSettings key to set or remove", id="empty-key"),
        pytest.param({"my key": "x"}, r"the key 'my key', which contains ' '; an appSettings key has no whitespace", id="key-with-space"),
        pytest.param({"k\x01": "x"}, r"which contains '\\x01'; .* or characters XML cannot store: correct the key", id="key-unstorable"),
        pytest.param({7: "x"}, r"settings has the key 7, which is not text; quote it", id="key-not-text"),
        pytest.param({"dnsLookups": "true", "DNSLookups": "false"},
                     r'settings has both "dnsLookups" and "DNSLookups", the same key to \.NET \(keys compare case-insensitively\); give it once',
                     id="same-key-twice"),
    ],
)
def test_refusals_name_key_value_and_fix(settings: dict[Any, Any], message: str) -> None:
    with pytest.raises(SettingError, match=message):
        normalize_settings(settings)


def test_setting_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        normalize_settings({"dnsLookups": "perhaps"})


@pytest.mark.parametrize("style", [style for style in AGENT_STYLES if style.extra_keys], ids=lambda s: s.name)
def test_normalized_settings_edit_every_agent_variant(style: ConfigStyle) -> None:
    """What the checks return is what the editor writes: the vendor's lower-case boolean, the address as given."""
    edit = edit_app_settings(render_agent_config(style, "em:3741"), normalize_settings({"dnsLookups": False, "bindTo": "fd00::10"}))
    assert [change.action for change in edit.changes] == ["set", "uncommented"]
    expected = {"manageraddress": "em:3741", "dnslookups": "false", "bindto": "fd00::10", "sdeventformat": "PROTOBUF"}
    assert dotnet_config.read_app_settings(edit.content) == expected
