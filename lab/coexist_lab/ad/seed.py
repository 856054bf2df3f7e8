"""The lab AD's sample organisation: what ``seed()`` writes and the manifest that describes it.

Deterministic (a fixed random seed); names from common.GIVEN_NAMES and common.AD_SURNAMES, so
the only addresses shared with the Domino side are the deliberate ones in common.py. About 300
recipients under OU=Exchange Users (and its sub-OU OU=Berlin), in these manifest categories
(msExchRecipientTypeDetails in brackets):

  user_mailboxes          [1] enabled, visible: the bulk, and the awkward names listed in the
                          manifest's "cases"
  shared_mailboxes        [4] disabled accounts, as Exchange makes them
  room_mailboxes          [16] disabled             equipment_mailboxes   [32] disabled
  linked_mailboxes        [2] disabled (the enabled account lives in another forest)
  disabled_user_mailboxes [1] with a disabled account
  hidden_mailboxes        [1] msExchHideFromAddressLists TRUE
  remote_mailboxes        [2147483648] targetAddress in Exchange Online
  arbitration_mailboxes   [8388608] and discovery_mailboxes [536870912]: system mailboxes
  legacy_mailboxes        [none] Exchange 2003 style: homeMDB and/or msExchHomeServerName
  users_without_mailbox   plain users, no mail attributes
  mail_users              [128] targetAddress outside the organisation
  mail_groups             [256] mail-enabled universal distribution groups
  mail_security_groups    [1024] a mail-enabled universal security group
  dynamic_groups          [2048] a dynamic distribution group (class msExchDynamicDistributionList)
  groups_not_read         a distribution group hidden from address lists, a security group
                          without mail (never sources)
  groups_skipped          [256] a distribution group without a proxy in the Exchange routing
                          domain (a source, skipped and reported)
  group_collision         [256] a distribution group whose address a user mailbox (the last
                          bulk one with a routing proxy) holds too: both are conflicts
  mailboxes_outside_bases [1] in OU=Other Users, outside mailbox_bases
  mail_contacts           [64] Exchange mail contacts in OU=External Contacts
  foreign_objects         in OU=Domino Contacts but not the sync's: a hand-made contact, a
                          contact with another adminDescription, a user, a nested OU

The manifest (``<state>/samba/manifest.json``) lists, per category, ``{dn, mail, guid}`` as read
back from the server, the counts, and the special cases (names with DN special characters,
non-ASCII names, accent twins, long display names, the migrated and contested addresses), so
tests assert against it instead of hard-coding names.
"""
from __future__ import annotations

import json
import random
import unicodedata

import ldap
import ldap.dn
from ldap.controls.simple import ValueLessRequestControl

from .. import common
from .ldapio import add, add_many, attr_str, attr_strs, dn_key, guid_of, paged_search
from .names import (ADMIN_GROUP_NAME, ALL_CONTACTS_DN, ALL_USERS_DN, CONTACTS_OU, DATABASE_DN, DISPLAY_TYPE,
                    EAP_DISABLED, EXCHANGE_ORG, EXTERNAL_CONTACTS_OU, FOREIGN_MARKER, GAL_DN, HOME_SERVER,
                    LEGACY_ADMIN_GROUP, LEGACY_HOME_SERVER, MAILBOX_OU, MAILBOX_SUB_OU, MSEXCH_VERSION_2010,
                    MSEXCH_VERSION_2013, ORG_DN, OTHER_USERS_OU, REALM, FQDN, RTD, UAC_DISABLED, UAC_ENABLED,
                    UPN_SUFFIX)

SEED = 20240611                     # the sample organisation is a function of this number
N_BULK_MAILBOXES = 225

_TREE_DELETE = '1.2.840.113556.1.4.805'
_SEEDED_CONTAINERS = [MAILBOX_OU, OTHER_USERS_OU, EXTERNAL_CONTACTS_OU, CONTACTS_OU]

CATEGORIES = [
    'user_mailboxes', 'shared_mailboxes', 'room_mailboxes', 'equipment_mailboxes',
    'disabled_user_mailboxes', 'hidden_mailboxes', 'linked_mailboxes', 'remote_mailboxes',
    'arbitration_mailboxes', 'discovery_mailboxes', 'legacy_mailboxes', 'users_without_mailbox',
    'mail_users', 'mail_groups', 'mailboxes_outside_bases', 'mail_contacts', 'foreign_objects',
    'mail_security_groups', 'dynamic_groups', 'groups_not_read', 'groups_skipped', 'group_collision',
]
# The AD groups exchange_to_domino reads as sources (issue 18, direction 2), and the kind of
# recipient each category is; written to the manifest so tests count from it.
GROUP_SOURCE_CATEGORIES = ['mail_groups', 'mail_security_groups', 'dynamic_groups', 'groups_skipped', 'group_collision']


def seed(ad) -> None:
    """Replace everything in the seeded OUs with the sample organisation; write the manifest."""
    if not ad.running():
        raise common.LabError('ad: seed needs the DC running (start it first)')
    plan = SeedPlan(random.Random(SEED))
    conn = ad.connect()
    try:
        clear_seeded(conn)
        for dn, attrs in plan.containers:          # sub-OUs first, synchronously
            add(conn, dn, attrs)
        add_many(conn, plan.entries)
        add_many(conn, plan.late_entries)         # groups, after their members exist
        found = {}
        for base in _SEEDED_CONTAINERS:
            for dn, entry in paged_search(conn, base, '(objectClass=*)', ['objectGUID', 'mail']):
                found[dn_key(dn)] = {'dn': dn, 'mail': attr_str(entry, 'mail'), 'guid': guid_of(entry)}
    finally:
        conn.unbind_s()
    categories = {cat: [] for cat in CATEGORIES}
    for dn, cat in plan.category_of.items():
        categories[cat].append(found[dn_key(dn)])
    cases = {name: [found[dn_key(dn)] for dn in dns] for name, dns in plan.cases.items()}
    manifest = {
        'seed': SEED,
        'counts': {cat: len(v) for cat, v in categories.items()},
        'total': sum(len(v) for v in categories.values()),
        'categories': categories,
        'cases': cases,
        'group_source_categories': GROUP_SOURCE_CATEGORIES,
    }
    ad.manifest.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + '\n')
    common.log(f'ad: seeded {manifest["total"]} objects; manifest {ad.manifest}')


def clear_seeded(conn) -> None:
    tree_delete = ValueLessRequestControl(_TREE_DELETE, criticality=True)
    for base in _SEEDED_CONTAINERS:
        children = conn.search_s(base, ldap.SCOPE_ONELEVEL, '(objectClass=*)', ['1.1'])
        for dn, _unused in children:
            if dn:
                conn.delete_ext_s(dn, serverctrls=[tree_delete])


def manifest_guids(ad, category: str) -> set[str]:
    try:
        data = json.loads(ad.manifest.read_text())
    except (OSError, ValueError):
        return set()
    return {e['guid'] for e in data.get('categories', {}).get(category, [])}


def summary(ad) -> list[str]:
    """What the directory holds now, counted live over LDAPS as Administrator."""
    conn = ad.connect()
    try:
        attrs = ['objectClass', 'objectGUID', 'msExchRecipientTypeDetails', 'homeMDB',
                 'msExchHomeServerName', 'mailNickname', 'userAccountControl',
                 'msExchHideFromAddressLists', 'adminDescription', 'proxyAddresses']
        counts: dict[str, int] = {}
        for base in (MAILBOX_OU, OTHER_USERS_OU, EXTERNAL_CONTACTS_OU):
            for dn, entry in paged_search(conn, base, '(|(objectClass=user)(objectClass=contact)(objectClass=group)'
                                                      '(objectClass=msExchDynamicDistributionList))', attrs):
                cat = categorise(entry, outside_bases=(base == OTHER_USERS_OU))
                counts[cat] = counts.get(cat, 0) + 1
        # Owned: a contact carrying an adminDescription marker that is not the foreign one
        # (the sync's marker value is its own business). Everything else in the OU, the
        # seeded foreign objects included, is foreign.
        foreign_guids = manifest_guids(ad, 'foreign_objects')
        owned = foreign = 0
        for dn, entry in paged_search(conn, CONTACTS_OU, '(objectClass=*)', attrs):
            if dn_key(dn) == dn_key(CONTACTS_OU):
                continue
            classes = {c.lower() for c in attr_strs(entry, 'objectClass')}
            marker = attr_str(entry, 'adminDescription')
            if ('contact' in classes and marker and marker != FOREIGN_MARKER
                    and guid_of(entry) not in foreign_guids):
                owned += 1
            else:
                foreign += 1
        config = sum(1 for _unused in paged_search(conn, ORG_DN, '(objectClass=*)', ['cn']))
    finally:
        conn.unbind_s()

    def c(key):
        return counts.get(key, 0)
    kinds = [('user', 'user_mailboxes'), ('shared', 'shared_mailboxes'), ('room', 'room_mailboxes'),
             ('equipment', 'equipment_mailboxes'), ('linked', 'linked_mailboxes'),
             ('remote', 'remote_mailboxes'), ('disabled user', 'disabled_user_mailboxes'),
             ('hidden', 'hidden_mailboxes'), ('arbitration', 'arbitration_mailboxes'),
             ('discovery', 'discovery_mailboxes'), ('Exchange 2003-style', 'legacy_mailboxes')]
    total = sum(counts.values())
    return [
        f'AD {REALM} on {FQDN} ({"running" if ad.running() else "stopped"}): '
        f'{total} recipients and users in the seeded OUs',
        'Exchange mailboxes (OU=Exchange Users): ' + ', '.join(f'{c(k)} {label}' for label, k in kinds),
        f'Groups: {c("mail_groups")} distribution, {c("mail_security_groups")} mail-enabled security, '
        f'{c("dynamic_groups")} dynamic, {c("groups_skipped")} without a proxy in the routing domain, '
        f'{c("groups_not_read")} hidden or without mail (a group sharing a mailbox\'s address counts as distribution)',
        f'Other recipients: {c("mail_users")} mail users, '
        f'{c("users_without_mailbox")} users without mailbox, '
        f'{c("mailboxes_outside_bases")} mailboxes in OU=Other Users, '
        f'{c("mail_contacts")} mail contacts in OU=External Contacts'
        + (f', {c("other")} other objects' if c('other') else ''),
        f'OU=Domino Contacts: {owned} owned contacts, {foreign} foreign objects',
        f'Exchange organisation "{EXCHANGE_ORG}": {config} configuration objects '
        '(address lists, administrative group, database)',
    ]


# --- the sample organisation, computed before any write ------------------------------------------
class SeedPlan:
    """Every object seed() adds, in order, with its manifest category and special cases."""

    TITLES = ['Accountant', 'Analyst', 'Buyer', 'Consultant', 'Designer', 'Developer', 'Engineer',
              'Manager', 'Paralegal', 'Planner', 'Recruiter', 'Sales Representative', 'Technician']

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.containers: list[tuple[str, dict]] = [
            (MAILBOX_SUB_OU, {'objectClass': 'organizationalUnit'}),
            (f'OU=Manual,{CONTACTS_OU}', {'objectClass': 'organizationalUnit',
                                          'description': 'made by hand, not by the sync'}),
        ]
        self.entries: list[tuple[str, dict]] = []
        self.late_entries: list[tuple[str, dict]] = []
        self.category_of: dict[str, str] = {}
        self.cases: dict[str, list[str]] = {}
        self._aliases: set[str] = set()
        self._sams: set[str] = set()
        self._phone = 1000
        self.category_of[f'OU=Manual,{CONTACTS_OU}'] = 'foreign_objects'
        self._build()

    # names ---------------------------------------------------------------------------------
    def _alias(self, wanted: str) -> str:
        """A unique mailNickname / address local part (ASCII), numbered on collision."""
        base = wanted
        n = 1
        while wanted in self._aliases:
            n += 1
            wanted = f'{base}{n}'
        self._aliases.add(wanted)
        return wanted

    def _sam(self, alias: str) -> str:
        # At most 20 characters, and Samba refuses one that ends with '.'.
        base = alias.replace('{', '').replace('}', '')[:20].rstrip('.')
        sam, n = base, 1
        while sam.lower() in self._sams:
            n += 1
            sam = f'{base[:20 - len(str(n))].rstrip(".")}{n}'
        self._sams.add(sam.lower())
        return sam

    # one recipient ---------------------------------------------------------------------------
    def _person(self, parent: str, kind: str | None, category: str, *, given: str, sn: str,
                display: str | None = None, alias: str | None = None, cn: str | None = None,
                mail: str | None = None, disabled: bool = False, hidden: bool = False,
                extra_proxies: tuple = (), legacy: str | None = None, **attrs) -> str:
        """A user with an Exchange recipient profile of the given kind (None: no mail attributes)."""
        display = display if display is not None else f'{given} {sn}'
        alias = self._alias(alias or _ascii(f'{given}.{sn}'))
        # Windows AD caps cn at 64 characters (Samba does not); seed what AD would hold.
        cn = cn or display.strip() or alias
        if len(cn) > 64:
            cn = cn[:64].rstrip()
        dn = f'CN={ldap.dn.escape_dn_chars(cn)},{parent}'
        sam = self._sam(alias)
        entry = {
            'objectClass': 'user', 'sAMAccountName': sam, 'userPrincipalName': f'{sam}@{UPN_SUFFIX}',
            'displayName': display,
            'title': self.rng.choice(self.TITLES), 'telephoneNumber': self._next_phone(),
            # No password: seeded people never log on, and hashing one (Kerberos keys) makes an
            # add about 6 times slower (41 instead of 240 adds/s, measured). Samba, unlike a
            # Windows DC with a password policy, accepts an enabled account without one.
            'userAccountControl': UAC_DISABLED if disabled else UAC_ENABLED,
        }
        if given:
            entry['givenName'] = given
        if sn:
            entry['sn'] = sn
        if kind is not None:
            entry.update(self._recipient(kind, alias, mail, hidden, extra_proxies, legacy))
        entry.update(attrs)
        self.entries.append((dn, entry))
        self.category_of[dn] = category
        return dn

    def _next_phone(self) -> str:
        self._phone += self.rng.randint(1, 9)
        return f'+49 30 5550 {self._phone:04d}'

    def _recipient(self, kind: str, alias: str, mail: str | None, hidden: bool,
                   extra_proxies: tuple, legacy: str | None) -> dict:
        mail = mail or f'{alias}@{common.SHARED_DOMAIN}'
        proxies = [f'SMTP:{mail}']
        rng = self.rng
        if kind != 'legacy2003' and rng.random() < 0.85:          # most, not all
            proxies.append(f'smtp:{alias}@{common.EXCHANGE_ROUTING_DOMAIN}')
        hex32 = '%032x' % rng.getrandbits(128)
        if rng.random() < 0.2:                                     # some were migrated once
            proxies.append(f'X500:/o=OldOrg/ou=First Administrative Group/cn=Recipients/cn={alias}')
        proxies += list(extra_proxies)
        out = {'mail': mail, 'mailNickname': alias, 'proxyAddresses': proxies}
        if kind == 'legacy2003':
            out['legacyExchangeDN'] = f'/o={EXCHANGE_ORG}/ou={LEGACY_ADMIN_GROUP}/cn=Recipients/cn={alias}'
            if legacy in ('both', 'mdb'):
                out['homeMDB'] = DATABASE_DN
            if legacy in ('both', 'server'):
                out['msExchHomeServerName'] = LEGACY_HOME_SERVER
            if not hidden:
                out['showInAddressBook'] = [GAL_DN, ALL_USERS_DN]
            return out
        out['legacyExchangeDN'] = f'/o={EXCHANGE_ORG}/ou={ADMIN_GROUP_NAME}/cn=Recipients/cn={hex32}-{alias}'
        out['msExchRecipientTypeDetails'] = RTD[kind]
        out['msExchRecipientDisplayType'] = DISPLAY_TYPE[kind]
        out['msExchVersion'] = MSEXCH_VERSION_2013 if rng.random() < 0.8 else MSEXCH_VERSION_2010
        if kind in ('user', 'linked', 'shared', 'room', 'equipment', 'arbitration', 'discovery'):
            out['homeMDB'] = DATABASE_DN
            out['msExchHomeServerName'] = HOME_SERVER
        if kind == 'remote':
            tenant = f'{alias}@examplecorp.mail.onmicrosoft.com'
            out['targetAddress'] = f'SMTP:{tenant}'
            out['proxyAddresses'].append(f'smtp:{tenant}')
        if kind in ('arbitration', 'discovery'):
            hidden = True                  # Exchange hides its system mailboxes
        if hidden:
            out['msExchHideFromAddressLists'] = 'TRUE'
        else:
            out['showInAddressBook'] = [GAL_DN, ALL_USERS_DN]
        if rng.random() < 0.5:
            out['extensionAttribute1'] = f'CC-{rng.randint(100, 999)}'
        return out

    # the organisation --------------------------------------------------------------------------
    def _build(self) -> None:
        rng = self.rng
        # Every (given name, surname) pair, shuffled; special cases take theirs first so the
        # bulk never repeats a name by accident (the one duplicate is deliberate).
        pairs = [(g, s) for g in common.GIVEN_NAMES for s in common.AD_SURNAMES]
        rng.shuffle(pairs)
        reserved = {('Anna', 'Hartley'), ('Ben', 'Ramsey'), ('Clara', 'Sawyer'), ('David', 'Thornton'),
                    ('Elena', 'Underwood'), ('Felix', 'Vaughan'), ('Greta', 'Whitaker'),
                    ('Hugo', 'Yardley'), ('Ines', 'Ashford'), ('Jonas', 'Bramley'),
                    ('Zoe', 'Cromwell'), ('Walter', 'Goodwin'), ('Xenia', 'Fairfax'),
                    ('Paul', 'Quincey'), ('Quinn', 'Thornton'), ('Rosa', 'Underwood')}
        pairs = [p for p in pairs if p not in reserved]
        spare = iter(pairs[N_BULK_MAILBOXES:])

        def case(name, dn):
            self.cases.setdefault(name, []).append(dn)
            return dn

        # The bulk: ordinary user mailboxes, a few in the sub-OU.
        for i, (given, sn) in enumerate(pairs[:N_BULK_MAILBOXES]):
            parent = MAILBOX_SUB_OU if i % 9 == 4 else MAILBOX_OU
            self._person(parent, 'user', 'user_mailboxes', given=given, sn=sn)

        # Awkward names (user mailboxes): every character RFC 4514 escapes, spaces at the
        # ends, an apostrophe, non-ASCII scripts.
        specials = [('Hartley, Anna', 'Anna', 'Hartley'), ('Ben Ramsey + Partners', 'Ben', 'Ramsey'),
                    ('Clara "CJ" Sawyer', 'Clara', 'Sawyer'), ('David Thornton \\ IT', 'David', 'Thornton'),
                    ('Elena Underwood <Legal>', 'Elena', 'Underwood'),
                    ('Felix Vaughan; Finance', 'Felix', 'Vaughan'), ('Greta Whitaker = CFO', 'Greta', 'Whitaker'),
                    ('#1 Hugo Yardley', 'Hugo', 'Yardley')]
        for display, given, sn in specials:
            case('special_characters', self._person(MAILBOX_OU, 'user', 'user_mailboxes',
                                                    given=given, sn=sn, display=display, cn=display))
        for display, given, sn in [(' Ines Ashford', 'Ines', 'Ashford'), ('Jonas Bramley ', 'Jonas', 'Bramley')]:
            case('leading_trailing_spaces', self._person(MAILBOX_OU, 'user', 'user_mailboxes',
                                                         given=given, sn=sn, display=display, cn=display))
        case('special_characters', self._person(MAILBOX_OU, 'user', 'user_mailboxes',
                                                given='Karin', sn="O'Brien", alias='karin.obrien'))
        for given, sn, alias in [('Lukas', 'Müller', 'lukas.mueller'), ('Zoë', 'Cromwell', 'zoe.cromwell'),
                                 ('Åsa', 'Dunmore', 'asa.dunmore'), ('Mara', 'Çelik', 'mara.celik'),
                                 ('Ирина', 'Петрова', 'irina.petrova')]:
            case('non_ascii', self._person(MAILBOX_OU, 'user', 'user_mailboxes',
                                           given=given, sn=sn, alias=alias))
        case('non_ascii', self._person(MAILBOX_OU, 'user', 'user_mailboxes', given='伟', sn='王',
                                       display='王伟', alias='wei.wang'))
        # Accent twins and namesakes: different OUs, as Windows AD folds accents in RDNs.
        case('accent_twins', self._person(MAILBOX_OU, 'user', 'user_mailboxes', given='René', sn='Everly',
                                          alias='rene.everly'))
        case('accent_twins', self._person(MAILBOX_SUB_OU, 'user', 'user_mailboxes', given='Rene',
                                          sn='Everly', alias='rene.everly'))
        for parent in (MAILBOX_OU, MAILBOX_SUB_OU):
            case('same_display_name', self._person(parent, 'user', 'user_mailboxes',
                                                   given='Paul', sn='Quincey'))
        # Long display names: over AD's 64-character cn, and long enough that a Domino contact
        # "CN=<display name>,OU=Exchange,O=Acme" would pass 256 characters.
        long_name = 'Walter Goodwin, Senior Vice President Global Procurement and Supplier Relations'
        case('long_display_name', self._person(MAILBOX_OU, 'user', 'user_mailboxes', given='Walter',
                                               sn='Goodwin', display=long_name))
        very_long = ('Xenia Fairfax, Executive Director of International Business Development, '
                     'Strategic Partnerships and Regulatory Affairs for Europe, the Middle East and '
                     'Africa (EMEA), Asia-Pacific and Latin America, Deputy Chair of the Steering '
                     'Committee')
        assert len(f'CN={very_long},OU=Exchange,O=Acme') > 256 and len(very_long) <= 256
        case('dn_over_256', self._person(MAILBOX_OU, 'user', 'user_mailboxes', given='Xenia',
                                         sn='Fairfax', display=very_long))
        # The deliberate cross-directory cases (common.py).
        case('migrated', self._person(MAILBOX_OU, 'user', 'user_mailboxes', given='Quinn', sn='Thornton',
                                      alias='migrated.user', mail=common.MIGRATED_ADDRESS))
        case('contested', self._person(MAILBOX_OU, 'user', 'user_mailboxes', given='Rosa', sn='Underwood',
                                       extra_proxies=(f'smtp:{common.CONTESTED_ADDRESS}',)))

        # Resource and shared mailboxes: disabled accounts by design.
        for name in ['Sales Team', 'Support Desk', 'Accounts Payable', 'Marketing Requests',
                     'HR Inbox', 'Reception Berlin']:
            self._function(name, 'shared', 'shared_mailboxes', 'shared.')
        for name in ['Room Berlin 1.01', 'Room Berlin 1.02', 'Room Berlin 2.14', 'Room Hamburg Harbour',
                     'Room Munich Alps', 'Boardroom']:
            self._function(name, 'room', 'room_mailboxes', 'room.')
        for name in ['Projector 1', 'Projector 2', 'Pool Car B-CX 101', 'Video Kit']:
            self._function(name, 'equipment', 'equipment_mailboxes', 'equipment.')

        def take():
            return next(spare)
        for _unused in range(3):
            g, s = take()
            self._person(MAILBOX_OU, 'user', 'disabled_user_mailboxes', given=g, sn=s, disabled=True)
        for _unused in range(4):
            g, s = take()
            self._person(MAILBOX_OU, 'user', 'hidden_mailboxes', given=g, sn=s, hidden=True)
        for _unused in range(3):      # linked: the enabled account lives in a resource forest
            g, s = take()
            self._person(MAILBOX_OU, 'linked', 'linked_mailboxes', given=g, sn=s, disabled=True)
        for _unused in range(4):
            g, s = take()
            self._person(MAILBOX_OU, 'remote', 'remote_mailboxes', given=g, sn=s)
        for guid in ['1f05a927-3be2-4fb9-aa03-b59fe3b56f4c', 'bb558c35-97f1-4cb9-8ff7-d53741dc928c',
                     'e0dc1c29-89c3-4034-b678-e6c29d823ed9']:
            name = f'SystemMailbox{{{guid}}}'
            self._person(MAILBOX_OU, 'arbitration', 'arbitration_mailboxes', given='', sn='',
                         display='Microsoft Exchange', cn=name, alias=name, disabled=True)
        name = 'DiscoverySearchMailbox{D919BA05-46A6-415f-80AD-7E09334BB852}'
        self._person(MAILBOX_OU, 'discovery', 'discovery_mailboxes', given='', sn='',
                     display='Discovery Search Mailbox', cn=name, alias=name, disabled=True)
        for legacy in ['both', 'both', 'both', 'server', 'mdb']:
            g, s = take()
            self._person(MAILBOX_OU, 'legacy2003', 'legacy_mailboxes', given=g, sn=s, legacy=legacy)
        for _unused in range(8):
            g, s = take()
            self._person(MAILBOX_OU, None, 'users_without_mailbox', given=g, sn=s)
        for _unused in range(3):
            g, s = take()
            self._person(MAILBOX_OU, 'mail_user', 'mail_users', given=g, sn=s)
            entry = self.entries[-1][1]
            entry['targetAddress'] = f'SMTP:{_ascii(g + "." + s)}@contractor.example.net'
        members = [dn for dn, cat in self.category_of.items() if cat == 'user_mailboxes']
        for name, alias in [('All Staff Berlin', 'allstaff.berlin'), ('Project Coexistence', 'project.coexistence')]:
            dn = f'CN={name},{MAILBOX_OU}'
            self.late_entries.append((dn, {
                'objectClass': 'group', 'sAMAccountName': self._sam(alias),
                'groupType': 8,                           # universal distribution group
                'displayName': name, 'mail': f'{alias}@{common.SHARED_DOMAIN}',
                'mailNickname': self._alias(alias),
                'proxyAddresses': [f'SMTP:{alias}@{common.SHARED_DOMAIN}',
                                   f'smtp:{alias}@{common.EXCHANGE_ROUTING_DOMAIN}'],
                'legacyExchangeDN': f'/o={EXCHANGE_ORG}/ou={ADMIN_GROUP_NAME}/cn=Recipients/cn='
                                    f'{"%032x" % rng.getrandbits(128)}-{alias}',
                'msExchRecipientTypeDetails': RTD['group'], 'msExchRecipientDisplayType': DISPLAY_TYPE['group'],
                'msExchVersion': MSEXCH_VERSION_2013, 'showInAddressBook': [GAL_DN],
                'member': rng.sample(members, 5),
            }))
            self.category_of[dn] = 'mail_groups'

        for _unused in range(2):
            g, s = take()
            self._person(OTHER_USERS_OU, 'user', 'mailboxes_outside_bases', given=g, sn=s)
        for _unused in range(3):
            g, s = take()
            self._contact(EXTERNAL_CONTACTS_OU, 'mail_contacts', g, s,
                          f'{_ascii(g + "." + s)}@partner.example.net', exchange=True)

        # Foreign objects in the sync's OU: it must report them and never touch them.
        g, s = take()
        self._contact(CONTACTS_OU, 'foreign_objects', g, s, f'{_ascii(g + "." + s)}@{common.SHARED_DOMAIN}',
                      exchange=False, description='made by hand before the sync existed')
        g, s = take()
        self._contact(CONTACTS_OU, 'foreign_objects', g, s, f'{_ascii(g + "." + s)}@partner.example.net',
                      exchange=True, adminDescription=FOREIGN_MARKER)
        g, s = take()
        self._person(CONTACTS_OU, None, 'foreign_objects', given=g, sn=s,
                     description='a user account someone put in the contacts OU')
        self._groups()

    def _group(self, name: str, alias: str, category: str, *, kind: str = 'group', group_type: int = 8,
               mail: str | None = None, routing_proxy: bool = True, **attrs) -> None:
        """A mail-enabled group as Exchange 2007+ stamps it (kind 'group' 256, 'security' 1024,
        'dynamic' 2048: class msExchDynamicDistributionList, no groupType, no members), added after
        the users. Members are a few user mailboxes; the sync never reads them."""
        dn = f'CN={name},{MAILBOX_OU}'
        mail = mail or f'{alias}@{common.SHARED_DOMAIN}'
        proxies = [f'SMTP:{mail}'] + ([f'smtp:{alias}@{common.EXCHANGE_ROUTING_DOMAIN}'] if routing_proxy else [])
        entry = {'displayName': name, 'mail': mail, 'mailNickname': self._alias(alias), 'proxyAddresses': proxies,
                 'legacyExchangeDN': f'/o={EXCHANGE_ORG}/ou={ADMIN_GROUP_NAME}/cn=Recipients/cn='
                                     f'{"%032x" % self.rng.getrandbits(128)}-{alias}',
                 'msExchRecipientTypeDetails': RTD[kind], 'msExchRecipientDisplayType': DISPLAY_TYPE[kind],
                 'msExchVersion': MSEXCH_VERSION_2013}
        if kind == 'dynamic':
            entry.update({'objectClass': 'msExchDynamicDistributionList', 'msExchDynamicDLBaseDN': MAILBOX_OU,
                          'msExchDynamicDLFilter': '(&(objectCategory=person)(objectClass=user)(l=Berlin))'})
        else:
            members = [dn for dn, cat in self.category_of.items() if cat == 'user_mailboxes']
            entry.update({'objectClass': 'group', 'sAMAccountName': self._sam(alias), 'groupType': group_type,
                          'member': self.rng.sample(members, 3)})
        if attrs.pop('hidden', False):
            entry['msExchHideFromAddressLists'] = 'TRUE'
        else:
            entry['showInAddressBook'] = [GAL_DN]
        entry.update(attrs)
        self.late_entries.append((dn, entry))
        self.category_of[dn] = category

    def _groups(self) -> None:
        """Every kind of Exchange group (issue 18), and the awkward ones. Seeded last, so the users
        above (and the random numbers they drew) are the same as before groups were added."""
        # groupType: 0x8 universal, 0x80000000 security (a signed 32-bit value), 0x2 global.
        self._group('Finance Approvers', 'finance.approvers', 'mail_security_groups', kind='security',
                    group_type=-2147483640)
        self._group('Berlin Everyone', 'berlin.everyone', 'dynamic_groups', kind='dynamic')
        self._group('Board Confidential', 'board.confidential', 'groups_not_read', hidden=True)
        # A security group without mail: no Exchange attribute at all, as most security groups.
        dn = f'CN=File Share Readers,{MAILBOX_OU}'
        self.late_entries.append((dn, {'objectClass': 'group', 'sAMAccountName': self._sam('file.share.readers'),
                                       'groupType': -2147483646, 'description': 'ACL group, no mail'}))
        self.category_of[dn] = 'groups_not_read'
        self._group('Newsletter Editors', 'newsletter.editors', 'groups_skipped', routing_proxy=False)
        # The last bulk user mailbox with a proxy in the routing domain: the group claims its address.
        routing = '@' + common.EXCHANGE_ROUTING_DOMAIN
        person = next(e for _dn, e in reversed(self.entries[:N_BULK_MAILBOXES])
                      if any(p.endswith(routing) for p in e['proxyAddresses']))
        self._group('Team Lead Desk', 'team.lead.desk', 'group_collision', mail=person['mail'])

    def _function(self, name: str, kind: str, category: str, prefix: str) -> None:
        alias = _ascii(name.replace(' ', '.'))
        if not alias.startswith(prefix):
            alias = prefix + alias
        self._person(MAILBOX_OU, kind, category, given='', sn='', display=name, cn=name,
                     alias=alias, disabled=True)

    def _contact(self, parent: str, category: str, given: str, sn: str, mail: str, *,
                 exchange: bool, **attrs) -> None:
        display = f'{given} {sn}'
        dn = f'CN={ldap.dn.escape_dn_chars(display)},{parent}'
        entry = {'objectClass': 'contact', 'givenName': given, 'sn': sn, 'displayName': display,
                 'mail': mail, 'proxyAddresses': [f'SMTP:{mail}']}
        if exchange:
            alias = self._alias(_ascii(f'{given}.{sn}.ext'))
            entry.update({
                'mailNickname': alias, 'targetAddress': f'SMTP:{mail}',
                'msExchRecipientTypeDetails': RTD['contact'], 'msExchRecipientDisplayType': DISPLAY_TYPE['contact'],
                'msExchVersion': MSEXCH_VERSION_2013, 'msExchPoliciesExcluded': EAP_DISABLED,
                'legacyExchangeDN': f'/o={EXCHANGE_ORG}/ou={ADMIN_GROUP_NAME}/cn=Recipients/cn='
                                    f'{"%032x" % self.rng.getrandbits(128)}-{alias}',
                'showInAddressBook': [GAL_DN, ALL_CONTACTS_DN],
            })
        entry.update(attrs)
        self.entries.append((dn, entry))
        self.category_of[dn] = category


def _ascii(text: str) -> str:
    """An address-safe ASCII form of a name: accents dropped, lower case, dots kept."""
    text = text.replace('ß', 'ss')
    folded = unicodedata.normalize('NFKD', text).encode('ascii', 'ignore').decode()
    return ''.join(ch for ch in folded.lower() if ch.isalnum() or ch in '.-') or 'x'


def _group_category(entry: dict, classes: set) -> str:
    """The seed category of a group, as the manifest has it (the collision group, which only a
    comparison with the mailboxes tells, counts as a distribution group)."""
    hidden = (attr_str(entry, 'msExchHideFromAddressLists') or '').upper() == 'TRUE'
    if hidden or not attr_str(entry, 'mailNickname'):
        return 'groups_not_read'
    if not any(p.lower().endswith('@' + common.EXCHANGE_ROUTING_DOMAIN) for p in attr_strs(entry, 'proxyAddresses')):
        return 'groups_skipped'
    if 'msexchdynamicdistributionlist' in classes:
        return 'dynamic_groups'
    rtd = attr_str(entry, 'msExchRecipientTypeDetails')
    return 'mail_security_groups' if rtd == str(RTD['security']) else 'mail_groups'


def categorise(entry: dict, outside_bases: bool = False) -> str:
    """The seed category an entry falls in, judged from its attributes alone."""
    classes = {c.lower() for c in attr_strs(entry, 'objectClass')}
    rtd = attr_str(entry, 'msExchRecipientTypeDetails')
    if 'group' in classes or 'msexchdynamicdistributionlist' in classes:
        return _group_category(entry, classes)
    if 'contact' in classes:
        return 'mail_contacts' if rtd == str(RTD['contact']) else 'other'
    if 'user' not in classes:
        return 'other'
    if rtd is None:
        if attr_str(entry, 'homeMDB') or attr_str(entry, 'msExchHomeServerName'):
            return 'legacy_mailboxes'
        return 'other' if attr_str(entry, 'mailNickname') else 'users_without_mailbox'
    rtd = int(rtd)
    if rtd == RTD['user']:
        if outside_bases:
            return 'mailboxes_outside_bases'
        if (attr_str(entry, 'msExchHideFromAddressLists') or '').upper() == 'TRUE':
            return 'hidden_mailboxes'
        if int(attr_str(entry, 'userAccountControl') or 0) & 2:
            return 'disabled_user_mailboxes'
        return 'user_mailboxes'
    names = {v: k for k, v in RTD.items()}
    return {'linked': 'linked_mailboxes', 'shared': 'shared_mailboxes', 'room': 'room_mailboxes',
            'equipment': 'equipment_mailboxes', 'mail_user': 'mail_users', 'remote': 'remote_mailboxes',
            'arbitration': 'arbitration_mailboxes', 'discovery': 'discovery_mailboxes'
            }.get(names.get(rtd, ''), 'other')
