# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsing, formatting and comparing Enterprise Manager addresses (``host[:port]``).

The canonical form is what tp_agent_config writes into every agent, and ``same_endpoint`` decides
whether a second run writes again: both must be exact.
"""

from __future__ import annotations

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._manager_address import (
    AddressError, ManagerAddress, parse_address)

DEFAULT = 3741


@pytest.mark.parametrize(("text", "host", "port", "has_port", "canonical"), [
    ("em", "em", DEFAULT, False, "em:3741"),
    ("em:3740", "em", 3740, True, "em:3740"),
    ("new-em.corp.example", "new-em.corp.example", DEFAULT, False, "new-em.corp.example:3741"),
    ("NewEM.Corp.Example:3741", "NewEM.Corp.Example", 3741, True, "NewEM.Corp.Example:3741"),
    ("192.168.189.135:3741", "192.168.189.135", 3741, True, "192.168.189.135:3741"),
    ("10.0.0.5", "10.0.0.5", DEFAULT, False, "10.0.0.5:3741"),
    ("fd00::10", "fd00::10", DEFAULT, False, "[fd00::10]:3741"),
    ("[fd00::10]", "fd00::10", DEFAULT, False, "[fd00::10]:3741"),
    ("[fd00::10]:3740", "fd00::10", 3740, True, "[fd00::10]:3740"),
    ("::1", "::1", DEFAULT, False, "[::1]:3741"),
    ("[::ffff:10.0.0.5]:1", "::ffff:10.0.0.5", 1, True, "[::ffff:10.0.0.5]:1"),
    ("em.corp.example.", "em.corp.example.", DEFAULT, False, "em.corp.example.:3741"),
    ("  em:65535\t", "em", 65535, True, "em:65535"),
    ("x_y:1", "x_y", 1, True, "x_y:1"),
    ("em:03741", "em", 3741, True, "em:3741"),
])
def test_parse_and_canonical_form(text: str, host: str, port: int, has_port: bool, canonical: str) -> None:
    """Every accepted spelling parses to host/port, and str() is host:port with IPv6 in brackets."""
    address = parse_address(text, DEFAULT)
    assert (address.host, address.port, address.has_port) == (host, port, has_port)
    assert str(address) == canonical


def test_a_bare_ipv6_address_that_could_end_in_a_port_is_refused() -> None:
    """Reproduction: ``fd00::11:3741`` was taken as one address and the canary written [fd00::11:3741]:3741."""
    with pytest.raises(AddressError) as refused:
        parse_address("fd00::11:3741", DEFAULT)
    assert "ambiguous" in str(refused.value) and "Write [fd00::11]:3741" in str(refused.value)
    assert parse_address("[fd00::11]:3741", DEFAULT).host == "fd00::11"
    assert parse_address("[fd00::11:3741]", DEFAULT).host == "fd00::11:3741"


@pytest.mark.parametrize("text", ["fd00::1", "fe80::1:abcd", "2001:db8::", "::1"])
def test_a_bare_ipv6_address_that_cannot_end_in_a_port_is_taken_whole(text: str) -> None:
    address = parse_address(text, DEFAULT)
    assert (address.host, address.has_port, address.is_ipv6) == (text, False, True)


@pytest.mark.parametrize(("text", "expected"), [
    ("https://newem.corp.example:3741/", "is a URL"), ("http://10.0.0.5", "(for example 10.0.0.5)"),
    ("newem.corp.example ", None), (" newem.corp.example:3741 extra", "contains a space"),
])
def test_urls_and_spaces_get_their_own_message(text: str, expected: str | None) -> None:
    if expected is None:  # blanks around the address are trimmed, as before
        assert parse_address(text, DEFAULT).host == "newem.corp.example"
        return
    with pytest.raises(AddressError) as refused:
        parse_address(text, DEFAULT)
    assert expected in str(refused.value)


def test_canonical_form_parses_back_to_the_same_address() -> None:
    """str() output is itself a valid input meaning the same endpoint (what makes re-runs idempotent)."""
    for text in ("em", "[fd00::10]:3740", "fd00::10", "10.0.0.5:1"):
        address = parse_address(text, DEFAULT)
        again = parse_address(str(address), DEFAULT)
        assert (again.host, again.port) == (address.host, address.port) and again.has_port


@pytest.mark.parametrize(("left", "right", "same"), [
    ("NEW-EM.corp.example:3741", "new-em.CORP.example:3741", True),
    ("new-em.corp.example.:3741", "new-em.corp.example:3741", True),
    ("[FD00:0:0::10]:3741", "[fd00::10]:3741", True),
    ("[fd00::10]:3741", "[fd00::11]:3741", False),
    ("em:3741", "em:3740", False),
    ("em:3741", "em2:3741", False),
    ("em", "em:3741", False),
    ("em:3741", "em", False),
])
def test_same_endpoint(left: str, right: str, same: bool) -> None:
    """Host case, a trailing dot and IPv6 spelling do not matter; port and host do; host-only never matches host:port."""
    a, b = parse_address(left, DEFAULT), parse_address(right, DEFAULT)
    assert a.same_endpoint(b) is same
    assert b.same_endpoint(a) is same


def test_same_endpoint_ignores_the_default_port_given() -> None:
    """A written port is compared as written, whatever default the caller passed."""
    assert parse_address("em:3741", 1).same_endpoint(parse_address("EM:3741", 2))


def test_address_is_a_value() -> None:
    """ManagerAddress is frozen and compares by value (safe to keep in a frozen request)."""
    assert parse_address("em:1", DEFAULT) == ManagerAddress("em", 1, True)
    with pytest.raises(AttributeError):
        parse_address("em", DEFAULT).host = "x"  # type: ignore[misc]


@pytest.mark.parametrize(("text", "says"), [
    ("", "empty"),
    ("   ", "empty"),
    ("em:0", "port '0'"),
    ("em:65536", "port '65536'"),
    ("em:abc", "port 'abc'"),
    ("em:", "port ''"),
    ("em:-1", "port '-1'"),
    ("em:+1", "port '+1'"),
    (":3741", "no host"),
    ("[]:3741", "brackets are only for IPv6"),
    ("[10.0.0.5]:3741", "brackets are only for IPv6"),
    ("256.1.1.1:3741", "not a valid one"),
    ("10.0.0.05", "not a valid one"),
    ("[fd00::10", "never closes"),
    ("[fd00::10]3741", "text after ']'"),
    ("[fd00::10]:", "port ''"),
    ("fd00::zz", "not a valid IPv6"),
    ("[fd00:::10]:3741", "not a valid IPv6"),
    ("em:3741:1", "not a valid IPv6"),
    ("a b", "contains a space"),
    ("a b:3741", "contains a space"),
    ("-x", "not a host name"),
    ("x-", "not a host name"),
    ("a..b", "not a host name"),
    (".", "not a host name"),
    ("em/x", "not a host name"),
    ("h\u00e9te", "not a host name"),
    ("a" * 64, "not a host name"),
])
def test_refusals_explain_what_is_wrong(text: str, says: str) -> None:
    """Each malformed address raises AddressError (a ValueError) whose message quotes the input's fault."""
    with pytest.raises(AddressError) as caught:
        parse_address(text, DEFAULT)
    assert says in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_non_string_is_refused() -> None:
    """A YAML value that is not a string (e.g. an int) is refused, not crashed on."""
    with pytest.raises(AddressError):
        parse_address(3741, DEFAULT)  # type: ignore[arg-type]


def test_63_character_label_is_the_limit() -> None:
    """A DNS label may be 63 characters; 64 is refused above."""
    assert parse_address("a" * 63 + ".example", DEFAULT).host == "a" * 63 + ".example"


@pytest.mark.parametrize("text", ["em:\u00b2", "em:\u0663"])
def test_only_ascii_digits_make_a_port(text: str) -> None:
    """A port is ASCII digits; anything else is an AddressError the action turns into a message."""
    with pytest.raises(AddressError):
        parse_address(text, DEFAULT)


def test_two_trailing_dots_are_refused() -> None:
    """Only one trailing dot (the DNS root) is allowed; 'em..' has an empty label."""
    with pytest.raises(AddressError):
        parse_address("em..", DEFAULT)
