"""Large pages travel gzip-compressed by zlib-ng (consultation/extensions.py): the same format
a browser reads, no heavier than zlib's, and Flask-Compress really calls it; smaller pages stay
with zlib."""

from __future__ import annotations

import gzip
import random
from typing import Any

import pytest
from flask import Flask
from zlib_ng import gzip_ng

from consultation import extensions
from consultation.extensions import db
from tests import factories


def test_gzip_pages_come_from_zlib_ng_and_read_back(app: Flask,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    proposal = factories.proposal()
    words = ("quartier", "médiation", "numérique", "fibre", "école", "bibliothèque",
             "permanence", "mairie", "habitants", "logiciels", "libres", "accompagnement",
             "papier", "démarches", "tiers-lieu", "wi-fi", "formation")
    pick = random.Random(17)
    for n in range(60):  # a debate long enough for a page past GZIP_NG_FROM
        factories.comment(proposal, body=f"Avis {n} : " + " ".join(
            pick.choice(words) for _ in range(120)) + ".")
    db.session.commit()
    calls: list[int] = []
    real = gzip_ng.compress

    def counted(data: bytes, **kwargs: Any) -> bytes:
        calls.append(len(data))
        return real(data, **kwargs)

    monkeypatch.setattr(gzip_ng, "compress", counted)
    plain = app.test_client().get(f"/propositions/{proposal.id}").data
    answer = app.test_client().get(f"/propositions/{proposal.id}",
                                   headers={"Accept-Encoding": "gzip"})
    assert answer.headers["Content-Encoding"] == "gzip"
    assert calls, "Flask-Compress no longer calls consultation.extensions._compress_data"
    page = gzip.decompress(answer.data)
    assert len(page) >= extensions.GZIP_NG_FROM
    # The same page but for the visitor's CSRF token.
    assert len(page) == len(plain) and page.count(b"<article") == plain.count(b"<article")
    by_zlib = gzip.compress(page, app.config["COMPRESS_LEVEL"])
    # Lighter or about the same on a page of varied text (on text repeated over and over,
    # zlib-ng's level 6 can be a few per cent heavier: not what people write).
    assert len(answer.data) <= len(by_zlib) * 1.02


def test_smaller_pages_stay_with_zlib(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gzip_ng, "compress", lambda *a, **k: pytest.fail("zlib-ng used"))
    answer = app.test_client().get("/projets", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["Content-Encoding"] == "gzip" and gzip.decompress(answer.data)


def test_other_encodings_are_left_to_flask_compress(app: Flask) -> None:
    answer = app.test_client().get("/projets", headers={"Accept-Encoding": "br"})
    assert answer.headers.get("Content-Encoding") == "br"


def test_conditional_pass_only_for_a_question(client) -> None:
    """A compressed answer goes through the conditional pass (a 304) only when the request
    asks: a gzip client's If-None-Match still gets its 304, a page asked plainly is not
    given a Date of the app's (the HTTP server writes one), the pass having not run."""
    for _ in range(4):  # a list past COMPRESS_MIN_SIZE
        factories.proposal()
    db.session.commit()
    gzip_client = {"Accept-Encoding": "gzip"}
    first = client.get("/api/v1/proposals", headers=gzip_client)
    assert first.headers["Content-Encoding"] == "gzip" and first.headers["ETag"].endswith(
        ':gzip"')
    assert "Date" not in first.headers
    again = client.get("/api/v1/proposals",
                       headers={**gzip_client, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    page = client.get("/projets", headers=gzip_client)
    assert page.headers["Content-Encoding"] == "gzip" and "Date" not in page.headers


def test_static_files_still_answer_their_conditions(client) -> None:
    """The stylesheet, streamed and compressed, goes through the conditional pass as before:
    a browser that has it gets a 304."""
    browser = {"Accept-Encoding": "br, gzip"}
    first = client.get("/static/style.css", headers=browser)
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "br"
    first.close()
    again = client.get("/static/style.css",
                       headers={**browser, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
