"""The lab's Global Catalog front (lab/coexist_lab/ad/gc_front.py), its message rewriting alone:
requests and entries built and read back with ldap3's own BER codec, an independent encoder."""
from __future__ import annotations

import ldap3
from ldap3.operation.search import search_operation
from ldap3.protocol.rfc4511 import LDAPMessage, MessageID, ProtocolOp
from pyasn1.codec.ber import encoder

from coexist_lab.ad import gc_front

PAS = gc_front.PartialAttributeSet({'mail', 'proxyaddresses', 'objectclass', 'objectguid'})


def request(base: str, filterstr: str, scope=ldap3.SUBTREE) -> bytes:
    req = search_operation(base, filterstr, scope, ldap3.DEREF_NEVER, ['mail', 'adminDescription'], 0, 0, False,
                           False, False)
    msg = LDAPMessage()
    msg['messageID'] = MessageID(7)
    op = ProtocolOp()
    op.setComponentByName('searchRequest', req)
    msg['protocolOp'] = op
    return encoder.encode(msg)


def op(base: str, filterstr: str, scope=ldap3.SUBTREE) -> bytes:
    return gc_front.split_message(request(base, filterstr, scope))[1]


def rewritten(filterstr: str) -> bytes:
    new, filtered = PAS.search_request(op('DC=corp', filterstr))
    assert filtered
    return new


def test_filter_items_on_attributes_outside_the_gc_become_false():
    false = '(!(objectClass=*))'
    assert rewritten('(|(mail=*)(adminDescription=coexist*)(proxyAddresses=smtp:a@b))') == \
        op('DC=corp', f'(|(mail=*){false}(proxyAddresses=smtp:a@b))')
    assert rewritten('(adminDescription=*)') == op('DC=corp', false)
    assert rewritten('(&(mail=a@b)(!(description=x)))') == op('DC=corp', f'(&(mail=a@b)(!{false}))')
    assert rewritten('(&(mail=a@b)(objectGUID=*))') == op('DC=corp', '(&(mail=a@b)(objectGUID=*))')


def test_the_root_dse_passes_unchanged():
    raw = request('', '(objectClass=*)', ldap3.BASE)
    _msgid, op, _rest = gc_front.split_message(raw)
    assert PAS.search_request(op) == (op, False)


def test_entries_lose_the_attributes_outside_the_gc():
    attrs = [('mail', [b'a@example.com']), ('adminDescription', [b'coexist.domino_exchange:X']),
             ('proxyAddresses;range=0-1499', [b'SMTP:a@example.com'])]

    def partial_attribute(name, values):
        vals = b''.join(gc_front.tlv(0x04, v) for v in values)
        return gc_front.tlv(0x30, gc_front.tlv(0x04, name.encode()) + gc_front.tlv(0x31, vals))

    body = gc_front.tlv(0x04, b'CN=A,DC=corp') + gc_front.tlv(
        0x30, b''.join(partial_attribute(name, values) for name, values in attrs))
    entry = PAS.entry(gc_front.tlv(gc_front.SEARCH_RESULT_ENTRY, body))
    assert b'adminDescription' not in entry and b'a@example.com' in entry and b'proxyAddresses;range' in entry
    long = gc_front.tlv(0x04, b'x' * 70000)                 # long-form lengths survive
    assert gc_front.read_tlv(long, 0) == (0x04, 5, 70005)


def test_messages_split_across_reads_are_framed_whole():
    """Issue 17 suspected the front of dropping messages split across TCP reads: it reads each
    message by its BER length (readexactly), so a byte-at-a-time stream of short and long (long
    form length) messages comes out whole and in order."""
    import asyncio

    messages = [request('DC=corp', '(mail=a*)'), request('OU=' + 'x' * 300 + ',DC=corp', '(mail=*)'),
                request('OU=' + 'y' * 70000 + ',DC=corp', '(cn=z)')]
    assert messages[1][1] & 0x80 and messages[2][1] == 0x83      # long-form lengths of 1 and 3 bytes

    async def read_all(stream: bytes) -> list:
        reader = asyncio.StreamReader()

        async def feed():
            for i in range(len(stream)):
                reader.feed_data(stream[i:i + 1])
                if i % 4096 == 0:
                    await asyncio.sleep(0)
            reader.feed_eof()

        feeding = asyncio.ensure_future(feed())
        out = []
        while (msg := await gc_front.read_message(reader)) is not None:
            out.append(msg)
        await feeding
        return out

    assert asyncio.run(read_all(b''.join(messages))) == messages
