"""Every operation of the OpenAPI document fuzzed by Schemathesis, through WSGI, on the site of
tests/api/world.py: no 5xx, and every answer (status, content type, headers, body) is one the
document describes. Bounded and derandomised, so a run is quick and repeatable."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api import world
from tests.conftest import data_for_module, on_module_data

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def built(database_uri, tmp_path_factory):
    """The site, built once per backend for the module."""
    with pytest.MonkeyPatch.context() as patch, data_for_module(
        database_uri, tmp_path_factory
    ) as application:
        yield application, world.build(patch)


@pytest.fixture
def app(built):
    """The application on the site (overrides the clean-database `app`)."""
    with on_module_data(built[0]) as application:
        yield application


@pytest.fixture
def api_schema(app) -> Any:
    """The API's own document, read from the app as a client would."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=20, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case: Any) -> None:
    # The WSGI transport does not decompress: ask for the bytes as they are.
    case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})
