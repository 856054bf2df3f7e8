# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The repository stands alone: nothing in it cites a document that is not in it.

The collection's own pages are docs/docsite/rst/architecture.rst (the decisions) and
docs/docsite/rst/vendor_facts.rst (the vendor facts, cited as D-n.n / X-n.n). No tracked file may
point at a design file or at reference notes kept outside the repository, and every ``:ref:``
in the docsite must name a label that exists. No lab needed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()
RST = ROOT / 'docs' / 'docsite' / 'rst'

# Citations of documents outside the repository. "reference N.N" may break across lines (rst
# paragraphs are wrapped), so the patterns run on the whole text.
OUTSIDE = [
    ('DESIGN.md', re.compile(r'DESIGN\.md')),
    ('../shared', re.compile(r'\.\./shared')),
    ('/work/shared', re.compile(r'/work/shared')),
    ('reference N.N', re.compile(r'\breference\s+\(?(?:key\s+point\s+)?\d+(?:\.\d+)?(?![\w-])', re.IGNORECASE)),
    ('reference notes file', re.compile(r'\b(?:exchange-ad|domino-directory|lab-notes|ansible-collection-style)\.md\b')),
]
REF = re.compile(r':ref:`(?:[^`<]*<([^>`]+)>|([^`<>]+))`')
LABEL = re.compile(r'^\.\. _([^:]+):\s*$', re.MULTILINE)


def tracked_files() -> list:
    out = subprocess.run(['git', 'ls-files', '-z'], cwd=ROOT, check=True, capture_output=True).stdout
    return [p for p in out.decode().split('\0') if p and p != THIS]


def citations(path: str, text: str) -> list:
    found = []
    for name, pattern in OUTSIDE:
        for match in pattern.finditer(text):
            line = text.count('\n', 0, match.start()) + 1
            found.append(f'{path}:{line}: {name}: {match.group(0)!r}')
    return found


def read_text(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):      # deleted in the work tree, or a submodule
        return None
    if b'\0' in data[:8192]:
        return None                                     # binary
    return data.decode('utf-8', errors='replace')


def test_no_citation_of_documents_outside_the_repository():
    files = tracked_files()
    assert len(files) > 50, 'git ls-files found almost nothing: not run from the checkout?'
    found = []
    for path in files:
        text = read_text(ROOT / path)
        if text is not None:
            found += citations(path, text)
    assert not found, ('citations of documents that are not in the repository (cite '
                       'docs/docsite/rst/architecture.rst or a vendor_facts.rst entry instead):\n'
                       + '\n'.join(found))


@pytest.mark.parametrize('text, expected', [
    ('see DESIGN.md "Ownership"', 1),
    ('from ../shared/reference', 1),
    ('/work/shared/bench/x.json', 1),
    ('[verified, reference 4.1 item 8]', 1),
    ('[verified, Exchange reference\n  1.3]', 1),
    ('(reference 5, 8.2)', 1),
    ('reference (7.1)', 1),
    ('reference key point 5', 1),
    ('reference exchange-ad.md 3', 1),   # the file name
    ('a continuation reference: not chased', 0),
    ('vendor facts D-4.1 (docs/docsite/rst/vendor_facts.rst)', 0),
    (':ref:`X-1.6 <ansible_collections.coexist.domino_exchange.docsite.fact_x_1_6>`', 0),
])
def test_the_citation_patterns(text, expected):
    assert len(citations('x', text)) == expected


def docsite_labels() -> dict:
    labels = {}
    for page in sorted(RST.glob('*.rst')):
        for label in LABEL.findall(page.read_text(encoding='utf-8')):
            labels.setdefault(label.strip(), page.name)
    return labels


def test_every_ref_in_the_docsite_has_a_label():
    labels = docsite_labels()
    assert 'ansible_collections.coexist.domino_exchange.docsite.vendor_facts' in labels
    assert 'ansible_collections.coexist.domino_exchange.docsite.architecture' in labels
    missing = []
    for page in sorted(RST.glob('*.rst')):
        text = page.read_text(encoding='utf-8')
        for match in REF.finditer(text):
            target = (match.group(1) or match.group(2)).strip()
            if target not in labels:
                line = text.count('\n', 0, match.start()) + 1
                missing.append(f'{page.relative_to(ROOT)}:{line}: :ref: to {target!r}, no such label')
    assert not missing, '\n'.join(missing)


def test_labels_are_unique():
    seen, twice = {}, []
    for page in sorted(RST.glob('*.rst')):
        for label in LABEL.findall(page.read_text(encoding='utf-8')):
            if label in seen:
                twice.append(f'{label} in {seen[label]} and {page.name}')
            seen[label] = page.name
    assert not twice, '\n'.join(twice)


def test_the_pages_are_in_the_docsite():
    extra = (ROOT / 'docs' / 'docsite' / 'extra-docs.yml').read_text(encoding='utf-8')
    for page in ('architecture', 'vendor_facts'):
        assert re.search(rf'^\s*-\s*{page}\s*$', extra, re.MULTILINE), f'{page} is not in extra-docs.yml'
