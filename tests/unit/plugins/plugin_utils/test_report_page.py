# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report page's HTML: every text of the view stays text, the page loads nothing, and one view gives one page.

The page is read back with the standard library's HTML parser, as a browser would tokenise it: hostile text in any
field of the view must neither add an element, an attribute or a script nor lose a character. What a browser shows
(counts, chart, filtering, sorting) is checked in tests/integration/test_report_page_browser.py.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import typing as t
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils import _report_page as page
from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._report_page import render_html, status_tone

HOSTILE = "<script>alert(1)</script>"
BREAKOUT = "\"'><img src=x onerror=alert(1)></script><script>alert(2)</script>&amp;\u2028\u2029"
TAGS = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "p", "time", "main", "section", "div", "span", "svg", "g",
        "text", "rect", "ul", "li", "input", "table", "thead", "tbody", "tr", "th", "td", "footer", "script"}
ATTRIBUTES = {"lang", "charset", "http-equiv", "content", "name", "class", "datetime", "aria-label", "data-summary", "viewbox", "width", "height",
              "role", "data-bar", "data-value", "x", "y", "rx", "hidden", "type", "placeholder", "autocomplete", "aria-controls", "aria-live",
              "id", "scope", "data-type", "data-row"}


def sample_view(text: str = "") -> dict[str, t.Any]:
    """A view using every feature; ``text`` is added to every string in it (but the table ids)."""
    return {
        "title": "Migration" + text, "subtitle": "old-em \u2192 new-em" + text, "generated": "2026-12-02T07:00:00Z" + text,
        "summary": [{"label": "Agents" + text, "value": 3, "tone": "neutral"}, {"label": "Failed" + text, "value": 1, "tone": "bad"},
                    {"label": "Outcome" + text, "value": "completed" + text, "tone": "good"}],
        "chart": {"title": "By status" + text, "bars": [{"label": "ok" + text, "value": 2, "tone": "good"},
                                                        {"label": "failed" + text, "value": 1, "tone": "bad"}]},
        "notes": ["Re-run to finish" + text],
        "tables": [{"id": "agents", "title": "Agents" + text, "columns": ["Agent" + text, "Events", "Status"], "status_column": 2,
                    "rows": [["agent01" + text, 12, "ok"], ["agent02", 3, "failed: " + text], ["agent03" + text, None, "would change"]]},
                   {"id": "notes-table", "title": "More", "columns": ["Key", "Value"], "status_column": None,
                    "rows": [["a", HOSTILE + text], ["b" + text]]}],
    }


class Page(HTMLParser):
    """A rendered page, tokenised: its elements (tag, attributes) in order, and the text inside each kind of element."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag not in ("meta", "input"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, "</%s> closes <%s>" % (tag, self.stack[-1:])
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] not in ("style", "script"):
            self.text.append(data)

    def attributes(self, name: str) -> list[str | None]:
        return [attrs[name] for _tag, attrs in self.elements if name in attrs]

    def all_text(self) -> str:
        return "".join(self.text)


def test_a_hostile_cell_stays_text() -> None:
    source = render_html(sample_view())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in source
    assert HOSTILE not in source
    assert source.count("<script") == 1 and source.count("</script>") == 1


@pytest.mark.parametrize("text", [HOSTILE, BREAKOUT, "\"double\" and 'single'", "</script>", "</style><style>", "<!--", "]]>", "&lt;"])
def test_text_anywhere_in_the_view_adds_no_markup_and_loses_nothing(text: str) -> None:
    benign, hostile = Page(render_html(sample_view())), Page(render_html(sample_view(text)))
    assert [(tag, sorted(attrs)) for tag, attrs in hostile.elements] == [(tag, sorted(attrs)) for tag, attrs in benign.elements]
    assert hostile.stack == []
    assert hostile.attributes("data-summary") == [item["label"] for item in sample_view(text)["summary"]]
    assert hostile.attributes("data-bar") == [item["label"] for item in sample_view(text)["chart"]["bars"]]
    for cell in ("agent01" + text, "failed: " + text, HOSTILE + text, "Migration" + text, "Re-run to finish" + text):
        assert cell in hostile.all_text()


def test_quotes_in_labels_are_escaped_in_attributes() -> None:
    source = render_html(sample_view("\"q\" 'a'"))
    assert 'data-summary="Agents&quot;q&quot; &#x27;a&#x27;"' in source
    assert 'data-bar="ok&quot;q&quot; &#x27;a&#x27;"' in source


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=12), st.lists(st.lists(st.one_of(st.none(), st.integers(-5, 10**6), st.text(max_size=8)), max_size=3), max_size=5))
def test_any_text_round_trips(text: str, rows: list[list[t.Any]]) -> None:
    view = sample_view(text)
    view["tables"][1]["rows"] = rows
    view["tables"][1]["columns"] = ["A" + text, "B", "C"]
    parsed = Page(render_html(view))
    assert {tag for tag, _attrs in parsed.elements} <= TAGS
    assert {name for _tag, attrs in parsed.elements for name in attrs} <= ATTRIBUTES
    assert [tag for tag, _attrs in parsed.elements].count("script") == 1
    assert parsed.attributes("data-summary") == [item["label"] for item in view["summary"]]
    assert parsed.attributes("data-row") == [str(index) for index in range(3)] + [str(index) for index in range(len(rows))]


def test_every_summary_label_and_table_row_is_on_the_page() -> None:
    view = sample_view()
    parsed = Page(render_html(view))
    cards = [attrs for tag, attrs in parsed.elements if "data-summary" in attrs]
    assert [card["data-summary"] for card in cards] == ["Agents", "Failed", "Outcome"]
    assert parsed.attributes("id") == ["agents", "notes-table"]
    assert parsed.attributes("data-row") == ["0", "1", "2", "0", "1"]
    shown = parsed.all_text()
    for table in view["tables"]:
        for row in table["rows"]:
            for cell in row:
                assert ("" if cell is None else str(cell)) in shown


def test_summary_value_is_in_its_own_element() -> None:
    source = render_html(sample_view())
    assert ('<div class="card tone-bad" data-summary="Failed"><span class="label">Failed</span><span class="value">1</span></div>') in source


def test_the_page_loads_nothing() -> None:
    source = render_html(sample_view()).lower()
    for reference in ("http://", "https://", "src=", "href=", "url(", "@import", "<link", "<img", "<iframe", "<object", "<embed", "//cdn"):
        assert reference not in source
    assert Page(render_html(sample_view())).attributes("content")[0] == page.CSP
    assert page.CSP.startswith("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:")


def test_a_url_in_the_view_stays_text() -> None:
    view = sample_view()
    view["tables"][1]["rows"] = [["link", "https://evil.example/x.js"], ["img", '<img src="https://evil.example/p.png">']]
    parsed = Page(render_html(view))
    assert not any(name in ("src", "href") for _tag, attrs in parsed.elements for name in attrs)
    assert "https://evil.example/x.js" in parsed.all_text()


def test_the_same_view_gives_the_same_bytes() -> None:
    view = sample_view(HOSTILE)
    first = render_html(view)
    assert render_html(copy.deepcopy(view)) == first
    assert view == sample_view(HOSTILE)  # the view is not changed
    assert render_html(sample_view(HOSTILE)).encode("utf-8") == first.encode("utf-8")


def test_the_same_view_gives_the_same_bytes_in_another_process() -> None:
    collections = str(Path(page.__file__).parents[5])  # .../ansible_collections/netwrix/threat_prevention/plugins/plugin_utils/
    script = ("import json, sys; from ansible_collections.netwrix.threat_prevention.plugins.plugin_utils._report_page import render_html;"
              " sys.stdout.buffer.write(render_html(json.load(sys.stdin)).encode('utf-8'))")
    view = json.dumps(sample_view(BREAKOUT))
    outputs = {subprocess.run([sys.executable, "-c", script], input=view.encode("utf-8"), check=True, capture_output=True,
                              env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": collections}).stdout for seed in ("1", "2", "3")}
    assert outputs == {render_html(sample_view(BREAKOUT)).encode("utf-8")}


@pytest.mark.parametrize("text, tone", [
    ("failed: unreachable", "bad"), ("Failed", "bad"), ("refused: locked", "bad"), ("  error 5", "bad"), ("would change", "warn"),
    ("changed", "warn"), ("Changed (2 settings)", "warn"), ("unchanged", "good"), ("ok", "good"), ("OK", "good"), ("active", "good"),
    ("okay", "neutral"), ("not ok", "neutral"), ("unknown", "neutral"), ("", "neutral"), ("changedx", "neutral"),
])
def test_status_words_pick_the_tone(text: str, tone: str) -> None:
    assert status_tone(text) == tone


def test_status_cells_and_numeric_columns_are_marked() -> None:
    source = render_html(sample_view())
    assert '<td class="status tone-good">ok</td>' in source
    assert '<td class="status tone-bad">failed: </td>' in source
    assert '<td class="status tone-warn">would change</td>' in source
    assert '<th scope="col" class="number" data-type="number">Events</th>' in source  # a blank cell does not make it text
    assert '<th scope="col">Key</th>' in source


def test_only_the_four_tones_become_classes() -> None:
    view = sample_view()
    view["summary"][0]["tone"] = 'good" onclick="alert(1)'
    view["chart"]["bars"][0]["tone"] = "danger"
    source = render_html(view)
    assert '<div class="card tone-neutral" data-summary="Agents">' in source
    assert '<g class="bar tone-neutral" data-bar="ok"' in source
    assert "onclick" not in source


def test_mixed_and_boolean_columns_sort_as_text() -> None:
    view = {"title": "t", "tables": [{"id": "t", "columns": ["mixed", "flags", "numbers"], "rows": [[1, True, 1.5], ["2", False, -3]]}]}
    source = render_html(view)
    assert '<th scope="col">mixed</th><th scope="col">flags</th><th scope="col" class="number" data-type="number">numbers</th>' in source


def test_bars_scale_to_the_largest_value() -> None:
    view = {"title": "t", "chart": {"title": "c", "bars": [{"label": "a", "value": 4}, {"label": "b", "value": 1}, {"label": "c", "value": 0}]}}
    widths = [attrs["width"] for tag, attrs in Page(render_html(view)).elements if tag == "rect"]
    assert widths == ["420.0", "105.0", "0.0"]
    zero = {"title": "t", "chart": {"title": "c", "bars": [{"label": "a", "value": 0}]}}
    assert [attrs["width"] for tag, attrs in Page(render_html(zero)).elements if tag == "rect"] == ["0.0"]


def test_a_long_bar_label_is_shortened_but_kept_whole_in_its_attribute() -> None:
    label = "x" * 50
    source = render_html({"title": "t", "chart": {"title": "c", "bars": [{"label": label, "value": 1}]}})
    assert 'data-bar="%s"' % label in source
    assert ">%s\u2026</text>" % ("x" * 31) in source


def test_a_minimal_view_renders() -> None:
    parsed = Page(render_html({"title": "Only a title"}))
    assert {"svg", "table", "ul"}.isdisjoint(tag for tag, _attrs in parsed.elements)
    assert "Only a title" in parsed.all_text()


def test_an_empty_table_says_so() -> None:
    source = render_html({"title": "t", "tables": [{"id": "t", "title": "Empty", "columns": ["a"], "rows": []}]})
    assert '<p class="empty">No rows.</p>' in source and "0 of 0 rows" in source


@pytest.mark.parametrize("tables, message", [
    ([{"id": "a", "columns": ["x"], "rows": []}, {"id": "a", "columns": ["x"], "rows": []}], "ids must be unique"),
    ([{"id": "", "columns": ["x"], "rows": []}], "ids must be unique"),
    ([{"id": "a b", "columns": ["x"], "rows": []}], "without whitespace"),
    ([{"id": "a", "columns": ["x"], "rows": [[1, 2]]}], "has 2 cells for 1 columns"),
    ([{"id": "a", "columns": ["x"], "rows": [], "status_column": 1}], "not the index of a column"),
    ([{"id": "a", "columns": ["x"], "rows": [], "status_column": True}], "not the index of a column"),
])
def test_a_malformed_table_is_refused(tables: list[dict[str, t.Any]], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        render_html({"title": "t", "tables": tables})
