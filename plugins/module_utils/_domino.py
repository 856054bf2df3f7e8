# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""The Domino Directory, as a source: which Person documents are mailboxes, and how one becomes a
normalised record (reference domino-directory.md).

A Domino mailbox is a ``dominoPerson`` with a mail file, a mail system that means Notes and no
forwarding address (a Person a migration tool forwarded is no longer a mailbox). The filter
asks the server only for ``objectClass``: Domino answers filters on other attributes from a
full-text index or a slow view scan (reference 8.2, pitfall 6), so the rest is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._addresses import is_valid_alias, local_part
from ._ldap import LdapClient, dn_is_within, parse_dn
from ._plan import SourceRecord

DEFAULT_MAIL_SYSTEMS = ('1',)        # MailSystem "1" = Notes [inferred]; the LDAP-created default [verified]
DEFAULT_MARKER_ATTRIBUTE = 'employeeType'   # the Domino contacts' ownership marker (standard inetOrgPerson)
DEFAULT_MARKER_PREFIX = 'coexist.domino_exchange:'


@dataclass(frozen=True)
class MailboxRule:
    """What makes a Person a mailbox; every value configurable (the codes are partly inferred)."""

    mail_systems: tuple = DEFAULT_MAIL_SYSTEMS
    require_mail_file: bool = True
    exclude_forwarded: bool = True
    contacts_base: str = ''                     # this collection's contacts live here: never sources
    marker_attribute: str = DEFAULT_MARKER_ATTRIBUTE
    marker_prefix: str = DEFAULT_MARKER_PREFIX

    def why_not(self, entry) -> str:
        """'' if the entry is a mailbox, else the reason it is not (for the counts)."""
        if any(v.startswith(self.marker_prefix) for v in entry.values(self.marker_attribute)):
            return 'contact made by this collection'
        if self.contacts_base and dn_is_within(entry.dn, self.contacts_base):
            return 'under the contacts base'
        if self.require_mail_file and not (entry.get('mailfile') or '').strip():
            return 'no mail file'
        if self.exclude_forwarded and (entry.get('mailaddress') or '').strip():
            return 'forwarded (has a forwarding address)'
        if self.mail_systems and (entry.get('mailsystem') or '').strip() not in self.mail_systems:
            return f'mail system {entry.get("mailsystem")!r} is not Notes'
        return ''


def field_map(attribute_map: dict) -> dict:
    """The playbook's coexist_attribute_map (AD attribute -> Domino attribute) without the nulls:
    a null value stops syncing that field."""
    return {target: source for target, source in (attribute_map or {}).items() if source}


def record_from_entry(entry, field_map: dict) -> SourceRecord:
    """A Domino mailbox as a normalised record. ``field_map`` maps target attribute names to
    Domino attribute names (the playbook's coexist_attribute_map, nulls removed)."""
    problems = []
    unid = (entry.get('dominoUNID') or '').strip().upper()
    if not unid:
        problems.append('no dominoUNID (ask the Domino admin to make it readable to the sync account)')
    # The display name is the primary FullName: the entry's RDN value, never cn[0], which may be
    # an older FullName value (Domino keeps several, and the old RDN after a rename).
    display = parse_dn(entry.dn)[0][0][1] if entry.dn else ''
    mail = (entry.get('mail') or '').strip()
    alias = next((u for u in entry.values('uid') if is_valid_alias(u)), '')
    if not alias and mail and is_valid_alias(local_part(mail)):
        alias = local_part(mail)
    fields = {target: (entry.get(source) or '') for target, source in field_map.items()}
    return SourceRecord(anchor=unid, dn=entry.dn, display_name=display, mail=mail,
                        given_name=(entry.get('givenName') or '').strip(), surname=(entry.get('sn') or '').strip(),
                        alias=alias, fields=fields, problems=tuple(problems))


@dataclass
class MailboxRead:
    records: list          # SourceRecord
    not_mailboxes: dict    # reason -> count
    persons: int


def read_mailboxes(client: LdapClient, base: str, rule: MailboxRule, field_map: dict) -> MailboxRead:
    """Every Domino mailbox under ``base`` ('' = the whole directory, flat names included)."""
    attributes = sorted({'dominoUNID', 'cn', 'givenName', 'sn', 'mail', 'uid', 'mailfile', 'mailsystem',
                         'mailaddress', rule.marker_attribute} | set(field_map.values()))
    records, reasons, persons = [], {}, 0
    for entry in client.search(base, '(objectClass=dominoPerson)', attributes):
        persons += 1
        reason = rule.why_not(entry)
        if reason:
            reasons[reason] = reasons.get(reason, 0) + 1
            continue
        records.append(record_from_entry(entry, field_map))
    return MailboxRead(records, reasons, persons)


def record_as_dict(record: SourceRecord) -> dict:
    """A record as the module returns it (and as ad_contact_sync takes it back in ``records``)."""
    return {'anchor': record.anchor, 'dn': record.dn, 'display_name': record.display_name, 'mail': record.mail,
            'given_name': record.given_name, 'surname': record.surname, 'alias': record.alias,
            'fields': dict(record.fields), 'problems': list(record.problems)}


def record_from_dict(data: dict) -> SourceRecord:
    """The inverse of record_as_dict, for records given to a sync module as data."""
    return SourceRecord(anchor=str(data.get('anchor') or '').strip(), dn=str(data.get('dn') or ''),
                        display_name=str(data.get('display_name') or ''), mail=str(data.get('mail') or '').strip(),
                        given_name=str(data.get('given_name') or ''), surname=str(data.get('surname') or ''),
                        alias=str(data.get('alias') or ''), fields=dict(data.get('fields') or {}),
                        routing_address=str(data.get('routing_address') or ''),
                        problems=tuple(data.get('problems') or ()))
