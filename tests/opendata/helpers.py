"""Reading the open data zip back in tests."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from consultation.opendata import services


def build() -> bytes:
    """Build the zip now, whatever the debounce says; its bytes."""
    assert services.build(services.ask()) == "ready"
    current = services.published()
    assert current is not None
    return services.zip_bytes(current)


def files(content: bytes) -> dict[str, bytes]:
    """Every file of the zip, by name."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def csv_rows(data: bytes) -> list[dict[str, str]]:
    """A CSV file's rows as dicts (RFC 4180, UTF-8 without BOM)."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def json_rows(data: bytes) -> list[dict[str, Any]]:
    """A JSON file's rows."""
    return json.loads(data)
