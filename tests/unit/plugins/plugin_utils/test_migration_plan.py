# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan's checks: each inventory mistake named once, with the group or the variable and the fix."""

from __future__ import annotations

import pytest

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._migration_plan import (
    KNOWN_VARIABLES, inventory_problems, unknown_variables)

NAMES = {"old_em": "tp_old_em", "new_em": "tp_new_em", "consoles": "tp_consoles", "agents": "tp_agents"}
GOOD = {"tp_old_em": ["old-em"], "tp_new_em": ["new-em"], "tp_consoles": ["console01"], "tp_agents": ["agent01"]}


@pytest.mark.parametrize(("groups", "address", "expected"), [
    ({**GOOD, "tp_old_em": []}, None, "the tp_old_em group must hold exactly one host; it holds: none"),
    ({**GOOD, "tp_new_em": ["new-em", "new-em2"]}, None, "the tp_new_em group must hold exactly one host; it holds: new-em, new-em2"),
    ({**GOOD, "tp_new_em": ["old-em"]}, None, "the same host is in tp_old_em and tp_new_em"),
    ({**GOOD, "tp_consoles": ["agent01"]}, None, "these are in more: agent01"),
    ({**GOOD, "tp_agents": ["agent01", "new-em"]}, None, "these are in more: new-em"),
    (GOOD, "new em", "tp_new_em_address: 'new em' contains a space"),
    (GOOD, "new-em:0", "tp_new_em_address: 'new-em:0' has port '0'; a port is a number from 1 to 65535"),
    (GOOD, "fd00::11:3741", "tp_new_em_address: 'fd00::11:3741' is ambiguous"),
    (GOOD, "OLD-EM.corp.example.", "tp_new_em_address: 'OLD-EM.corp.example.' names the old EM"),
    (GOOD, "https://new-em", "tp_new_em_address: 'https://new-em' is a URL"),
], ids=["no-old-em", "two-new-ems", "same-host", "console-and-agent", "em-and-agent", "space", "port-zero",
        "unbracketed-ipv6", "the-old-em", "url"])
def test_each_mistake_is_named_with_its_group_or_variable(groups: dict[str, list[str]], address: str | None,
                                                          expected: str) -> None:
    problems = inventory_problems(groups, NAMES, {"old-em", "old-em.corp.example"}, address)
    assert len(problems) == 1 and expected in problems[0], problems


def test_a_good_inventory_has_no_problem() -> None:
    assert inventory_problems(GOOD, NAMES, {"old-em"}, "new-em.corp.example") == []
    assert inventory_problems(GOOD, NAMES, {"old-em"}, "[fd00::11]:3741") == []


def test_a_misspelled_variable_is_warned_about_with_the_nearest_known_one() -> None:
    warnings = unknown_variables(["tp_decomission_old_em", "tp_new_em_address", "tp_migration_plan", "tp_zzz"])
    assert warnings == [
        "the variable tp_decomission_old_em is not one the collection reads, so it changes nothing; did you mean "
        "tp_decommission_old_em?",
        "the variable tp_zzz is not one the collection reads, so it changes nothing"]
    assert len(set(KNOWN_VARIABLES)) == len(KNOWN_VARIABLES)
