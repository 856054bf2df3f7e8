"""The README's inventory, as a newcomer copies it: the YAML blocks of its section "Point it at
your directories" become an inventory directory; the playbooks accept it (--syntax-check); every
variable has the type the modules need (a DN in a flow list quoted, so it stays one DN); and, on
the lab, the README's own Vault step and a real ``validate`` run with the lab's connection values
put in end without a failure."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from coexist_lab import lab as lab_control

from ansible_collections.coexist.domino_exchange.plugins.module_utils.module.options import ad_option, domino_option

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
README = REPO / 'README.md'
HEADING = '## Point it at your directories'
VARS_FILE = 'inventory/group_vars/all.yml'
HOSTS_FILE = 'inventory/hosts.yml'
# The playbooks a newcomer runs with this inventory (mail_routing needs the exchange and domino
# groups of guide_routing as well).
PLAYBOOKS = ('check_connections', 'validate', 'sync', 'domino_to_exchange', 'exchange_to_domino')
FENCE = re.compile(r'^```(\w*)[^\n]*\n(.*?)^```[ \t]*$', re.MULTILINE | re.DOTALL)


def section(text: str) -> str:
    """The README's section, from its heading to the next ``## `` heading."""
    start = text.index(HEADING)
    end = text.find('\n## ', start + len(HEADING))
    return text[start:end if end >= 0 else len(text)]


def fences(text: str, language: str) -> list:
    return [body for lang, body in FENCE.findall(text) if lang == language]


def inventory_files(text: str) -> dict:
    """{path: content} of the section's YAML blocks: each names its file on its first line
    (``# inventory/hosts.yml``); a block without one that sets ``coexist_ad`` is the variables."""
    files = {}
    for body in fences(section(text), 'yaml'):
        first = body.splitlines()[0] if body.strip() else ''
        named = re.fullmatch(r'#\s*(inventory/\S+)\s*', first)
        path = named.group(1) if named else (VARS_FILE if re.search(r'^coexist_ad:', body, re.MULTILINE) else None)
        if path:
            assert path not in files, f'two README blocks for {path}'
            files[path] = body
    return files


def vault_commands(text: str) -> str:
    """The section's shell block that encrypts the bind passwords."""
    blocks = [b for b in fences(section(text), 'sh') if 'ansible-vault encrypt_string' in b]
    assert len(blocks) == 1, 'the README shows the Vault step once, in a sh block'
    return blocks[0]


def write_inventory(root: Path, files: dict) -> Path:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    return root / 'inventory'


def _is_dn(value, attribute: str) -> bool:
    """A whole DN: RDNs joined by commas, one of them of ``attribute`` (DC for AD, O for Domino)."""
    return (isinstance(value, str) and re.match(r'^(CN|OU|DC|O)=', value, re.IGNORECASE) is not None
            and re.search(rf'(^|,){attribute}=', value, re.IGNORECASE) is not None)


def playbook_text() -> str:
    return '\n'.join((REPO / 'playbooks' / f'{name}.yml').read_text() for name in PLAYBOOKS)


def required_variables() -> set:
    """The coexist_* variables a playbook uses in a template without a default, that the playbook
    does not set itself (play vars, register, set_fact) and does not test with ``is defined``."""
    text = playbook_text()
    used = set()
    for expression in re.findall(r'\{\{(.*?)\}\}', text, re.DOTALL):
        used |= {m.group(1) for m in re.finditer(r'\b(coexist_\w+)\b(?!\s*\|\s*default)', expression)}
    own = set(re.findall(r'^\s*(coexist_\w+):', text, re.MULTILINE))          # play vars, set_fact keys
    own |= set(re.findall(r'register:\s*(coexist_\w+)', text))
    guarded = set(re.findall(r'(coexist_\w+) is defined', text))
    return used - own - guarded


def playbook_default(name: str):
    """The default the playbooks give a variable (one value across all of them)."""
    found = set(re.findall(rf'\b{name}\s*\|\s*default\(([^)]*)\)', playbook_text()))
    assert len(found) == 1, f'{name}: defaults {found}'
    return yaml.safe_load(found.pop())


def check_variables(variables: dict) -> None:
    """What the playbooks and modules need of the README's variables, type by type."""
    assert isinstance(variables, dict), variables
    missing = required_variables() - set(variables)
    assert not missing, f'the playbooks need {sorted(missing)} and the README does not set them'
    ad, domino = variables['coexist_ad'], variables['coexist_domino']
    assert set(ad) <= set(ad_option()['options']), f'not options of coexist_ad: {set(ad) - set(ad_option()["options"])}'
    assert set(domino) <= set(domino_option()['options']), \
        f'not options of coexist_domino: {set(domino) - set(domino_option()["options"])}'

    bases = ad['mailbox_bases']
    assert isinstance(bases, list) and bases, f'mailbox_bases must be a list of DNs, got {bases!r}'
    for base in bases:
        assert isinstance(base, str) and 'DC=' in base and _is_dn(base, 'DC'), (
            f'mailbox_bases item {base!r} is not a whole DN: quote DNs in a [...] list (mailbox_bases: {bases!r})')
    assert _is_dn(ad['contacts_ou'], 'DC'), ad['contacts_ou']
    assert _is_dn(ad['bind_dn'], 'DC') or re.fullmatch(r'[^@\s,=]+@[\w.-]+', ad['bind_dn']), ad['bind_dn']
    assert _is_dn(domino['contacts_base'], 'O'), domino['contacts_base']
    assert _is_dn(domino['bind_dn'], 'O'), domino['bind_dn']
    assert domino['mailbox_base'] == '', 'Domino has no suffix: the README reads the whole directory'
    for side in (ad, domino):
        assert side['server'].startswith('ldaps://'), side['server']
        assert isinstance(side['ca_file'], str) and side['ca_file'].startswith('/'), side['ca_file']
        assert re.fullmatch(r'\{\{ vault_\w+ \}\}', side['bind_password']), 'bind passwords come from Vault'
    if 'global_catalog' in ad:
        assert ad['global_catalog'].startswith('ldaps://'), ad['global_catalog']

    shared = variables['coexist_shared_domain']
    assert isinstance(shared, str) and '.' in shared
    for name in ('coexist_domino_routing_domain', 'coexist_exchange_routing_domain'):
        assert isinstance(variables[name], str) and variables[name].endswith('.' + shared), name
    assert variables['coexist_last_hop'] in ('domino', 'exchange')
    # The guards are shown at the playbooks' own defaults.
    for name in ('coexist_max_deletes', 'coexist_max_delete_percent', 'coexist_report_dir'):
        assert variables[name] == playbook_default(name), f'{name}: {variables[name]!r} is not the default'
    assert isinstance(variables['coexist_max_deletes'], int) and isinstance(variables['coexist_max_delete_percent'], int)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in variables['coexist_attribute_map'].items())


# --- without the lab ---

def test_the_readme_names_both_inventory_files_with_the_right_types():
    files = inventory_files(README.read_text())
    assert set(files) == {HOSTS_FILE, VARS_FILE}
    hosts = yaml.safe_load(files[HOSTS_FILE])
    localhost = hosts['all']['hosts']['localhost']
    assert localhost['ansible_connection'] == 'local'
    assert localhost['ansible_python_interpreter'] == '{{ ansible_playbook_python }}'
    check_variables(yaml.safe_load(files[VARS_FILE]))
    # The Vault step fills exactly the variables the inventory refers to.
    variables = yaml.safe_load(files[VARS_FILE])
    referred = {re.search(r'vault_\w+', variables[side]['bind_password']).group(0) for side in ('coexist_ad', 'coexist_domino')}
    assert set(re.findall(r'--stdin-name (\w+)', vault_commands(README.read_text()))) == referred


OLD_EXAMPLE = '''
```yaml
coexist_ad:
  server: ldaps://dc1.corp.example.com
  bind_dn: CN=svc-coexist,OU=Service,DC=corp,DC=example,DC=com
  bind_password: "{{ vault_coexist_ad_password }}"   # or COEXIST_AD_BIND_PASSWORD
  ca_file: /etc/pki/corp-ca.pem
  mailbox_bases: [OU=Exchange Users,DC=corp,DC=example,DC=com]
  contacts_ou: OU=Domino Contacts,DC=corp,DC=example,DC=com
coexist_domino:
  server: ldaps://domino1.example.com
  bind_dn: CN=LDAP Sync,O=Acme
  bind_password: "{{ vault_coexist_domino_password }}"
  ca_file: /etc/pki/corp-ca.pem
  mailbox_base: ""
  contacts_base: OU=Exchange,O=Acme
```
'''


def test_the_check_rejects_the_old_unquoted_example():
    """The example the README had before: its unquoted flow list is four list items."""
    variables = yaml.safe_load(inventory_files(HEADING + '\n' + OLD_EXAMPLE)[VARS_FILE])
    assert variables['coexist_ad']['mailbox_bases'] == ['OU=Exchange Users', 'DC=corp', 'DC=example', 'DC=com']
    with pytest.raises(AssertionError):
        check_variables(variables)
    variables.update(coexist_shared_domain='example.com', coexist_domino_routing_domain='domino.example.com',
                     coexist_exchange_routing_domain='exchange.example.com', coexist_last_hop='domino')
    with pytest.raises(AssertionError, match='is not a whole DN'):
        check_variables(variables)


@pytest.mark.parametrize('playbook', PLAYBOOKS)
def test_the_playbooks_accept_the_readme_inventory(ansible_playbook, tmp_path, playbook):
    inventory = write_inventory(tmp_path, inventory_files(README.read_text()))
    result = ansible_playbook(f'coexist.domino_exchange.{playbook}', '--syntax-check', inventory=inventory)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert 'provided hosts list is empty' not in out and 'Could not match supplied host pattern' not in out, out


# --- on the lab ---

@pytest.mark.parametrize('bind_form', ['dn', 'upn'])
def test_the_readme_inventory_validates_the_lab(lab, ansible_playbook, tmp_path, bind_form):
    """The README's files, its Vault step run as written (a vault password file instead of the
    prompt), and the lab's servers, accounts, CA files and bases put in: validate passes, with
    the AD account named by its DN or, as the README's comment offers, by its UPN."""
    text = README.read_text()
    files = inventory_files(text)
    variables = yaml.safe_load(files[VARS_FILE])
    check_variables(variables)
    lab_vars = yaml.safe_load((lab_control.STATE_DIR / 'inventory' / 'group_vars' / 'all.yml').read_text())
    passwords = {}
    for side in ('coexist_ad', 'coexist_domino'):
        assert set(lab_vars[side]) <= set(variables[side]), \
            f'the lab sets {sorted(set(lab_vars[side]) - set(variables[side]))} of {side}; the README does not'
        for key, value in lab_vars[side].items():
            if key == 'bind_password':
                passwords[side] = value
            else:
                variables[side][key] = value
    if bind_form == 'upn':
        upn = re.search(r'or a UPN: (\S+@\S+)', files[VARS_FILE]).group(1)
        realm = lab['ad']['base_dn'].lower().replace('dc=', '').replace(',', '.')
        variables['coexist_ad']['bind_dn'] = f'{upn.partition("@")[0]}@{realm}'   # the README's name, the lab's domain
    for name in ('coexist_shared_domain', 'coexist_domino_routing_domain', 'coexist_exchange_routing_domain'):
        variables[name] = lab_vars[name]
    report_dir = tmp_path / 'reports'
    variables['coexist_report_dir'] = str(report_dir)
    files[VARS_FILE] = yaml.safe_dump(variables, sort_keys=False, allow_unicode=True)
    inventory = write_inventory(tmp_path, files)

    # The README's Vault step, in the directory that holds inventory/.
    vault_password = tmp_path / 'vault-password'
    vault_password.write_text('readme-vault-password\n')
    script = vault_commands(text).replace('--ask-vault-pass', f'--vault-password-file {vault_password}')
    typed = f'{passwords["coexist_ad"]}\n{passwords["coexist_domino"]}\n'
    done = subprocess.run(['bash', '-euo', 'pipefail', '-c', script], cwd=tmp_path, input=typed, text=True,
                          capture_output=True, timeout=120, check=False,
                          env={'PATH': f'{VENV_BIN}:/usr/bin:/bin', 'HOME': str(tmp_path)})
    assert done.returncode == 0, done.stdout + done.stderr
    stored = (inventory / 'group_vars' / 'all.yml').read_text()
    assert stored.count('$ANSIBLE_VAULT') == 2
    assert passwords['coexist_ad'] not in stored and passwords['coexist_domino'] not in stored

    result = ansible_playbook('coexist.domino_exchange.validate', '--vault-password-file', str(vault_password),
                              inventory=inventory)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    report = json.loads((report_dir / 'validate' / 'validate.json').read_text())
    assert report['counts']['fail'] == 0, out
    assert report['counts']['pass'] > 20, report['counts']
    assert 'PASS  AD: the sync account may create contacts there' in out
    assert variables['coexist_ad']['bind_dn'] in out, 'the table names the account it bound as'
    assert passwords['coexist_ad'] not in out and passwords['coexist_domino'] not in out
