"""allow_update: false with a contact re-joined to its source after the source's anchor changed
(issue 12, item 5): the update rewriting the marker is switched off, so the marker still names the
old anchor; the contact's rename must still go through, not end as a per-object error every run
(the applier re-reads the marker before a rename). The directory is a stand-in holding the
contact as the first run left it; the plan is the planner's."""
from __future__ import annotations

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import Entry
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.apply import Ownership, apply_plan
from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import Limits, SourceRecord, plan

from plan_simulator import Container, ad_profile

PROFILE = ad_profile()
OLD, NEW = '6F1A2B3C-0000-4000-8000-000000000001', '7A1A2B3C-0000-4000-8000-000000000009'


def source(anchor: str, name: str) -> SourceRecord:
    return SourceRecord(anchor=anchor, display_name=name, mail='jean@example.com', alias='jean', dn='CN=x,O=Acme')


class Directory:
    """Entries DN -> marker value; renames move them."""

    def __init__(self, entries: dict):
        self.entries = {dn.lower(): (dn, marker) for dn, marker in entries.items()}
        self.renames = []

    def search(self, base, filterstr, attrs, scope='subtree'):
        found = self.entries.get(base.lower())
        return [Entry(found[0], {PROFILE.marker_attribute: [found[1]]})] if found else []

    def rename(self, dn, new_rdn, new_parent=None, delete_old_rdn=True):
        _old, marker = self.entries.pop(dn.lower())
        new_dn = f'{new_rdn},{dn.split(",", 1)[1]}'
        self.entries[new_dn.lower()] = (new_dn, marker)
        self.renames.append((dn, new_dn))


def test_a_rejoined_contact_is_renamed_with_updates_switched_off():
    [contact] = Container(PROFILE).run(plan([source(OLD, 'Jean Dupont')], [], {}, [], PROFILE).writes).owned()
    # The Domino Person was re-created (new dominoUNID), renamed; updates are switched off.
    result = plan([source(NEW, 'Jean Dupont-Martin')], [contact], {}, [], PROFILE, Limits(allow_update=False))
    assert [op.kind for op in result.operations] == ['rename'] and [op.kind for op in result.suppressed] == ['update']
    directory = Directory({contact.dn: PROFILE.marker(OLD)[PROFILE.marker_attribute][0]})
    outcome = apply_plan(directory, result, list(PROFILE.merged()),
                         ownership=Ownership(PROFILE.marker_attribute, PROFILE.anchor_of))
    # before: failed, kind 'changed' ("no longer the contact of this sync for 7A1A..."), every run
    assert not outcome.failed, [e.message for _op, e in outcome.failed]
    assert directory.renames == [(contact.dn, contact.dn.replace('Jean Dupont', 'Jean Dupont-Martin'))]


def test_another_syncs_or_an_unknown_object_at_the_dn_is_still_refused():
    [contact] = Container(PROFILE).run(plan([source(OLD, 'Jean Dupont')], [], {}, [], PROFILE).writes).owned()
    result = plan([source(NEW, 'Jean Dupont-Martin')], [contact], {}, [], PROFILE, Limits(allow_update=False))
    directory = Directory({contact.dn: 'someone else'})
    outcome = apply_plan(directory, result, list(PROFILE.merged()),
                         ownership=Ownership(PROFILE.marker_attribute, PROFILE.anchor_of))
    assert [e.kind for _op, e in outcome.failed] == ['changed'] and not directory.renames
