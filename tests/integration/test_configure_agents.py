# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""configure_agents.yml sets any appSettings keys across a fleet, over every config variant the lab writes.

Sixteen agents carry the sixteen agent config variants (encodings, BOMs, line ends, quotes, tags over two lines,
a file with no extra keys). One run uncomments the installer's bindTo and sets it, sets dnsLookups and removes
SDEventFormat: the .NET reader of the lab must then see exactly those values, every line not about those keys must
be left as it was, each agent restarted once and active again on its EM. A second run changes nothing, and check
mode changes no byte.
"""

from __future__ import annotations

import difflib
import typing as t

import pytest
import yaml

from tplab import dotnet_config, product, status
from tplab.config_variants import AGENT_STYLES
from tplab.estate import Estate, Host
from tplab.playbook import PlaybookRun, run_playbook

pytestmark = pytest.mark.lab
SETTINGS = {"bindTo": "10.20.0.31", "dnsLookups": False, "SDEventFormat": None}
QUICK = {"agent_verify_delay": 1, "agent_verify_timeout": 10}


def configure(estate: Estate, *args: str, **extra: t.Any) -> PlaybookRun:
    return run_playbook(estate, "configure_agents.yml", *args,
                        extra_vars={**QUICK, "tp_agent_settings": SETTINGS, "agent_add_if_missing": True, **extra})


def config_path(agent: Host) -> t.Any:
    return agent.path(product.executable(agent.system()["services"]["SIWindowsAgent"]["path"]) + ".config")


def _decode(content: bytes) -> str:
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if content.startswith(bom):
            return content.decode(codec)
    return content.decode("utf-16-le" if content[1:2] == b"\x00" else "utf-8")


def test_settings_are_set_in_one_edit_on_every_config_variant(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=len(AGENT_STYLES))
    agents = estate.hosts("agent")
    before = {agent.name: config_path(agent).read_bytes() for agent in agents}
    started = {agent.name: agent.system()["services"]["SIWindowsAgent"].get("started_ms") for agent in agents}

    checked = configure(estate, "--check")
    assert checked.returncode == 0, checked.output[-3000:]
    assert {agent.name: config_path(agent).read_bytes() for agent in agents} == before, "check mode wrote a file"

    run = configure(estate)

    assert run.returncode == 0, run.output[-3000:]
    styles = {agent.name: agent.system()["lab"]["config_style"] for agent in agents}
    assert set(styles.values()) == {style.name for style in AGENT_STYLES}
    for agent in agents:
        after = config_path(agent).read_bytes()
        seen = dotnet_config.read_app_settings(after)
        assert seen.get("bindto") == "10.20.0.31" and seen.get("dnslookups") == "false", (styles[agent.name], seen)
        assert "sdeventformat" not in seen, styles[agent.name]
        old, new = _decode(before[agent.name]).splitlines(), _decode(after).splitlines()
        for tag, first, last, _new_first, _new_last in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
            touched = "\n".join(old[first:last])
            assert tag == "equal" or tag == "insert" or any(key in touched for key in SETTINGS), (styles[agent.name], tag, touched)
        assert sum(line.count("bindTo") for line in new) == sum(line.count("bindTo") for line in old) or styles[agent.name] == "address-only"
        assert agent.system()["services"]["SIWindowsAgent"].get("started_ms") != started[agent.name], "the agent was not restarted"
    assert set(status.registered_on(estate).values()) == {"old-em"}, "an agent did not come back on its EM"

    again = configure(estate)
    assert again.returncode == 0 and all(counts["changed"] == 0 for counts in again.recap().values()), again.output[-3000:]


def test_a_bad_value_is_refused_before_any_change_naming_the_host_and_the_key(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=2)
    before = status.tree_digest(estate)

    run = configure(estate, tp_agent_settings={"dnsLookups": "maybe"})

    assert run.returncode != 0
    assert "agent01: option settings:" in run.output and "dnsLookups" in run.output
    assert status.tree_digest(estate) == before


def test_per_host_settings_come_from_host_variables(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=3)
    inventory_path = estate.root / "inventory.yml"
    inventory = yaml.safe_load(inventory_path.read_text(encoding="utf-8"))
    inventory["all"]["children"]["tp_agents"]["hosts"]["agent02"]["agent_settings"] = {"dnsLookups": False}
    inventory_path.write_text(yaml.safe_dump(inventory), encoding="utf-8")

    run = run_playbook(estate, "configure_agents.yml", extra_vars=QUICK)

    assert run.returncode == 0, run.output[-3000:]
    values = {agent.name: dotnet_config.read_app_setting(config_path(agent).read_bytes(), "dnsLookups") for agent in estate.hosts("agent")}
    assert values == {"agent01": "true", "agent02": "false", "agent03": "true"}


def test_a_run_that_names_no_setting_says_so_and_changes_nothing(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=2)
    before = status.tree_digest(estate)
    run = run_playbook(estate, "configure_agents.yml", extra_vars=QUICK)
    assert run.returncode != 0 and "No setting to change: set tp_agent_settings" in run.output
    assert status.tree_digest(estate) == before
