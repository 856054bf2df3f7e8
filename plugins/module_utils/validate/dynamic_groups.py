# Copyright (c) 2026 coexist.domino_exchange contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the coexist.domino_exchange collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix
# release. See also: https://github.com/ansible/community/issues/539#issuecomment-780839686

"""Whether the DC shows dynamic distribution groups to the sync account (issue 18, vendor facts X-9).

A dynamic distribution group is an object of its own class, ``msExchDynamicDistributionList``,
not a group. The sync account reads it as it reads users and groups, through the ACEs the object
got when it was made: the class's default security descriptor (in the schema, vendor facts X-9)
and what the containers above it pass down. Exchange's own default descriptor for this class is
not published, so a site whose sync account cannot read these objects would silently get no
Person for them: the search returns nothing, exactly as on a site that has none.

With the sync account's rights only, the probe tells the two apart as far as the directory lets
it: the schema says whether the class exists at all; the class's ``defaultSecurityDescriptor``
(an ordinary account reads the schema [inferred]; unreadable, it counts as unknown) says whether
new objects of the class let every authenticated account read them; the count of objects the account sees, and of
those whose ``mailNickname`` it can read (the sync's filter needs it), says what it does see. It
never says PASS when it cannot tell: none seen under a default that gives no read is a warning.
"""

from __future__ import annotations

import re
import typing as t

from ..directory.dn import escape_filter_value

if t.TYPE_CHECKING:
    from ..directory.read_only import ReadOnlyDirectory

PASS, WARN, INFO = 'pass', 'warn', 'info'
DYNAMIC_CLASS = 'msExchDynamicDistributionList'
CHECK = 'AD: dynamic distribution groups visible to the sync account'

# SDDL trustees that cover every authenticated account: Authenticated Users and Everyone, by
# alias or SID (Learn, "SID strings").
_EVERY_ACCOUNT = {'AU', 'WD', 'S-1-5-11', 'S-1-1-0'}
# Rights that let a trustee read an object's attributes: RP (ADS_RIGHT_DS_READ_PROP, 0x10), GR
# (GENERIC_READ, 0x80000000) and GA (GENERIC_ALL, 0x10000000), by alias or in a hex mask.
_READ_ALIASES = {'RP', 'GR', 'GA'}
_READ_BITS = 0x10 | 0x80000000 | 0x10000000
_ACE = re.compile(r'\(([^()]*)\)')


def _reads(rights: str) -> bool:
    if rights.lower().startswith('0x'):
        try:
            return bool(int(rights, 16) & _READ_BITS)
        except ValueError:
            return False
    return any(rights[i:i + 2].upper() in _READ_ALIASES for i in range(0, len(rights), 2))


def every_account_reads(sddl: str) -> bool:
    """Whether a security descriptor in SDDL lets every authenticated account read the object it
    protects: an allow ACE for Authenticated Users or Everyone with a read right on the whole
    object (an object ACE naming a property or property set reads only that part), not
    inherit-only, and no deny ACE of the same kind for them. The containers' inherited ACEs are
    not in a default descriptor and are not judged here."""
    dacl = sddl.split('D:', 1)[1] if 'D:' in sddl else ''
    dacl = dacl.split('S:', 1)[0]
    allowed = denied = False
    for ace in _ACE.findall(dacl):
        fields = ace.split(';')
        if len(fields) < 6:
            continue
        kind, flags, rights, object_guid, _inherit, trustee = (f.strip() for f in fields[:6])
        if trustee.upper() not in _EVERY_ACCOUNT or 'IO' in flags.upper() or not _reads(rights):
            continue
        if kind.upper() in ('A', 'OA') and not object_guid:
            allowed = True
        elif kind.upper() in ('D', 'OD') and not object_guid:
            denied = True
    return allowed and not denied


def verdict(in_schema: bool, default_sd: str | None, visible: int, readable: int) -> tuple:
    """(status, found, todo) for what the probe read. ``default_sd``: the class's
    defaultSecurityDescriptor, None when it could not be read; ``visible``: objects of the class
    the sync account sees under the mailbox bases; ``readable``: those with a mailNickname it can
    read (the sync's group search asks for mailNickname=*)."""
    count_in_exchange = ('count them in Exchange (Get-DynamicDistributionGroup -ResultSize Unlimited | '
                         'Measure-Object)')
    grant = ('if Exchange has more, grant the sync account List contents and Read all properties on '
             f'{DYNAMIC_CLASS} objects under the mailbox bases (an inheritable ACE)')
    if not in_schema:
        return INFO, f'the schema has no class {DYNAMIC_CLASS}: there are no dynamic distribution groups to read', ''
    if default_sd is None:
        default = 'its default security descriptor could not be read'
        opens = False
    else:
        opens = every_account_reads(default_sd)
        default = ('its default security descriptor lets every authenticated account read new ones' if opens else
                   'its default security descriptor gives authenticated users no read of new ones (vendor facts X-9)')
    if visible and readable < visible:
        return (WARN, f'{visible} seen, {visible - readable} of them without a readable mailNickname: those get no '
                f'Person; {default}', 'grant the sync account Read all properties on them')
    if visible and opens:
        return PASS, f'{visible} seen, each with its mailNickname; {default}', ''
    if visible:
        return (INFO, f'{visible} seen, through the rights the containers pass down or set on them; {default}, so '
                f'one made where those rights do not reach would stay unseen', f'{count_in_exchange}; {grant}')
    if opens:
        return (INFO, f'none seen; {default}, so most likely the site has none (one whose permissions were '
                f'changed by hand would not show)', '')
    return (WARN, f'none seen, and {default}: the site may have dynamic distribution groups the sync account '
            f'cannot read, which would get no Person', f'{count_in_exchange}; {grant}')


def probe(directory: ReadOnlyDirectory, bases: t.Sequence[str]) -> tuple:
    """(status, server, check, found, todo), read with the sync account's rights: the class in the
    schema and its default descriptor, then the objects of the class under each mailbox base."""
    schema = directory.root_dse().entry.get('schemaNamingContext')
    classes = list(directory.search(
        schema, f'(&(objectClass=classSchema)(lDAPDisplayName={escape_filter_value(DYNAMIC_CLASS)}))',
        ['defaultSecurityDescriptor'], scope='onelevel'))
    default_sd = classes[0].get('defaultSecurityDescriptor') if classes else None
    visible = readable = 0
    if classes:
        for base in bases:
            for entry in directory.search(base, f'(objectClass={DYNAMIC_CLASS})', ['mailNickname']):
                visible += 1
                readable += bool(entry.get('mailNickname'))
    status, found, todo = verdict(bool(classes), default_sd, visible, readable)
    return status, directory.server, CHECK, found, todo
