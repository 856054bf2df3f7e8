"""Every PowerShell script the exchange_shared_namespace role can send parses (issue 14 item 12).

No PowerShell runs here (pwsh cannot be installed): the scripts are rendered as the role renders
them (its connect.ps1 pasted in by the file lookup) and parsed with tree-sitter-powershell, a
PowerShell grammar. The cmdlet calls the planner generates for each plan kind are rendered as the
splatted call the run script makes and parsed too, and each must be one the script allows."""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import tree_sitter                     # tests/requirements.txt: tree-sitter, tree-sitter-powershell
import tree_sitter_powershell
import yaml

from ansible_collections.coexist.domino_exchange.plugins.module_utils.routing.design import (
    Design, exchange_desired, for_exchange_online, plan_exchange)


ROLE = Path(__file__).resolve().parents[3] / 'roles' / 'exchange_shared_namespace'
FIXTURES = Path(__file__).resolve().parents[1] / 'plugins' / 'module_utils' / 'fixtures'
PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_powershell.language()))


def errors(script: str) -> list:
    """The lines of ``script`` where the grammar found an error or a missing token ([] if none)."""
    found = []

    def walk(node):
        if node.type == 'ERROR' or node.is_missing:
            found.append(f'line {node.start_point[0] + 1}: {node.text.decode(errors="replace")[:80]!r}')
        for child in node.children:
            walk(child)
    tree = PARSER.parse(script.encode())
    walk(tree.root_node)
    return found if found or not tree.root_node.has_error else ['has_error']


def role_scripts() -> dict:
    """{task name: its script, rendered}: the file lookup replaced by connect.ps1."""
    connect = (ROLE / 'files' / 'connect.ps1').read_text()
    out = {}
    for task in yaml.safe_load((ROLE / 'tasks' / 'main.yml').read_text()):
        module = task.get('ansible.windows.win_powershell')
        if module:
            script = re.sub(r"\{\{ lookup\('ansible\.builtin\.file', 'connect\.ps1'\) \}\}", lambda _m: connect,
                            module['script'])
            assert '{{' not in script, f'{task["name"]}: a template the test does not render'
            out[task['name']] = script
    return out


def ps_value(value) -> str:
    """A plan parameter as a PowerShell literal (what the splatted hashtable holds)."""
    if isinstance(value, bool):
        return '$true' if value else '$false'
    if isinstance(value, (list, tuple)):
        return '@(' + ', '.join(ps_value(v) for v in value) + ')'
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def render_call(call: dict) -> str:
    pairs = '; '.join(f'{name} = {ps_value(value)}' for name, value in call['parameters'].items())
    return f'$CmdletParameters = @{{ {pairs} }}\n& {call["cmdlet"]} @CmdletParameters | Out-Null\n'


def allowed_cmdlets(script: str) -> set:
    """The string literals of the run script's $allowed list, read from its syntax tree."""
    tree = PARSER.parse(script.encode())
    found = set()

    def walk(node, inside=False):
        text = node.text.decode()
        if node.type == 'assignment_expression' and text.startswith('$allowed'):
            inside = True
        if inside and node.type in ('verbatim_string_characters', 'verbatim_string_literal', 'string_literal'):
            found.add(text.strip("'\""))
        for child in node.children:
            walk(child, inside)
    walk(tree.root_node)
    return found


def test_the_grammar_finds_errors():
    """The check can fail: a script with an unclosed block or an unclosed hashtable does not parse."""
    assert errors('try { Get-AcceptedDomain }\nfinally { Remove-PSSession $s }\n') == []
    assert errors('try { Get-AcceptedDomain \nfinally { Remove-PSSession $s }\n')
    assert errors("$p = @{ Identity = 'x'\n& Set-AcceptedDomain @p\n")


@pytest.mark.parametrize('name', sorted(role_scripts()))
def test_every_role_script_parses(name):
    script = role_scripts()[name]
    assert errors(script) == [], f'{name}:\n{script}'
    # every session is closed whatever happens (issue 14 item 6)
    assert re.search(r'finally\s*\{\s*Disconnect-CoexistExchange', script), name


def plans() -> dict:
    """Plans of every kind: from nothing, drift, Exchange as the last hop, several policies on
    2013+, Exchange Online, scoped connector with source transport servers, Update-Recipient."""
    drifted = json.loads((FIXTURES / 'exchange_state_drifted.json').read_text())
    d = Design(last_hop='domino', shared_domain='example.com', domino_routing_domain='domino.example.com',
               exchange_routing_domain='exchange.example.com')
    hosts = ["domino1.example.com", "[192.0.2.10]"]
    many = dict(drifted, exchange_version='Version 15.2 (Build 1118.7)', address_policies=drifted['address_policies'] + [
        {'Name': "O'Brien's team", 'Priority': '1', 'EnabledEmailAddressTemplates': ['SMTP:%g.%s@example.com']}])
    scoped = dict(drifted, send_connectors=[dict(drifted['send_connectors'][1], AddressSpaces=['Local:SMTP:x.example.com;1'])])
    out = {
        'from nothing': plan_exchange({'address_policies': drifted['address_policies']},
                                      exchange_desired(d, hosts, 'coexist: to Domino')),
        'drift': plan_exchange(drifted, exchange_desired(d, hosts, 'coexist: to Domino')),
        'exchange last hop': plan_exchange(drifted, exchange_desired(
            dataclasses.replace(d, last_hop='exchange'), hosts, 'coexist: to Domino')),
        'several policies': plan_exchange(many, exchange_desired(d, hosts, 'coexist: to Domino')),
        'scoped': plan_exchange(scoped, exchange_desired(d, hosts, 'coexist: to Domino', source_transport_servers=['EX01'])),
        'online': for_exchange_online(plan_exchange(drifted, exchange_desired(d, hosts, 'coexist: to Domino'))),
    }
    out['update recipient'] = [{'cmdlet': 'Update-Recipient', 'why': 'asked',
                                'parameters': {'Identity': "CN=Anna O'Hara,OU=Domino Contacts,DC=corp,DC=example,DC=com"}}]
    return out


@pytest.mark.parametrize('kind', sorted(plans()))
def test_every_generated_cmdlet_call_parses_and_is_allowed(kind):
    run = role_scripts()['Run the cmdlets that differ (parameters as data, splatted)']
    allowed = allowed_cmdlets(run)
    assert 'New-SendConnector' in allowed and 'Update-Recipient' in allowed      # the list was read
    calls = [c for c in plans()[kind] if c['cmdlet'] != 'fail']
    assert calls, kind
    for call in calls:
        assert call['cmdlet'] in allowed, f'{kind}: the run script refuses {call["cmdlet"]}'
        assert errors(render_call(call)) == [], render_call(call)
