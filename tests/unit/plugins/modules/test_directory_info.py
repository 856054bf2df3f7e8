"""directory_info's main() run for real (AnsibleModule and all), with no server needed: the paths
that end before the network. The lab tests run it against real directories."""
from __future__ import annotations

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.coexist.domino_exchange.plugins.module_utils.module import coexist_module as _module
from ansible_collections.coexist.domino_exchange.plugins.modules import directory_info


def run_module(args, capsys):
    with patch_module_args(args), pytest.raises(SystemExit):
        directory_info.main()
    return json.loads(capsys.readouterr().out)


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv('COEXIST_AD_SERVER', raising=False)
    monkeypatch.delenv('COEXIST_DOMINO_SERVER', raising=False)


def test_missing_python_ldap_names_the_library(monkeypatch, capsys):
    monkeypatch.setattr(_module, 'HAS_LDAP', False)
    monkeypatch.setattr(_module, 'LDAP_IMPORT_ERROR', 'ImportError: No module named ldap')
    result = run_module({'ad': {'server': 'ldaps://dc1'}}, capsys)
    assert result['failed'] and 'python-ldap' in result['msg']


def test_nothing_configured_is_a_clear_failure(capsys):
    result = run_module({}, capsys)
    assert result['failed'] and 'Neither ad.server nor domino.server' in result['msg']


def test_plaintext_bind_refused_and_reported_per_directory(capsys):
    result = run_module({'ad': {'server': 'ldap://dc1.invalid', 'bind_dn': 'CN=svc', 'bind_password': 'pw-123'}}, capsys)
    assert result['failed']
    assert result['ad']['reachable'] is False and result['ad']['error']['kind'] == 'plaintext_refused'
    assert 'domino' not in result
    assert 'pw-123' not in json.dumps(result)


def test_both_directories_are_tried_and_both_failures_named(capsys):
    result = run_module({'ad': {'server': 'ldaps://127.0.0.1:1', 'connect_timeout': 2},
                         'domino': {'server': 'ldaps://127.0.0.1:2', 'connect_timeout': 2}}, capsys)
    assert result['failed']
    assert result['ad']['error']['kind'] == 'unreachable' and result['domino']['error']['kind'] == 'unreachable'
    assert 'AD server ldaps://127.0.0.1:1' in result['msg'] and 'Domino server ldaps://127.0.0.1:2' in result['msg']
