"""The ad/domino options: environment fallbacks, precedence, and docs that match the spec."""
from __future__ import annotations

import json

import pytest
import yaml
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.coexist.domino_exchange.plugins.doc_fragments.directories import ModuleDocFragment
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory import connection
from ansible_collections.coexist.domino_exchange.plugins.module_utils.module import options as _options

ENV_KEYS = ['SERVER', 'BIND_DN', 'BIND_PASSWORD', 'SASL_MECH', 'CA_FILE', 'VALIDATE_CERTS', 'START_TLS',
            'ALLOW_PLAINTEXT_BIND', 'TIMEOUT', 'CONNECT_TIMEOUT', 'PAGE_SIZE']


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for side in ('AD', 'DOMINO'):
        for key in ENV_KEYS + ['GLOBAL_CATALOG']:
            monkeypatch.delenv(f'COEXIST_{side}_{key}', raising=False)


def validated(args: dict) -> dict:
    spec = {'ad': _options.ad_option(), 'domino': _options.domino_option()}
    with patch_module_args(args):
        return AnsibleModule(argument_spec=spec).params


def test_environment_fills_missing_connection_keys(monkeypatch):
    monkeypatch.setenv('COEXIST_AD_SERVER', 'ldaps://env.example.com')
    monkeypatch.setenv('COEXIST_AD_BIND_PASSWORD', 'from-env')
    monkeypatch.setenv('COEXIST_AD_VALIDATE_CERTS', 'false')
    monkeypatch.setenv('COEXIST_AD_TIMEOUT', '5')
    params = validated({'ad': {'bind_dn': 'CN=svc,DC=corp', 'contacts_ou': 'OU=C,DC=corp'}})
    ad = params['ad']
    assert ad['server'] == 'ldaps://env.example.com'
    assert ad['bind_password'] == 'from-env'
    assert ad['validate_certs'] is False and ad['timeout'] == 5
    assert ad['bind_dn'] == 'CN=svc,DC=corp' and ad['contacts_ou'] == 'OU=C,DC=corp'


def test_explicit_value_beats_the_environment(monkeypatch):
    monkeypatch.setenv('COEXIST_DOMINO_SERVER', 'ldaps://env.example.com')
    monkeypatch.setenv('COEXIST_DOMINO_BIND_DN', 'cn=env')
    params = validated({'domino': {'server': 'ldaps://given.example.com'}})
    assert params['domino']['server'] == 'ldaps://given.example.com'
    assert params['domino']['bind_dn'] == 'cn=env'


def test_option_left_out_entirely_still_reads_the_environment(monkeypatch):
    monkeypatch.setenv('COEXIST_DOMINO_SERVER', 'ldaps://env.example.com')
    params = validated({})
    assert params['domino']['server'] == 'ldaps://env.example.com'
    assert params['domino']['mailbox_base'] == ''
    assert connection.connection_settings('ad', params['ad']) is None


def test_defaults_are_safe():
    s = connection.connection_settings('ad', validated({'ad': {'server': 'ldaps://dc1'}})['ad'])
    assert s.validate_certs is True and s.allow_plaintext_bind is False and s.start_tls is False
    assert s.page_size == 1000 and s.timeout == 60 and s.label == 'AD'


def test_password_is_registered_as_no_log(monkeypatch, capsys):
    monkeypatch.setenv('COEXIST_AD_BIND_PASSWORD', 'env-secret-value')
    spec = {'ad': _options.ad_option()}
    with patch_module_args({'ad': {'server': 'ldaps://dc1'}}):
        module = AnsibleModule(argument_spec=spec)
        with pytest.raises(SystemExit):
            module.exit_json(echo=module.params['ad'])
    out = json.loads(capsys.readouterr().out)
    assert 'env-secret-value' not in json.dumps(out)


def test_unknown_keys_are_refused(capsys):
    with pytest.raises(SystemExit):
        validated({'ad': {'server': 'ldaps://dc1', 'no_such_key': 1}})
    assert 'no_such_key' in json.loads(capsys.readouterr().out)['msg']


@pytest.mark.parametrize('side, fragment', [('ad', ModuleDocFragment.AD), ('domino', ModuleDocFragment.DOMINO)])
def test_doc_fragment_matches_the_spec(side, fragment):
    documented = yaml.safe_load(fragment)['options'][side]['suboptions']
    spec = _options.ad_option()['options'] if side == 'ad' else _options.domino_option()['options']
    assert sorted(documented) == sorted(spec)
    for key, doc in documented.items():
        assert doc['type'] == spec[key]['type'], key
        assert doc.get('default') == spec[key].get('default'), key
        assert doc.get('choices') == spec[key].get('choices'), key
        assert doc.get('elements') == spec[key].get('elements'), key
        env = spec[key].get('fallback')
        if env:
            assert f'E({env[1][0]})' in ' '.join(doc['description']), key


def test_empty_variables_from_an_awx_credential_count_as_not_given(monkeypatch):
    """AWX sets every variable a credential type injects, an input left empty as ''. An empty
    CA file, bind DN or password must not become a value: the inventory's keys apply, and no
    empty-password bind is attempted on their account."""
    for key in ('BIND_DN', 'BIND_PASSWORD', 'CA_FILE'):
        monkeypatch.setenv(f'COEXIST_AD_{key}', '')
    params = validated({'ad': {'server': 'ldaps://dc1.example.com'}})
    settings = connection.connection_settings('ad', params['ad'])
    assert not settings.ca_file and not settings.bind_dn and not settings.bind_password
    # given in the inventory, the inventory's values stand
    params = validated({'ad': {'server': 'ldaps://dc1.example.com', 'bind_dn': 'CN=svc,DC=corp', 'ca_file': '/ca.pem'}})
    assert params['ad']['bind_dn'] == 'CN=svc,DC=corp' and params['ad']['ca_file'] == '/ca.pem'
