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
