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
        return {"rps": next(rates)}

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
