"""The lab Domino Directory's sample organisation: the base entries provision() creates, what
``seed()`` writes, and the manifest that describes it.

The sample organisation ``seed()`` writes (deterministic: ``random.Random(SEED)``; names from
``common.GIVEN_NAMES`` and ``common.DOMINO_SURNAMES``), by manifest category:

  mailboxes                 the bulk: ~300 Domino mailboxes (mailfile, mailserver, mailsystem 1,
                            no forwarding address) under ou=Sales, ou=Marketing,ou=Sales,
                            directly under o=Acme and flat at the root; some with a second cn,
                            several uid values, or a first uid that is no valid Exchange alias
  no_mailbox                Persons without a mailbox (no mailfile, mailsystem 100)
  migrated                  migrated Persons: mailfile kept, forwarding mailaddress
                            <local>@exchange.example.com (no longer mailboxes)
  forwarding_contacts       forwarding Persons (mailsystem 5) made by someone else, outside
                            the contacts base
  groups                    dominoGroups that take mail (Multi-purpose, Mail only) with an
                            Internet address: contacts in AD (kind group)
  mail_in_databases         dominoServerMailInDatabase entries (helpdesk@example.com, ...): kind mailin
  resources                 a room and equipment (resourcetype 1, 2) with an address: kind resource
  recipients_skipped        sources reported, never written: a Mail only group without an Internet
                            address (synthesized mail), a group in an unrouted domain, an untyped
                            group whose address the group_collision mailbox holds
  not_recipients            no sources: an ACL-only group, an online meeting place (no mail)
  group_collision           a mailbox (mail orders@example.com) whose address a group also holds
  invalid_mail              mailboxes whose mail is missing, 'not-an-address', or has two @
  awkward_names             mailboxes whose names hold , + " \\ < > ; = a leading #, leading or
                            trailing spaces, an apostrophe
  non_ascii                 mailboxes named Müller, Zoë, Åsa, Çelik, Ирина, 王伟
  accent_twins              René Dupont / Rene Dupont in one OU (equal names to AD)
  same_fullname             two mailboxes with one FullName under different OUs
  long_name                 a mailbox whose FullName is longer than 64 characters
  migrated_address          a mailbox whose mail is common.MIGRATED_ADDRESS
  contested_address         a mailbox whose mail is common.CONTESTED_ADDRESS
  duplicate_address         two mailboxes claiming the same mail address
  foreign_in_contacts_base  objects in ou=Exchange,o=Acme the sync does not own: a hand-made
                            forwarding Person, a dominoGroup, an organizationalUnit
  synthesized_mail          mailboxes without an Internet address: LDAP returns the mail Domino
                            synthesizes (John_Q_Public/Sales/Acme@example.com, the form of HCL's
                            ldap_msc sample; Samantha Daryn/Marketing/Sales/Acme%Acme@example.com,
                            the last resort of HCL's mail-attribute topic; vendor facts D-2.2)
  unrouted_mail             a mailbox whose Internet address is in a domain the sync does not route
  replication_conflict      one mailbox as two documents under one DN (two dominoUNIDs, one mail
                            address): a replication or save conflict (vendor facts D-4.3)

Every Person seeded without an Internet address (``mail=None``: invalid_mail, no_mailbox) returns
a synthesized ``mail`` as Domino's would: the manifest's ``mail`` is the Internet address (None),
the directory's ``mail`` the synthesized value (``synthesized_mail()``). A replication conflict's
second document is stored below ou=lab-conflicts and shown under the first one's DN (names.py).
  base                      what provision() creates: o=Acme, the OUs, the server cn=Mail1,o=Acme
                            and the sync account cn=LDAP Sync,o=Acme

The manifest (``<state>/domino/seed/manifest.json``) lists, per category, ``{dn, mail, unid}``
of every seeded entry (dn as slapd returns it), the counts, and which categories are mailboxes.
"""
from __future__ import annotations

import hashlib
import json
import random
import time

from .. import common
from ..common import python_ldap
from .names import (CONFLICTS_OU, CONTACTS_BASE, HOSTNAME, MAIL_SERVER_DN, MAILSYSTEM_NONE, MAILSYSTEM_NOTES,
                    MAILSYSTEM_OTHER_INTERNET, NOTES_DOMAIN, ORGANISATION, SYNC_DN, SYNC_PASSWORD)
from .schema import ssha

SEED = 20240521                         # random.Random seed: the organisation is reproducible
BULK_MAILBOXES = 300

# Categories whose entries are Domino mailboxes by the collection's definition (mailfile,
# mailsystem Notes, no forwarding address); invalid_mail ones are mailboxes with a bad source.
MAILBOX_CATEGORIES = ['mailboxes', 'invalid_mail', 'awkward_names', 'non_ascii', 'accent_twins',
                      'same_fullname', 'long_name', 'migrated_address', 'contested_address',
                      'duplicate_address', 'synthesized_mail', 'unrouted_mail', 'replication_conflict',
                      'group_collision']
# Recipients that are not Persons and become contacts too (issue 18), by kind of recipient;
# recipients_skipped are read as sources and reported, never written (no Internet address, an
# unrouted domain, an address a mailbox holds); not_recipients take no mail (ACL-only group,
# online meeting place) and are no sources at all.
RECIPIENT_CATEGORIES = {'groups': 'group', 'mail_in_databases': 'mailin', 'resources': 'resource'}
RECIPIENT_SOURCE_CATEGORIES = list(RECIPIENT_CATEGORIES) + ['recipients_skipped']
CATEGORIES = ['base'] + MAILBOX_CATEGORIES + ['no_mailbox', 'migrated', 'forwarding_contacts',
                                              'groups', 'mail_in_databases', 'resources', 'recipients_skipped',
                                              'not_recipients',
                                              'foreign_in_contacts_base', 'lab_conflict_containers']
# Group types (the Group form's keyword list; codes [inferred], vendor facts D-12).
GROUP_MULTI_PURPOSE, GROUP_MAIL_ONLY, GROUP_ACL_ONLY = '0', '1', '2'
# A domain the lab's syncs do not route (not the shared domain nor an alias of it).
UNROUTED_DOMAIN = 'acme-legacy.example.org'

# Where bulk mailboxes live (DN suffix after cn=..., the Notes hierarchy for displayName) and
# how often: mostly ou=Sales, some in ou=Marketing,ou=Sales, some /Acme only, some flat.
PLACES = [('ou=Sales,o=Acme', 'Sales/Acme', 55),
          ('ou=Marketing,ou=Sales,o=Acme', 'Marketing/Sales/Acme', 25),
          ('o=Acme', 'Acme', 10),
          ('', '', 10)]
TITLES = ['Account Manager', 'Sales Engineer', 'Marketing Specialist', 'Product Manager',
          'Team Assistant', 'Team Lead', 'Controller', 'Consultant', 'Buyer', 'Analyst']


def unid(dn: str) -> str:
    """A deterministic 32-hex upper-case dominoUNID, derived from the entry's DN as seeded."""
    return hashlib.md5(f'dominoUNID:{dn}'.encode()).hexdigest().upper()


def _rdn(attr: str, value: str) -> str:
    return f'{attr}={python_ldap().dn.escape_dn_chars(value)}'


def base_entries() -> list[tuple[str, dict]]:
    """The DIT provision() creates: organisation, OUs, the mail server, the sync account."""
    return [
        (ORGANISATION, {'objectClass': ['top', 'organization'], 'o': ['Acme']}),
        ('ou=Sales,o=Acme', {'objectClass': ['top', 'organizationalUnit'], 'ou': ['Sales']}),
        ('ou=Marketing,ou=Sales,o=Acme',
         {'objectClass': ['top', 'organizationalUnit'], 'ou': ['Marketing']}),
        # The contacts base: the sync's container; empty but for foreign objects.
        (CONTACTS_BASE, {'objectClass': ['top', 'organizationalUnit'], 'ou': ['Exchange'],
                         'description': ['Forwarding Persons for Exchange mailboxes']}),
        (MAIL_SERVER_DN, {'objectClass': ['top', 'dominoServer'], 'cn': ['Mail1'],
                          'displayName': ['Mail1/Acme'], 'maildomain': [NOTES_DOMAIN],
                          'dominoUNID': [unid(MAIL_SERVER_DN)]}),
        # The sync account: a Person with an Internet password and no mail file.
        (SYNC_DN, {'objectClass': ['top', 'person', 'organizationalPerson', 'inetOrgPerson',
                                   'dominoPerson'],
                   'cn': ['LDAP Sync'], 'sn': ['Sync'], 'givenName': ['LDAP'],
                   'uid': ['ldapsync'], 'displayName': ['LDAP Sync/Acme'],
                   'mailsystem': [MAILSYSTEM_NONE], 'userPassword': [ssha(SYNC_PASSWORD)],
                   'dominoUNID': [unid(SYNC_DN)]}),
    ]


def seed(slapd) -> None:
    """Write the sample organisation (removing any earlier seed first) and its manifest."""
    records = SampleOrganisation(random.Random(SEED)).build()
    base = {_norm(dn) for dn, _unused in base_entries()}
    started = time.monotonic()
    with slapd.connect() as conn:
        # Back to the provisioned state: delete everything but the base, leaves first.
        # Conflict documents first: each is shown under another's DN (names.CONFLICTS_OU), so a
        # delete by the DN a search returns would reach the other; the container's DN is not
        # rewritten, and a child's stored DN is its RDN under it.
        ldap = python_ldap()
        for container, _unused in conn.search('', f'(ou={CONFLICTS_OU})', ['1.1']):
            for shown, _unused in conn.search(container, '(objectClass=*)', ['1.1'], scope=ldap.SCOPE_ONELEVEL):
                conn.delete(f'{ldap.dn.dn2str(ldap.dn.str2dn(shown)[:1])},{container}')
            conn.delete(container)
        old = [dn for dn, _unused in conn.search('', '(objectClass=*)', ['1.1'])
               if _norm(dn) not in base]
        for dn in sorted(old, key=lambda x: -len(python_ldap().dn.str2dn(x))):
            conn.delete(dn)
        for rec in records:
            conn.add(rec.stored_dn or rec.dn, rec.attrs)
        # Read back: the manifest carries DNs in the server's form, keyed by dominoUNID.
        server_dn = {}
        for dn, attrs in conn.search('', '(objectClass=*)', ['dominoUNID']):
            server_dn[(attrs.get('dominoUNID') or [dn])[0].lower()] = dn
            server_dn[_norm(dn)] = dn
    categories: dict[str, list] = {c: [] for c in CATEGORIES}
    for dn, attrs in base_entries():
        categories['base'].append({'dn': server_dn.get(_norm(dn), dn), 'mail': None,
                                   'unid': (attrs.get('dominoUNID') or [None])[0]})
    for rec in records:
        key = rec.unid.lower() if rec.unid else _norm(rec.dn)
        if key not in server_dn:
            raise common.LabError(f'domino: seeded entry {rec.dn!r} not found on read-back')
        categories[rec.category].append({'dn': server_dn[key], 'mail': rec.mail,
                                         'unid': rec.unid})
    manifest = {
        'seed': SEED,
        'organisation': ORGANISATION,
        'contacts_base': CONTACTS_BASE,
        'mail_server': MAIL_SERVER_DN,
        'mailbox_categories': MAILBOX_CATEGORIES,
        'recipient_categories': RECIPIENT_CATEGORIES,
        'recipient_source_categories': RECIPIENT_SOURCE_CATEGORIES,
        'categories': categories,
        'counts': {c: len(v) for c, v in categories.items()},
        'mailboxes_total': sum(len(categories[c]) for c in MAILBOX_CATEGORIES),
        'entries_total': sum(len(v) for v in categories.values()),
    }
    slapd.seed_dir.mkdir(parents=True, exist_ok=True)
    tmp = slapd.manifest.with_suffix('.tmp')
    tmp.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + '\n')
    tmp.replace(slapd.manifest)
    common.log(f'domino: seeded {len(records)} entries in {time.monotonic() - started:.2f} s '
               f'({manifest["mailboxes_total"]} mailboxes); manifest {slapd.manifest}')


def summary(slapd) -> list[str]:
    """What the directory holds now, read live over LDAPS as the rootdn."""
    with slapd.connect() as conn:
        entries = conn.search('', '(objectClass=*)',
                              ['objectClass', 'mail', 'mailfile', 'mailsystem', 'mailaddress',
                               'dominoUNID'])
    contacts_suffix = ',' + _norm(CONTACTS_BASE)
    count = dict.fromkeys(('mailbox', 'mailbox_bad_mail', 'no_mailbox', 'migrated',
                           'forwarding', 'group', 'mailin', 'server', 'ou', 'org', 'other',
                           'in_contacts', 'contacts_persons'), 0)
    present = set()
    for dn, attrs in entries:
        ndn = _norm(dn)
        present.add(ndn)
        present.update(u.lower() for u in attrs.get('dominoUNID', []))
        kind = _kind(attrs)
        if ndn.endswith(contacts_suffix):
            count['in_contacts'] += 1
            count['contacts_persons'] += kind in ('mailbox', 'no_mailbox', 'migrated', 'forwarding')
            continue
        count[kind] += 1
        if kind == 'mailbox' and not _plausible_address(_first(attrs, 'mail')):
            count['mailbox_bad_mail'] += 1
    c = count
    lines = [
        f'Domino Directory stand-in (OpenLDAP slapd, suffix ""): {slapd.facts()["server"]}, '
        f'{len(entries)} entries',
        f'  Persons: {c["mailbox"]} mailboxes ({c["mailbox_bad_mail"]} with an invalid or no mail), '
        f'{c["no_mailbox"]} without a mailbox, {c["migrated"]} migrated (mail file + forwarding), '
        f'{c["forwarding"]} forwarding contacts outside {CONTACTS_BASE}',
        f'  {c["group"]} groups, {c["mailin"]} mail-in databases, {c["server"]} servers, '
        f'{c["org"]} organisations, {c["ou"]} OUs, {c["other"]} other entries',
        f'  contacts base {CONTACTS_BASE}: {c["in_contacts"]} entries below it '
        f'({c["contacts_persons"]} Persons)',
    ]
    try:
        manifest = json.loads(slapd.manifest.read_text())
    except (OSError, ValueError):
        lines.append('  not seeded (no manifest)')
        return lines
    parts = []
    for cat, recs in manifest['categories'].items():
        still = sum(1 for r in recs
                    if (r['unid'] or '').lower() in present or _norm(r['dn']) in present)
        parts.append(f'{cat} {still}/{len(recs)}')
    lines.append('  seeded entries still present: ' + ', '.join(parts))
    return lines


def _first(attrs: dict, name: str) -> str:
    """The first value of an attribute, '' if absent (on Domino the first value counts)."""
    return (attrs.get(name) or [''])[0]


def _kind(attrs: dict) -> str:
    """Classify an entry the way the collection's definitions do (architecture.rst)."""
    ocs = {o.lower() for o in attrs.get('objectClass', [])}
    if 'dominoperson' in ocs:
        if _first(attrs, 'mailaddress'):        # a forwarding address: not a mailbox
            return 'migrated' if _first(attrs, 'mailfile') else 'forwarding'
        if _first(attrs, 'mailfile') and _first(attrs, 'mailsystem') == MAILSYSTEM_NOTES:
            return 'mailbox'
        return 'no_mailbox'
    for oc, kind in (('dominogroup', 'group'), ('dominoservermailindatabase', 'mailin'),
                     ('dominoserver', 'server'), ('organizationalunit', 'ou'),
                     ('organization', 'org')):
        if oc in ocs:
            return kind
    return 'other'


def _plausible_address(mail: str) -> bool:
    local, _unused, domain = mail.partition('@')
    return bool(local) and '@' not in domain and '.' in domain


def _norm(dn: str) -> str:
    """A DN compared loosely: parsed and re-joined, lower case (enough for the lab's names)."""
    ldap = python_ldap()
    try:
        return ldap.dn.dn2str(ldap.dn.str2dn(dn)).lower()
    except Exception:
        return dn.lower()


# ===================================================================== the sample organisation
class Record:
    def __init__(self, category: str, dn: str, attrs: dict, mail: str | None, unid: str | None,
                 stored_dn: str = ''):
        self.category, self.dn, self.attrs, self.mail, self.unid = category, dn, attrs, mail, unid
        self.stored_dn = stored_dn          # where slapd keeps it, when it is shown under ``dn``


class SampleOrganisation:
    """Builds the seed records. Pure: the same Random seed gives the same organisation."""

    PERSON_CLASSES = ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'dominoPerson']

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.records: list[Record] = []
        self.used_names: set[tuple[str, str]] = set()   # (given, surname) pairs taken

    def build(self) -> list[Record]:
        self._special_cases()       # first, so the bulk avoids their names
        self._bulk()
        self._other_recipients()
        self._foreign_in_contacts_base()
        self._domino_behaviours()   # the random draws of the categories above stay the same
        self._every_recipient()     # last (issue 18): groups, mail-in databases, resources
        return self.records

    # ------------------------------------------------------------------- building blocks
    def person(self, category: str, cn: str, given: str, sn: str, parent: str, *,
               mail: str | None, short: str, hierarchy: str | None = None,
               mailbox: bool = True, mailsystem: str | None = None, mailaddress: str | None = None,
               extra_cn: list[str] = (), extra_uid: list[str] = (), uid_first: str | None = None,
               title: bool = True, synthesized: str = 'conversion') -> Record:
        """A dominoPerson. mailbox=True gives the Notes mailbox fields (mailfile, mailserver)."""
        dn = _rdn('cn', cn) + (f',{parent}' if parent else '')
        if hierarchy is None:
            hierarchy = _hierarchy(parent)
        uids = ([uid_first] if uid_first else []) + [short] + list(extra_uid)
        attrs = {
            'objectClass': self.PERSON_CLASSES,
            'cn': [cn] + [c for c in extra_cn if c != cn],
            'givenName': [given] if given else [],
            'sn': [sn],
            'uid': uids,
            # No Internet address: Domino's LDAP service returns a synthesized mail instead.
            'mail': [mail] if mail else [synthesized_mail(cn, hierarchy, synthesized if hierarchy else 'hostname')],
            # Domino's abbreviated name: John Doe/Sales/Acme (a flat name is just the name).
            'displayName': [f'{cn}/{hierarchy}' if hierarchy else cn],
            'dominoUNID': [unid(dn)],
            'availablefordirsync': ['1'],      # Person form defaults (vendor facts D-4.1)
            'checkpassword': ['0'],
        }
        if mailbox:
            attrs.update({'mailfile': [f'mail\\{short[:8]}.nsf'], 'mailserver': [MAIL_SERVER_DN],
                          'maildomain': [NOTES_DOMAIN]})
        attrs['mailsystem'] = [mailsystem or (MAILSYSTEM_NOTES if mailbox else MAILSYSTEM_NONE)]
        if mailaddress:
            attrs['mailaddress'] = [mailaddress]
        if title and self.rng.random() < 0.85:
            attrs['title'] = [self.rng.choice(TITLES)]
        if self.rng.random() < 0.8:
            attrs['telephonenumber'] = [f'+49 30 5550 {self.rng.randrange(10000):04d}']
        rec = Record(category, dn, attrs, mail, attrs['dominoUNID'][0])
        self.records.append(rec)
        return rec

    def named(self, category: str, given: str, sn: str, parent: str = 'ou=Sales,o=Acme', *,
              cn: str | None = None, local: str | None = None, **kw) -> Record:
        """A Person named from the pools (or given explicitly); mail <local>@example.com."""
        self.used_names.add((given, sn))
        local = local or f'{_ascii(given)}.{_ascii(sn)}'.lower()
        kw.setdefault('mail', f'{local}@{common.SHARED_DOMAIN}')
        kw.setdefault('short', _ascii(f'{given[:1]}{sn}').lower().replace(' ', '').replace("'", ''))
        return self.person(category, cn or f'{given} {sn}', given, sn, parent, **kw)

    def place(self) -> tuple[str, str]:
        weights = [w for _unused, _unused, w in PLACES]
        parent, hierarchy, _unused = self.rng.choices(PLACES, weights)[0]
        return parent, hierarchy

    # ----------------------------------------------------------------------- categories
    def _bulk(self) -> None:
        """~300 plain mailboxes; some with a second cn, several uids, or an awkward first uid."""
        pairs = [(g, s) for g in common.GIVEN_NAMES for s in common.DOMINO_SURNAMES
                 if (g, s) not in self.used_names]
        for given, sn in self.rng.sample(pairs, BULK_MAILBOXES):
            parent, hierarchy = self.place()
            kw = {}
            roll = self.rng.random()
            if roll < 0.10:     # Domino keeps several FullName values: a second cn
                kw['extra_cn'] = [f'{given} {self.rng.choice("ABCDEFGHJKLMNPRSTW")}. {sn}']
            elif roll < 0.20:   # several ShortNames
                kw['extra_uid'] = [f'{given}.{sn}'.lower()]
            elif roll < 0.25:   # first ShortName is not a valid Exchange alias (a space)
                kw['uid_first'] = f'{given} {sn}'
            elif roll < 0.28:   # ... or an @
                kw['uid_first'] = f'{given[:1]}{sn}@acme'.lower()
            self.named('mailboxes', given, sn, parent, hierarchy=hierarchy, **kw)

    def _special_cases(self) -> None:
        n = self.named
        # Keep pool names that would be accidental accent twins of the cases below out of the bulk.
        self.used_names.update({('Zoe', 'Lambert'), ('Rene', 'Dupont')})
        # Persons without a mailbox: no mail file, mailsystem None; some still have an address.
        n('no_mailbox', 'Anna', 'Porter', mailbox=False, mail=None)
        n('no_mailbox', 'Ben', 'Osborne', 'o=Acme', mailbox=False)
        n('no_mailbox', 'Clara', 'Norris', 'ou=Marketing,ou=Sales,o=Acme', mailbox=False)
        n('no_mailbox', 'David', 'Mercer', '', mailbox=False, mail=None)
        n('no_mailbox', 'Elena', 'Lambert', mailbox=False)
        # Migrated Persons: a migration tool set a forwarding address to Exchange; the mail
        # file stays, mailsystem is Notes on some and Other Internet Mail on others.
        for given, sn, parent, system in [
                ('Felix', 'Keller', 'ou=Sales,o=Acme', MAILSYSTEM_NOTES),
                ('Greta', 'Jennings', 'ou=Sales,o=Acme', MAILSYSTEM_OTHER_INTERNET),
                ('Hugo', 'Irving', 'ou=Marketing,ou=Sales,o=Acme', MAILSYSTEM_NOTES),
                ('Ines', 'Hughes', 'o=Acme', MAILSYSTEM_OTHER_INTERNET),
                ('Jonas', 'Graham', '', MAILSYSTEM_NOTES)]:
            local = f'{given}.{sn}'.lower()
            n('migrated', given, sn, parent, mailsystem=system,
              mailaddress=f'{local}@{common.EXCHANGE_ROUTING_DOMAIN}')
        # Forwarding contacts someone made by hand, outside the contacts base: partners.
        for given, sn, parent, addr in [
                ('Karin', 'Fletcher', 'ou=Sales,o=Acme', 'karin.fletcher@partner.example.net'),
                ('Lukas', 'Ellis', '', 'lukas.ellis@supplier.example.org'),
                ('Mara', 'Dawson', 'o=Acme', 'mdawson@partner.example.net'),
                ('Nils', 'Carter', 'ou=Marketing,ou=Sales,o=Acme', 'nils.carter@agency.example.org')]:
            n('forwarding_contacts', given, sn, parent, mailbox=False, mail=addr,
              mailsystem=MAILSYSTEM_OTHER_INTERNET, mailaddress=addr, title=False)
        # Invalid sources: mailboxes whose address is missing or malformed.
        n('invalid_mail', 'Olga', 'Barker', mail=None)
        n('invalid_mail', 'Paul', 'Abbott', mail='not-an-address')
        n('invalid_mail', 'Quinn', 'Porter', mail='quinn@porter@example.com')
        # Awkward names: every character RFC 4514 escapes, leading/trailing spaces, apostrophe.
        for cn, given, sn, local in [
                ('Carter, Rosa', 'Rosa', 'Carter', 'rosa.carter'),
                ('Simon Dawson + Partner', 'Simon', 'Dawson', 'simon.dawson'),
                ('Tara "TJ" Ellis', 'Tara', 'Ellis', 'tara.ellis'),
                ('Uwe Fletcher\\IT', 'Uwe', 'Fletcher', 'uwe.fletcher'),
                ('Vera <Graham>', 'Vera', 'Graham', 'vera.graham'),
                ('Walter Hughes; Sales', 'Walter', 'Hughes', 'walter.hughes'),
                ('Xenia Irving = Lead', 'Xenia', 'Irving', 'xenia.irving'),
                ('#Yusuf Jennings', 'Yusuf', 'Jennings', 'yusuf.jennings'),
                (' Zoe Keller ', 'Zoe', 'Keller', 'zoe.keller'),
                ("Anna O'Brien", 'Anna', "O'Brien", 'anna.obrien')]:
            n('awkward_names', given, sn, cn=cn, local=local)
        # Non-ASCII names (the brief's list; Müller, Çelik, O'Brien, Dupont and 王伟 are not
        # from the surname pool: their addresses are listed in the manifest).
        n('non_ascii', 'Hugo', 'Müller', local='hugo.mueller')
        n('non_ascii', 'Zoë', 'Lambert', 'ou=Marketing,ou=Sales,o=Acme', local='zoe.lambert')
        n('non_ascii', 'Åsa', 'Mercer', 'o=Acme', local='asa.mercer')
        n('non_ascii', 'Ines', 'Çelik', local='ines.celik')
        n('non_ascii', 'Ирина', 'Norris', local='irina.norris', short='inorris')
        n('non_ascii', '伟', '王', '', cn='王伟', local='wang.wei', short='wwang')
        # Accent twins in one OU: AD compares names accent-insensitively, so equal there.
        n('accent_twins', 'René', 'Dupont', local='rene.dupont')
        n('accent_twins', 'Rene', 'Dupont', local='rene.dupont2', short='rdupont2')
        # The same FullName under two OUs (distinct DNs in Domino, one name in a flat OU).
        n('same_fullname', 'Lukas', 'Osborne', 'ou=Sales,o=Acme', local='lukas.osborne')
        n('same_fullname', 'Lukas', 'Osborne', 'ou=Marketing,ou=Sales,o=Acme',
          local='l.osborne', short='losborne2')
        # A FullName longer than AD's 64-character cn limit (and under Domino's 256-char DN).
        n('long_name', 'Maximilian', 'Porter',
          cn='Maximilian Alexander Benedikt Christoph Friedrich von und zu Porter-Abbott',
          local='maximilian.porter')
        # Cross-directory cases shared with the AD side (common.py).
        n('migrated_address', 'Walter', 'Barker', local=common.MIGRATED_ADDRESS.split('@', maxsplit=1)[0])
        n('contested_address', 'Xenia', 'Carter', 'ou=Marketing,ou=Sales,o=Acme',
          local=common.CONTESTED_ADDRESS.split('@', maxsplit=1)[0])
        # Two mailboxes claiming one address (Domino does not enforce uniqueness over LDAP).
        n('duplicate_address', 'Yusuf', 'Abbott', local='sales.desk')
        n('duplicate_address', 'Quinn', 'Lambert', 'o=Acme', local='sales.desk')

    def _other_recipients(self) -> None:
        """Groups and mail-in databases: recipients that are not Persons."""
        mailboxes = [r.dn for r in self.records if r.category == 'mailboxes']
        for cn, parent, mail, members, group_type in [
                ('Sales Team', '', 'sales.team@example.com', mailboxes[:12], GROUP_MULTI_PURPOSE),
                ('Marketing', '', 'marketing@example.com', mailboxes[12:20], GROUP_MAIL_ONLY),
                ('Acme Managers', 'o=Acme', None, mailboxes[20:25], GROUP_ACL_ONLY)]:
            dn = _rdn('cn', cn) + (f',{parent}' if parent else '')
            attrs = {'objectClass': ['top', 'groupOfNames', 'dominoGroup'], 'cn': [cn],
                     'member': members, 'mail': [mail] if mail else [], 'grouptype': [group_type],
                     'displayName': [cn], 'dominoUNID': [unid(dn)]}
            # An ACL-only group takes no mail: not a recipient, never a contact.
            category = 'groups' if group_type != GROUP_ACL_ONLY else 'not_recipients'
            self.records.append(Record(category, dn, attrs, mail, attrs['dominoUNID'][0]))
        for cn, parent, mail, file in [('Helpdesk', '', 'helpdesk@example.com', 'mail\\helpdesk.nsf'),
                                       ('Sales Inbox', 'ou=Sales,o=Acme', 'sales.inbox@example.com',
                                        'mail\\salesin.nsf')]:
            dn = _rdn('cn', cn) + (f',{parent}' if parent else '')
            attrs = {'objectClass': ['top', 'dominoServerMailInDatabase'], 'cn': [cn],
                     'mail': [mail], 'mailfile': [file], 'mailserver': [MAIL_SERVER_DN],
                     'maildomain': [NOTES_DOMAIN], 'displayName': [cn], 'dominoUNID': [unid(dn)]}
            self.records.append(Record('mail_in_databases', dn, attrs, mail, attrs['dominoUNID'][0]))

    def _foreign_in_contacts_base(self) -> None:
        """Objects in the contacts base that the sync did not create and must not touch."""
        self.named('foreign_in_contacts_base', 'Karin', 'Abbott', CONTACTS_BASE, mailbox=False,
                   mail='karin.abbott@partner.example.net',
                   mailaddress='karin.abbott@partner.example.net',
                   mailsystem=MAILSYSTEM_OTHER_INTERNET, title=False)
        dn = _rdn('cn', 'Exchange Admins') + f',{CONTACTS_BASE}'
        admins = [r.dn for r in self.records if r.category == 'mailboxes'][25:28]
        attrs = {'objectClass': ['top', 'groupOfNames', 'dominoGroup'], 'cn': ['Exchange Admins'],
                 'member': admins, 'mail': ['exchange.admins@example.com'],
                 'displayName': ['Exchange Admins'], 'dominoUNID': [unid(dn)]}
        self.records.append(Record('foreign_in_contacts_base', dn, attrs,
                                   'exchange.admins@example.com', attrs['dominoUNID'][0]))
        dn = f'ou=Archive,{CONTACTS_BASE}'
        self.records.append(Record('foreign_in_contacts_base', dn,
                                   {'objectClass': ['top', 'organizationalUnit'], 'ou': ['Archive']},
                                   None, None))

    def _domino_behaviours(self) -> None:
        """What a real Domino Directory returns that a plain slapd would not (vendor facts D-2.2,
        D-4.3): mailboxes without an Internet address, whose mail is synthesized; an address in a
        domain nobody routes; one mailbox as two documents under one DN."""
        n = self.named
        n('synthesized_mail', 'John', 'Q Public', cn='John Q Public', mail=None, short='jpublic')
        n('synthesized_mail', 'Samantha', 'Daryn', 'ou=Marketing,ou=Sales,o=Acme', mail=None,
          short='sdaryn', synthesized='hostname')
        n('unrouted_mail', 'Oskar', 'Brandt', local='oskar.brandt', mail=f'oskar.brandt@{UNROUTED_DOMAIN}')
        first = n('replication_conflict', 'Ruth', 'Conley', local='ruth.conley')
        second = dict(first.attrs, dominoUNID=[unid(f'conflict:{first.dn}')])
        rdn_, parent = first.dn.split(',', 1)
        self.records.append(Record('lab_conflict_containers', f'ou={CONFLICTS_OU},{parent}',
                                   {'objectClass': ['top', 'organizationalUnit'], 'ou': [CONFLICTS_OU]}, None, None))
        self.records.append(Record('replication_conflict', first.dn, second, first.mail,
                                   second['dominoUNID'][0], stored_dn=f'{rdn_},ou={CONFLICTS_OU},{parent}'))

    def _every_recipient(self) -> None:
        """Recipients that are not Persons, with the awkward cases (issue 18): rooms and equipment
        (Resource documents: the lab keeps them in the Mail-In Database class with a resourcetype,
        vendor facts D-12), an online meeting place (no mail), a Mail only group without an
        Internet address (Domino synthesizes its mail, D-2.2), a group in a domain nobody routes,
        and a group whose address a mailbox also holds (both sources in conflict)."""
        for cn, parent, mail, resource_type, category in [
                ('Room Everest', 'o=Acme', 'room.everest@example.com', '1', 'resources'),
                ('Projector Pool', 'ou=Sales,o=Acme', 'projector.pool@example.com', '2', 'resources'),
                ('Online Meeting Place', 'o=Acme', None, '3', 'not_recipients')]:
            dn = _rdn('cn', cn) + (f',{parent}' if parent else '')
            attrs = {'objectClass': ['top', 'dominoServerMailInDatabase'], 'cn': [cn], 'resourcetype': [resource_type],
                     'mail': [mail or synthesized_mail(cn, _hierarchy(parent), 'hostname')],
                     'mailfile': ['resource.nsf'], 'mailserver': [MAIL_SERVER_DN], 'maildomain': [NOTES_DOMAIN],
                     'displayName': [cn], 'dominoUNID': [unid(dn)]}
            self.records.append(Record(category, dn, attrs, mail, attrs['dominoUNID'][0]))
        collision = self.named('group_collision', 'Ida', 'Marsh', local='orders')
        mailboxes = [r.dn for r in self.records if r.category == 'mailboxes']
        for cn, mail, stored_mail, group_type in [
                # No Internet address: the last-resort mail of HCL's mail-attribute topic (D-2.2).
                ('Project Phoenix', None, synthesized_mail('Project Phoenix', '', 'hostname'), GROUP_MAIL_ONLY),
                ('Legacy Partners', f'partners@{UNROUTED_DOMAIN}', None, GROUP_MULTI_PURPOSE),
                ('Order Desk', collision.mail, None, ''),                 # untyped: Multi-purpose
        ]:
            dn = _rdn('cn', cn)
            attrs = {'objectClass': ['top', 'groupOfNames', 'dominoGroup'], 'cn': [cn], 'member': mailboxes[30:33],
                     'mail': [mail or stored_mail], 'displayName': [cn], 'dominoUNID': [unid(dn)]}
            if group_type:
                attrs['grouptype'] = [group_type]
            self.records.append(Record('recipients_skipped', dn, attrs, mail, attrs['dominoUNID'][0]))


def synthesized_mail(cn: str, hierarchy: str, form: str = 'conversion') -> str:
    """The mail Domino's LDAP service returns for a document without an Internet address
    (HCL, "How the LDAP service forms a value for the mail attribute"; vendor facts D-2.2):
    ``conversion`` the form HCL's ldap_msc sample shows (John_Q_Public/API@lotus.com), here in
    the shared domain; ``hostname`` the last resort, hierarchical name%Notes domain@the DNS
    domain of the server's host (Samantha Daryn/Marketing/East/Renovations%Renovations@...)."""
    name = '/'.join([cn] + (hierarchy.split('/') if hierarchy else []))
    if form == 'hostname':
        return f'{name}%{NOTES_DOMAIN}@{HOSTNAME.split(".", 1)[1]}'
    return f'{name.replace(" ", "_")}@{common.SHARED_DOMAIN}'


def _hierarchy(parent: str) -> str:
    """ou=Marketing,ou=Sales,o=Acme -> Marketing/Sales/Acme (the Notes abbreviated form)."""
    return '/'.join(part.split('=', 1)[1] for part in parent.split(',')) if parent else ''


_FOLD = str.maketrans({'ß': 'ss', 'ä': 'ae', 'ö': 'oe', 'ü': 'ue', 'Ä': 'Ae', 'Ö': 'Oe', 'Ü': 'Ue'})


def _ascii(s: str) -> str:
    """A plain ASCII form for short names (Müller -> Mueller, Çelik -> Celik)."""
    import unicodedata
    s = unicodedata.normalize('NFKD', s.translate(_FOLD))
    return ''.join(c for c in s if c.isascii())
