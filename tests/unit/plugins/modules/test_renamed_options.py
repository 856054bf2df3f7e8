"""Names that say which directory they belong to (issue 16, item 3).

``marker_attribute`` was the AD attribute in one module and the Domino one in the other, and
``mail_system`` / ``mail_systems`` sat side by side. Each option now has a name of its own; the
old name stays an alias that still works and warns until 2.0.0. Each module's real argument spec
runs through AnsibleModule in-process (main() with its arguments patched), stopped right after
the parameters are validated, before any connection."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml
from ansible.module_utils import _internal
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directions.exchange_to_domino import domino_profile
from ansible_collections.coexist.domino_exchange.plugins.module_utils.module.coexist_module import CoexistModule
from ansible_collections.coexist.domino_exchange.plugins.modules import (
    ad_contact_sync, ad_mailbox_info, domino_contact_sync, domino_mailbox_info, validate_site)

MODULES = Path(__file__).resolve().parents[4] / 'plugins' / 'modules'

# module, new name, old name, a value other than the default
RENAMES = [
    (ad_contact_sync, 'ad_marker_attribute', 'marker_attribute', 'extensionAttribute15'),
    (ad_contact_sync, 'mailbox_mail_systems', 'mail_systems', ['0', '1']),
    (domino_contact_sync, 'domino_marker_attribute', 'marker_attribute', 'departmentNumber'),
    (domino_contact_sync, 'contact_mail_system', 'mail_system', '3'),
    (domino_contact_sync, 'mailbox_mail_systems', 'mail_systems', ['0', '1']),
    (ad_mailbox_info, 'ad_marker_attribute', 'marker_attribute', 'extensionAttribute15'),
    (domino_mailbox_info, 'domino_marker_attribute', 'marker_attribute', 'departmentNumber'),
    (domino_mailbox_info, 'mailbox_mail_systems', 'mail_systems', ['0', '1']),
    (validate_site, 'mailbox_mail_systems', 'mail_systems', ['0', '1']),
    (validate_site, 'contact_mail_system', 'mail_system', '3'),
]
IDS = [f'{m.__name__.rsplit(".", 1)[1]}-{old}' for m, _new, old, _value in RENAMES]

# What each module needs besides the option under test to get past its argument spec.
REQUIRED = {
    'ad_contact_sync': {'shared_domain': 'example.com'},
    'validate_site': {'shared_domain': 'example.com'},
}


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    for side in ('AD', 'DOMINO'):
        monkeypatch.delenv(f'COEXIST_{side}_SERVER', raising=False)
    # Once the test session has imported controller code (other tests do), ansible-core 2.19 sends
    # a module's deprecations to the controller's display instead of the module result; a module
    # runs target-side, so it is told so here.
    monkeypatch.setattr(_internal, 'is_controller', False)
    # A module process starts with no deprecations; in one test process they would pile up.
    monkeypatch.setattr(module_warnings, '_global_deprecations', {})


def parameters(module, args: dict, monkeypatch, capsys) -> dict:
    """The module's result when it stops right after AnsibleModule validated ``args``: the
    parameters as the module reads them, and the deprecations AnsibleModule raised."""

    class Stop(CoexistModule):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.module.exit_json(changed=False, params=self.params)

    monkeypatch.setattr(module, 'CoexistModule', Stop)
    name = module.__name__.rsplit('.', 1)[1]
    with patch_module_args(dict(REQUIRED.get(name, {}), **args)), pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def deprecations_of(result: dict, old: str) -> list:
    """The deprecations naming ``old``, as (message, version, collection): ansible-core 2.19 nests
    the message in ``event`` and the collection in ``deprecator``; older cores keep them flat."""
    found = []
    for d in result.get('deprecations', []):
        message = d.get('msg') or d.get('event', {}).get('msg', '')
        collection = d.get('collection_name') or (d.get('deprecator') or {}).get('resolved_name')
        if f"'{old}'" in message:
            found.append((message, d.get('version'), collection))
    return found


def documented_options(module) -> dict:
    text = (MODULES / f'{module.__name__.rsplit(".", 1)[1]}.py').read_text()
    doc = next(n.value.value for n in ast.parse(text).body
               if isinstance(n, ast.Assign) and getattr(n.targets[0], 'id', '') == 'DOCUMENTATION')
    return yaml.safe_load(doc)['options']


@pytest.mark.parametrize('module, new, old, value', RENAMES, ids=IDS)
def test_the_old_name_still_works_and_is_deprecated(module, new, old, value, monkeypatch, capsys):
    result = parameters(module, {old: value}, monkeypatch, capsys)
    assert not result.get('failed'), result
    assert result['params'][new] == value
    assert [d[1:] for d in deprecations_of(result, old)] == [('2.0.0', 'coexist.domino_exchange')], \
        result.get('deprecations')


@pytest.mark.parametrize('module, new, old, value', RENAMES, ids=IDS)
def test_the_new_name_works_without_a_warning(module, new, old, value, monkeypatch, capsys):
    result = parameters(module, {new: value}, monkeypatch, capsys)
    assert not result.get('failed'), result
    assert result['params'][new] == value
    assert not deprecations_of(result, old)


@pytest.mark.parametrize('module, new, old, value', RENAMES, ids=IDS)
def test_the_docs_show_the_new_name_with_the_old_as_alias(module, new, old, value):
    options = documented_options(module)
    assert new in options and options[new]['aliases'] == [old]
    assert old not in options
    assert old in ' '.join(options[new]['description'])      # says the alias is deprecated


def test_each_marker_option_names_its_directory():
    """No module has a bare marker_attribute or mail_system(s) option left."""
    for path in sorted(MODULES.glob('*.py')):
        text = path.read_text()
        doc = next(n.value.value for n in ast.parse(text).body
                   if isinstance(n, ast.Assign) and getattr(n.targets[0], 'id', '') == 'DOCUMENTATION')
        options = yaml.safe_load(doc).get('options') or {}
        assert not {'marker_attribute', 'mail_system', 'mail_systems'} & set(options), path.name


def test_validate_plans_with_the_names_the_sync_modules_read():
    """validate_site hands the sync's preparation the renamed keys: the Domino profile it plans
    with carries the Domino marker and the contacts' mail system given to validate."""
    p = {'ad': {}, 'domino': {'contacts_base': 'OU=Exchange,O=Acme'}, 'attribute_map': {'title': 'title'},
         'marker_prefix': 'coexist.domino_exchange:', 'mailbox_mail_systems': ['1'], 'contact_mail_system': '3',
         'ad_marker_attribute': 'extensionAttribute15', 'domino_marker_attribute': 'departmentNumber',
         'exchange_routing_domain': 'exchange.example.com', 'max_deletes': 500, 'max_delete_percent': 10.0,
         'shared_domain': 'example.com', 'routed_domains': [], 'domino_routing_domain': '', 'exchange_organization': None,
         'address_lists': None, 'mailbox_types': ['user'], 'include_hidden': False, 'include_disabled': True}
    direction = validate_site.direction_options(p, 'exchange_to_domino')
    assert direction.domino_marker_attribute == 'departmentNumber' and direction.contact_mail_system == '3'
    assert direction.ad_marker_attribute == 'extensionAttribute15'
    assert direction.domino['read_only'] and direction.ad['read_only']
    profile = domino_profile(direction)
    assert profile.marker_attribute == 'departmentNumber' and profile.mail_system == '3'
    d2e = validate_site.direction_options(p, 'domino_to_exchange')
    assert d2e.ad_marker_attribute == 'extensionAttribute15' and d2e.mailbox_mail_systems == ('1',)
