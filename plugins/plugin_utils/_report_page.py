# Copyright: (c) 2026, netwrix.threat_prevention contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A report as one self-contained HTML page: the single renderer behind every HTML report of the collection.

Administrators open these reports in a browser on a jump host that may have no internet access, and attach them to
a change ticket: so the page is one file that loads nothing. Its style and script are inline, there are no fonts,
images or links, and a Content-Security-Policy forbids everything else. Without JavaScript every table is still
shown, only not filterable or sortable. The same view always renders to the same bytes.

The view is plain JSON data::

    {"title": str, "subtitle": str, "generated": "2026-12-02T07:00:00Z",
     "summary": [{"label": str, "value": int | str, "tone": "good" | "bad" | "warn" | "neutral"}],
     "chart": {"title": str, "bars": [{"label": str, "value": int, "tone": ...}]} | None,
     "notes": [str],
     "tables": [{"id": str, "title": str, "columns": [str], "rows": [[str | int | None, ...]],
                 "status_column": int | None}]}

Every key but ``title`` may be left out. A tone outside the four is ``neutral``. A summary item is a card with
``data-summary="<label>"`` and its value in the element of class ``value``; a bar of the chart (inline SVG) is the
group with ``data-bar="<label>"`` and ``data-value``. A table's ``id`` must be unique in the view and hold no
whitespace; its rows carry ``data-row`` (their index in the view), may be shorter than ``columns`` (the rest is
blank) but not longer, and ``None`` is a blank cell. A column whose cells are all numbers (blanks allowed) sorts
numerically, any other as text. The cell of ``status_column`` is coloured by the first word(s) of its text, see
STATUS_TONES. Every text of the view is HTML-escaped: nothing in it becomes markup, an attribute name, a URL or
script, and the script reads the page's own cells, so no data is embedded for it.

FOR INTERNAL COLLECTION USE ONLY: this module may change in any release.
"""

from __future__ import annotations

import html
import math
import re
import typing as t

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
TONES = ("good", "bad", "warn", "neutral")
# The tone of a status cell: the first entry whose words start its text (case-insensitive), else neutral.
STATUS_TONES = (
    ("failed", "bad"), ("refused", "bad"), ("error", "bad"), ("unreachable", "bad"), ("blocked", "bad"),
    ("would change", "warn"), ("changed", "warn"), ("skipped", "warn"), ("pending", "warn"), ("rolled back", "warn"),
    ("ok", "good"), ("active", "good"), ("unchanged", "good"), ("completed", "good"), ("passed", "good"),
)
_STATUS_RE = [(re.compile(r"\s*" + re.escape(words) + r"(?![a-z0-9_])", re.IGNORECASE), tone) for words, tone in STATUS_TONES]
# The chart's geometry, in SVG user units: label column, bar area, value column, and one row per bar.
_LABEL_WIDTH, _BAR_WIDTH, _VALUE_WIDTH, _ROW_HEIGHT, _BAR_HEIGHT = 240, 420, 80, 28, 18
_LABEL_CHARS = 32

_CSS = """
:root { color-scheme: light; --good: #1a7f37; --bad: #cf222e; --warn: #9a6700; --neutral: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; color: #1f2328; background: #fff; line-height: 1.45;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.6em; margin: 0 0 4px; }
h2 { font-size: 1.2em; margin: 32px 0 8px; }
header p { margin: 0; color: #57606a; }
.summary { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 24px; }
.card { min-width: 150px; padding: 10px 14px; border: 1px solid var(--line); border-left: 5px solid var(--neutral);
  border-radius: 6px; }
.card .label { display: block; font-size: 0.85em; color: #57606a; }
.card .value { display: block; font-size: 1.7em; font-weight: 600; font-variant-numeric: tabular-nums; }
.card.tone-good { border-left-color: var(--good); }
.card.tone-bad { border-left-color: var(--bad); }
.card.tone-warn { border-left-color: var(--warn); }
.chart svg { display: block; width: 100%; max-width: 740px; height: auto; }
.chart text { font-size: 13px; fill: #1f2328; dominant-baseline: middle; }
.chart text.bar-label { text-anchor: end; }
.chart rect { fill: var(--neutral); }
.chart .tone-good rect { fill: var(--good); }
.chart .tone-bad rect { fill: var(--bad); }
.chart .tone-warn rect { fill: var(--warn); }
.notes li { margin: 4px 0; }
.tools { display: flex; align-items: center; gap: 12px; margin: 0 0 8px; }
.tools input { font: inherit; padding: 4px 8px; width: 260px; border: 1px solid var(--line); border-radius: 4px; }
.count { color: #57606a; font-size: 0.9em; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.93em; }
th, td { text-align: left; vertical-align: top; padding: 5px 10px; border-bottom: 1px solid var(--line); }
th { background: #f6f8fa; font-weight: 600; white-space: nowrap; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
th.number { text-align: right; }
tbody tr:nth-child(even) { background: #fafbfc; }
th button.sort { all: unset; display: block; width: 100%; cursor: pointer; }
th button.sort:focus-visible { outline: 2px solid #0969da; outline-offset: 2px; }
th button.sort::after { content: " \\2195"; color: #8c959f; }
th[aria-sort="ascending"] button.sort::after { content: " \\25B2"; color: inherit; }
th[aria-sort="descending"] button.sort::after { content: " \\25BC"; color: inherit; }
td.status { font-weight: 600; }
td.status.tone-good { color: var(--good); background: #dafbe1; }
td.status.tone-bad { color: #a40e26; background: #ffebe9; }
td.status.tone-warn { color: #7d4e00; background: #fff8c5; }
p.empty { color: #57606a; font-style: italic; }
footer { margin-top: 40px; font-size: 0.85em; color: #57606a; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .tools, th button.sort::after { display: none; }
  .scroll { overflow: visible; }
  .card, .chart, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"""

# Filtering and sorting of every table; written for any browser of the last ten years (ES5).
_SCRIPT = """
(function () {
  'use strict';
  var collator = new Intl.Collator(undefined, {numeric: true, sensitivity: 'base'});
  var each = function (list, action) { Array.prototype.forEach.call(list, action); };

  function cellTexts(row) {
    return Array.prototype.map.call(row.cells, function (cell) { return cell.textContent; });
  }

  function compare(left, right, numeric) {
    if (!numeric) { return collator.compare(left, right); }
    var a = left === '' ? -Infinity : Number(left), b = right === '' ? -Infinity : Number(right);
    return a < b ? -1 : (a > b ? 1 : 0);
  }

  function setUp(section) {
    var table = section.querySelector('table'), body = table.tBodies[0];
    var input = section.querySelector('.tools input'), count = section.querySelector('.count');
    var headers = table.tHead.rows[0].cells;
    var rows = Array.prototype.slice.call(body.rows);
    var texts = rows.map(function (row) { return cellTexts(row).join('\\t').toLowerCase(); });

    function filter() {
      var query = input.value.trim().toLowerCase(), shown = 0;
      rows.forEach(function (row, index) {
        var match = texts[index].indexOf(query) !== -1;
        row.hidden = !match;
        shown += match ? 1 : 0;
      });
      count.textContent = shown + ' of ' + rows.length + ' rows';
    }

    function sortBy(column) {
      var header = headers[column], ascending = header.getAttribute('aria-sort') !== 'ascending';
      var numeric = header.getAttribute('data-type') === 'number', order = [], fragment = document.createDocumentFragment();
      each(headers, function (cell) { cell.removeAttribute('aria-sort'); });
      header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      rows.forEach(function (row, index) { order.push({row: row, index: index, key: cellTexts(row)[column] || ''}); });
      order.sort(function (a, b) {
        var result = compare(a.key, b.key, numeric);
        return (ascending ? result : -result) || a.index - b.index;
      });
      order.forEach(function (item) { fragment.appendChild(item.row); });
      body.appendChild(fragment);
    }

    each(headers, function (header, column) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort';
      while (header.firstChild) { button.appendChild(header.firstChild); }
      header.appendChild(button);
      header.addEventListener('click', function () { sortBy(column); });
    });
    input.addEventListener('input', filter);
    input.addEventListener('change', filter);
    section.querySelector('.tools').hidden = false;
    filter();
  }

  each(document.querySelectorAll('section.report-table'), setUp);
  document.documentElement.setAttribute('data-ready', 'true');
}());
"""


def render_html(view: t.Mapping[str, t.Any]) -> str:
    """The view (see the module's documentation) as one self-contained HTML page."""
    title = str(view.get("title") or "Report")
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        '<meta http-equiv="Content-Security-Policy" content="%s">\n' % _esc(CSP),
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="referrer" content="no-referrer">\n',
        "<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n" % (_esc(title), _CSS),
        _header(title, view),
        "<main>\n",
        _summary(view.get("summary") or []),
        _chart(view.get("chart")),
        _notes(view.get("notes") or []),
        _tables(view.get("tables") or []),
        "</main>\n<footer>netwrix.threat_prevention report page</footer>\n",
        "<script>%s</script>\n</body>\n</html>\n" % _SCRIPT,
    ]
    return "".join(parts)


def status_tone(text: str) -> str:
    """The tone of a status cell's text: good, bad, warn or neutral (see STATUS_TONES)."""
    for pattern, tone in _STATUS_RE:
        if pattern.match(text):
            return tone
    return "neutral"


def _esc(value: t.Any) -> str:
    return html.escape(str(value), quote=True)


def _tone(value: t.Any) -> str:
    return value if value in TONES else "neutral"


def _header(title: str, view: t.Mapping[str, t.Any]) -> str:
    lines = ["<header>\n<h1>%s</h1>\n" % _esc(title)]
    if view.get("subtitle"):
        lines.append('<p class="subtitle">%s</p>\n' % _esc(view["subtitle"]))
    if view.get("generated"):
        lines.append('<p class="generated">Generated <time datetime="%s">%s</time></p>\n' % (_esc(view["generated"]), _esc(view["generated"])))
    lines.append("</header>\n")
    return "".join(lines)


def _summary(items: t.Sequence[t.Mapping[str, t.Any]]) -> str:
    if not items:
        return ""
    cards = ['<div class="card tone-%s" data-summary="%s"><span class="label">%s</span><span class="value">%s</span></div>\n'
             % (_tone(item.get("tone")), _esc(item.get("label", "")), _esc(item.get("label", "")), _esc(_plain(item.get("value"))))
             for item in items]
    return '<section class="summary" aria-label="Summary">\n%s</section>\n' % "".join(cards)


def _chart(chart: t.Mapping[str, t.Any] | None) -> str:
    """A horizontal bar chart as inline SVG: one row per bar, label left, bar scaled to the largest value, value right."""
    bars = (chart or {}).get("bars") or []
    if not bars:
        return ""
    title = str((chart or {}).get("title") or "Chart")
    largest = max([_number(item.get("value")) for item in bars] + [0])
    width, height = _LABEL_WIDTH + _BAR_WIDTH + _VALUE_WIDTH, _ROW_HEIGHT * len(bars)
    rows = [_bar(index, item, largest) for index, item in enumerate(bars)]
    return ('<section class="chart">\n<h2>%s</h2>\n<svg viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">\n%s</svg>\n</section>\n'
            % (_esc(title), width, height, width, height, _esc(title), "".join(rows)))


def _bar(index: int, item: t.Mapping[str, t.Any], largest: float) -> str:
    label, value = str(item.get("label", "")), _plain(item.get("value"))
    length = _BAR_WIDTH * _number(item.get("value")) / largest if largest > 0 else 0.0
    shown = label if len(label) <= _LABEL_CHARS else label[:_LABEL_CHARS - 1] + "\u2026"
    top, middle = index * _ROW_HEIGHT + (_ROW_HEIGHT - _BAR_HEIGHT) / 2, index * _ROW_HEIGHT + _ROW_HEIGHT / 2
    return ('<g class="bar tone-%s" data-bar="%s" data-value="%s"><title>%s: %s</title>'
            '<text class="bar-label" x="%d" y="%.1f">%s</text>'
            '<rect x="%d" y="%.1f" width="%.1f" height="%d" rx="2"></rect>'
            '<text class="bar-value" x="%.1f" y="%.1f">%s</text></g>\n'
            % (_tone(item.get("tone")), _esc(label), _esc(value), _esc(label), _esc(value),
               _LABEL_WIDTH - 8, middle, _esc(shown),
               _LABEL_WIDTH, top, length, _BAR_HEIGHT,
               _LABEL_WIDTH + length + 6, middle, _esc(value)))


def _notes(notes: t.Sequence[t.Any]) -> str:
    if not notes:
        return ""
    return '<section class="notes">\n<h2>Notes</h2>\n<ul>\n%s</ul>\n</section>\n' % "".join("<li>%s</li>\n" % _esc(note) for note in notes)


def _tables(tables: t.Sequence[t.Mapping[str, t.Any]]) -> str:
    ids = [str(table.get("id", "")) for table in tables]
    for table_id in ids:
        if not table_id or re.search(r"\s", table_id) or ids.count(table_id) > 1:
            raise ValueError("report table ids must be unique, non-empty and without whitespace: %r" % (table_id,))
    return "".join(_table(table) for table in tables)


def _table(table: t.Mapping[str, t.Any]) -> str:
    columns = [str(column) for column in table.get("columns") or []]
    rows = [list(row) for row in table.get("rows") or []]
    status = _status_column(table.get("status_column"), len(columns))
    for index, row in enumerate(rows):
        if len(row) > len(columns):
            raise ValueError("row %d of report table %r has %d cells for %d columns" % (index, table["id"], len(row), len(columns)))
        row.extend([None] * (len(columns) - len(row)))
    numeric = [_is_numeric([row[column] for row in rows]) for column in range(len(columns))]
    table_id, title = _esc(table["id"]), _esc(table.get("title") or table["id"])
    head = "".join('<th scope="col"%s>%s</th>' % (' class="number" data-type="number"' if numeric[i] else "", _esc(name)) for i, name in enumerate(columns))
    body = "".join(_row(index, row, numeric, status) for index, row in enumerate(rows))
    return ('<section class="report-table">\n<h2>%s</h2>\n'
            '<div class="tools" hidden><input type="search" placeholder="Filter rows" autocomplete="off" aria-label="Filter %s" aria-controls="%s">'
            '<span class="count" aria-live="polite">%d of %d rows</span></div>\n'
            '<div class="scroll"><table id="%s" aria-label="%s">\n<thead><tr>%s</tr></thead>\n<tbody>\n%s</tbody>\n</table></div>\n%s</section>\n'
            % (title, title, table_id, len(rows), len(rows), table_id, title, head, body, "" if rows else '<p class="empty">No rows.</p>\n'))


def _row(index: int, row: t.Sequence[t.Any], numeric: t.Sequence[bool], status: int | None) -> str:
    cells = []
    for column, value in enumerate(row):
        text = _plain(value)
        classes = ["number"] if numeric[column] else []
        if column == status:
            classes += ["status", "tone-" + status_tone(text)]
        cells.append("<td%s>%s</td>" % (' class="%s"' % " ".join(classes) if classes else "", _esc(text)))
    return '<tr data-row="%d">%s</tr>\n' % (index, "".join(cells))


def _status_column(value: t.Any, columns: int) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < columns:
        raise ValueError("status_column %r is not the index of a column" % (value,))
    return value


def _is_numeric(cells: t.Sequence[t.Any]) -> bool:
    """Whether every cell is a number or blank, and one at least is a number."""
    values = [cell for cell in cells if cell is not None and cell != ""]
    return bool(values) and all(isinstance(cell, (int, float)) and not isinstance(cell, bool) and math.isfinite(cell) for cell in values)


def _number(value: t.Any) -> float:
    """A bar's value as a length: a number of at least 0 (anything else is 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return 0.0
    return max(float(value), 0.0)


def _plain(value: t.Any) -> str:
    """A value as its text: None is blank."""
    return "" if value is None else str(value)
