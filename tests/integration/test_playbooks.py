"""The collection as a user runs it: built, installed from its tarball, ansible-playbook against
the lab inventory that `lab/lab.sh up` writes."""
from __future__ import annotations

import base64
import copy
import subprocess

import yaml

from coexist_lab import lab as lab_control


def _write_inventory(tmp_path, vars_: dict):
    inv = tmp_path / 'inventory'
    (inv / 'group_vars').mkdir(parents=True)
    (inv / 'hosts.yml').write_text((lab_control.STATE_DIR / 'inventory' / 'hosts.yml').read_text())
    (inv / 'group_vars' / 'all.yml').write_text(yaml.safe_dump(vars_))
    return inv


def _lab_vars(lab) -> dict:
    return copy.deepcopy(lab_control.playbook_vars(lab))


def test_check_connections_reaches_both_directories(lab, run_playbook):
    result = run_playbook('coexist.domino_exchange.check_connections', '-vvv')
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f'Active Directory {lab["ad"]["server"]}: active_directory' in out
    assert f'Domino Directory {lab["domino"]["server"]}: domino' in out
    assert 'bound with a simple bind over ldaps' in out
    # -vvv prints module arguments: the bind passwords must be masked everywhere
    for side in ('ad', 'domino'):
        assert lab[side]['bind_password'] not in out + result.stderr


def test_passwords_can_come_from_the_environment(lab, run_playbook, tmp_path):
    vars_ = _lab_vars(lab)
    del vars_['coexist_ad']['bind_password']
    del vars_['coexist_domino']['bind_password']
    inv = _write_inventory(tmp_path, vars_)
    env = {'COEXIST_AD_BIND_PASSWORD': lab['ad']['bind_password'],
           'COEXIST_DOMINO_BIND_PASSWORD': lab['domino']['bind_password']}
    result = run_playbook('coexist.domino_exchange.check_connections', env=env, inventory=inv)
    assert result.returncode == 0, result.stdout + result.stderr
    # and without them, the failure says which secret is missing, for each directory
    result = run_playbook('coexist.domino_exchange.check_connections', inventory=inv)
    assert result.returncode != 0
    assert 'bind_password is empty' in result.stdout
    assert 'COEXIST_AD_BIND_PASSWORD' in result.stdout and 'COEXIST_DOMINO_BIND_PASSWORD' in result.stdout


def test_everything_from_the_environment_with_no_variables_at_all(lab, run_playbook, tmp_path):
    inv = _write_inventory(tmp_path, {})
    env = {}
    for side, prefix in (('ad', 'COEXIST_AD_'), ('domino', 'COEXIST_DOMINO_')):
        env.update({prefix + 'SERVER': lab[side]['server'], prefix + 'BIND_DN': lab[side]['bind_dn'],
                    prefix + 'BIND_PASSWORD': lab[side]['bind_password'], prefix + 'CA_FILE': lab[side]['ca_file']})
    result = run_playbook('coexist.domino_exchange.check_connections', env=env, inventory=inv)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'Active Directory' in result.stdout and 'Domino Directory' in result.stdout


def test_a_failing_directory_fails_the_play_naming_the_server(lab, run_playbook, tmp_path):
    vars_ = _lab_vars(lab)
    vars_['coexist_domino']['ca_file'] = lab['ad']['ca_file']        # the wrong CA for Domino
    inv = _write_inventory(tmp_path, vars_)
    result = run_playbook('coexist.domino_exchange.check_connections', inventory=inv)
    assert result.returncode != 0
    assert f'TLS with Domino server {lab["domino"]["server"]} failed' in result.stdout
    assert 'ca_file' in result.stdout


def test_kerberos_with_a_keytab_handed_over_as_text_like_an_awx_credential(lab, run_playbook, tmp_path):
    """AWX credential types inject text only: the keytab arrives base64-encoded in
    COEXIST_KRB5_KEYTAB_BASE64, with krb5.conf in KRB5_CONFIG and no ticket cache at all. The
    bind gets its ticket from the keytab by itself (a keytab exported from the lab's KDC)."""
    keytab = tmp_path / 'svc-coexist.keytab'
    subprocess.run(['samba-tool', 'domain', 'exportkeytab', str(keytab), f'--principal={lab["ad"]["sync_principal"]}',
                    '-s', str(lab_control.STATE_DIR / 'samba' / 'etc' / 'smb.conf')],
                   check=True, capture_output=True, text=True, timeout=60)
    vars_ = _lab_vars(lab)
    vars_['coexist_ad'] = {k: v for k, v in vars_['coexist_ad'].items() if k not in ('bind_dn', 'bind_password')}
    vars_['coexist_ad']['sasl_mech'] = 'GSSAPI'
    del vars_['coexist_domino']
    inv = _write_inventory(tmp_path, vars_)
    env = {'KRB5_CONFIG': lab['ad']['krb5_conf'], 'KRB5CCNAME': '', 'KRB5_CLIENT_KTNAME': '',
           'COEXIST_KRB5_KEYTAB_BASE64': base64.b64encode(keytab.read_bytes()).decode()}
    result = run_playbook('coexist.domino_exchange.check_connections', env=env, inventory=inv)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'bound with a GSSAPI bind' in result.stdout
    assert env['COEXIST_KRB5_KEYTAB_BASE64'][:40] not in result.stdout + result.stderr
    # the same without the keytab: no ticket, a clear Kerberos error
    env['COEXIST_KRB5_KEYTAB_BASE64'] = ''
    env['KRB5CCNAME'] = f'FILE:{tmp_path / "empty-cache"}'
    result = run_playbook('coexist.domino_exchange.check_connections', env=env, inventory=inv)
    assert result.returncode != 0 and 'Kerberos (GSSAPI) bind' in result.stdout
