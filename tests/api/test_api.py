"""The public API on a small site with content in every state: what it shows, what it never
shows, paging, filters, ETag, CORS, errors and its OpenAPI document and page."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.api import world
from tests.conftest import data_for_module, on_module_data

API = "/api/v1"


@pytest.fixture(scope="module")
def built(database_uri, tmp_path_factory):
    """The site, built once per backend for the module (its tests only read it)."""
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
def site(built) -> dict[str, Any]:
    return built[1]


def ids(client: Any, url: str) -> list[int]:
    """Every id of a list, walking its pages."""
    found: list[int] = []
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        found += [item["id"] for item in body["items"]]
        next_url = body["next"]
    return found


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == status and body["title"] and body["detail"]
    return body


# --- what a visitor sees, and nothing else ----------------------------------------------------


def test_proposals_are_those_a_visitor_sees(client, site):
    assert set(ids(client, f"{API}/proposals")) == site["shown_proposals"]
    for hidden in site["hidden_proposals"]:
        assert_problem(client.get(f"{API}/proposals/{hidden}"), 404)
    for shown in site["shown_proposals"]:
        assert client.get(f"{API}/proposals/{shown}").status_code == 200


def test_a_proposal_has_its_counts_answer_state_and_flags(client, site):
    merged = client.get(f"{API}/proposals/{site['merged']}").get_json()
    assert merged["state"] == "merged" and merged["merged_into"] == site["target"]
    answered = client.get(f"{API}/proposals/{site['answered']}").get_json()
    assert answered["answer"]["status"] == "accepted"
    assert answered["answer"]["body"] == "Nous le ferons."
    shown = client.get(f"{API}/proposals/{site['shown']}").get_json()
    assert shown["counts"] == {"supports": 1, "comments": 2, "pour": 1, "contre": 1, "neutre": 0}
    assert shown["territory"] == site["territory"] and shown["answer"] is None
    assert shown["with_mediator"] is False and shown["from_workshop"] is False
    assert shown["url"].endswith(f"/propositions/{site['shown']}")


def test_comments_are_those_a_visitor_sees(client, site):
    assert set(ids(client, f"{API}/comments")) == site["shown_comments"]
    for hidden in site["hidden_comments"]:
        assert_problem(client.get(f"{API}/comments/{hidden}"), 404)
    replies = client.get(f"{API}/comments?stance=contre").get_json()["items"]
    assert [c["parent"] for c in replies] != [None]


def test_commitments_link_only_visible_proposals(client, site):
    commitment = client.get(f"{API}/commitments/{site['commitment']}").get_json()
    assert commitment["proposals"] == [site["shown"]]
    assert [u["status"] for u in commitment["updates"]] == ["en_cours", "prevu"]
    assert ids(client, f"{API}/commitments") == [site["commitment"]]


def test_only_published_syntheses_with_their_figures(client, site):
    listed = client.get(f"{API}/syntheses").get_json()["items"]
    assert [v["id"] for v in listed] == [site["version"]]
    assert listed[0]["number"] == 1 and isinstance(listed[0]["figures"], dict)
    assert b"brouillon secret" not in client.get(f"{API}/syntheses").data


def test_projects_and_territories(client, site):
    project = client.get(f"{API}/projects/{site['project']}").get_json()
    assert [p["kind"] for p in project["phases"]] == [
        "information", "consultation", "synthesis", "follow_up"]
    assert project["territories"] == [site["territory"]]
    assert set(ids(client, f"{API}/projects")) == {site["project"], site["premoderated"]}
    assert set(ids(client, f"{API}/projects?territory={site['territory']}")) == {site["project"]}
    territory = client.get(f"{API}/territories/{site['territory']}").get_json()
    assert territory["name"] == "Brest"
    assert site["territory"] in ids(client, f"{API}/territories?limit=7")


def test_no_personal_data_anywhere(client, site):
    bodies = "".join(
        client.get(url).get_data(as_text=True)
        for url in (f"{API}/proposals", f"{API}/comments", f"{API}/commitments",
                    f"{API}/syntheses", f"{API}/projects")
    )
    for name, email, _user_id in site["people"]:
        assert name not in bodies and email not in bodies
    assert world.EMAIL_DOMAIN not in bodies
    for key in ("author", "author_id", "user_id", "mediator_id", "published_by"):
        assert f'"{key}"' not in bodies


# --- paging and filters -----------------------------------------------------------------------


def test_walking_pages_gives_every_item_once(client, site):
    one_by_one = ids(client, f"{API}/proposals?limit=1")
    assert sorted(one_by_one) == sorted(site["shown_proposals"])
    assert len(one_by_one) == len(set(one_by_one))
    first = client.get(f"{API}/proposals?limit=2&project={site['project']}")
    body = first.get_json()
    assert first.headers["Link"] == f'<{body["next"]}>; rel="next"'
    assert f"project={site['project']}" in body["next"] and body["limit"] == 2
    last = client.get(f"{API}/proposals?limit=200").get_json()
    assert last["next"] is None


@pytest.mark.parametrize(("query", "expected"), [
    ("state=merged", {"merged"}),
    ("answer=accepted", {"answered"}),
    ("answer=none&state=published", {"shown", "target"}),
    ("answer=given", {"answered"}),
])
def test_proposal_filters(client, site, query, expected):
    assert set(ids(client, f"{API}/proposals?{query}")) == {site[name] for name in expected}


def test_filters_by_project_and_territory(client, site):
    assert set(ids(client, f"{API}/proposals?project={site['premoderated']}")) == set()
    assert set(ids(client, f"{API}/proposals?territory={site['territory']}")) == {site["shown"]}
    assert set(ids(client, f"{API}/comments?proposal={site['shown']}")) == (
        site["shown_comments"] - {site["on_project"]})
    assert ids(client, f"{API}/commitments?status=realise") == []
    assert ids(client, f"{API}/syntheses?project={site['premoderated']}") == []


def test_updated_since(client, site):
    for resource in ("proposals", "comments", "commitments", "syntheses", "projects"):
        assert ids(client, f"{API}/{resource}?updated_since=2999-01-01T00:00:00Z") == []
        assert ids(client, f"{API}/{resource}?updated_since=2000-01-01") == ids(
            client, f"{API}/{resource}")


# --- HTTP: ETag, CORS, errors, cookies --------------------------------------------------------


def test_etag_and_304(client, site):
    first = client.get(f"{API}/proposals")
    etag = first.headers["ETag"]
    again = client.get(f"{API}/proposals", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other = client.get(f"{API}/proposals?limit=1", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_cors_and_preflight(client):
    response = client.get(f"{API}/proposals", headers={"Origin": "https://ailleurs.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(f"{API}/proposals", headers={
        "Origin": "https://ailleurs.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    # The rest of the site is not open to other origins.
    assert "Access-Control-Allow-Origin" not in client.get("/").headers


def test_no_cookie_is_set(client, site):
    for url in (f"{API}/proposals", f"{API}/proposals/{site['shown']}", f"{API}/nulle-part",
                f"{API}/openapi.json"):
        assert "Set-Cookie" not in client.get(url).headers


@pytest.mark.parametrize("query", [
    "limit=-1", "limit=0", "limit=201", "limit=abc", "cursor=forged", "cursor=eyJhZnRlciI6LTF9",
    "cursor=" + "A" * 300, "updated_since=hier", "updated_since=2026-13-45", "project=0",
    "project=99999999999", "state=withdrawn", "answer=maybe", "territory=x",
])
def test_bad_values_are_a_400_problem(client, query):
    body = assert_problem(client.get(f"{API}/proposals?{query}"), 400)
    assert "«" in body["detail"]


def test_errors_are_problems_under_the_api_only(client, site):
    assert_problem(client.get(f"{API}/proposals/999999"), 404)
    assert_problem(client.get(f"{API}/proposals/abc"), 404)
    assert_problem(client.get(f"{API}/inconnu"), 404)
    refused = client.post(f"{API}/proposals")
    assert_problem(refused, 405)
    assert "GET" in refused.headers["Allow"]
    assert_problem(client.get(f"{API}/proposals", headers={"Accept": "text/html"}), 406)
    assert client.get(f"{API}/proposals", headers={"Accept": "application/*"}).status_code == 200
    english = client.get(f"{API}/proposals?limit=0",
                         headers={"Accept-Language": "en;q=1, fr;q=0.5"})
    assert english.headers["Content-Language"] == "en"
    french = client.get(f"{API}/proposals?limit=0")
    assert french.headers["Content-Language"] == "fr"
    # Elsewhere, the French HTML pages as before.
    page = client.get("/nulle-part")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_an_unexpected_error_is_a_500_problem(client, monkeypatch):
    from consultation.api import views

    def broken(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "territory_document", broken)
    body = assert_problem(client.get(f"{API}/territories"), 500)
    assert "boom" not in body["detail"]


# --- the document and its page -----------------------------------------------------------------


def test_the_openapi_document_is_valid(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and "ETag" in response.headers
    spec = response.get_json()
    validate(spec)
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for resource in ("projects", "proposals", "comments", "commitments", "syntheses",
                     "territories"):
        assert f"{API}/{resource}" in paths
        assert any(p.startswith(f"{API}/{resource}/{{") for p in paths)
    for operations in paths.values():
        responses = operations["get"]["responses"]
        assert {"200", "304", "400", "404", "406", "429", "500"} <= set(responses)
        assert "Retry-After" in responses["429"]["headers"]
        assert "application/problem+json" in responses["404"]["content"]
        assert operations["get"]["summary"]


def test_the_documentation_page(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for path in json.loads(client.get(f"{API}/openapi.json").data)["paths"]:
        assert path in html
    assert "<script" not in html and "cdn" not in html.lower()
    assert "If-None-Match" in html and "updated_since" in html and "429" in html
    assert f'href="{API}/docs"' in client.get("/").get_data(as_text=True)


def test_a_big_projects_list_is_the_same_walked_along_the_primary_key(client, site,
                                                                        monkeypatch):
    from consultation.api import views

    small = ids(client, f"{API}/proposals?project={site['project']}&limit=2")
    comments = ids(client, f"{API}/comments?project={site['project']}&limit=2")
    monkeypatch.setattr(views, "BIG_PROJECT", 0)
    assert ids(client, f"{API}/proposals?project={site['project']}&limit=2") == small
    assert ids(client, f"{API}/comments?project={site['project']}&limit=2") == comments
