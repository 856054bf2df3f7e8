"""report.html in a real browser: headless Chromium (Debian ``chromium``) loads the page, runs its
script and prints the DOM it built. The summary must show the report's counts, and a 200,000-row
operation table must come up as one page of 50 rows with the filter and the pager."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.report_html import (
    COUNT_COLUMNS, render_html)

CHROMIUM = shutil.which('chromium')


def rendered_dom(page) -> str:
    """The DOM after the page's script ran, as Chromium serialises it."""
    assert CHROMIUM, 'chromium is not installed: scripts/bootstrap.sh installs it'
    result = subprocess.run([CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', page.as_uri()],
                            capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def report(direction: str, creates: int, conflicts: int = 3) -> dict:
    operations = [{'op': 'create', 'anchor': f'{i:032X}', 'dn': f'CN=Person {i},OU=Contacts,DC=corp',
                   'attributes': {'mail': [f'person.{i}@example.com']}, 'status': 'done',
                   'source_dn': f'cn=Person {i},o=Acme'} for i in range(creates)]
    operations.append({'op': 'delete', 'anchor': 'F' * 32, 'dn': 'CN=Gone,OU=Contacts,DC=corp', 'status': 'failed',
                       'reason': 'source mailbox gone', 'error': 'AD server refused the delete'})
    counts = dict.fromkeys(COUNT_COLUMNS, 0)
    counts.update(sources=creates + conflicts, create=creates, delete=1, conflict=conflicts, done=creates, failed=1)
    return {'schema': 'coexist.domino_exchange.report', 'version': 1, 'generated': '2026-11-29T00:00:00Z',
            'direction': direction, 'mode': 'apply', 'outcome': 'errors', 'source': {'directory': 'domino'},
            'target': {'directory': 'ad'}, 'counts': counts,
            'guard': {'blocked': False, 'reason': None, 'managed': 0, 'deletes': 1, 'max_deletes': 500,
                      'max_delete_percent': 10.0},
            'refused': None, 'operations': operations, 'suppressed': [],
            'conflicts': [{'anchor': f'{i:032X}', 'source_dn': f'cn=C{i},o=Acme', 'address': f'c{i}@example.com',
                           'holder': 'CN=Mailbox,DC=corp (mailbox)', 'reason': f'c{i}@example.com belongs to a mailbox'}
                          for i in range(conflicts)],
            'skips': [], 'warnings': [],
            'errors': [{'op': 'delete', 'dn': 'CN=Gone,OU=Contacts,DC=corp', 'kind': 'access',
                        'msg': 'AD server refused the delete'}]}


def test_chromium_renders_the_summary_and_one_page_of_200000_rows(tmp_path):
    big, small = report('domino_to_exchange', 200_000), report('exchange_to_domino', 7, conflicts=0)
    page = tmp_path / 'report.html'
    page.write_text(render_html([big, small]), encoding='utf-8')
    dom = rendered_dom(page)
    for r in (big, small):
        row = re.search(rf'<tr data-direction="{r["direction"]}">(.*?)</tr>', dom, re.S).group(1)
        shown = dict(re.findall(r'data-count="(\w+)">(\d+)<', row))
        assert {k: int(v) for k, v in shown.items()} == r['counts']
        assert f'data-outcome="{r["outcome"]}"' in row
    # the big table: built by the script, one page of 50 rows, the pager counts all 200,000
    table = re.search(r'<div class="rows" id="domino_to_exchange-create".*?</table>', dom, re.S).group(0)
    assert 'data-rendered="50"' in table and 'rows 1-50 of 200000' in table
    assert table.count('<tr>') == 51 and 'person.0@example.com' in table and 'person.50@example.com' not in table
    assert 'data-rendered="1"' in re.search(r'id="domino_to_exchange-errors".*?</table>', dom, re.S).group(0)
    assert 'AD server refused the delete' in dom and 'c2@example.com belongs to a mailbox' in dom
    assert 'rows 1-7 of 7' in dom


@pytest.mark.parametrize('query, matching', [('person.1999', 11), ('PERSON.19999@', 1), ('no such thing', 0)])
def test_the_filter_narrows_the_rows(tmp_path, query, matching):
    """The filter as a user types it: a small script appended to a copy of the page sets the
    input and fires the event the page listens for, before Chromium prints the DOM."""
    page = tmp_path / 'report.html'
    text = render_html([report('domino_to_exchange', 20_000)])
    driver = ('<script>var f = document.querySelector("#domino_to_exchange-create input");'
              f'f.value = {query!r}; f.dispatchEvent(new Event("input"));</script></body>')
    page.write_text(text.replace('</body>', driver), encoding='utf-8')
    table = re.search(r'<div class="rows" id="domino_to_exchange-create"[^>]*>', rendered_dom(page)).group(0)
    assert f'data-matching="{matching}"' in table
