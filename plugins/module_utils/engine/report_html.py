# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""report.html: one self-contained page for people, from one or more report.json documents.

The summary (counts per direction and operation, the guard, the outcome) is rendered by Jinja
on the controller, so it reads even with scripts off. The rows (operations, conflicts, skips,
warnings, errors) travel as JSON inside the page and a small script shows them as tables with
a filter and pages of 50, so 200,000 rows stay usable: the browser builds one page of rows at a
time, never a 200,000-row DOM. Rows are slimmed for the page (attribute names, not values);
report.json keeps everything.
"""

from __future__ import annotations

import io
import json
import uuid

try:
    import jinja2
    from markupsafe import Markup
    HAS_JINJA2 = True
except ImportError:                        # the controller always has it (ansible-core needs it)
    HAS_JINJA2 = False

COUNT_COLUMNS = ['sources', 'managed', 'create', 'update', 'rename', 'delete', 'conflict', 'skip', 'warning',
                 'unchanged', 'suppressed', 'done', 'failed', 'not_attempted', 'pending']
OPERATION_KINDS = ['create', 'update', 'rename', 'delete']


def _operation_row(op: dict) -> dict:
    """One operation as a table row: what a reader scans for (the address of a new contact, the
    attributes an update changes, why a contact is renamed or deleted)."""
    if op['op'] == 'create':
        detail = ', '.join((op.get('attributes') or {}).get('mail', []))
    elif op['op'] == 'update':
        detail = ', '.join(sorted((op.get('changes') or {}).keys()))
    else:
        detail = op.get('reason', '')
    return {'dn': op['dn'], 'new_dn': op.get('new_dn', ''), 'status': op.get('status', ''), 'detail': detail,
            'error': op.get('error', ''), 'source_dn': op.get('source_dn', ''), 'anchor': op.get('anchor', ''),
            'kind': op.get('recipient_kind') or '-'}


def _supersession_row(item: dict) -> dict:
    """A superseded contact: the groups as one cell (each with what the merge does there)."""
    groups = '; '.join(f"{g['dn']} ({g['mailbox']})" for g in item.get('groups', []))
    return {'contact': item['contact'], 'mailbox': item.get('mailbox') or item['holder'], 'x500': item.get('x500', ''),
            'groups': groups or 'none', 'action': item.get('action', 'delete'),
            'missing_rights': '; '.join(item.get('missing_rights', [])), 'result': item['result']}


def _with_kind(item: dict) -> dict:
    """A conflict or skip with its kind of recipient as a cell ('-' when no source names one)."""
    return dict(item, kind=item.get('recipient_kind') or '-')


DETAIL = {'create': 'mail', 'update': 'attributes changed', 'rename': 'reason', 'delete': 'reason'}


class _OperationRows:
    """The rows of one kind of operation, made one at a time as the page is written: a first run
    of 100,000 held a row dict per create (and the entry it came from) for the whole page
    (issue 17). The report's ``operations`` are read once per row; their kinds are taken without
    making the entries when the report can say them (engine/report.py OperationEntries.op_kinds)."""

    def __init__(self, operations, kind: str):
        self._operations = operations
        self._kind = kind
        self._total = sum(1 for op_kind in self._kinds() if op_kind == kind)

    def _kinds(self):
        kinds = getattr(self._operations, 'op_kinds', None)
        return kinds() if kinds is not None else (op['op'] for op in self._operations)

    def __len__(self) -> int:
        return self._total

    def __iter__(self):
        for index, op_kind in enumerate(self._kinds()):
            if op_kind == self._kind:
                yield _operation_row(self._operations[index])


def _tables(report: dict) -> list:
    """(id, title, columns, rows) of every table of one direction."""
    direction = report['direction']
    tables = [(f'{direction}-errors', 'Errors (writes the server refused)', ['op', 'dn', 'kind', 'msg'], report['errors']),
              (f'{direction}-conflicts', 'Conflicts', ['kind', 'address', 'holder', 'source_dn', 'reason'],
               [_with_kind(c) for c in report['conflicts']]),
              (f'{direction}-superseded', 'Superseded contacts (a real mailbox took the address)',
               ['contact', 'mailbox', 'x500', 'groups', 'action', 'missing_rights', 'result'],
               [_supersession_row(s) for s in report.get('supersessions', [])]),
              (f'{direction}-skips', 'Skipped sources', ['kind', 'source_dn', 'reason', 'contact'],
               [_with_kind(s) for s in report['skips']]),
              (f'{direction}-warnings', 'Warnings', ['source_dn', 'attribute', 'reason'], report['warnings'])]
    for kind in OPERATION_KINDS:
        rows = _OperationRows(report['operations'], kind)
        columns = ['kind', 'dn', 'new_dn', 'status', 'detail', 'error', 'source_dn'] if kind == 'rename' else \
            ['kind', 'dn', 'status', 'detail', 'error', 'source_dn']
        tables.append((f'{direction}-{kind}', f'{kind.capitalize()} ({len(rows)}; detail: {DETAIL[kind]})', columns, rows))
    return tables


_TEMPLATE = r"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1d1d1f; }
h1 { font-size: 1.4em; } h2 { font-size: 1.2em; margin-top: 1.6em; } h3 { font-size: 1em; margin-top: 1.2em; }
table { border-collapse: collapse; margin: .4em 0; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .2em .5em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.outcome-ok { color: #176b2c; } .outcome-errors, .outcome-aborted, .outcome-guard_blocked, .outcome-refused { color: #b00020; font-weight: bold; }
.banner { border: 2px solid #b00020; padding: .5em; margin: .5em 0; }
.pager { margin: .3em 0; } .pager input { width: 22em; } .pager button { margin: 0 .2em; }
.empty { color: #666; font-style: italic; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p>Generated {{ generated }}. The full plan and outcome are in report.json beside this page.</p>

<h2>Summary</h2>
<table id="summary">
<thead><tr><th>direction</th><th>mode</th><th>outcome</th>{% for c in count_columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>
{% for r in reports %}
<tr data-direction="{{ r.direction }}">
<td>{{ r.direction }}</td><td>{{ 'check mode, nothing written' if r.mode == 'check' else 'real run' }}</td>
<td class="outcome-{{ r.outcome }}" data-outcome="{{ r.outcome }}">{{ r.outcome }}</td>
{% for c in count_columns %}<td class="n" data-count="{{ c }}">{{ r.counts.get(c, 0) }}</td>{% endfor %}
</tr>
{% endfor %}
</tbody>
</table>
{% for direction, message in failures.items() %}
<p class="banner" data-failed="{{ direction }}">{{ direction }} failed: {{ message }}</p>
{% endfor %}
{% for r in reports %}
{% if r.guard.blocked %}<p class="banner">{{ r.direction }}: deletion guard - nothing was written. {{ r.guard.reason }}</p>{% endif %}
{% if r.refused %}<p class="banner">{{ r.direction }}: nothing was written - {{ r.refused }}</p>{% endif %}
{% if r.counts.get('pending') %}<p class="banner" data-pending="{{ r.direction }}">{{ r.direction }}: {{ r.counts.pending }} writes pending
(max_writes {{ r.get('budget', {}).get('max_writes') }}): the next run does them.</p>{% endif %}
{% endfor %}

{% for r in reports %}
<h2 id="{{ r.direction }}">{{ r.direction }}</h2>
<p>Source: {{ r.source.get('directory', '?') }} {{ r.source.get('server', '') }}, {{ r.counts.sources }} sources{% if r.source.get('kinds') %}
(<span data-kinds="{{ r.direction }}">{% for k, n in r.source.kinds.items() %}{{ k }} {{ n }}{% if not loop.last %}, {% endif %}{% endfor %}</span>){% endif %}.
Target: {{ r.target.get('directory', '?') }} {{ r.target.get('server', '') }}, container {{ r.target.get('container', '') }},
{{ r.counts.managed }} managed contacts before the run. Guard: {{ r.guard.deletes }} deletes
(max_deletes {{ r.guard.max_deletes }}, max_delete_percent {{ r.guard.max_delete_percent }}).</p>
{% if r.get('progress') %}<p>Progress of the writes while the run went (rewritten every few seconds during a run):
<a class="progress" href="{{ r.get('progress_href') or r.progress }}">{{ r.progress }}</a></p>{% endif %}
{% for t in tables[r.direction] %}
<h3>{{ t.title }}</h3>
<div class="rows" id="{{ t.id }}" data-table="{{ t.id }}" data-columns="{{ t.columns | join(',') }}" data-total="{{ t.total }}"></div>
{% endfor %}
{% endfor %}

<script type="application/json" id="coexist-rows">{{ rows_json }}</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("coexist-rows").textContent);
  var PAGE = 50;
  function text(value) { return value === null || value === undefined ? "" : String(value); }
  function cell(tag, value) { var e = document.createElement(tag); e.textContent = text(value); return e; }
  document.querySelectorAll("div.rows").forEach(function (box) {
    var rows = data[box.dataset.table] || [], columns = box.dataset.columns.split(",");
    if (!rows.length) { box.appendChild(cell("p", "none")).className = "empty"; box.dataset.rendered = "0"; return; }
    var keys = rows.map(function (r) { return columns.map(function (c) { return text(r[c]); }).join("\u0001").toLowerCase(); });
    var bar = document.createElement("div"), filter = document.createElement("input");
    var prev = cell("button", "previous"), next = cell("button", "next"), info = cell("span", "");
    bar.className = "pager"; filter.type = "search"; filter.placeholder = "filter these " + rows.length + " rows";
    [filter, prev, next, info].forEach(function (e) { bar.appendChild(e); });
    var table = document.createElement("table"), head = document.createElement("tr"), body = document.createElement("tbody");
    columns.forEach(function (c) { head.appendChild(cell("th", c)); });
    table.appendChild(document.createElement("thead")).appendChild(head); table.appendChild(body);
    box.appendChild(bar); box.appendChild(table);
    var shown = rows.map(function (r, i) { return i; }), page = 0;
    function draw() {
      var pages = Math.max(1, Math.ceil(shown.length / PAGE)); page = Math.min(page, pages - 1);
      body.textContent = "";
      shown.slice(page * PAGE, (page + 1) * PAGE).forEach(function (i) {
        var tr = document.createElement("tr");
        columns.forEach(function (c) { tr.appendChild(cell("td", rows[i][c])); });
        body.appendChild(tr);
      });
      info.textContent = shown.length ? "rows " + (page * PAGE + 1) + "-" + Math.min(shown.length, (page + 1) * PAGE) +
        " of " + shown.length + (shown.length < rows.length ? " (filtered from " + rows.length + ")" : "") : "no row matches";
      prev.disabled = page === 0; next.disabled = page >= pages - 1;
      box.dataset.rendered = String(body.children.length); box.dataset.matching = String(shown.length);
    }
    filter.addEventListener("input", function () {
      var q = filter.value.toLowerCase(); page = 0;
      shown = []; keys.forEach(function (k, i) { if (k.indexOf(q) !== -1) { shown.push(i); } });
      draw();
    });
    prev.addEventListener("click", function () { page -= 1; draw(); });
    next.addEventListener("click", function () { page += 1; draw(); });
    draw();
  });
}());
</script>
</body>
</html>
"""


def render_html(reports: list, title: str = 'coexist.domino_exchange sync report', failures: dict | None = None) -> str:
    """The page for ``reports`` (report.json documents, one per direction) and ``failures``
    (direction -> why it failed, for a direction that may have no report)."""
    page = io.StringIO()
    write_html(page, reports, title, failures)
    return page.getvalue()


def _row_json(value) -> str:
    # Inside <script>, "</script" or "<!--" in a value would change how the page parses: no "<"
    # at all then (JSON allows \u003c for it).
    return json.dumps(value, ensure_ascii=False, separators=(',', ':')).replace('<', '\\u003c')


def write_html(out, reports: list, title: str = 'coexist.domino_exchange sync report',
               failures: dict | None = None) -> None:
    """:func:`render_html`, written to the text file ``out`` piece by piece: the tables' rows
    (one per operation: 100,000 at a first run of 100,000) go out one at a time rather than as
    one JSON text held beside the whole page (three copies of it at once, issue 17)."""
    if not HAS_JINJA2:
        raise RuntimeError('report.html needs Jinja2 (part of every ansible-core installation)')
    tables, rows = {}, {}
    for report in reports:
        tables[report['direction']] = []
        for table_id, table_title, columns, table_rows in _tables(report):
            tables[report['direction']].append({'id': table_id, 'title': table_title, 'columns': columns,
                                                'total': len(table_rows)})
            rows[table_id] = (columns, table_rows)
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(_TEMPLATE)
    generated = max((r.get('generated') or '' for r in reports), default='')
    mark = f'\x00rows-{uuid.uuid4().hex}\x00'        # where the rows go: no rendered text holds it
    head, tail = template.render(title=title, generated=generated, reports=reports, failures=failures or {},
                                 count_columns=COUNT_COLUMNS, tables=tables, rows_json=Markup(mark)).split(mark)
    out.write(head)
    out.write('{')
    for i, (table_id, (columns, table_rows)) in enumerate(rows.items()):
        out.write(f'{"," if i else ""}{_row_json(table_id)}:[')
        for j, row in enumerate(table_rows):
            out.write(f'{"," if j else ""}{_row_json({c: row.get(c) for c in columns})}')
        out.write(']')
    out.write('}')
    out.write(tail)
