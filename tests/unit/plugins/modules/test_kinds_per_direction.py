"""Each direction's kinds in the playbooks (issue 18): ``coexist_domino_to_exchange_kinds`` and
``coexist_exchange_to_domino_kinds`` win over ``coexist_sync_kinds``, which both directions
share when a direction has no set of its own; none given, the module default (all kinds).

The playbooks' own ``kinds`` templates are rendered by Ansible's templar with the variables a
site would set, for every task that runs a sync module, and validate's planning takes the same
set per direction as the sync playbooks hand to each sync module.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleValueOmittedError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.coexist.domino_exchange.plugins.modules.validate_site import direction_kinds

PLAYBOOKS = Path(__file__).resolve().parents[4] / 'playbooks'
FQCN = 'coexist.domino_exchange.'
# the sync module of each direction
DIRECTION_OF = {FQCN + 'ad_contact_sync': 'domino_to_exchange', FQCN + 'domino_contact_sync': 'exchange_to_domino'}
OMITTED = 'omitted (the module default: all kinds)'


def tasks(entries):
    for entry in entries or []:
        yield entry
        for part in ('block', 'rescue', 'always'):
            yield from tasks(entry.get(part))


def module_tasks(playbook: str, module: str) -> list:
    plays = yaml.safe_load((PLAYBOOKS / playbook).read_text())
    return [task[module] for play in plays for task in tasks(play.get('tasks')) if module in task]


def render(template: str, variables: dict):
    try:
        return Templar(loader=DataLoader(), variables=variables).template(trust_as_template(template))
    except AnsibleValueOmittedError:
        return OMITTED


SITE = {'coexist_sync_kinds': ['person'],
        'coexist_domino_to_exchange_kinds': ['person', 'group', 'mailin'],
        'coexist_exchange_to_domino_kinds': ['resource']}


@pytest.mark.parametrize('playbook', ['domino_to_exchange.yml', 'exchange_to_domino.yml', 'sync.yml'])
@pytest.mark.parametrize('variables, expected', [
    (SITE, {'domino_to_exchange': ['person', 'group', 'mailin'], 'exchange_to_domino': ['resource']}),
    ({'coexist_sync_kinds': ['person'], 'coexist_exchange_to_domino_kinds': ['group']},
     {'domino_to_exchange': ['person'], 'exchange_to_domino': ['group']}),
    ({'coexist_sync_kinds': ['person', 'group']},
     {'domino_to_exchange': ['person', 'group'], 'exchange_to_domino': ['person', 'group']}),
    ({}, {'domino_to_exchange': OMITTED, 'exchange_to_domino': OMITTED}),
], ids=['own-sets', 'one-own-set', 'shared-only', 'none'])
def test_each_sync_task_gets_its_directions_kinds(playbook, variables, expected):
    found = {}
    for module, direction in DIRECTION_OF.items():
        for args in module_tasks(playbook, module):
            found.setdefault(direction, []).append(render(args['kinds'], variables))
    assert found, f'{playbook} runs no sync module'
    for direction, rendered in found.items():
        assert rendered == [expected[direction]] * len(rendered), (playbook, direction)


def test_validate_plans_each_direction_with_its_kinds():
    (args,) = [a for a in module_tasks('validate.yml', FQCN + 'validate_site') if 'kinds' in a]
    params = {name: render(args[name], SITE) for name in ('kinds', 'domino_to_exchange_kinds', 'exchange_to_domino_kinds')}
    assert params == {'kinds': ['person'], 'domino_to_exchange_kinds': ['person', 'group', 'mailin'],
                      'exchange_to_domino_kinds': ['resource']}
    assert direction_kinds(params, 'domino_to_exchange') == ['person', 'group', 'mailin']
    assert direction_kinds(params, 'exchange_to_domino') == ['resource']
    # a direction without its own set: the module gets None for it (omitted) and plans the shared set
    shared = {name: render(args[name], {'coexist_sync_kinds': ['person']}) for name in params}
    assert shared['domino_to_exchange_kinds'] == shared['exchange_to_domino_kinds'] == OMITTED
    options = {'kinds': ['person'], 'domino_to_exchange_kinds': None, 'exchange_to_domino_kinds': None}
    assert direction_kinds(options, 'domino_to_exchange') == direction_kinds(options, 'exchange_to_domino') == ['person']
