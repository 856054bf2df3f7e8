"""msExchVersion of new AD contacts from the organisation's Exchange servers (issue 12, item 5;
vendor facts X-6.9): the lowest server version decides, so every admin tool can edit them."""
from __future__ import annotations

import pytest

from ansible_collections.coexist.domino_exchange.plugins.module_utils.dialects import ad

CONFIG = 'CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups,CN=Acme'


@pytest.mark.parametrize('serial, major', [
    ('Version 15.1 (Build 2507.6)', 15), ('Version 15.2 (Build 1544.4)', 15), ('Version 14.3 (Build 123.4)', 14),
    ('Version 8.3 (Build 83.6)', 8), ('Version 6.5 (Build 7638.2: Service Pack 2)', 6), ('version 14.0 (build 639.21)', 14),
    ('', None), ('Build 123', None), ('Version x', None)])
def test_the_major_version_is_read_from_the_serial_number(serial, major):
    assert ad.server_major_version(serial) == major


@pytest.mark.parametrize('majors, value, exchange', [
    ([15, 15], '88218628259840', '2013'), ([15, 14], '44220983382016', '2010'), ([14], '44220983382016', '2010'),
    ([15, 8], '4535486012416', '2007'), ([6, 15], '4535486012416', '2007'), ([], '88218628259840', '2013'),
    ([None, 15], '88218628259840', '2013')])
def test_the_lowest_server_version_decides(majors, value, exchange):
    assert ad.msexch_version_for(majors) == (value, exchange)


def test_the_three_values_decode_to_their_object_versions():
    """The constants as Exchange's messages spell them: object version, major, build (X-6.9)."""
    def decoded(value: str) -> tuple:
        v = int(value)
        return v >> 42, (v >> 34) & 0xFF, (v >> 10) & 0xFFFF
    assert decoded(ad.MSEXCH_VERSION_2007) == (1, 8, 535)
    assert decoded(ad.MSEXCH_VERSION_2010) == (10, 14, 100)
    assert decoded(ad.MSEXCH_VERSION_2013) == (20, 15, 0)


def test_auto_names_the_lowest_server_and_a_setting_wins():
    servers = [(f'CN=EX01,{CONFIG}', 'Version 15.1 (Build 2507.6)'), (f'CN=EX2010,{CONFIG}', 'Version 14.3 (Build 123.4)'),
               (f'CN=Odd,{CONFIG}', '')]
    found = ad.resolve_msexch_version('auto', servers)
    assert found['value'] == ad.MSEXCH_VERSION_2010 and found['exchange'] == '2010'
    assert "'Version 14.3 (Build 123.4)' (EX2010)" in found['why'] and '1 server objects without' in found['why']
    assert len(found['servers']) == 3
    none = ad.resolve_msexch_version('auto', [])
    assert none['value'] == ad.MSEXCH_VERSION_2013 and 'no Exchange server with a readable version' in none['why']
    assert ad.resolve_msexch_version('2010', servers)['value'] == ad.MSEXCH_VERSION_2010
    given = ad.resolve_msexch_version('123', servers)
    assert given['value'] == '123' and given['exchange'] == 'as given'
