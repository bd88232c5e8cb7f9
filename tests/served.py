"""The real app served in threads, and many requests fired at it at the same moment.

Each request's final status is counted: a connection refused before anything was sent is tried
again a few times, and a request that never gets an answer counts as status 0, so a lost request
can never pass for a success.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import login

# socketserver listens with a backlog of 128: the 200 connections that arrive together must
# all wait in the queue rather than be refused.
BACKLOG = 1024
CONNECTION_ATTEMPTS = 5

Request = tuple[str, str, dict[str, str] | None]


@contextmanager
def serve(app: Flask) -> Iterator[tuple[str, int]]:
    """The application served on a free local port, one thread per request."""
    served = make_server("127.0.0.1", 0, app, threaded=True)
    served.request_queue_size = BACKLOG
    served.socket.listen(BACKLOG)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", served.server_port
    finally:
        served.shutdown()
        thread.join(timeout=30)
        served.server_close()


def session_cookie(app: Flask, user: Any) -> str:
    """The signed session cookie of a logged-in user, made by the test client."""
    client = login(app.test_client(), user)
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def post(address: tuple[str, int], path: str, cookie: str,
         data: dict[str, str] | None = None) -> int:
    """POST a form with the session cookie; the final status (0: never answered)."""
    body = urlencode(data or {})
    connection = None
    for attempt in range(CONNECTION_ATTEMPTS):
        candidate = http.client.HTTPConnection(*address, timeout=180)
        try:
            candidate.connect()
        except (ConnectionResetError, ConnectionRefusedError, TimeoutError):
            # Refused before anything was sent: trying again cannot count anything twice.
            candidate.close()
            time.sleep(0.2 * (attempt + 1))
            continue
        connection = candidate
        break
    if connection is None:
        return 0
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Cookie": f"session={cookie}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return 0  # sent but never answered: counted as lost, never as a success
    finally:
        connection.close()


def fire(address: tuple[str, int], requests: Sequence[Request]) -> Counter[int]:
    """Send all the requests at once from a pool of threads; count the final statuses."""
    barrier = threading.Barrier(len(requests))

    def one(request: Request) -> int:
        barrier.wait(timeout=120)
        return post(address, *request)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return Counter(pool.map(one, requests))
