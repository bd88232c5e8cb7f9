"""The benchmark's visitors behave as browsers do (bench/run.py)."""

from __future__ import annotations

from typing import Any

from bench import run


class _Answer:
    def __init__(self, status: int, text: str = "", location: str | None = None) -> None:
        self.status, self.text = status, text
        self.headers = {"Location": location} if location else {}


def test_logging_in_follows_the_redirect_and_reads_the_welcome_message(monkeypatch):
    """After the login form, a browser opens the page it is sent to, and the welcome message
    is read there once: a cookie still holding it, replayed by wrk on every request, would
    make every page show it and sign the session again (a cost no browser pays)."""
    asked: list[tuple[str, str]] = []

    class Client:
        def __init__(self, port: int) -> None:
            self.port = port

        def get(self, path: str) -> Any:
            asked.append(("GET", path))
            return _Answer(200, '<input type="hidden" name="csrf_token" value="jeton">')

        def post(self, path: str, form: dict[str, str]) -> Any:
            asked.append(("POST", path))
            assert form["csrf_token"] == "jeton"
            return _Answer(302, location="http://127.0.0.1:8000/compte?x=1")

    monkeypatch.setattr(run, "Client", Client)
    run.log_in(8000, "citoyenne@example.org")
    assert asked == [("GET", "/compte/connexion"), ("POST", "/compte/connexion"),
                     ("GET", "/compte?x=1")]


def test_each_page_is_compared_with_the_bare_app_measured_beside_it(monkeypatch):
    """The bare app is sampled before and after each page (the sample after one page is the
    sample before the next), and a page's share is taken against the mean of the two: a
    machine that slows down during the run does not lower the shares of the pages after."""
    rates = iter([1000.0, 2000.0, 3000.0, 4000.0, 5000.0])
    driven: list[str] = []

    def wrk(url: str, duration: float, connections: int, **_: Any) -> dict[str, Any]:
        driven.append(url)
        rps = next(rates)
        return {"rps": rps, "requests": int(rps * duration)}  # as parse_wrk reads wrk's report

    monkeypatch.setattr(run, "wrk", wrk)
    settings = run.Settings(scale="quick", duration=1, connections=4, warmup=0,
                            growth_sizes=(), growth_duration=1, rotation=10)
    bare = run.Baseline(8001, settings)
    first, mean_first = bare.around(lambda: {"rps": 150.0})
    second, mean_second = bare.around(lambda: {"rps": 300.0})
    assert (mean_first, mean_second) == (1500.0, 2500.0)
    assert driven == ["http://127.0.0.1:8001/"] * 3
    bare.interrupted()  # a server started: sampled again before the next page
    assert bare.around(lambda: {"rps": 1.0})[1] == 4500.0
    assert bare.samples == [1000.0, 2000.0, 3000.0, 4000.0, 5000.0]
    assert bare.median() == 3000.0
    assert (first, second) == ({"rps": 150.0}, {"rps": 300.0})


def test_growth_measures_every_size_in_turns_and_keeps_the_median_turn():
    """Measured one size after the other, a p50 moved with the machine's minute as much as the
    growth it was to show: the sizes are driven in turns (forwards, then backwards), so that
    each size meets the same minutes, and a page's p50 is the median of its turns."""
    urls = {("1000", "proposals"): "a1", ("1000", "proposal"): "b1",
            ("100000", "proposals"): "a100", ("100000", "proposal"): "b100"}
    driven: list[str] = []

    def drive(url: str) -> dict[str, Any]:
        driven.append(url)
        return {"p50_ms": float(len(driven))}

    runs = run.interleaved(urls, ["1000", "100000"], 3, drive)
    assert driven == ["a1", "b1", "a100", "b100",  # first turn: the sizes forwards
                      "a100", "b100", "a1", "b1",  # second turn: backwards
                      "a1", "b1", "a100", "b100"]
    assert [r["p50_ms"] for r in runs["1000", "proposals"]] == [1.0, 7.0, 9.0]
    assert [r["p50_ms"] for r in runs["100000", "proposal"]] == [4.0, 6.0, 12.0]


def test_growth_serves_every_size_at_once_and_reports_the_median_turn(monkeypatch):
    """measure_growth starts one server per size before the first turn, warms every page up
    once, and reports for each page the median p50 of its turns with every turn kept."""
    import contextlib
    from types import SimpleNamespace

    served: list[int] = []
    p50s = iter([5.0, 9.0, 6.0,  # warm-up of the three pages at 1,000...
                 5.0, 9.0, 6.0] + [float(n) for n in range(1, 19)])

    @contextlib.contextmanager
    def serve(app: str, name: str, env: dict[str, str], ready: str) -> Any:
        served.append(int(name.rsplit("-", 1)[1]))
        assert env["PAGE_CACHE_SECONDS"] == "0" and env["FRAGMENT_CACHE"] == "0"
        yield 9000 + len(served)

    class Client:
        def __init__(self, port: int) -> None:
            pass

        def get(self, path: str) -> Any:
            return SimpleNamespace(queries=2)

    monkeypatch.setattr(run.generate, "ensure", lambda url, spec, log: SimpleNamespace(
        featured_slug=spec.name, commented_proposal_id=7))
    monkeypatch.setattr(run.generate, "redate", lambda url: None)
    monkeypatch.setattr(run, "serve", serve)
    monkeypatch.setattr(run, "Client", Client)
    monkeypatch.setattr(run, "follow_next", lambda client, path, hops: (path + "&apres=x", 50))
    monkeypatch.setattr(run, "wrk", lambda url, seconds, connections, **_: {
        "p50_ms": next(p50s), "p99_ms": 20.0, "rps": 100.0, "errors": 0})
    settings = run.Settings(scale="quick", duration=1, connections=1, warmup=0,
                            growth_sizes=(1_000, 100_000), growth_duration=2, rotation=0)
    growth, details = run.measure_growth("sqlite", None, settings)
    assert served == [1_000, 100_000]
    # Turns (after six warm-ups): 1,000 gets 1-3 then 10-12 then 13-15, 100,000 gets 4-6,
    # then 7-9, then 16-18.
    assert growth == {"proposals": {"1000": 10.0, "100000": 7.0},
                      "proposals_deep": {"1000": 11.0, "100000": 8.0},
                      "proposal": {"1000": 12.0, "100000": 9.0}}
    assert details["1000"]["proposals"]["p50_ms_rounds"] == [1.0, 10.0, 13.0]
    assert details["100000"]["proposal"]["path"] == "/propositions/7"
    assert details["100000"]["proposals_deep"]["queries"] == 2
