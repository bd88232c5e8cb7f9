"""Every public page, as transferred: at most 30 KB in all and at most 4 requests, no other host.

Pages are read as a browser reads them (Accept-Encoding: br, gzip), then every stylesheet,
script and image they reference is fetched the same way. The demo data gives realistic pages;
a project of 300 proposals and a proposal with 200 comments give the long ones.
"""

from __future__ import annotations

import gzip
import re
from datetime import date
from html.parser import HTMLParser

import brotli
import pytest

from consultation.core import jobs
from consultation.extensions import db
from consultation.projects.models import Project
from consultation.proposals.models import Proposal
from consultation.syntheses import render
from tests import factories
from tests.conftest import data_for_module, on_module_data
from tests.proposals.test_proposal_list import bulk_proposals

MAX_BYTES = 30_000
MAX_REQUESTS = 4
BROWSER = {"Accept-Encoding": "br, gzip, deflate"}


class Resources(HTMLParser):
    """The URLs a page makes the browser fetch by itself (not the links one follows)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and (found.get("rel") or "") in {"stylesheet", "icon", "preload"}:
            self.urls.append(found.get("href") or "")
        elif tag in {"script", "img", "iframe", "source", "video", "audio"} and found.get("src"):
            self.urls.append(found["src"] or "")


def weigh(client, url: str) -> tuple[int, int]:
    """(bytes transferred, requests) to show a page, its subresources included."""
    response = client.get(url, headers=BROWSER)
    assert response.status_code == 200, url
    assert response.headers.get("Content-Encoding") in {"br", "gzip"}, url
    parser = Resources()
    parser.feed(_text(response))
    total, requests = len(response.data), 1
    for resource in parser.urls:
        if resource.startswith("data:"):
            continue  # inline (the empty favicon): no request
        assert resource.startswith("/") and not resource.startswith("//"), (url, resource)
        fetched = client.get(resource, headers=BROWSER)
        assert fetched.status_code == 200, resource
        total += len(fetched.data)
        requests += 1
    return total, requests


def _text(response) -> str:
    """The page's HTML, decompressed."""
    raw = response.data
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        raw = brotli.decompress(raw)
    elif encoding == "gzip":
        raw = gzip.decompress(raw)
    return raw.decode()


# One worker builds the city for the module, instead of each worker building it.
pytestmark = pytest.mark.xdist_group("city")


@pytest.fixture(scope="module")
def built_city(database_uri, tmp_path_factory):
    """The demo, plus a long project: 300 proposals, one of them with 200 comments; built
    once per backend for the module, whose tests only read it (and add a citizen)."""
    with pytest.MonkeyPatch.context() as patch, data_for_module(
        database_uri, tmp_path_factory
    ) as application:
        patch.setattr(render, "write_pdf", lambda html: b"%PDF-1.7 stand-in")
        result = application.test_cli_runner().invoke(args=["demo", "load"])
        assert result.exit_code == 0, result.output
        long = factories.project("consultation", title="Un projet très suivi")
        bulk_proposals(long, factories.user(), 300)
        debated = factories.proposal(long, title="La proposition la plus débattue")
        people = [factories.user() for _ in range(20)]
        for n in range(200):
            factories.comment(debated, author=people[n % 20],
                              body=f"Avis numéro {n} : " + "mot " * 40)
        db.session.commit()
        jobs.dispatch_committed()
        ids = {"long": long.id, "debated": debated.id}
    yield application, ids


@pytest.fixture
def app(built_city):
    """The application on the city (overrides the clean-database `app`)."""
    with on_module_data(built_city[0]) as application:
        yield application


@pytest.fixture
def city(app, built_city):
    """The long project and its most debated proposal, loaded in this test's session."""
    return {"long": db.session.get(Project, built_city[1]["long"]),
            "debated": db.session.get(Proposal, built_city[1]["debated"])}


def public_urls(city) -> list[str]:
    """One URL per public page template, on realistic data."""
    open_data = db.session.scalar(db.select(Project).where(Project.slug.like("ouverture%")))
    wifi = db.session.scalar(db.select(Project).where(Project.slug.like("wi-fi%")))
    proposal = db.session.scalar(
        db.select(Proposal).where(Proposal.project_id == wifi.id).order_by(Proposal.id)
    )
    long, debated = city["long"], city["debated"]
    year = date.today().year
    return [
        "/",
        "/projets",
        f"/projets/{wifi.slug}",
        f"/projets/{wifi.slug}/propositions",
        f"/projets/{wifi.slug}/debat/carte",
        f"/projets/{long.slug}/propositions",
        f"/projets/{long.slug}/propositions?tri=soutiens",
        f"/propositions/{proposal.id}",
        f"/propositions/{debated.id}",
        f"/projets/{open_data.slug}/synthese",
        f"/projets/{open_data.slug}/synthese/v1",
        f"/projets/{open_data.slug}/synthese/v2/annexe",
        f"/projets/{open_data.slug}/synthese/v2/reponses",
        f"/projets/{open_data.slug}/suivi",
        "/suivi",
        "/rencontres",
        f"/rencontres/{year}",
        "/compte/connexion",
        "/compte/inscription",
        "/compte/mot-de-passe-oublie",
        "/confidentialite",
        "/mentions-legales",
        "/contact",
        "/charte",
        "/plan-du-site",
    ]


def test_every_public_page_is_light(client, city):
    """At most 30 KB transferred and 4 requests per page, whatever the page."""
    weights = {}
    for url in public_urls(city):
        total, requests = weigh(client, url)
        weights[url] = total
        assert total <= MAX_BYTES, (url, total)
        assert requests <= MAX_REQUESTS, (url, requests)
    for url, total in weights.items():
        print(f"{total / 1024:5.1f} Ko  {url}")


def test_pages_are_light_for_a_logged_in_citizen_too(as_role, city):
    """Forms and the supports left add little: the same limits for a citizen."""
    citizen = as_role("citizen")
    long, debated = city["long"], city["debated"]
    for url in (f"/projets/{long.slug}/propositions", f"/propositions/{debated.id}",
                f"/projets/{long.slug}/propositions/nouvelle", "/compte/profil"):
        total, requests = weigh(citizen, url)
        assert total <= MAX_BYTES and requests <= MAX_REQUESTS, (url, total, requests)


def test_the_lists_deep_page_weighs_what_the_first_does(client, city):
    """Following "Page suivante" ten times gives a page as light as the first."""
    url = f"/projets/{city['long'].slug}/propositions?tri=soutiens"
    first, _ = weigh(client, url)
    for _ in range(10):
        page = _text(client.get(url, headers=BROWSER))
        following = re.search(r'<a href="([^"]+)" rel="next">', page)
        assert following is not None
        url = following.group(1).replace("&amp;", "&")
    deep, _ = weigh(client, url)
    assert deep <= MAX_BYTES and abs(deep - first) < 2_000
