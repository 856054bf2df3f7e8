#!/usr/bin/python
# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
module: validate_site
short_description: Read-only probes of a real site before the first sync
version_added: 0.1.0
description:
  - Checks, read-only, what the sync relies on and the lab cannot prove for a real site, and
    returns a pass / warn / fail table. Each line names the server it asked, what was checked,
    what was found and what to do.
  - Both directories - the bind as configured (TLS, certificate, Kerberos), the root DSE, the
    paging and sort controls, and (O(scope=full)) a full read with the pages and limits seen.
  - Domino - C(dominoMajMinVersion); C(cn=schema) holds every attribute and object class the sync
    reads or writes (with the marker and the mapped fields); the contacts base; and
    (O(scope=full)) the MailSystem values seen on mailboxes and on forwarding Persons, and whether
    C(dominoUNID) comes back.
  - AD - the Exchange schema attributes; the Exchange organisation and its address lists; the
    contacts OU and the sync account's effective rights there; the Global Catalog when
    configured; and (O(scope=full)) the Exchange routing in the configuration partition (accepted
    domains, send connectors) against O(last_hop) when given, and, when C(exchange_to_domino)
    reads groups, whether the sync account sees dynamic distribution groups (the class in the
    schema, its default security descriptor, the objects seen under the mailbox bases); it warns
    when it sees none and the class's default gives authenticated users no read.
  - With O(plan=true) (and O(scope=full)) both directions are also read and planned, nothing
    written, to show the size of the first sync.
  - Read-only by construction - the probes reach the directories through an object that has no
    write operation, and planning never applies.
  - Fails when a check fails, that is when the sync would be unsafe; warnings do not fail it.
author: coexist.domino_exchange contributors (@coexist)
requirements:
  - python-ldap >= 3.4 on the controller
extends_documentation_fragment:
  - coexist.domino_exchange.directories.AD
  - coexist.domino_exchange.directories.DOMINO
  - coexist.domino_exchange.exchange_mailboxes
  - coexist.domino_exchange.sync.KIND_OUS
  - coexist.domino_exchange.directories.ACTION_GROUP_BOTH
options:
  scope:
    description:
      - V(full) runs every probe; V(preflight) the cheap ones (binds, root DSEs, schema, containers,
        rights), the sync playbooks' preflight.
    type: str
    choices: [full, preflight]
    default: full
  directions:
    description: The directions whose target container is checked (the AD contacts OU, the Domino contacts base).
    type: list
    elements: str
    choices: [domino_to_exchange, exchange_to_domino]
    default: [domino_to_exchange, exchange_to_domino]
  plan:
    description: With O(scope=full), also plan both directions (read-only) and report their size.
    type: bool
    default: true
  shared_domain:
    description: The SMTP domain Domino and Exchange share (C(coexist_shared_domain)).
    type: str
    required: true
  routed_domains:
    description:
      - Other domains the syncs route besides O(shared_domain), that is its aliases (C(coexist_routed_domains)).
        Domino mailboxes with an address elsewhere are counted as a warning (the syncs skip them).
    type: list
    elements: str
    default: []
  kinds:
    description:
      - The kinds of recipient the syncs read (C(coexist_sync_kinds)), in both directions unless
        O(domino_to_exchange_kinds) or O(exchange_to_domino_kinds) is given; the planned size counts
        the sources of each kind, so a site sees a kind it expected and does not have.
    type: list
    elements: str
    choices: [person, group, mailin, resource]
    default: [person, group, mailin, resource]
  domino_to_exchange_kinds:
    description:
      - The kinds of recipient C(domino_to_exchange) reads (C(coexist_domino_to_exchange_kinds)), when
        that direction has its own; not given, O(kinds).
    type: list
    elements: str
    choices: [person, group, mailin, resource]
  exchange_to_domino_kinds:
    description:
      - The kinds of recipient C(exchange_to_domino) reads (C(coexist_exchange_to_domino_kinds)), when
        that direction has its own; not given, O(kinds). V(mailin) is Domino's only and ignored here.
    type: list
    elements: str
    choices: [person, group, mailin, resource]
  domino_routing_domain:
    description: C(coexist_domino_routing_domain).
    type: str
    default: ''
  exchange_routing_domain:
    description: C(coexist_exchange_routing_domain).
    type: str
    default: ''
  last_hop:
    description:
      - C(coexist_last_hop), the system that rejects unknown shared-domain recipients. When given, the
        Exchange routing found is checked against it; when not, it is reported as found.
    type: str
    choices: [domino, exchange]
  attribute_map:
    description: C(coexist_attribute_map); its attributes must exist on both sides.
    type: dict
    default: {title: title, telephoneNumber: telephonenumber}
  mailbox_mail_systems:
    description:
      - MailSystem values that make a Domino Person a mailbox (C(coexist_domino_mail_systems)).
      - O(mail_systems) is a deprecated alias, removed in version 2.0.0.
    aliases: [mail_systems]
    type: list
    elements: str
    default: ['1']
  contact_mail_system:
    description:
      - The MailSystem value written on Domino contacts (C(coexist_domino_contact_mail_system)).
      - O(mail_system) is a deprecated alias, removed in version 2.0.0.
    aliases: [mail_system]
    type: str
    default: '5'
  exchange_organization:
    description: C(coexist_exchange_organization), when there are several or discovery should be skipped.
    type: str
  address_lists:
    description: C(coexist_address_lists), for translated or multi-GAL sites.
    type: list
    elements: str
  ad_marker_attribute:
    description: The AD contacts' ownership marker attribute.
    type: str
    default: adminDescription
  domino_marker_attribute:
    description: The Domino contacts' ownership marker attribute.
    type: str
    default: employeeType
  marker_prefix:
    description: The prefix of the ownership marker's value.
    type: str
    default: 'coexist.domino_exchange:'
  supersede:
    description:
      - The sync's C(supersede) (C(coexist_supersede)). With V(merge), the AD checks say whether the
        sync account may write what a merge writes (C(proxyAddresses) of a mailbox under each mailbox
        base, C(member) of the groups the sync's contacts are in), as AD computes it
        (C(allowedAttributesEffective)); a missing right is a warning.
    type: str
    choices: [merge, delete]
    default: merge
  msexch_version:
    description:
      - The sync's C(msexch_version) (C(coexist_msexch_version)). The AD checks say which
        C(msExchVersion) new contacts will get and, with V(auto), which Exchange server versions
        were found; no readable server version is a warning.
    type: str
    default: auto
  max_deletes:
    description: The deletion guard's count limit, for the planned size.
    type: int
    default: 500
  max_delete_percent:
    description: The deletion guard's share limit, for the planned size.
    type: float
    default: 10.0
  report_dir:
    description: Directory (on the controller) to write C(validate.json) and C(validate.txt). Writing them is not a change.
    type: path
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes.
seealso:
  - module: coexist.domino_exchange.directory_info
  - name: Before your first run
    description: The validate output explained line by line.
    link: https://github.com/coexist/domino_exchange/blob/main/docs/docsite/rst/guide_validate.rst
'''

EXAMPLES = r'''
- name: Validate the site, read-only
  coexist.domino_exchange.validate_site:
    ad: "{{ coexist_ad }}"
    domino: "{{ coexist_domino }}"
    shared_domain: "{{ coexist_shared_domain }}"
    domino_routing_domain: "{{ coexist_domino_routing_domain }}"
    exchange_routing_domain: "{{ coexist_exchange_routing_domain }}"
    last_hop: domino
    report_dir: "{{ coexist_report_dir }}/validate"
  register: site

- name: The cheap checks before a sync of one direction
  coexist.domino_exchange.validate_site:
    ad: "{{ coexist_ad }}"
    domino: "{{ coexist_domino }}"
    shared_domain: "{{ coexist_shared_domain }}"
    scope: preflight
    directions: [exchange_to_domino]
'''

RETURN = r'''
checks:
  description: One entry per probe, in table order.
  returned: always
  type: list
  elements: dict
  contains:
    status:
      description: V(pass), V(warn), V(fail) or V(info).
      type: str
    server:
      description: The server asked (empty for a check of the settings).
      type: str
    check:
      description: What was checked.
      type: str
    found:
      description: What was found.
      type: str
    todo:
      description: What to do (empty when nothing).
      type: str
  sample:
    - {status: pass, server: ldaps://dc1.corp.example.com, check: "AD: connect and bind", found: simple bind as
       CN=svc-coexist,OU=Service,DC=corp,DC=example,DC=com over ldaps, todo: ""}
table:
  description: 'The checks as text lines: C(STATUS  check: found  [server]  -> todo).'
  returned: always
  type: list
  elements: str
counts:
  description: How many checks per status.
  returned: always
  type: dict
  sample: {pass: 21, warn: 2, fail: 0, info: 4}
planned:
  description:
    - Per direction, the size of the first sync (nothing written), when O(plan) ran.
    - C(kinds) counts the sources of each kind of recipient read.
  returned: when O(plan=true), O(scope=full) and no check failed
  type: dict
  sample:
    domino_to_exchange: {sources: 338, managed: 0, create: 328, update: 0, rename: 0, delete: 0, conflict: 6, skip: 8,
                         kinds: {person: 330, group: 5, mailin: 2, resource: 2}}
    exchange_to_domino: {sources: 297, managed: 0, create: 246, update: 0, rename: 0, delete: 0, conflict: 3, skip: 48,
                         kinds: {person: 283, group: 6, resource: 10}}
files:
  description: Paths of validate.json and validate.txt.
  returned: when O(report_dir) is set
  type: dict
'''

import json
import os

from ..module_utils.dialects.ad import SUPERSEDE_MODES
from ..module_utils.directions.base import SetupError
from ..module_utils.directions.prepare import DIRECTIONS, prepare
from ..module_utils.directory.errors import DirectoryError
from ..module_utils.module.coexist_module import CoexistModule
from ..module_utils.module.options import EXCHANGE_MAILBOX_OPTIONS, shared_options
from ..module_utils.engine.plan import RECIPIENT_KINDS
from ..module_utils.engine.report import write_text_atomically
from ..module_utils.engine.run import SYNC_OPTIONS
from ..module_utils.validate.checks import Check, FAIL, WARN, direction_kinds, read_only, run_checks, table

PLAN_COUNTS = ('sources', 'managed', 'create', 'update', 'rename', 'delete', 'conflict', 'skip')


def direction_options(p: dict, name: str):
    """The options the sync module of direction ``name`` would get from the same playbook variables."""
    # read_only: every connection the planning opens refuses writes before sending them.
    given = dict(p, ad=read_only(p['ad']), domino=read_only(p['domino']), records=None, report_dir=None)
    if direction_kinds(p, name) is not None:
        given['kinds'] = direction_kinds(p, name)
    return DIRECTIONS[name].options(given)


def plan_sizes(p: dict) -> tuple:
    """({direction: counts}, [Check]): both directions read and planned, never applied."""
    sizes, checks = {}, []
    for direction in DIRECTIONS:
        try:
            prepared = prepare(DIRECTIONS[direction], direction_options(p, direction))
        except (SetupError, DirectoryError) as exc:
            checks.append(Check(FAIL, '', f'{direction}: planned size', exc.message, 'see the message'))
            continue
        prepared.client.close()                       # planned only: the plan is never applied
        counts = prepared.plan.counts()
        sizes[direction] = {k: counts[k] for k in PLAN_COUNTS}
        # Each kind of recipient counted (issue 18): a site sees a kind it expected and does not
        # have (the Domino object classes and item codes of groups and resources are not all
        # published, vendor facts D-12).
        kinds = prepared.source.get('kinds') or {}
        sizes[direction]['kinds'] = kinds
        of_kinds = f" ({', '.join(f'{k} {n}' for k, n in kinds.items())})" if kinds else ''
        found = (f"{counts['sources']} sources{of_kinds}, {counts['managed']} managed contacts: create {counts['create']}, "
                 f"update {counts['update']}, rename {counts['rename']}, delete {counts['delete']}; "
                 f"{counts['conflict']} conflicts, {counts['skip']} skipped")
        if prepared.plan.blocked:
            checks.append(Check(WARN, prepared.target['server'], f'{direction}: planned size', found,
                                f'the deletion guard would stop it: {prepared.plan.blocked}'))
        else:
            checks.append(Check('info', prepared.target['server'], f'{direction}: planned size', found))
    return sizes, checks


def main():
    spec = dict(EXCHANGE_MAILBOX_OPTIONS)
    spec.update({
        'scope': {'type': 'str', 'choices': ['full', 'preflight'], 'default': 'full'},
        'directions': {'type': 'list', 'elements': 'str', 'choices': ['domino_to_exchange', 'exchange_to_domino'],
                       'default': ['domino_to_exchange', 'exchange_to_domino']},
        'plan': {'type': 'bool', 'default': True},
        'shared_domain': {'type': 'str', 'required': True},
        'domino_routing_domain': {'type': 'str', 'default': ''},
        'last_hop': {'type': 'str', 'choices': ['domino', 'exchange']},
        'exchange_organization': {'type': 'str'},
        'address_lists': {'type': 'list', 'elements': 'str'},
        'supersede': {'type': 'str', 'choices': list(SUPERSEDE_MODES), 'default': SUPERSEDE_MODES[0]},
        'max_deletes': dict(SYNC_OPTIONS['max_deletes']),
        'max_delete_percent': dict(SYNC_OPTIONS['max_delete_percent']),
        'report_dir': {'type': 'path'},
    })
    for direction in DIRECTIONS:
        spec[f'{direction}_kinds'] = {'type': 'list', 'elements': 'str', 'choices': list(RECIPIENT_KINDS)}
    spec.update(shared_options('routed_domains', 'exchange_routing_domain', 'attribute_map', 'mailbox_mail_systems',
                               'contact_mail_system', 'ad_marker_attribute', 'domino_marker_attribute', 'marker_prefix',
                               'kinds', 'kind_ous', 'msexch_version', old_names=('mailbox_mail_systems', 'contact_mail_system')))
    cm = CoexistModule(argument_spec=spec, supports_check_mode=True)
    p = cm.params
    full = p['scope'] == 'full'
    checks = run_checks(p, full, p['directions'])
    failed = [c for c in checks if c.status == FAIL]
    result = {'changed': False}
    if full and p['plan'] and not failed:
        result['planned'], found = plan_sizes(p)
        checks += found
        failed = [c for c in checks if c.status == FAIL]
    result.update(checks=[c.as_dict() for c in checks], table=table(checks),
                  counts={s: sum(1 for c in checks if c.status == s) for s in ('pass', 'warn', 'fail', 'info')})
    if p['report_dir']:
        os.makedirs(p['report_dir'], exist_ok=True)
        document = {'schema': 'coexist.domino_exchange.validate', 'version': 1, 'counts': result['counts'],
                    'checks': result['checks'], 'planned': result.get('planned')}
        result['files'] = {
            'json': write_text_atomically(p['report_dir'], 'validate.json', json.dumps(document, indent=1) + '\n'),
            'text': write_text_atomically(p['report_dir'], 'validate.txt', '\n'.join(result['table']) + '\n'),
        }
    if failed:
        cm.module.fail_json(msg=f'{len(failed)} of {len(checks)} checks failed, the sync would be unsafe: '
                                + ' | '.join(f'{c.check}: {c.found}' + (f' -> {c.todo}' if c.todo else '')
                                             for c in failed), **result)
    cm.exit(**result)


if __name__ == '__main__':
    main()
