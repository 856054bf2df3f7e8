"""The lab's Global Catalog as Windows serves it: only the partial attribute set.

A Windows Global Catalog holds every object of the forest but only the attributes whose schema
entry has ``isMemberOfPartialAttributeSet: TRUE`` (vendor facts X-6.1, in
docs/docsite/rst/vendor_facts.rst). Samba's single-DC Global Catalog (ports 3268/3269) answers
from the full domain partition: it returns every attribute and matches filters on every
attribute, so code that reads a non-replicated attribute such as ``adminDescription`` through
the GC passes on Samba and fails at a real site.

This front stands between the clients and Samba's GC, on ``ldaps://dc1.corp.example.com:3270``
(TLS with Samba's own certificate, so clients validate it with the lab's CA file as they do
Samba's). It passes every LDAP message through unchanged except two:

* a SearchRequest: each filter item on an attribute outside the partial attribute set becomes
  FALSE (``(!(objectClass=*))``), as if the attribute were absent, which is what a GC holds of it;
* a SearchResultEntry: attributes outside the partial attribute set are removed.

The root DSE (base ``""``, scope base) passes unfiltered. The partial attribute set is read from
Samba's schema at start (the lab's Exchange attributes are added with
``isMemberOfPartialAttributeSet: TRUE``, as Exchange's schema has them). Constructed attributes
(``systemFlags`` bit 4) are kept: the DC computes them, on a GC too.

Run by SambaAD.start() as ``python -m coexist_lab.ad.gc_front`` (its own process, a pid file);
stopped by SambaAD.stop(). Binds pass through: the front never reads or logs a credential.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import signal
import ssl
import sys

import ldap

FRONT_PORT = 3270
SAMBA_GC_TLS_PORT = 3269
FLAG_ATTR_IS_CONSTRUCTED = 0x4
# What Exchange's schema preparation adds to the partial attribute set (schema.EXCHANGE_ADDS_TO_GC);
# held here too for a lab provisioned before its schema said so.
EXCHANGE_GC_ATTRIBUTES = ('proxyaddresses', 'showinaddressbook')

# BER tags (RFC 4511)
SEARCH_REQUEST = 0x63
SEARCH_RESULT_ENTRY = 0x64
SEARCH_RESULT_DONE = 0x65
FILTER_AND, FILTER_OR, FILTER_NOT = 0xA0, 0xA1, 0xA2
FILTER_PRESENT = 0x87
FILTER_ITEMS = (0xA3, 0xA4, 0xA5, 0xA6, 0xA8)      # equality, substrings, >=, <=, approx: first is the type
FILTER_EXTENSIBLE = 0xA9
SCOPE_BASE = 0


# --- a minimal BER codec (definite lengths, one-byte tags: all LDAP uses) ---

def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + encode_length(len(content)) + content


def read_tlv(buf: bytes, pos: int) -> tuple:
    """(tag, content start, content end) of the element at ``pos``."""
    tag = buf[pos]
    first = buf[pos + 1]
    if first < 0x80:
        start, length = pos + 2, first
    else:
        count = first & 0x7F
        start, length = pos + 2 + count, int.from_bytes(buf[pos + 2:pos + 2 + count], 'big')
    return tag, start, start + length


def children(buf: bytes, start: int, end: int) -> list:
    """The elements inside a constructed element's content, as (tag, start, end, raw bytes)."""
    out, pos = [], start
    while pos < end:
        tag, cstart, cend = read_tlv(buf, pos)
        out.append((tag, cstart, cend, buf[pos:cend]))
        pos = cend
    return out


def attribute_name(raw: bytes) -> str:
    """The attribute description without options (``proxyAddresses;range=0-1499``)."""
    return raw.decode('utf-8', 'replace').split(';', 1)[0].lower()


FALSE_FILTER = tlv(FILTER_NOT, tlv(FILTER_PRESENT, b'objectClass'))


class PartialAttributeSet:
    """Which attribute names (lower case, lDAPDisplayName or attributeID) a GC holds."""

    def __init__(self, names):
        self.names = frozenset(names)

    def holds(self, name: str) -> bool:
        return name in self.names

    def filter(self, buf: bytes, start: int, end: int, tag: int) -> bytes:
        """The filter element re-encoded with items on attributes the GC lacks made FALSE."""
        content = buf[start:end]
        if tag in (FILTER_AND, FILTER_OR, FILTER_NOT):
            return tlv(tag, b''.join(self.filter(buf, s, e, t) for t, s, e, _raw in children(buf, start, end)))
        if tag == FILTER_PRESENT:
            return tlv(tag, content) if self.holds(attribute_name(content)) else FALSE_FILTER
        if tag in FILTER_ITEMS:
            _t, s, e, _raw = children(buf, start, end)[0]
            return tlv(tag, content) if self.holds(attribute_name(buf[s:e])) else FALSE_FILTER
        if tag == FILTER_EXTENSIBLE:
            for t, s, e, _raw in children(buf, start, end):
                if t == 0x82 and not self.holds(attribute_name(buf[s:e])):
                    return FALSE_FILTER
        return tlv(tag, content)

    def search_request(self, op: bytes) -> tuple:
        """(the SearchRequest with its filter rewritten, whether its entries are filtered)."""
        tag, start, end = read_tlv(op, 0)
        parts = children(op, start, end)
        base = op[parts[0][1]:parts[0][2]]
        scope = int.from_bytes(op[parts[1][1]:parts[1][2]], 'big')
        if base == b'' and scope == SCOPE_BASE:
            return op, False                   # the root DSE is not a directory object
        ftag, fstart, fend, _raw = parts[6]
        new_filter = self.filter(op, fstart, fend, ftag)
        body = b''.join(p[3] for p in parts[:6]) + new_filter + b''.join(p[3] for p in parts[7:])
        return tlv(tag, body), True

    def entry(self, op: bytes) -> bytes:
        """A SearchResultEntry without the attributes the GC lacks."""
        tag, start, end = read_tlv(op, 0)
        name, attrs = children(op, start, end)[:2]
        kept = []
        for _t, s, _e, raw in children(op, attrs[1], attrs[2]):
            _type_tag, type_start, type_end = read_tlv(op, s)      # PartialAttribute: type, vals
            if self.holds(attribute_name(op[type_start:type_end])):
                kept.append(raw)
        return tlv(tag, name[3] + tlv(0x30, b''.join(kept)))


def split_message(msg: bytes) -> tuple:
    """(message id raw element, protocolOp element, the rest (controls)) of an LDAPMessage."""
    _tag, start, end = read_tlv(msg, 0)
    parts = children(msg, start, end)
    return parts[0][3], parts[1][3], b''.join(p[3] for p in parts[2:])


async def read_message(reader: asyncio.StreamReader) -> bytes | None:
    try:
        head = await reader.readexactly(2)
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    if head[1] < 0x80:
        length, extra = head[1], b''
    else:
        extra = await reader.readexactly(head[1] & 0x7F)
        length = int.from_bytes(extra, 'big')
    return head + extra + await reader.readexactly(length)


class Front:
    def __init__(self, pas: PartialAttributeSet, upstream_host: str, upstream_port: int, client_ctx, server_ctx):
        self.pas = pas
        self.upstream = (upstream_host, upstream_port)
        self.client_ctx = client_ctx
        self.server_ctx = server_ctx

    async def handle(self, reader, writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(
                '127.0.0.1', self.upstream[1], ssl=self.client_ctx, server_hostname=self.upstream[0])
        except OSError:
            writer.close()
            return
        filtered = set()                        # message ids of searches whose entries are filtered

        async def to_server():
            while (msg := await read_message(reader)) is not None:
                msgid, op, rest = split_message(msg)
                if op[0] == SEARCH_REQUEST:
                    op, filter_entries = self.pas.search_request(op)
                    if filter_entries:
                        filtered.add(msgid)
                    msg = tlv(0x30, msgid + op + rest)
                up_writer.write(msg)
                await up_writer.drain()
            up_writer.close()

        async def to_client():
            while (msg := await read_message(up_reader)) is not None:
                msgid, op, rest = split_message(msg)
                if op[0] == SEARCH_RESULT_ENTRY and msgid in filtered:
                    msg = tlv(0x30, msgid + self.pas.entry(op) + rest)
                elif op[0] == SEARCH_RESULT_DONE:
                    filtered.discard(msgid)
                writer.write(msg)
                await writer.drain()
            writer.close()

        try:
            await asyncio.gather(to_server(), to_client())
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            for w in (writer, up_writer):
                w.close()


def read_partial_attribute_set(uri: str, ca_file: str, bind_dn: str, password: str) -> PartialAttributeSet:
    """The GC's attributes from the schema: isMemberOfPartialAttributeSet TRUE, or constructed."""
    conn = ldap.initialize(uri)
    conn.set_option(ldap.OPT_REFERRALS, 0)
    conn.set_option(ldap.OPT_X_TLS_CACERTFILE, ca_file)
    conn.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, ldap.OPT_X_TLS_DEMAND)
    conn.set_option(ldap.OPT_X_TLS_NEWCTX, 0)
    conn.simple_bind_s(bind_dn, password)
    try:
        schema_dn = conn.search_s('', ldap.SCOPE_BASE, '(objectClass=*)',
                                  ['schemaNamingContext'])[0][1]['schemaNamingContext'][0].decode()
        names = set()
        for _dn, attrs in conn.search_s(schema_dn, ldap.SCOPE_ONELEVEL, '(objectClass=attributeSchema)',
                                        ['lDAPDisplayName', 'attributeID', 'isMemberOfPartialAttributeSet',
                                         'systemFlags']):
            in_pas = attrs.get('isMemberOfPartialAttributeSet', [b'FALSE'])[0].upper() == b'TRUE'
            constructed = int(attrs.get('systemFlags', [b'0'])[0]) & FLAG_ATTR_IS_CONSTRUCTED
            if in_pas or constructed:
                names.add(attrs['lDAPDisplayName'][0].decode().lower())
                names.add(attrs['attributeID'][0].decode().lower())
    finally:
        conn.unbind_s()
    return PartialAttributeSet(names | set(EXCHANGE_GC_ATTRIBUTES))


async def serve(args) -> None:
    pas = read_partial_attribute_set(f'ldaps://{args.host}', args.ca_file, args.bind_dn,
                                     os.environ['COEXIST_LAB_GC_FRONT_PASSWORD'])
    client_ctx = ssl.create_default_context(cafile=args.ca_file)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(args.cert, args.key)
    front = Front(pas, args.host, args.upstream_port, client_ctx, server_ctx)
    server = await asyncio.start_server(front.handle, '127.0.0.1', args.port, ssl=server_ctx)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    with open(args.pid_file, 'w', encoding='ascii') as handle:
        handle.write(f'{os.getpid()}\n')      # written once listening: the lab waits for it
    async with server:
        await stop.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--host', required=True)
    parser.add_argument('--port', type=int, default=FRONT_PORT)
    parser.add_argument('--upstream-port', type=int, default=SAMBA_GC_TLS_PORT)
    parser.add_argument('--ca-file', required=True)
    parser.add_argument('--cert', required=True)
    parser.add_argument('--key', required=True)
    parser.add_argument('--bind-dn', required=True)
    parser.add_argument('--pid-file', required=True)
    args = parser.parse_args(argv)
    asyncio.run(serve(args))
    return 0


if __name__ == '__main__':
    sys.exit(main())
