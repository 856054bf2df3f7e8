"""Every documented default is the constant it stands for (issue 16, item 2).

The modules' DOCUMENTATION and the doc fragments are YAML and must spell each default out; the
argument specs and the typed options (directions/) take them from the dialects' constants. A
default retyped in one place and changed in another (the marker prefix stood as a literal in
five modules, the Domino mail systems in four, msExchVersion in three) fails here: the
documented default of each module, its real argument spec (main() stopped when it builds its
AnsibleModule) and the constant must agree, and so must the typed options' defaults.
"""
from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
from pathlib import Path
from unittest import mock

import pytest
import yaml
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects import ad, domino
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions.base import SyncOptions
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions.domino_to_exchange import (
    DominoToExchangeOptions)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions.exchange_to_domino import (
    ExchangeToDominoOptions)
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.delta import DEFAULT_FULL_EVERY
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.marker import DEFAULT_MARKER_PREFIX
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import Limits
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.run import DEFAULT_ATTRIBUTE_MAP

PLUGINS = Path(__file__).resolve().parents[4] / 'plugins'
COLLECTION = 'ansible_collections.coexist.domino_exchange.plugins'

# option name -> the constant its default stands for, wherever a module takes it
CONSTANTS = {
    'marker_prefix': DEFAULT_MARKER_PREFIX,
    'ad_marker_attribute': ad.DEFAULT_MARKER_ATTRIBUTE,
    'domino_marker_attribute': domino.DEFAULT_MARKER_ATTRIBUTE,
    'mailbox_mail_systems': list(domino.DEFAULT_MAIL_SYSTEMS),
    'contact_mail_system': domino.DEFAULT_CONTACT_MAIL_SYSTEM,
    'msexch_version': ad.MSEXCH_VERSION_AUTO,
    'attribute_map': DEFAULT_ATTRIBUTE_MAP,
    'mailbox_types': list(ad.DEFAULT_MAILBOX_KINDS),
    **{f.name: f.default for f in dataclasses.fields(Limits)},
    'supersede': ad.SUPERSEDE_MODES[0],
    'sample_size': SyncOptions.sample_size,
    'diff_limit': SyncOptions.diff_limit,
    'full_every': DEFAULT_FULL_EVERY,
}
# the sync modules and the typed options they are read into
OPTIONS_OF = {'ad_contact_sync': DominoToExchangeOptions, 'domino_contact_sync': ExchangeToDominoOptions}
MODULE_NAMES = sorted(p.stem for p in (PLUGINS / 'modules').glob('*.py') if p.stem != '__init__')


@functools.lru_cache(maxsize=None)
def documented_options(name: str) -> dict:
    """A module's options as ansible-doc shows them: its own and its doc fragments' (top level)."""
    text = (PLUGINS / 'modules' / f'{name}.py').read_text()
    doc = yaml.safe_load(next(n.value.value for n in ast.parse(text).body
                              if isinstance(n, ast.Assign) and getattr(n.targets[0], 'id', '') == 'DOCUMENTATION'))
    options = {}
    for fragment in doc.get('extends_documentation_fragment') or []:
        _namespace, _collection, module, *attribute = fragment.split('.')
        holder = importlib.import_module(f'{COLLECTION}.doc_fragments.{module}').ModuleDocFragment
        options.update(yaml.safe_load(getattr(holder, (attribute or ['DOCUMENTATION'])[0])).get('options') or {})
    options.update(doc.get('options') or {})
    return options


class _Spec(Exception):
    def __init__(self, argument_spec):
        super().__init__('stopped')
        self.argument_spec = argument_spec


@functools.lru_cache(maxsize=None)
def argument_spec(name: str) -> dict:
    """The argument spec the module really builds: main() stopped where it creates its AnsibleModule."""
    def stop(self, argument_spec, *args, **kwargs):
        raise _Spec(argument_spec)

    module = importlib.import_module(f'{COLLECTION}.modules.{name}')
    with mock.patch.object(basic.AnsibleModule, '__init__', stop), patch_module_args({}), \
            pytest.raises(_Spec) as stopped:
        module.main()
    return stopped.value.argument_spec


def plain(value):
    """Tuples as the lists YAML and the argument spec hold."""
    return list(value) if isinstance(value, tuple) else value


CASES = [(name, option) for name in MODULE_NAMES for option in sorted(set(documented_options(name)) & set(CONSTANTS))]


def test_every_constant_stands_behind_some_module_option():
    """The table is not vacuous: each constant is the default of at least one module's option."""
    assert set(CONSTANTS) == {option for _name, option in CASES}
    # the retyped ones the issue counted: marker prefix 5x, mail systems 4x, msExchVersion 3x (two
    # modules and validate_site's planning, which now reads it from the typed options)
    counts = {o: sum(1 for _n, option in CASES if option == o) for o in ('marker_prefix', 'mailbox_mail_systems')}
    assert counts == {'marker_prefix': 5, 'mailbox_mail_systems': 4}


@pytest.mark.parametrize('name, option', CASES, ids=[f'{n}-{o}' for n, o in CASES])
def test_the_documented_default_is_the_constant(name, option):
    assert documented_options(name)[option].get('default') == plain(CONSTANTS[option])


@pytest.mark.parametrize('name, option', CASES, ids=[f'{n}-{o}' for n, o in CASES])
def test_the_argument_spec_default_is_the_constant(name, option):
    assert argument_spec(name)[option].get('default') == plain(CONSTANTS[option])


@pytest.mark.parametrize('name', sorted(OPTIONS_OF))
def test_the_typed_options_default_as_the_module_documents(name):
    """What a direction plans with when a parameter is left out (validate_site leaves some out)
    is what the sync module's documentation promises."""
    documented = documented_options(name)
    defaults = OPTIONS_OF[name]()
    compared = []
    for field in dataclasses.fields(OPTIONS_OF[name]):
        if field.name not in documented or documented[field.name].get('required'):
            continue
        assert plain(getattr(defaults, field.name)) == documented[field.name].get('default'), field.name
        compared.append(field.name)
    for limit in dataclasses.fields(Limits):
        assert getattr(defaults.limits, limit.name) == documented[limit.name]['default'], limit.name
    assert len(compared) >= 10, compared
