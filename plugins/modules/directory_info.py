#!/usr/bin/python
# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: directory_info
short_description: Check that AD and the Domino Directory answer, and read what they say about themselves
version_added: 0.1.0
description:
  - Connects to each configured directory (O(ad), O(domino) or both) exactly as the sync modules do
    (TLS, certificate validation, simple or Kerberos bind) and reads its root DSE.
  - Returns, per directory, how the connection was made and what the server advertises (naming
    contexts, paging support, version). Read-only; nothing is written.
  - Both directories are tried even if the first fails; the task fails at the end, naming every
    directory that could not be reached and why.
author: coexist.domino_exchange contributors (@coexist)
requirements:
  - python-ldap >= 3.4 on the controller
extends_documentation_fragment:
  - coexist.domino_exchange.directories.AD
  - coexist.domino_exchange.directories.DOMINO
  - coexist.domino_exchange.directories.ACTION_GROUP_BOTH
options:
  check_containers:
    description:
      - Also check the contacts containers of these directories, read-only, the ones a sync writes
        to. V(ad) - O(ad.contacts_ou) exists and the bind account may create contacts in it (its
        effective rights, as AD computes them; no trial write). V(domino) - O(domino.contacts_base)
        exists (Domino does not expose rights), else the message says what to create in Domino
        Administrator.
      - The task fails when a container is missing or the right to create contacts is not there.
    type: list
    elements: str
    choices: [ad, domino]
    default: []
attributes:
  check_mode:
    support: full
    description: The module never writes; it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
notes:
  - A directory whose O(ad.server) or O(domino.server) is not set (nor its environment variable) is skipped.
  - Run it against localhost; it talks LDAP from the controller.
seealso:
  - name: Connecting to the directories
    description: TLS, Kerberos and the environment variables of the O(ad) and O(domino) options.
    link: https://github.com/coexist/domino_exchange/blob/main/docs/docsite/rst/guide_connection.rst
'''

EXAMPLES = r'''
- name: Check both directories with the playbook variables
  coexist.domino_exchange.directory_info:
    ad: "{{ coexist_ad }}"
    domino: "{{ coexist_domino }}"
  register: directories

- name: Same, with the options set once for the play through the action groups
  hosts: localhost
  module_defaults:
    group/coexist.domino_exchange.ad:
      ad: "{{ coexist_ad }}"
    group/coexist.domino_exchange.domino:
      domino: "{{ coexist_domino }}"
  tasks:
    - name: Read both root DSEs
      coexist.domino_exchange.directory_info:

- name: Kerberos bind to AD (kinit first, or give a keytab in KRB5_CLIENT_KTNAME)
  coexist.domino_exchange.directory_info:
    ad:
      server: ldaps://dc1.corp.example.com
      sasl_mech: GSSAPI
      ca_file: /etc/pki/corp-ca.pem
'''

RETURN = r'''
ad:
  description: What the AD server answered. Absent when O(ad.server) is not set.
  returned: when O(ad.server) is set
  type: dict
  contains:
    reachable:
      description: Whether the connection and the bind worked and the root DSE was read.
      type: bool
      sample: true
    server:
      description: The URI connected to.
      type: str
      sample: ldaps://dc1.corp.example.com
    encryption:
      description: How the connection is protected, V(ldaps), V(start_tls), V(ldapi) or V(none).
      type: str
      sample: ldaps
    bind_method:
      description: V(simple), V(GSSAPI) or V(anonymous).
      type: str
      sample: simple
    root_dse:
      description: The server's root DSE, summarised.
      type: dict
      sample:
        vendor: active_directory
        default_naming_context: DC=corp,DC=example,DC=com
        naming_contexts: ["DC=corp,DC=example,DC=com", "CN=Configuration,DC=corp,DC=example,DC=com"]
        supports_paging: true
    container:
      description: The contacts container, when O(check_containers) names this directory.
      type: dict
      returned: when O(check_containers) contains V(ad) and O(ad.contacts_ou) is set
      sample: {dn: "OU=Domino Contacts,DC=corp,DC=example,DC=com", exists: true, can_create_contacts: true}
    error:
      description: Why the directory could not be reached (message, kind, server).
      type: dict
      returned: when O(ad) could not be reached
      sample:
        msg: "AD server ldaps://dc1.corp.example.com rejected the credentials of CN=svc,DC=corp (Invalid credentials)"
        kind: credentials
domino:
  description: What the Domino server answered, with the same keys as RV(ad). Absent when O(domino.server) is not set.
  returned: when O(domino.server) is set
  type: dict
  sample:
    reachable: true
    server: ldaps://domino1.example.com
    encryption: ldaps
    bind_method: simple
    root_dse:
      vendor: domino
      domino_version: "120020"
      naming_contexts: []
      supports_paging: true
'''

from ..module_utils.dialects.ad import read_effective_rights
from ..module_utils.dialects.domino import contacts_base_missing
from ..module_utils.directory.connection import open_directory
from ..module_utils.directory.errors import DirectoryError
from ..module_utils.module.coexist_module import CoexistModule


def describe(side: str, params: dict, container: str | None) -> dict:
    """Connect, bind and read the root DSE of one directory (and check its contacts container);
    errors become data, not exceptions, so both directories are always reported."""
    result = {'server': params['server'], 'reachable': False}
    try:
        with open_directory(side, params) as client:
            result.update(reachable=True, encryption=client.encryption, bind_method=client.bind_method,
                          root_dse=client.root_dse().as_dict())
            if container is not None:
                result['container'] = check_container(client, container, side)
    except DirectoryError as exc:
        result['error'] = exc.as_dict()
    return result


def check_container(client, dn: str, side: str) -> dict:
    found = {'dn': dn, 'exists': client.exists(dn)}
    if not found['exists'] and side == 'domino':
        found['problem'] = contacts_base_missing(dn, client.settings.where)
    elif not found['exists']:
        found['problem'] = f'{dn} does not exist on {client.settings.where}: create it (the sync owns it)'
    elif side == 'ad':
        found['can_create_contacts'] = read_effective_rights(client, dn).get('can_create_contacts', False)
        if not found['can_create_contacts']:
            found['problem'] = (f'{client.settings.bind_dn or "The bind account"} may not create contacts in {dn} '
                                f'on {client.settings.where}: grant it create/delete contact rights there')
    return found


def main():
    cm = CoexistModule(supports_check_mode=True, argument_spec={
        'check_containers': {'type': 'list', 'elements': 'str', 'choices': ['ad', 'domino'], 'default': []}})
    result = {'changed': False}
    containers = {'ad': 'contacts_ou', 'domino': 'contacts_base'}
    for side in cm.sides:
        params = cm.params[side]
        if params and params.get('server'):
            container = params.get(containers[side]) if side in cm.params['check_containers'] else None
            result[side] = describe(side, params, container)
    if not any(side in result for side in cm.sides):
        cm.module.fail_json(msg='Neither ad.server nor domino.server is set (nor COEXIST_AD_SERVER / '
                                'COEXIST_DOMINO_SERVER): nothing to check', **result)
    failures = [result[side]['error']['msg'] for side in cm.sides if side in result and not result[side]['reachable']]
    failures += [result[side]['container']['problem'] for side in cm.sides
                 if 'problem' in result.get(side, {}).get('container', {})]
    if failures:
        cm.module.fail_json(msg=' | '.join(failures), **result)
    cm.exit(**result)


if __name__ == '__main__':
    main()
