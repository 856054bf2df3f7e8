"""Every module's DOCUMENTATION, EXAMPLES and RETURN are YAML (a plain scalar with ': ' in it is
not), so ansible-doc renders them; sanity checks them against the argument specs.

A DN in a YAML flow list must be quoted: ``[OU=Exchange Users,DC=corp,DC=example,DC=com]`` is a
list of four strings, not one DN. Every list in the docs is checked for such pieces."""
from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest
import yaml

MODULES = sorted((Path(__file__).resolve().parents[4] / 'plugins' / 'modules').glob('*.py'))
BLOCKS = ('DOCUMENTATION', 'EXAMPLES', 'RETURN')

# One RDN on its own, of a kind that ends a DN (DC=com, O=Acme): a piece of a DN when the item
# before it in the same list is one RDN on its own too (OU=Exchange Users, DC=example).
TAIL_RDN = re.compile(r'^\s*(DC|O)=[^,]*$', re.IGNORECASE)
ONE_RDN = re.compile(r'^\s*(OU|CN|DC|O)=[^,]*$', re.IGNORECASE)


def doc_blocks(path: Path) -> dict:
    return {node.targets[0].id: node.value.value for node in ast.parse(path.read_text()).body
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in BLOCKS}


def lists_in(value):
    """Every list anywhere in a parsed YAML document."""
    if isinstance(value, list):
        yield value
        for item in value:
            yield from lists_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from lists_in(item)


def dn_pieces(items: list) -> list:
    """The items of a list that are pieces of a DN cut at its commas (an unquoted flow list)."""
    strings = [i if isinstance(i, str) else None for i in items]
    return [s for before, s in zip(strings, strings[1:])
            if s is not None and before is not None and ONE_RDN.match(before) and TAIL_RDN.match(s)]


@pytest.mark.parametrize('path', MODULES, ids=[p.stem for p in MODULES])
def test_module_docs_are_yaml(path):
    blocks = doc_blocks(path)
    assert set(blocks) == set(BLOCKS)
    for name, text in blocks.items():
        assert yaml.safe_load(text) is not None, name


@pytest.mark.parametrize('path', MODULES, ids=[p.stem for p in MODULES])
def test_dns_in_module_docs_are_whole(path):
    for name, text in doc_blocks(path).items():
        parsed = yaml.safe_load(text)
        documents = parsed if name == 'EXAMPLES' else [parsed]
        for document in documents:
            for items in lists_in(document):
                assert not dn_pieces(items), (
                    f'{path.name} {name}: a DN was cut into list items {items!r}: quote DNs in flow lists')


@pytest.mark.parametrize('text, pieces', [
    ('sample: [OU=Exchange Users,DC=corp,DC=example,DC=com]', ['DC=corp', 'DC=example', 'DC=com']),
    ('sample: ["OU=Exchange Users,DC=corp,DC=example,DC=com"]', []),
    ('sample: [DC=corp,DC=example,DC=com, CN=Configuration,DC=corp,DC=example,DC=com]',
     ['DC=example', 'DC=com', 'DC=corp', 'DC=example', 'DC=com']),
    ('sample: ["DC=corp,DC=example,DC=com", "CN=Configuration,DC=corp,DC=example,DC=com"]', []),
    ('sample: [CN=LDAP Sync,O=Acme]', ['O=Acme']),
    ('sample: ["CN=LDAP Sync,O=Acme", "O=Acme"]', []),           # two whole DNs
    ('sample: [a, b]', []),
])
def test_the_dn_check_catches_unquoted_flow_lists(text, pieces):
    assert [p for items in lists_in(yaml.safe_load(text)) for p in dn_pieces(items)] == pieces


GUIDES = sorted((Path(__file__).resolve().parents[4] / 'docs' / 'docsite' / 'rst').glob('*.rst'))
CODE_BLOCK = re.compile(r'^\.\. code-block:: yaml\n((?:[ \t]*\n|[ \t]+.*\n)+)', re.MULTILINE)


@pytest.mark.parametrize('path', GUIDES, ids=[p.stem for p in GUIDES])
def test_dns_in_guide_yaml_are_whole(path):
    """The guides' YAML examples get copied into inventories: the same check as the module docs."""
    for block in CODE_BLOCK.findall(path.read_text()):
        try:
            document = yaml.safe_load(textwrap.dedent(block))
        except yaml.YAMLError:
            continue                    # a fragment or a template, not a whole document
        for items in lists_in(document):
            assert not dn_pieces(items), f'{path.name}: a DN was cut into list items {items!r}: quote DNs in flow lists'
