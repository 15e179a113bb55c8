# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report page as a person sees it, in headless Chromium: the counts, the chart, filtering and sorting.

One sample view (a summary, a chart, two tables of about 30 rows with statuses, hostile text in a few cells) is
rendered once by _report_page.render_html and opened in one browser for the module; each test reloads the page.
What the browser shows is compared with the view itself, so a renderer that drops, reorders or misrenders a value
fails here. The page must log no error (a blocked load would, under its Content-Security-Policy), load nothing, and
still show every row with JavaScript off. A screenshot of the whole page lands in build/report-page.png.
"""

from __future__ import annotations

import typing as t
from pathlib import Path

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._report_page import render_html, status_tone
from browser import column_texts, console_errors, javascript_off, open_page, reload, save_screenshot, shown_rows, wait

pytestmark = pytest.mark.lab

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "build" / "report-page.png"
STATUSES = ["ok", "changed", "would change", "failed: unreachable", "unchanged", "refused: file locked", "ok", "active"]
HOSTILE = "<script>alert(1)</script>"


def agent_rows() -> list[list[t.Any]]:
    return [["agent%02d" % number, "site-%s" % "abc"[number % 3], STATUSES[number % len(STATUSES)], (number * 37) % 101,
             "7.5.%d" % (number % 4)] for number in range(1, 31)]


def setting_rows() -> list[list[t.Any]]:
    rows: list[list[t.Any]] = [["console%02d" % (number % 7), "ManagerAddress", "old-em:%d" % (3740 + number % 2), "new-em:3740",
                                "changed" if number % 5 else "failed: access denied"] for number in range(1, 29)]
    rows[3][2] = None
    rows[5][3] = HOSTILE
    rows[8][1] = "Label with \"double\" & 'single' quotes </script>"
    return rows


def sample_view() -> dict[str, t.Any]:
    agents = agent_rows()
    tally = {status: sum(1 for row in agents if row[2] == status) for status in dict.fromkeys(STATUSES)}
    failed = sum(count for status, count in tally.items() if status.startswith(("failed", "refused")))
    return {
        "title": "Enterprise Manager migration", "subtitle": "old-em.example.test \u2192 new-em.example.test",
        "generated": "2026-12-02T07:00:00Z",
        "summary": [{"label": "Agents", "value": len(agents), "tone": "neutral"},
                    {"label": "Failed", "value": failed, "tone": "bad"},
                    {"label": "Changed", "value": tally["changed"], "tone": "warn"},
                    {"label": "Outcome", "value": "completed with failures", "tone": "bad"}],
        "chart": {"title": "Agents by status",
                  "bars": [{"label": status, "value": count, "tone": status_tone(status)} for status, count in tally.items()]},
        "notes": ["Agents that failed keep their previous Enterprise Manager; re-run migrate.yml to finish them."],
        "tables": [{"id": "agents", "title": "Agents", "columns": ["Agent", "Site", "Status", "Events", "Version"],
                    "rows": agents, "status_column": 2},
                   {"id": "settings", "title": "Console settings", "columns": ["Host", "Setting", "Old", "New", "Result"],
                    "rows": setting_rows(), "status_column": 4}],
    }


VIEW = sample_view()
TABLES = {table["id"]: table for table in VIEW["tables"]}


@pytest.fixture(scope="module")
def page_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report-page") / "report.html"
    path.write_text(render_html(VIEW), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser(page_path: Path) -> t.Iterator[WebDriver]:
    with open_page(page_path) as driver:
        yield driver


@pytest.fixture(name="page")
def fresh_page(browser: WebDriver, page_path: Path) -> WebDriver:
    """The module's browser on a freshly loaded page whose script has run."""
    reload(browser, page_path)
    wait(browser).until(lambda d: d.find_element(By.CSS_SELECTOR, "html[data-ready='true']"))
    return browser


def cell_text(value: t.Any) -> str:
    return "" if value is None else str(value)


def header(page: WebDriver, table_id: str, column: int) -> t.Any:
    return page.find_element(By.CSS_SELECTOR, "#%s thead th:nth-child(%d)" % (table_id, column + 1))


def test_summary_cards_show_the_views_values(page: WebDriver) -> None:
    cards = page.find_elements(By.CSS_SELECTOR, "[data-summary]")
    shown = [(card.get_attribute("data-summary"), card.find_element(By.CLASS_NAME, "value").text) for card in cards]
    assert shown == [(item["label"], str(item["value"])) for item in VIEW["summary"]]


def test_chart_has_one_bar_per_item_with_its_value(page: WebDriver) -> None:
    bars = page.find_elements(By.CSS_SELECTOR, "svg [data-bar]")
    expected = [(item["label"], str(item["value"])) for item in VIEW["chart"]["bars"]]
    assert [(item.get_attribute("data-bar"), item.get_attribute("data-value")) for item in bars] == expected
    assert [(item.find_element(By.CLASS_NAME, "bar-label").text, item.find_element(By.CLASS_NAME, "bar-value").text) for item in bars] == expected
    widths = [item.find_element(By.TAG_NAME, "rect").size["width"] for item in bars]
    values = [item["value"] for item in VIEW["chart"]["bars"]]
    assert widths[values.index(max(values))] == max(widths) > 0
    assert all((width_a < width_b) == (value_a < value_b) for width_a, value_a in zip(widths, values) for width_b, value_b in zip(widths, values))


@pytest.mark.parametrize("table_id, query", [("agents", "FAIL"), ("agents", "site-b"), ("agents", "agent2"), ("agents", "no such text"),
                                             ("settings", HOSTILE), ("settings", "'single'"), ("settings", "console03")])
def test_filter_leaves_the_rows_that_contain_the_text(page: WebDriver, table_id: str, query: str) -> None:
    rows = TABLES[table_id]["rows"]
    expected = [index for index, row in enumerate(rows) if any(query.lower() in cell_text(cell).lower() for cell in row)]
    field = page.find_element(By.CSS_SELECTOR, "input[aria-controls='%s']" % table_id)
    count = field.find_element(By.XPATH, "following-sibling::*[contains(@class, 'count')]")
    assert count.text == "%d of %d rows" % (len(rows), len(rows))

    field.send_keys(query)
    wait(page).until(lambda d: count.text == "%d of %d rows" % (len(expected), len(rows)))
    assert shown_rows(page, table_id) == expected
    other = next(other for other in TABLES if other != table_id)
    assert shown_rows(page, other) == list(range(len(TABLES[other]["rows"])))  # each table filters on its own

    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.BACKSPACE)
    wait(page).until(lambda d: count.text == "%d of %d rows" % (len(rows), len(rows)))
    assert shown_rows(page, table_id) == list(range(len(rows)))


@pytest.mark.parametrize("table_id, column", [("agents", 3), ("agents", 0), ("settings", 0), ("settings", 2)])
def test_clicking_a_header_sorts_by_it_and_again_reverses(page: WebDriver, table_id: str, column: int) -> None:
    cells = [cell_text(row[column]) for row in TABLES[table_id]["rows"]]
    numeric = all(isinstance(row[column], int) for row in TABLES[table_id]["rows"])
    key: t.Callable[[str], t.Any] = int if numeric else str.lower
    assert column_texts(page, table_id, column) == cells  # the view's order until a click

    header(page, table_id, column).click()
    wait(page).until(lambda d: header(d, table_id, column).get_attribute("aria-sort") == "ascending")
    ascending = column_texts(page, table_id, column)
    assert ascending[0] == min(cells, key=key)
    assert ascending == sorted(cells, key=key)

    header(page, table_id, column).click()
    wait(page).until(lambda d: header(d, table_id, column).get_attribute("aria-sort") == "descending")
    descending = column_texts(page, table_id, column)
    assert descending[0] == max(cells, key=key)
    assert descending == sorted(cells, key=key, reverse=True)
    sorts = [th.get_attribute("aria-sort") for th in page.find_elements(By.CSS_SELECTOR, "#%s thead th" % table_id)]
    assert sorts.count(None) == len(sorts) - 1  # only the sorted column says how it is sorted


def test_hostile_text_is_shown_as_text(page: WebDriver) -> None:
    assert page.execute_script("return document.scripts.length") == 1
    assert HOSTILE in column_texts(page, "settings", 3)
    assert page.find_element(By.CSS_SELECTOR, "#settings tbody tr[data-row='8'] td:nth-child(2)").text == TABLES["settings"]["rows"][8][1]
    with pytest.raises(NoAlertPresentException):
        page.switch_to.alert.accept()


def test_the_page_loads_nothing_and_logs_no_error(page: WebDriver) -> None:
    save_screenshot(page, SCREENSHOT)
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    field = page.find_element(By.CSS_SELECTOR, "input[aria-controls='agents']")
    field.send_keys("ok")
    header(page, "agents", 3).click()
    wait(page).until(lambda d: header(d, "agents", 3).get_attribute("aria-sort") == "ascending")
    assert page.execute_script("return performance.getEntriesByType('resource').length") == 0
    errors = console_errors(page)
    if errors is None:
        pytest.skip("this driver cannot read the browser's console")
    assert errors == []


def test_without_javascript_every_row_is_still_shown(browser: WebDriver, page_path: Path) -> None:
    with javascript_off(browser):
        reload(browser, page_path)
        assert browser.find_elements(By.CSS_SELECTOR, "html[data-ready]") == []
        for table_id, table in TABLES.items():
            assert shown_rows(browser, table_id) == list(range(len(table["rows"])))
            assert browser.find_elements(By.CSS_SELECTOR, "#%s thead button" % table_id) == []
        assert not any(tools.is_displayed() for tools in browser.find_elements(By.CLASS_NAME, "tools"))
