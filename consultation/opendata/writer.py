"""Writing the open data into one zip: each dataset as CSV and JSON, and datapackage.json.

Rows go from the database cursor to the compressed archive as they come: a dataset's CSV is
written into the zip while its JSON goes to a temporary file, copied in after. Neither the
tables nor the files are ever held whole in memory.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import IO, Any

from flask import current_app

from consultation.core.models import PARIS
from consultation.opendata.datasets import DATASETS, Dataset

PACKAGE_NAME = "consultation-brest-metropole"
ZIP_NAME = "donnees.zip"
LICENCE = {
    "name": "etalab-2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "title": "Licence Ouverte / Open Licence version 2.0",
}
# A cell starting with one of these runs as a formula in a spreadsheet (OWASP "CSV injection"):
# the CSV files prefix it with an apostrophe, as the moderation journal's export does. The
# JSON files give the text as written.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FLUSH_AT = 64 * 1024


def spreadsheet_safe(text: str) -> str:
    """The text, made plain text for a spreadsheet if it starts like a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _iso(value: Any) -> Any:
    # Dates from a Date column; those computed from a time come as text already.
    return value.isoformat() if isinstance(value, date) else value


def _csv_text(value: Any) -> Any:
    return "" if value is None else spreadsheet_safe(value)


def _csv_boolean(value: Any) -> str:
    return "" if value is None else ("true" if value else "false")


def _csv_date(value: Any) -> Any:
    return "" if value is None else _iso(value)


def _csv_number(value: Any) -> Any:
    return "" if value is None else value


# How each Table Schema type is written in a CSV cell.
CSV_CELLS: dict[str, Callable[[Any], Any]] = {
    "string": _csv_text, "boolean": _csv_boolean, "date": _csv_date,
    "integer": _csv_number, "number": _csv_number,
}


@dataclass
class Written:
    """What was written for one dataset."""

    dataset: Dataset
    rows: int = 0
    csv_bytes: int = 0
    json_bytes: int = 0


def _entry(name: str, created: datetime) -> zipfile.ZipInfo:
    # The entry carries the generation time, as Brest's clock read it.
    info = zipfile.ZipInfo(name, date_time=created.astimezone(PARIS).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _write_dataset(archive: zipfile.ZipFile, dataset: Dataset, created: datetime) -> Written:
    written = Written(dataset)
    names = [column.name for column in dataset.columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerow(names)
    with tempfile.TemporaryFile() as json_out:
        with archive.open(_entry(f"{dataset.name}.csv", created), "w") as csv_out:

            def flush() -> None:
                data = buffer.getvalue().encode()
                csv_out.write(data)
                written.csv_bytes += len(data)
                buffer.seek(0)
                buffer.truncate()

            json_out.write(b"[")
            separator = b"\n"
            cells = [CSV_CELLS[column.type] for column in dataset.columns]
            dates = [i for i, column in enumerate(dataset.columns) if column.type == "date"]
            encode = json.JSONEncoder(ensure_ascii=False).encode
            for row in dataset.rows():
                writer.writerow([cell(value) for cell, value in zip(cells, row, strict=True)])
                record = dict(zip(names, row, strict=True))
                for i in dates:
                    record[names[i]] = _iso(row[i])
                json_out.write(separator + encode(record).encode())
                separator = b",\n"
                written.rows += 1
                if buffer.tell() > FLUSH_AT:
                    flush()
            flush()
        json_out.write(b"\n]\n")
        written.json_bytes = json_out.tell()
        json_out.seek(0)
        # Copied in once the CSV entry is closed: a zip takes one entry at a time.
        with archive.open(_entry(f"{dataset.name}.json", created), "w") as copy:
            shutil.copyfileobj(json_out, copy, FLUSH_AT)
    return written


# The schemas are the same for every build (French descriptions): made once per process.
_SCHEMAS: dict[tuple[str, bool], dict[str, Any]] = {}


def _schema(dataset: Dataset, with_keys: bool) -> dict[str, Any]:
    key = (dataset.name, with_keys)
    if key not in _SCHEMAS:
        _SCHEMAS[key] = _make_schema(dataset, with_keys)
    return _SCHEMAS[key]


def _make_schema(dataset: Dataset, with_keys: bool) -> dict[str, Any]:
    fields = []
    for column in dataset.columns:
        described: dict[str, Any] = {"name": column.name, "type": column.type,
                                     "description": str(column.description)}
        if column.required:
            described["constraints"] = {"required": True}
        fields.append(described)
    schema: dict[str, Any] = {"fields": fields}
    if dataset.primary_key:
        schema["primaryKey"] = list(dataset.primary_key)
    if with_keys and dataset.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": column, "reference": {"resource": other, "fields": its}}
            for column, other, its in dataset.foreign_keys
        ]
    return schema


def package(created: datetime, written: list[Written]) -> dict[str, Any]:
    """The Data Package descriptor (Frictionless Data Package v1) of the files written."""
    resources: list[dict[str, Any]] = []
    for item in written:
        dataset = item.dataset
        common = {"title": str(dataset.title), "description": str(dataset.description),
                  "encoding": "utf-8", "licenses": [LICENCE]}
        resources.append({
            "profile": "tabular-data-resource", "name": dataset.name,
            "path": f"{dataset.name}.csv", "format": "csv", "mediatype": "text/csv",
            "bytes": item.csv_bytes, **common,
            "dialect": {"delimiter": ",", "doubleQuote": True, "lineTerminator": "\r\n",
                        "quoteChar": '"', "header": True},
            "schema": _schema(dataset, with_keys=True),
            "x-rows": item.rows,
        })
        resources.append({
            "profile": "tabular-data-resource", "name": f"{dataset.name}-json",
            "path": f"{dataset.name}.json", "format": "json", "mediatype": "application/json",
            # Its size aside: frictionless counts no bytes of a JSON resource, and would fail
            # the standard "bytes" property.
            "x-bytes": item.json_bytes, **common,
            # The same rows as the CSV file, as an array of objects, texts as written.
            "schema": _schema(dataset, with_keys=False),
            "x-rows": item.rows,
        })
    home = current_app.config["PUBLIC_URL"].rstrip("/") + "/donnees"
    return {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME,
        "title": "Consultation numérique de Brest métropole : données ouvertes",
        "description": (
            "Les projets, propositions, commentaires, soutiens par jour, réponses officielles, "
            "engagements et chiffres des synthèses de la plateforme de consultation de Brest "
            "métropole. Aucune donnée personnelle : ni nom, ni adresse, ni identifiant de "
            "compte. Les textes commençant par =, +, -, @ sont précédés d'une apostrophe dans "
            "les fichiers CSV (protection des tableurs), pas dans les fichiers JSON."
        ),
        "homepage": home,
        "created": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "licenses": [LICENCE],
        "keywords": ["consultation", "participation citoyenne", "Brest métropole"],
        "resources": resources,
    }


def write_zip(target: IO[bytes], created: datetime) -> dict[str, Any]:
    """Write every dataset and datapackage.json into a zip on `target`; the descriptor."""
    written: list[Written] = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for dataset in DATASETS:
            written.append(_write_dataset(archive, dataset, created))
        descriptor = package(created, written)
        archive.writestr(_entry("datapackage.json", created),
                         json.dumps(descriptor, ensure_ascii=False) + "\n")
    return descriptor
