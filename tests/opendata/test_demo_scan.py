"""The zip built from the demo (`flask demo load`): valid, and without personal data.

The demo is loaded once for the module and its zip built once; the tests only read them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from consultation.accounts.models import User
from consultation.extensions import db
from consultation.syntheses import render
from tests.conftest import data_for_module, on_module_data
from tests.opendata.helpers import build, files
from tests.routes import STAND_IN

# A column whose name says it holds a person, or a person's account or workshop.
PERSONAL_COLUMN = re.compile(r"(user|utilisateur|auteur|author|compte|account|email|courriel|"
                             r"mediateur_id|mediator|atelier_id|workshop|nom_affiche|display)",
                             re.IGNORECASE)


@pytest.fixture(scope="module")
def demo(database_uri: str, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[Flask, dict[str, Any]]]:
    """The demo loaded, its zip built; every file and every person of the demo."""
    with data_for_module(database_uri, tmp_path_factory) as application, \
            pytest.MonkeyPatch.context() as patch:
        # The PDFs are not what is tested here: a stand-in instead of a second of layout each.
        patch.setattr(render, "write_pdf", lambda html: STAND_IN)
        result = application.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        people = [(user.id, user.email, user.display_name)
                  for user in db.session.scalars(select(User))]
        found = {"files": files(build()), "people": people}
    yield application, found


@pytest.fixture
def app(demo: tuple[Flask, dict[str, Any]]) -> Iterator[Flask]:
    """The application on the loaded demo."""
    with on_module_data(demo[0]) as application:
        yield application


@pytest.fixture
def found(demo: tuple[Flask, dict[str, Any]]) -> dict[str, Any]:
    """The zip's files and the demo's people."""
    return demo[1]


def test_every_dataset_has_rows(app, found):
    """The demo fills every dataset."""
    package = json.loads(found["files"]["datapackage.json"])
    for resource in package["resources"]:
        assert resource["x-rows"] > 0, resource["name"]


def test_no_email_or_display_name_of_any_demo_person(app, found):
    """No file holds the email or the display name of any person of the demo."""
    assert len(found["people"]) > 10
    for name, data in found["files"].items():
        text = data.decode("utf-8")
        for _id, email, display_name in found["people"]:
            if email:
                assert email not in text, (email, name)
            # Names are matched as words: "Yann" must not be found in "Yannick".
            assert not re.search(rf"\b{re.escape(display_name)}\b", text), (display_name, name)


def test_no_column_names_a_person(app, found):
    """No column, in any CSV or JSON file nor in the descriptor, holds a person's id."""
    package = json.loads(found["files"]["datapackage.json"])
    for resource in package["resources"]:
        for field in resource["schema"]["fields"]:
            assert not PERSONAL_COLUMN.search(field["name"]), (resource["name"], field["name"])
    for name, data in found["files"].items():
        if name.endswith(".csv"):
            header = next(csv.reader(io.StringIO(data.decode("utf-8"))))
            assert not [column for column in header if PERSONAL_COLUMN.search(column)], name


def test_frictionless_validates_the_demo_package(app, found, tmp_path):
    """The whole package, foreign keys included, validates with no error."""
    frictionless = pytest.importorskip("frictionless")
    for name, data in found["files"].items():
        (tmp_path / name).write_bytes(data)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type",
                                         "note"])
