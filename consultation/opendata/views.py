"""The open data page and its files, served from the stored zip."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from werkzeug.http import is_resource_modified

from consultation.opendata import bp, services, writer
from consultation.opendata.datasets import BY_NAME, DATASETS

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
               "zip": "application/zip"}
# Files change when a build is published: reusers revalidate after a few minutes.
CACHE_CONTROL = "public, max-age=300"


@bp.route("/donnees")
def index():
    """The datasets, their licence, update date, files and the meaning of every column."""
    current = services.published()
    package = services.descriptor(current) if current else None
    files = {}
    if package:
        files = {resource["path"]: resource for resource in package["resources"]}
    return render_template("opendata/index.html", current=current, datasets=DATASETS,
                           files=files, licence=writer.LICENCE)


def _file(filename: str, kind: str, disposition: str) -> Response:
    current = services.published()
    if current is None:
        response = Response(
            _("Les données ouvertes sont en préparation : réessayez dans quelques minutes."),
            status=503, mimetype="text/plain",
        )
        response.headers["Retry-After"] = "600"
        return response
    etag = f"{current.etag}-{filename}"
    if not is_resource_modified(request.environ, etag=etag, last_modified=current.created):
        response = Response(status=304)
    else:
        content = services.zip_bytes(current)
        response = Response(content if kind == "zip" else services.member(content, filename))
        response.headers["Content-Type"] = MEDIA_TYPES[kind]
        response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.set_etag(etag)
    response.last_modified = current.created
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/donnees/donnees.zip")
def archive():
    """Every dataset as CSV and JSON, with datapackage.json, in one zip."""
    return _file(writer.ZIP_NAME, "zip", "attachment")


@bp.route("/donnees/<name>.<any(csv, json):ext>")
def data_file(name: str, ext: str):
    """One dataset as CSV or JSON, or the package's datapackage.json."""
    if name == "datapackage" and ext == "json":
        return _file("datapackage.json", "json", "inline")
    if name not in BY_NAME:
        abort(404)
    return _file(f"{name}.{ext}", ext, "attachment" if ext == "csv" else "inline")
