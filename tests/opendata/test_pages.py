"""/donnees and its files: what they say, their headers, 304, SQL count, English."""

from __future__ import annotations

import io
import zipfile

from consultation.extensions import db
from consultation.opendata.datasets import DATASETS
from tests import factories
from tests.opendata.helpers import build, csv_rows


def _world(proposals: int = 1) -> None:
    project = factories.project("consultation", title="Bornes Wi-Fi")
    for _ in range(proposals):
        made = factories.proposal(project)
        factories.comment(made)
        factories.support(made)
    db.session.commit()


def test_page_lists_every_dataset_with_its_files_and_columns(app, client):
    """Licence, date, sizes, links to each file, every column's meaning; light."""
    _world()
    build()
    response = client.get("/donnees")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Licence Ouverte" in html
    assert "https://www.etalab.gouv.fr/licence-ouverte-open-licence/" in html
    assert "Données mises à jour le" in html
    assert 'href="/donnees/donnees.zip"' in html
    assert 'href="/donnees/datapackage.json"' in html
    for dataset in DATASETS:
        assert f'href="/donnees/{dataset.name}.csv"' in html
        assert f'href="/donnees/{dataset.name}.json"' in html
        for column in dataset.columns:
            assert f"<code>{column.name}</code>" in html
    assert len(response.data) < 30 * 1024, len(response.data)


def test_page_says_the_data_is_being_prepared_and_writes_nothing(app, client):
    """Before the first build: a message, a 503 for the files, and no write (a GET)."""
    html = client.get("/donnees").get_data(as_text=True)
    assert "en préparation" in html
    response = client.get("/donnees/propositions.csv")
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_page_runs_the_same_statements_whatever_the_data(app, client, count_queries):
    """The SQL count of the page does not grow with the data."""
    _world(1)
    build()
    client.get("/donnees")  # the descriptor of this build is read once
    with count_queries() as small:
        client.get("/donnees")
    _world(15)
    build()
    client.get("/donnees")
    with count_queries() as large:
        client.get("/donnees")
    assert small.count == large.count <= 2


def test_english_page(app, client):
    """The site's language switch gives the page in English, columns included."""
    _world()
    build()
    client.post("/langue", data={"lang": "en", "next": "/donnees"})
    html = client.get("/donnees").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Open data" in html
    assert "Number of the proposal." in html
    assert "Numéro de la proposition." not in html


def test_files_headers_cors_and_conditional_requests(app, client):
    """Type, disposition, CORS, ETag and Last-Modified; 304 on If-None-Match or
    If-Modified-Since."""
    _world()
    build()
    csv_file = client.get("/donnees/propositions.csv")
    assert csv_file.status_code == 200
    assert csv_file.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_file.headers["Content-Disposition"] == 'attachment; filename="propositions.csv"'
    assert csv_file.headers["Access-Control-Allow-Origin"] == "*"
    assert len(csv_rows(csv_file.data)) == 1
    etag = csv_file.headers["ETag"]
    assert etag and csv_file.headers["Last-Modified"]
    again = client.get("/donnees/propositions.csv", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    since = client.get("/donnees/propositions.csv",
                       headers={"If-Modified-Since": csv_file.headers["Last-Modified"]})
    assert since.status_code == 304
    as_json = client.get("/donnees/propositions.json")
    assert as_json.headers["Content-Type"] == "application/json"
    assert as_json.json[0]["titre"]
    assert as_json.headers["ETag"] != etag
    package = client.get("/donnees/datapackage.json")
    assert package.json["licenses"][0]["name"] == "etalab-2.0"
    assert package.json["created"].endswith("Z")
    archive = client.get("/donnees/donnees.zip")
    assert archive.headers["Content-Type"] == "application/zip"
    assert archive.headers["Content-Disposition"] == 'attachment; filename="donnees.zip"'
    with zipfile.ZipFile(io.BytesIO(archive.data)) as opened:
        assert "propositions.csv" in opened.namelist()
    # A new build changes the validator: the old one no longer matches.
    build()
    assert client.get("/donnees/propositions.csv",
                      headers={"If-None-Match": etag}).status_code == 200


def test_unknown_files_are_404(app, client):
    """Only the datasets, the descriptor and the zip are served."""
    _world()
    build()
    for path in ("/donnees/inconnu.csv", "/donnees/datapackage.csv", "/donnees/utilisateurs.json",
                 "/donnees/propositions.xml"):
        assert client.get(path).status_code == 404, path


def test_footer_links_to_the_page(app, client):
    """Every page's footer leads to the open data."""
    html = client.get("/").get_data(as_text=True)
    assert 'href="/donnees"' in html and "Données ouvertes" in html
