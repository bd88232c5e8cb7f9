"""Pages travel gzip-compressed by zlib-ng (consultation/extensions.py): the same format a
browser reads, about the size zlib gives, and Flask-Compress really calls it."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from flask import Flask
from zlib_ng import gzip_ng

from consultation.extensions import db
from tests import factories


def test_gzip_pages_come_from_zlib_ng_and_read_back(app: Flask,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    proposal = factories.proposal()
    for n in range(30):
        factories.comment(proposal, body=f"Un avis numéro {n}, argumenté et mesuré.")
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
    # The same page but for the visitor's CSRF token.
    assert len(page) == len(plain) and page.count(b"<article") == plain.count(b"<article")
    by_zlib = gzip.compress(page, app.config["COMPRESS_LEVEL"])
    assert len(answer.data) <= len(by_zlib) * 1.02


def test_other_encodings_are_left_to_flask_compress(app: Flask) -> None:
    answer = app.test_client().get("/projets", headers={"Accept-Encoding": "br"})
    assert answer.headers.get("Content-Encoding") == "br"
