# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTML page audit.yml writes, as a person sees it in headless Chromium, against the JSON written beside it.

An administrator reads the page, a tool reads the JSON: both come from one audit run, so they must never disagree.
test_report_page_browser.py checks the renderer on a made-up view; this module checks the whole path of a real
run (the lab estate, the playbook, the action, _audit_render.view, _report_page.render_html) on an uneven estate:
8 agents and a console, agent03 unreachable and agent05 missing from the inventory though the EMs list it. Every
expectation is read from the JSON (never a constant), so a count that the page computes, drops or mislabels on its
own fails here. A screenshot of the whole page lands in build/audit-page.png.
"""

from __future__ import annotations

import collections
import json
import typing as t
from pathlib import Path

import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._audit_render import PLACE_LABELS, SUMMARY_LABELS
from browser import column_texts, console_errors, open_page, save_screenshot, shown_rows, wait
from inventory_edits import leave_out_of_inventory
from tplab.estate import Estate
from tplab.playbook import run_playbook

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "build" / "audit-page.png"
UNREACHABLE, LEFT_OUT = "agent03", "agent05"


def latest(folder: Path, suffix: str) -> Path:
    """The newest tp-audit-<time>.<suffix> of the folder (the time in the name sorts as text)."""
    found = sorted(folder.glob(f"tp-audit-*.{suffix}"))
    assert found, f"no tp-audit-*.{suffix} in {folder}"
    return found[-1]


def filter_table(page: WebDriver, table_id: str, query: str, rows: int, expected: int) -> None:
    """Type ``query`` into the table's filter and wait until its count says ``expected`` of ``rows`` are shown."""
    field = page.find_element(By.CSS_SELECTOR, f"input[aria-controls='{table_id}']")
    count = field.find_element(By.XPATH, "following-sibling::*[contains(@class, 'count')]")
    field.send_keys(query)
    wait(page).until(lambda d: count.text == f"{expected} of {rows} rows")


def test_the_audit_page_shows_what_the_audit_json_says(make_estate: t.Callable[..., Estate]) -> None:
    estate = make_estate(agents=8, consoles=1)
    estate.set_fault(UNREACHABLE, "unreachable", True)
    leave_out_of_inventory(estate, LEFT_OUT)
    folder = estate.root / "reports"

    run = run_playbook(estate, "audit.yml", extra_vars={"tp_report_folder": str(folder)})

    assert run.returncode == 0, run.output[-3000:]
    json_path = latest(folder, "json")
    html_path = json_path.with_suffix(".html")
    assert html_path.exists(), f"the audit wrote {json_path.name} but no {html_path.name}"
    report = json.loads(json_path.read_text(encoding="utf-8"))
    agents = report["agents"]
    by_place = collections.Counter(agent["points_at"] for agent in agents)
    unreadable = [index for index, agent in enumerate(agents) if agent["points_at"] == "unreadable"]
    assert unreadable, "the unreachable agent should be reported unreadable; the filter check below would prove nothing"

    with open_page(html_path) as page:
        wait(page).until(lambda d: d.find_elements(By.CSS_SELECTOR, "html[data-ready='true']"))

        cards = page.find_elements(By.CSS_SELECTOR, "[data-summary]")
        shown = [(card.get_attribute("data-summary"), card.find_element(By.CLASS_NAME, "value").text) for card in cards]
        assert shown == [(label, str(report["summary"][key])) for key, label, _tone in SUMMARY_LABELS]

        bars = page.find_elements(By.CSS_SELECTOR, "svg [data-bar]")
        assert [(shown.get_attribute("data-bar"), shown.get_attribute("data-value")) for shown in bars] == \
            [(label, str(by_place[where])) for where, label in PLACE_LABELS.items()]

        assert shown_rows(page, "agents") == list(range(len(agents)))
        assert column_texts(page, "agents", 0) == [agent["host"] for agent in agents]
        assert LEFT_OUT not in column_texts(page, "agents", 0)

        save_screenshot(page, SCREENSHOT)  # the page as it opens, every row shown
        assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

        filter_table(page, "agents", "unreadable", len(agents), len(unreadable))
        assert shown_rows(page, "agents") == unreadable

        listed = report["reconciliation"]["listed_not_in_inventory"]
        assert LEFT_OUT.upper() in listed
        assert column_texts(page, "reconciliation", 0) == listed + report["reconciliation"]["in_inventory_not_listed"]
        assert LEFT_OUT.upper() in column_texts(page, "reconciliation", 0)

        errors = console_errors(page)
    if errors is None:
        pytest.skip("this driver cannot read the browser's console (every other check passed)")
    assert errors == []
