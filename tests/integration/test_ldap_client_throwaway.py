"""Server behaviours the lab's two directories do not show, on throwaway slapd servers started by
python-ldap's slapdtest: a server that does not advertise paging (as Domino may not), and
referrals (Domino answers writes to a directory it does not hold with one; that server carries
the lab's Domino schema, so a contact add reaches the referral rather than a schema error)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import slapdtest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.errors import DirectoryError
from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.settings import ConnectionSettings

# A server that does not advertise paging: the root DSE hides supportedControl. The database
# returns at most 5 entries a search, except to cn=reader (the sync account's stand-in).
_BASE = slapdtest.SlapdObject.slapd_conf_template
_FRONTEND = r"""dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcAccess: {0}to dn.base="" attrs=supportedControl by * none
olcAccess: {1}to * by * read

"""
# The frontend (root DSE ACLs) must precede the first database, or slapd creates its own.
NO_PAGING_CONFIG = (_BASE.replace('dn: cn=module,cn=config', _FRONTEND + 'dn: cn=module,cn=config')
                    + 'olcSizeLimit: 5\nolcLimits: dn.exact="cn=reader,%(suffix)s" size=unlimited\n')


SCHEMA = Path(__file__).resolve().parents[2] / 'lab' / 'domino' / 'domino.schema'


class NoPagingSlapd(slapdtest.SlapdObject):
    TMPDIR = tempfile.gettempdir()
    slapd_conf_template = NO_PAGING_CONFIG
    openldap_schema_files = ('core.ldif', 'cosine.ldif', 'inetorgperson.ldif')


class PlainSlapd(slapdtest.SlapdObject):
    TMPDIR = tempfile.gettempdir()
    openldap_schema_files = ('core.ldif', 'cosine.ldif', 'inetorgperson.ldif')


def _settings(server, bind_dn, password, **extra) -> ConnectionSettings:
    # Throwaway loopback servers without TLS: the plain bind is allowed explicitly.
    return ConnectionSettings(server=server.ldap_uri, label='Domino', bind_dn=bind_dn, bind_password=password,
                              allow_plaintext_bind=True, timeout=10, **extra)


def _people(suffix: str, count: int) -> str:
    ldif = [f'dn: {suffix}\nobjectClass: organization\nobjectClass: dcObject\ndc: slapd-test\no: test\n',
            f'dn: ou=people,{suffix}\nobjectClass: organizationalUnit\nou: people\n',
            f'dn: cn=reader,{suffix}\nobjectClass: person\ncn: reader\nsn: reader\nuserPassword: reader-pw\n']
    ldif += [f'dn: cn=person {i},ou=people,{suffix}\nobjectClass: inetOrgPerson\ncn: person {i}\nsn: {i}\n'
             for i in range(count)]
    return '\n'.join(ldif)


@pytest.fixture(scope='module')
def no_paging_server():
    with NoPagingSlapd() as server:
        server.ldapadd(_people(server.suffix, 40))
        yield server


def test_server_without_advertised_paging_is_read_in_one_search(no_paging_server):
    s = no_paging_server
    with LdapClient(_settings(s, f'cn=reader,{s.suffix}', 'reader-pw', page_size=10)) as client:
        assert not client.root_dse().supports_paging
        found = list(client.search(f'ou=people,{s.suffix}', '(objectClass=inetOrgPerson)', ['cn']))
        assert client.pages_read == 0             # no paging control was sent...
        assert client.searches_sent == 2          # ...the root DSE, then one plain search
    assert len(found) == 40
    assert {e.get('cn') for e in found} == {f'person {i}' for i in range(40)}


def test_size_limit_without_paging_is_a_clear_error(no_paging_server):
    s = no_paging_server
    with LdapClient(_settings(s, s.root_dn, s.root_pw)) as client:
        assert list(client.search(f'ou=people,{s.suffix}', '(cn=person 1)', ['cn']))  # below the limit: fine
    # an anonymous reader is held to the 5-entry limit, and paging is not on offer
    anonymous = ConnectionSettings(server=s.ldap_uri, label='Domino', timeout=10)
    with LdapClient(anonymous) as client:
        with pytest.raises(DirectoryError) as exc:
            list(client.search(f'ou=people,{s.suffix}', '(objectClass=inetOrgPerson)', ['cn']))
    assert exc.value.kind == 'size_limit'
    assert 'does not advertise' in exc.value.message and s.ldap_uri in exc.value.message


def domino_schema_ldif(directory: Path) -> Path:
    """lab/domino/domino.schema (slapd.conf syntax) as a cn=config schema LDIF, for a throwaway
    server that must accept Domino's attributes (slapd checks them before it refers a write)."""
    lines = ['dn: cn=domino,cn=schema,cn=config', 'objectClass: olcSchemaConfig', 'cn: domino']
    for line in SCHEMA.read_text().splitlines():
        keyword, _space, rest = line.partition(' ')
        if keyword in ('attributetype', 'objectclass'):
            lines.append(f'{"olcAttributeTypes" if keyword == "attributetype" else "olcObjectClasses"}: {rest.strip()}')
        elif line[:1].isspace() and line.strip() and not line.lstrip().startswith('#') and lines[-1].startswith('olc'):
            lines[-1] += ' ' + line.strip()          # a continuation line: one LDIF value per definition
    path = directory / 'domino.ldif'
    path.write_text('\n'.join(lines) + '\n')
    return path


@pytest.fixture(scope='module')
def referral_server(tmp_path_factory):
    class DominoSchemaSlapd(PlainSlapd):
        openldap_schema_files = PlainSlapd.openldap_schema_files + (
            str(domino_schema_ldif(tmp_path_factory.mktemp('schema'))),)

    with DominoSchemaSlapd() as server:
        server.ldapadd(_people(server.suffix, 3) + (
            f'\ndn: ou=remote,{server.suffix}\nobjectClass: referral\nobjectClass: extensibleObject\nou: remote\n'
            f'ref: ldap://domino-admin.example.com/ou=remote,{server.suffix}\n'
            # as AD refers a subtree search from the domain root to its DNS application partitions
            f'\ndn: ou=zones,{server.suffix}\nobjectClass: organizationalUnit\nou: zones\n'
            f'\ndn: dc=DomainDnsZones,ou=zones,{server.suffix}\nobjectClass: referral\nobjectClass: extensibleObject\n'
            f'dc: DomainDnsZones\nref: ldap://dc1.example.com/DC=DomainDnsZones,ou=zones,{server.suffix}\n'))
        yield server


def test_write_answered_with_a_referral_fails_naming_the_other_server(referral_server):
    s = referral_server
    with LdapClient(_settings(s, s.root_dn, s.root_pw)) as client:
        dn = f'cn=new contact,ou=remote,{s.suffix}'
        with pytest.raises(DirectoryError) as exc:
            client.add(dn, {'objectClass': ['person'], 'cn': ['new contact'], 'sn': ['contact']})
        assert exc.value.kind == 'referral'
        assert 'ldap://domino-admin.example.com' in exc.value.message and dn in exc.value.message
        # nothing was written, here or anywhere the client could have been sent (the suffix's own
        # subtree refers ou=remote elsewhere, so the read goes to what this server holds)
        assert not list(client.search(f'ou=people,{s.suffix}', '(cn=new contact)', ['cn']))
        assert not list(client.search(s.suffix, '(cn=new contact)', ['cn'], scope='base'))


def test_search_references_are_never_chased_and_stop_the_read(referral_server):
    # Part of the subtree lives on another server: its entries are not in the read, and a sync
    # would plan them as gone. The read fails instead of returning what this server holds.
    s = referral_server
    with LdapClient(_settings(s, s.root_dn, s.root_pw)) as client:
        with pytest.raises(DirectoryError) as exc:
            list(client.search(s.suffix, '(objectClass=*)', ['cn']))
        assert exc.value.kind == 'incomplete_read'
        assert 'ldap://domino-admin.example.com' in exc.value.message
        assert any('domino-admin.example.com' in url for url in client.skipped_references)
        # below the referral object, the server holds nothing: a referral result, as before
        with pytest.raises(DirectoryError) as exc:
            list(client.search(f'cn=below,ou=remote,{s.suffix}', '(objectClass=*)', ['cn']))
    assert exc.value.kind == 'referral' and 'domino-admin.example.com' in exc.value.message


def test_contact_writes_answered_with_a_referral_stop_the_run_naming_the_admin_server(referral_server):
    """Domino answers writes to a directory it does not hold with a referral to the directory's
    administration server: the first one stops the run (every later write would get the same),
    the rest is reported as not attempted, nothing is written anywhere."""
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.apply import apply_plan
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects.domino import DominoContactProfile
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.engine.plan import SourceRecord, plan

    s = referral_server
    profile = DominoContactProfile(contacts_base=f'ou=remote,{s.suffix}', exchange_routing_domain='exchange.example.com')
    sources = [SourceRecord(anchor=f'00000000-0000-0000-0000-00000000000{i}', dn=f'CN=Mailbox {i},OU=Exchange Users',
                            display_name=f'Mailbox {i}', mail=f'mailbox{i}@example.com') for i in range(3)]
    the_plan = plan(sources, [], {}, [], profile)
    assert len(the_plan.writes) == 3
    with LdapClient(_settings(s, s.root_dn, s.root_pw)) as client:
        outcome = apply_plan(client, the_plan, profile.merged())
        assert outcome.aborted is not None and outcome.aborted.kind == 'referral'
        assert 'ldap://domino-admin.example.com' in outcome.aborted.message
        assert not outcome.done and len(outcome.failed) == 1 and len(outcome.not_attempted) == 2
        assert not list(client.search(f'ou=people,{s.suffix}', '(cn=Mailbox*)', ['cn']))


def test_references_to_dns_partitions_are_skipped(referral_server):
    # AD's DNS application partitions hold no recipients: a reference to one loses nothing
    s = referral_server
    with LdapClient(_settings(s, s.root_dn, s.root_pw)) as client:
        found = list(client.search(f'ou=zones,{s.suffix}', '(objectClass=*)', ['ou']))
        assert [e.dn for e in found] == [f'ou=zones,{s.suffix}']
        assert [u.split('?')[0].lower() for u in client.skipped_references] == [
            f'ldap://dc1.example.com/dc=domaindnszones,ou=zones,{s.suffix}']
