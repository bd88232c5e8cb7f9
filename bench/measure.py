"""The measuring tools of the benchmarks: HTTP requests as a browser makes them, the weight of
a page with what it loads, its ecoindex, and wrk runs.
"""

from __future__ import annotations

import gzip
import http.client
import re
import resource
import subprocess
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

USER_AGENT = "consultation-bench/1"  # the same everywhere: Flask-Login ties a session to it

# Ecoindex (cnumr/ecoindex): quantiles of the HTTP Archive for DOM size, requests, and KB.
QUANTILES_DOM = [0, 47, 75, 159, 233, 298, 358, 417, 476, 537, 603, 674, 753, 843, 949, 1076,
                 1237, 1459, 1801, 2479, 594601]
QUANTILES_REQUESTS = [0, 2, 15, 25, 34, 42, 49, 56, 63, 70, 78, 86, 95, 105, 117, 130, 147, 170,
                      205, 281, 3920]
QUANTILES_SIZE = [0, 1.37, 144.7, 319.53, 479.46, 631.97, 783.38, 937.91, 1098.62, 1265.47,
                  1448.32, 1648.27, 1876.08, 2142.06, 2465.37, 2866.31, 3401.59, 4155.73,
                  5400.08, 8037.54, 223212.26]
GRADES = (("A", 80), ("B", 70), ("C", 55), ("D", 40), ("E", 25), ("F", 10))


def _quantile(value: float, quantiles: Sequence[float]) -> float:
    for i in range(1, len(quantiles)):
        if value < quantiles[i]:
            return i - 1 + (value - quantiles[i - 1]) / (quantiles[i] - quantiles[i - 1])
    return float(len(quantiles) - 1)


def ecoindex(dom: int, requests: int, size_kb: float) -> tuple[float, str]:
    """The ecoindex score (0-100) and grade (A-G) of a page."""
    score = 100 - 5 * (3 * _quantile(dom, QUANTILES_DOM)
                       + 2 * _quantile(requests, QUANTILES_REQUESTS)
                       + _quantile(size_kb, QUANTILES_SIZE)) / 6
    grade = next((letter for letter, above in GRADES if score > above), "G")
    return round(score, 1), grade


# ---------------------------------------------------------------------------------------------
# HTTP


@dataclass
class Response:
    """A response as received: the body is still compressed when the server compressed it."""

    status: int
    headers: http.client.HTTPMessage
    raw: bytes
    path: str

    @property
    def text(self) -> str:
        """The body, decompressed and decoded."""
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        body = self.raw
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            raise RuntimeError("brotli responses are not decoded here (we ask for gzip)")
        return body.decode("utf-8", errors="replace")

    @property
    def queries(self) -> int | None:
        """SQL statements the request ran, as the app says (QUERY_COUNT_HEADER)."""
        value = self.headers.get("X-Query-Count")
        return int(value) if value is not None and value.isdigit() else None

    def cookies(self) -> dict[str, str]:
        """Cookies set by the response, name -> value."""
        found = {}
        for header in self.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
        return found


@dataclass
class Client:
    """A browser-like visitor of one server: keeps its cookies, asks for gzip."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def cookie_header(self) -> str:
        """The Cookie header this visitor sends."""
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                keep_cookies: bool = True) -> Response:
        """One request (no redirect followed)."""
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip",
                   "Accept": "text/html,*/*"}
        if self.cookies:
            headers["Cookie"] = self.cookie_header
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(answer.status, answer.msg, answer.read(), path)
        finally:
            connection.close()
        if keep_cookies:
            self.cookies.update(response.cookies())
        return response

    def get(self, path: str) -> Response:
        """GET a path."""
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Response:
        """POST a form."""
        return self.request("POST", path, form)


def local_path(location: str) -> str:
    """The path (and query) of a same-site URL or Location header."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# ---------------------------------------------------------------------------------------------
# HTML


LINK_RELS = {"stylesheet", "icon", "shortcut", "preload", "modulepreload", "manifest",
             "apple-touch-icon", "prefetch"}


class PageParser(HTMLParser):
    """What a page holds that the measures need: elements, what it loads, forms, next link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements = 0
        self.resources: list[str] = []
        self.csrf_tokens: list[str] = []
        self.next_links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements += 1
        values = {name: value or "" for name, value in attrs}
        rels = set(values.get("rel", "").lower().split())
        if tag == "link" and rels & LINK_RELS and values.get("href"):
            self.resources.append(values["href"])
        elif tag in ("script", "img", "iframe", "audio", "video", "source", "embed") \
                and values.get("src"):
            self.resources.append(values["src"])
        elif tag == "object" and values.get("data"):
            self.resources.append(values["data"])
        if tag == "video" and values.get("poster"):
            self.resources.append(values["poster"])
        if tag == "input" and values.get("name") == "csrf_token" and values.get("value"):
            self.csrf_tokens.append(values["value"])
        if tag in ("a", "link") and "next" in rels and values.get("href"):
            self.next_links.append(values["href"])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def parse(html: str) -> PageParser:
    """Parse a page."""
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""")


def css_resources(css: str) -> list[str]:
    """What a stylesheet loads (url() and @import), data: URIs aside."""
    return [a or b for a, b in CSS_URL.findall(css)]


@dataclass
class Weight:
    """A page and everything it loads, as transferred, and its ecoindex."""

    status: int
    bytes: int
    requests: int
    dom: int
    ecoindex: float
    grade: str
    queries: int | None
    external: list[str]
    resources: dict[str, int]


def weigh(client: Client, response: Response, extra_bytes: int = 0,
          extra_requests: int = 0) -> Weight:
    """Weigh a fetched page: fetch what it loads (first visit, nothing cached)."""
    page = parse(response.text)
    base = f"http://127.0.0.1:{client.port}{response.path}"
    to_fetch = list(page.resources)
    seen: dict[str, int] = {}
    external: list[str] = []
    while to_fetch:
        reference = to_fetch.pop(0)
        if reference.startswith(("data:", "#", "about:")):
            continue
        absolute = urljoin(base, reference)
        host = urlsplit(absolute).netloc
        if host != f"127.0.0.1:{client.port}":
            external.append(absolute)
            continue
        path = local_path(absolute)
        if path in seen:
            continue
        loaded = client.request("GET", path, keep_cookies=False)
        seen[path] = len(loaded.raw)
        content_type = loaded.headers.get("Content-Type") or ""
        if "css" in content_type and loaded.status == 200:
            nested = [urljoin(urljoin(base, path), r) for r in css_resources(loaded.text)]
            to_fetch.extend(nested)
    total = len(response.raw) + sum(seen.values()) + extra_bytes
    requests = 1 + len(seen) + len(external) + extra_requests
    score, grade = ecoindex(page.elements, requests, total / 1024)
    return Weight(response.status, total, requests, page.elements, score, grade,
                  response.queries, external, seen)


# ---------------------------------------------------------------------------------------------
# wrk


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _milliseconds(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value.strip())
    if not match:
        raise ValueError(f"unreadable wrk duration {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, latency percentiles and errors from wrk's --latency output."""
    result: dict[str, Any] = {"percentiles": {}}
    for percentile, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.M):
        result["percentiles"][int(percentile)] = _milliseconds(value)
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    total = re.search(r"^\s+(\d+) requests in ", output, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if rps is None or total is None or 50 not in result["percentiles"]:
        raise RuntimeError(f"wrk output not understood:\n{output}")
    result["rps"] = float(rps.group(1))
    result["requests"] = int(total.group(1))
    result["non_2xx_3xx"] = int(non_2xx.group(1)) if non_2xx else 0
    names = ("connect", "read", "write", "timeout")
    result["socket_errors"] = (
        {name: int(sockets.group(i + 1)) for i, name in enumerate(names)} if sockets
        else dict.fromkeys(names, 0)
    )
    result["p50_ms"] = round(result["percentiles"][50], 2)
    result["p99_ms"] = round(result["percentiles"].get(99, result["percentiles"][50]), 2)
    return result


def wrk(url: str, seconds: float, connections: int, threads: int = 2,
        headers: dict[str, str] | None = None, script: str | None = None,
        script_args: list[str] | None = None) -> dict[str, Any]:
    """Drive `url` with wrk and return what parse_wrk reads from its report."""
    command = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}",
               f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "30s",
               "-H", f"User-Agent: {USER_AGENT}", "-H", "Accept-Encoding: gzip"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    result = parse_wrk(done.stdout)
    result["errors"] = result["non_2xx_3xx"] + sum(result["socket_errors"].values())
    return result


POST_SCRIPT = """-- Generated by bench/run.py: POSTs rotating over accounts and proposals.
local cookies = {%(cookies)s}
local bodies = {%(bodies)s}
local ids = {%(ids)s}
local path_format = "%(path)s"
local threads = 0
local user_agent = "%(user_agent)s"

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  n = 0
  offset = tonumber(args[1] or "0")
  stride = tonumber(args[2] or "1")
end

function request()
  local i = offset + n * stride + tid
  n = n + 1
  local u = i %% #cookies + 1
  local p = math.floor(i / #cookies) %% #ids + 1
  local body = bodies[u] .. "&n=" .. i
  local headers = {}
  headers["Cookie"] = cookies[u]
  headers["User-Agent"] = user_agent
  headers["Accept-Encoding"] = "gzip"
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", string.format(path_format, ids[p]), headers, body)
end
"""


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def post_script(path_format: str, cookies: list[str], bodies: list[str],
                proposal_ids: list[int]) -> str:
    """A wrk script that POSTs to path_format % id, account i with cookies[i] and bodies[i]."""
    return POST_SCRIPT % {
        "cookies": ", ".join(_lua_string(c) for c in cookies),
        "bodies": ", ".join(_lua_string(b) for b in bodies),
        "ids": ", ".join(str(i) for i in proposal_ids),
        "path": path_format.replace("%d", "%s"),
        "user_agent": USER_AGENT,
    }


def peak_rss_mb() -> float:
    """This process's peak resident size. Linux's VmHWM is the program's own; getrusage's
    ru_maxrss is kept across fork and exec, so a process started by a big one (a test worker)
    would report its parent's peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
