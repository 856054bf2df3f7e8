"""msexch_version auto reads the organisation's Exchange servers from the lab DC's configuration
partition (issue 12, item 5; vendor facts X-6.9): with the Exchange 2010 server object present,
the 2010 value; with it gone (the last 2010 server removed), the 2013-and-later value. validate
says the same. The lab seeds an Exchange 2016 and an Exchange 2010 server object
(lab/coexist_lab/ad/schema.py)."""
from __future__ import annotations

from coexist_lab.ad.schema import EXCHANGE_SERVERS, SERVERS_DN

from lab_helpers import ldap3_admin, settings_for


def test_auto_takes_the_oldest_exchange_server_and_follows_its_removal(lab):
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects import ad
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.client import LdapClient
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.directory.read_only import ReadOnlyDirectory
    from ansible_collections.coexist.domino_exchange.plugins.module_utils.validate.checks import check_msexch_version

    def resolved() -> tuple:
        with LdapClient(settings_for(lab, 'ad')) as client:          # the sync account, as the sync reads
            servers = ad.read_exchange_servers(client, lab['ad']['config_dn'])
            (line,) = check_msexch_version(ReadOnlyDirectory(client), 'auto')
        return servers, ad.resolve_msexch_version('auto', servers), line

    servers, found, line = resolved()
    assert sorted(serial for _dn, serial in servers) == sorted(serial for _name, serial, _v in EXCHANGE_SERVERS)
    assert found['value'] == ad.MSEXCH_VERSION_2010 and 'EX2010' in found['why']
    assert line.status == 'info' and line.found.startswith(f'{ad.MSEXCH_VERSION_2010} (Exchange 2010)')

    admin = ldap3_admin(lab, 'ad')
    name, serial, version = next(s for s in EXCHANGE_SERVERS if s[0] == 'EX2010')
    dn = f'CN={name},{SERVERS_DN}'
    assert admin.delete(dn)
    try:
        servers, found, line = resolved()
        assert [s for _dn, s in servers] == [s for n, s, _v in EXCHANGE_SERVERS if n != name]
        assert found['value'] == ad.MSEXCH_VERSION_2013 and found['exchange'] == '2013'
        assert line.found.startswith(f'{ad.MSEXCH_VERSION_2013} (Exchange 2013)')
    finally:
        assert admin.add(dn, ['top', 'msExchExchangeServer'], {'serialNumber': serial, 'msExchVersion': str(version)})
