"""Every module's DOCUMENTATION, EXAMPLES and RETURN are YAML (a plain scalar with ': ' in it is
not), so ansible-doc renders them; sanity checks them against the argument specs."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

MODULES = sorted((Path(__file__).resolve().parents[4] / 'plugins' / 'modules').glob('*.py'))


@pytest.mark.parametrize('path', MODULES, ids=[p.stem for p in MODULES])
def test_module_docs_are_yaml(path):
    blocks = {node.targets[0].id: node.value.value for node in ast.parse(path.read_text()).body
              if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
              and node.targets[0].id in ('DOCUMENTATION', 'EXAMPLES', 'RETURN')}
    assert set(blocks) == {'DOCUMENTATION', 'EXAMPLES', 'RETURN'}
    for name, text in blocks.items():
        assert yaml.safe_load(text) is not None, name
