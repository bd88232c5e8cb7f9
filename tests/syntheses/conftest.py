"""What the synthesis tests share: a stand-in for the PDF layout that keeps the print HTML."""

from __future__ import annotations

import pytest

from consultation.syntheses import render

STAND_IN = b"%PDF-1.7\n% stand-in for a laid-out PDF\n%%EOF\n"


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """PDFs are not laid out (WeasyPrint takes a second each; test_pdf reads real ones): every
    print HTML is kept and a stand-in PDF returned."""
    pages: list[str] = []

    def stand_in(html: str) -> bytes:
        """Keep the HTML, give a PDF's first bytes."""
        pages.append(html)
        return STAND_IN

    monkeypatch.setattr(render, "write_pdf", stand_in)
    return pages
