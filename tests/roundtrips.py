"""A TCP proxy between the app and PostgreSQL that counts round trips: the times the server
answers after the client has sent something. What the worker waits for, whatever the driver
does inside (pipeline mode, prepared statements), is counted from the bytes on the wire."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy.engine import make_url


class RoundTrips:
    """Counts, over every connection through it, the server's answers to what was sent."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Count from zero (after the connections were made and warmed)."""
        with self._lock:
            self.count = 0

    def _pump(self, source: socket.socket, target: socket.socket, asked: list[bool],
              answering: bool) -> None:
        try:
            while data := source.recv(65536):
                if answering:
                    with self._lock:
                        if asked[0]:  # the first bytes of an answer: one round trip
                            self.count += 1
                            asked[0] = False
                else:
                    with self._lock:
                        asked[0] = True  # set before the bytes leave: the answer comes after
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def relay(self, client: socket.socket, address: tuple[str, int]) -> None:
        """Pass one client's connection on to the server, both ways."""
        server = socket.create_connection(address)
        asked = [False]
        for source, target, answering in ((client, server, False), (server, client, True)):
            threading.Thread(target=self._pump, args=(source, target, asked, answering),
                             daemon=True).start()


@contextmanager
def counted(database_url: str) -> Iterator[tuple[RoundTrips, str]]:
    """A counting proxy before the PostgreSQL server of `database_url`, and the URL that
    reaches the same database through it."""
    url = make_url(database_url)
    address = (url.host or "127.0.0.1", url.port or 5432)
    listener = socket.create_server(("127.0.0.1", 0))
    trips = RoundTrips()

    def accept() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            trips.relay(client, address)

    threading.Thread(target=accept, daemon=True).start()
    try:
        through = url.set(host="127.0.0.1", port=listener.getsockname()[1])
        yield trips, through.render_as_string(hide_password=False)
    finally:
        listener.close()
