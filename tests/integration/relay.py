"""A loopback TCP relay for tests that stand a network or a server behaviour in front of a real
directory (synthesized: the behaviour cannot be had from the server on demand).

:class:`Relay` listens on 127.0.0.1 (a free port) and connects each accepted client to the
upstream port. The first ``hold`` connections are accepted and never answered (a server busy
elsewhere). Each direction of a relayed connection runs :meth:`Relay.forward` in a thread of its
own; it passes the bytes unchanged unless a subclass alters, slices, delays or cuts them. When a
direction ends, both sockets of the connection are shut down. :class:`IdleClosingRelay` closes
a connection that sat idle longer than its limit, as AD does past MaxConnIdleTime."""
from __future__ import annotations

import socket
import threading
import time


class Relay:
    def __init__(self, upstream_port: int, hold: int = 0, upstream_host: str = '127.0.0.1'):
        self.upstream = (upstream_host, upstream_port)
        self.hold = hold
        self.accepted = 0                       # connections accepted (held ones too)
        self.held: list = []
        self.connections: list = []             # (client socket, upstream socket) per relayed connection
        self._stop = threading.Event()
        self.listener = socket.create_server(('127.0.0.1', 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def uri(self, scheme: str = 'ldap', host: str = '127.0.0.1') -> str:
        return f'{scheme}://{host}:{self.port}'

    def close(self) -> None:
        self._stop.set()
        self.listener.close()
        for s in self.held:
            s.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            if self.accepted <= self.hold:
                self.held.append(client)        # accepted, never answered
                continue
            upstream = socket.create_connection(self.upstream)
            self.connections.append((client, upstream))
            self.opened(client, upstream)
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def opened(self, client, upstream) -> None:
        """A relayed connection started (a subclass keeps track of it)."""

    def _pump(self, source, sink, from_server: bool) -> None:
        try:
            self.forward(source, sink, from_server)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.ended(source)

    def forward(self, source, sink, from_server: bool) -> None:
        """Pass one direction's bytes until the source closes; a subclass changes what passes."""
        while data := source.recv(65536):
            self.passed(source, from_server)
            sink.sendall(data)

    def passed(self, source, from_server: bool) -> None:
        """Bytes arrived on ``source`` (a subclass notes the time)."""

    def ended(self, source) -> None:
        """One direction of a relayed connection ended; the connection is closed."""


class IdleClosingRelay(Relay):
    """Closes a relayed connection once no byte passed either way for ``idle_limit`` seconds,
    without a word to either side (as a domain controller drops a connection idle past
    MaxConnIdleTime; vendor facts X-6.8). ``closed_idle`` counts those it closed."""

    def __init__(self, upstream_port: int, idle_limit: float, upstream_host: str = '127.0.0.1'):
        self.idle_limit = idle_limit
        self.closed_idle = 0
        self._last: dict = {}                   # client socket -> monotonic time of the last byte
        self._peer: dict = {}                   # either socket -> the connection's client socket
        super().__init__(upstream_port, upstream_host=upstream_host)
        threading.Thread(target=self._watch, daemon=True).start()

    def opened(self, client, upstream) -> None:
        self._peer[client] = self._peer[upstream] = client
        self._last[client] = time.monotonic()

    def passed(self, source, from_server: bool) -> None:
        if self._peer[source] in self._last:
            self._last[self._peer[source]] = time.monotonic()

    def ended(self, source) -> None:
        self._last.pop(self._peer.get(source), None)     # closed: no longer watched

    def _watch(self) -> None:
        while not self._stop.wait(self.idle_limit / 10):
            now = time.monotonic()
            for client, upstream in list(self.connections):
                last = self._last.get(client)
                if last is not None and now - last > self.idle_limit:
                    self._last.pop(client, None)
                    self.closed_idle += 1
                    for s in (client, upstream):
                        try:
                            s.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
