"""nginx (deploy/nginx/consultation.conf) in front of gunicorn, on loopback.

The site file is the shipped one, with only its ports, paths, certificate and upstream replaced;
nginx runs with a prefix, pid file, logs and temporary files of its own. gunicorn serves the
production entry point (wsgi.py, through tests/deploy/proxied_app.py) with two sync workers on
a SQLite database made for the module. The tests show what the audit found missing: slow clients
held every sync worker, and large bodies reached the app.
"""

from __future__ import annotations

import contextlib
import gzip
import http.client
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask_migrate import upgrade

from consultation import config, create_app
from consultation.extensions import db
from tests import factories
from tests.conftest import services_missing

# One nginx and one gunicorn for the module, on one xdist worker.
pytestmark = pytest.mark.xdist_group("nginx")

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "consultation.conf"
# A request that must be answered at once is given this long; the same bound shows a stall.
PROMPT = 10.0
STARTUP = 30.0
VISITOR = "127.0.0.2"  # the client's own loopback address, distinct from nginx's 127.0.0.1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def substitute(text: str, old: str, new: str) -> str:
    """Replace a line the test relies on; the shipped file changing it fails here, loudly."""
    assert text.count(old) >= 1, f"{old!r} n'est plus dans {SITE.name}"
    return text.replace(old, new)


def site_for_test(http_port: int, https_port: int, app_port: int, folder: Path) -> str:
    """The shipped site with only ports, paths, certificate and upstream replaced."""
    text = SITE.read_text(encoding="utf-8")
    text = substitute(text, "    listen [::]:80;\n", "")
    text = substitute(text, "    listen [::]:443 ssl http2;\n", "")
    text = substitute(text, "listen 80;", f"listen 127.0.0.1:{http_port};")
    text = substitute(text, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = substitute(text, "server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    text = substitute(text, "/etc/letsencrypt/live/consultation.example.org/fullchain.pem",
                        str(folder / "cert.pem"))
    text = substitute(text, "/etc/letsencrypt/live/consultation.example.org/privkey.pem",
                        str(folder / "key.pem"))
    text = substitute(text, "/var/www/html", str(folder / "acme"))
    return substitute(text, "/srv/consultation/", f"{ROOT}/")


def main_config(folder: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives a site, with everything kept in `folder`."""
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    # As root, workers would run as nobody, who may not read a checkout under /root.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'} info;\n"
            "events { worker_connections 256; }\n"
            "http {\n    include /etc/nginx/mime.types;\n"
            "    default_type application/octet-stream;\n"
            f"    sendfile on;\n    access_log {folder / 'access.log'};\n{temp}\n"
            f"    include {folder / 'site.conf'};\n}}\n")


@dataclass
class Stack:
    """nginx on two ports in front of gunicorn, and what the test needs to reach them."""

    http_port: int
    https_port: int
    app_port: int
    folder: Path
    slug: str

    def gunicorn_log(self) -> str:
        return (self.folder / "gunicorn-access.log").read_text(encoding="utf-8")

    def requests_logged(self, prefix: str, after: int, expected: int) -> list[list[str]]:
        """Method and path of the requests gunicorn logged from `prefix` after the first
        `after`: a worker writes its line once the answer has gone, so wait for `expected`
        lines (a few seconds at most) before reading them all."""
        deadline = time.monotonic() + PROMPT
        while True:
            lines = [line for line in self.gunicorn_log().splitlines()
                     if line.startswith(prefix)][after:]
            if len(lines) >= expected or time.monotonic() > deadline:
                time.sleep(0.2)  # a line beyond those expected would show now
                lines = [line for line in self.gunicorn_log().splitlines()
                         if line.startswith(prefix)][after:]
                return [line.split('"')[1].split()[:2] for line in lines]
            time.sleep(0.05)


def wait_for(port: int, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    detail = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    pytest.fail(f"{what} n'a pas démarré :\n{detail[-3000:]}")


def warm_up(port: int, paths: list[str]) -> None:
    """Each page once in each worker before the test: a worker's first page (templates to
    compile, catalogues to load) can take seconds on a busy machine."""

    def get(path: str) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=STARTUP * 4)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert set(pool.map(get, paths * 4)) == {200}


def make_database(folder: Path) -> tuple[str, str]:
    """A migrated SQLite database with a published project holding a proposal."""
    uri = f"sqlite:///{folder / 'consultation.db'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "TESTING": True})
    with app.app_context():
        upgrade()
        made = factories.project(title="Voies cyclables du centre")
        factories.proposal(made, title="Une piste le long du tramway")
        db.session.commit()
        slug = made.slug
        db.engine.dispose()
    return uri, slug


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """nginx in front of gunicorn (2 sync workers), both on loopback, for the module."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists()
                                      else None)
    if nginx is None:
        services_missing("nginx (paquet nginx)")
    openssl = shutil.which("openssl")
    if openssl is None:
        services_missing("openssl")
    folder = tmp_path_factory.mktemp("nginx")
    (folder / "acme").mkdir()
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=consultation.example.org", "-keyout", str(folder / "key.pem"),
                    "-out", str(folder / "cert.pem")], check=True, capture_output=True)
    uri, slug = make_database(folder)
    ports = Stack(free_port(), free_port(), free_port(), folder, slug)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": uri,
        "SECRET_KEY": secrets.token_hex(32),
        "PROXY_FIX": "1",
        "PAGE_CACHE_SECONDS": "0",
    }
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "sync",
         "--bind", f"127.0.0.1:{ports.app_port}", "--timeout", "60",
         "--access-logfile", str(folder / "gunicorn-access.log"),
         "--error-logfile", str(folder / "gunicorn-error.log"),
         "tests.deploy.proxied_app:app"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = None
    try:
        wait_for(ports.app_port, gunicorn, "gunicorn", folder / "gunicorn-error.log")
        (folder / "site.conf").write_text(
            site_for_test(ports.http_port, ports.https_port, ports.app_port, folder),
            encoding="utf-8")
        (folder / "nginx.conf").write_text(main_config(folder), encoding="utf-8")
        command = [nginx, "-p", str(folder), "-e", str(folder / "error.log"),
                   "-c", str(folder / "nginx.conf")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        server = subprocess.Popen([*command, "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        wait_for(ports.https_port, server, "nginx", folder / "error.log")
        warm_up(ports.app_port, ["/healthz", "/", f"/projets/{slug}"])
        yield ports
    finally:
        for process in (server, gunicorn):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    return context


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def text(self) -> str:
        raw = gzip.decompress(self.body) if self.headers.get("Content-Encoding") == "gzip" \
            else self.body
        return raw.decode("utf-8")


def ask(port: int, path: str, *, tls: bool = True, method: str = "GET",
        headers: dict[str, str] | None = None, body: bytes | None = None,
        timeout: float = PROMPT) -> Answer:
    """One request from the visitor's address; raises TimeoutError when not answered in time."""
    connection: http.client.HTTPConnection
    if tls:
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout,
                                                 source_address=(VISITOR, 0),
                                                 context=tls_context())
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                                source_address=(VISITOR, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


@dataclass
class SlowClients:
    """Half-open requests that trickle one byte at a time, as the audit's slow sockets did:
    half of them still sending their headers, half their body."""

    port: int
    tls: bool
    count: int = 4
    sockets: list[socket.socket] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def __enter__(self) -> SlowClients:
        for n in range(self.count):
            raw = socket.create_connection(("127.0.0.1", self.port), timeout=PROMPT)
            sock = tls_context().wrap_socket(raw) if self.tls else raw
            if n % 2 == 0:
                sock.sendall(b"POST /compte/connexion HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            else:
                sock.sendall(b"POST /compte/connexion HTTP/1.1\r\nHost: localhost\r\n"
                             b"Content-Type: application/x-www-form-urlencoded\r\n"
                             b"Content-Length: 100000\r\n\r\nemail=")
            self.sockets.append(sock)
        self.thread = threading.Thread(target=self._trickle, daemon=True)
        self.thread.start()
        time.sleep(1.0)  # the server has taken each of them up by now
        return self

    def _trickle(self) -> None:
        while not self.stop.wait(0.2):
            for sock in self.sockets:
                with contextlib.suppress(OSError):  # closed by the server: fine
                    sock.sendall(b"a")

    def all_waiting(self) -> bool:
        """Every slow client is still connected and unanswered: held, not turned away (asked
        once the trickle has stopped: a TLS socket is not for two threads at once)."""
        self.halt()
        for sock in self.sockets:
            sock.setblocking(False)
            try:
                sock.recv(1)  # an answer, or b"" once closed
            except (BlockingIOError, ssl.SSLWantReadError):
                continue  # nothing for it yet (a TLS session ticket is no answer)
            finally:
                sock.setblocking(True)
            return False
        return True

    def halt(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()

    def __exit__(self, *_: object) -> None:
        self.halt()
        for sock in self.sockets:
            sock.close()


def answered_in_time(port: int, path: str, *, tls: bool) -> bool:
    try:
        return ask(port, path, tls=tls).status == 200
    except TimeoutError:
        return False


def test_slow_clients_stall_gunicorn_alone_but_not_behind_nginx(stack: Stack) -> None:
    """Four slow clients hold both sync workers of a bare gunicorn: /healthz gets no answer.
    Behind nginx the same four wait in nginx, and /healthz and a page answer at once."""
    page = f"/projets/{stack.slug}"
    with SlowClients(stack.https_port, tls=True) as slow:
        behind_nginx = (answered_in_time(stack.https_port, "/healthz", tls=True),
                        answered_in_time(stack.https_port, page, tls=True))
        held = slow.all_waiting()
    with SlowClients(stack.app_port, tls=False):
        alone = answered_in_time(stack.app_port, "/healthz", tls=False)
    assert behind_nginx == (True, True)
    assert held  # nginx kept the slow clients waiting, rather than turning them away
    assert alone is False
    # The workers are free again once the slow clients are gone.
    deadline = time.monotonic() + STARTUP
    while not answered_in_time(stack.app_port, "/healthz", tls=False):
        assert time.monotonic() < deadline


def oversized_post(port: int, path: str, size: int) -> Answer:
    """A POST announcing `size` bytes: nginx answers from its headers, before any body."""
    with socket.create_connection(("127.0.0.1", port), timeout=PROMPT) as raw, \
            tls_context().wrap_socket(raw) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     f"Content-Length: {size}\r\n\r\n".encode())
        # No body: nginx refuses from the announced length (a body still in flight when it
        # closes could make the kernel drop the answer).
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Answer(response.status, response.headers, response.read())


def test_oversized_body_gets_413_from_nginx(stack: Stack) -> None:
    """A body over 2 MB gets nginx's French and English 413 page and never reaches gunicorn;
    one under the limit goes on to the app, and the workshop form may be larger."""
    # Only what came through nginx: the slow clients of the test above reached gunicorn directly.
    through_nginx = f'{VISITOR} - - '
    before = stack.gunicorn_log().count(through_nginx)
    refused = oversized_post(stack.https_port, "/compte/connexion", 3 * 1024 * 1024)
    assert refused.status == 413
    assert "Envoi trop volumineux" in refused.text() and "Request too large" in refused.text()
    assert refused.headers["Content-Type"] == "text/html; charset=utf-8"
    setting = re.search(r"client_max_body_size (\d+)m;", SITE.read_text(encoding="utf-8"))
    assert setting is not None
    limit = int(setting.group(1))
    passed = ask(stack.https_port, "/compte/connexion", method="POST",
                 body=b"a" * (limit * 1024 * 1024 - 1024),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert passed.status != 413 or "Request too large" not in passed.text()
    workshop = ask(stack.https_port, "/mediation/ateliers/nouveau", method="POST",
                   body=b"a" * (3 * 1024 * 1024),
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "Request too large" not in workshop.body.decode("utf-8", "replace")
    requests = stack.requests_logged(through_nginx, after=before, expected=2)
    # The one under the limit and the workshop form; never the one over the limit.
    assert requests == [["POST", "/compte/connexion"], ["POST", "/mediation/ateliers/nouveau"]]


def test_static_files_from_nginx_cached_and_compressed(stack: Stack) -> None:
    """The stylesheet a page links (its `?v=` fingerprint) comes from nginx, gzipped, with the
    app's year-long immutable caching and security headers; without `v`, five minutes."""
    page = ask(stack.https_port, "/", headers={"Accept-Encoding": "gzip"})
    assert page.status == 200
    found = re.search(r'/static/style\.css\?v=[0-9a-f]+', page.text())
    assert found is not None
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    from_app = app.test_client().get(found.group(0))
    for path, expected in ((found.group(0), from_app.headers["Cache-Control"]),
                           ("/static/style.css", "public, max-age=300")):
        answer = ask(stack.https_port, path, headers={"Accept-Encoding": "gzip"})
        assert answer.status == 200
        assert answer.headers["Content-Encoding"] == "gzip"
        assert answer.text() == (ROOT / "static" / "style.css").read_text(encoding="utf-8")
        directives = {part.strip() for part in answer.headers["Cache-Control"].split(",")}
        assert directives == {part.strip() for part in expected.split(",")}
        assert answer.headers["Content-Security-Policy"] == \
            config.Defaults.CONTENT_SECURITY_POLICY
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Strict-Transport-Security"] == \
            config.Defaults.STRICT_TRANSPORT_SECURITY
    assert "immutable" in from_app.headers["Cache-Control"]
    assert "/static/" not in stack.gunicorn_log()


def test_forwarded_headers_reach_the_app(stack: Stack) -> None:
    """With PROXY_FIX=1 the app sees the visitor's address and HTTPS, whatever X-Forwarded-*
    the visitor sends; plain HTTP is redirected, except /healthz for a load balancer."""
    seen = json.loads(ask(stack.https_port, "/_test/client", headers={
        "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http",
    }).body)
    assert seen == {"remote_addr": VISITOR, "scheme": "https", "secure": True}
    page = ask(stack.https_port, "/")
    assert page.headers.get_all("Strict-Transport-Security") == \
        [config.Defaults.STRICT_TRANSPORT_SECURITY]  # the app's, once: it knows it is HTTPS
    redirected = ask(stack.http_port, "/projets?page=2", tls=False)
    assert redirected.status == 301
    assert redirected.headers["Location"] == "https://127.0.0.1/projets?page=2"
    health = ask(stack.http_port, "/healthz", tls=False)
    assert (health.status, json.loads(health.body)) == (200, {"status": "ok"})
    assert health.headers.get("Strict-Transport-Security") is None
