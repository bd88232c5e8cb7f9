"""Request size: a body past MAX_CONTENT_LENGTH is refused unread with the French 413 page,
a form of too many fields (multipart or urlencoded) too, and every form of the platform filled
to its maximum, in characters of 4 bytes, still goes through (config.py says how the limits
were computed; this inventory checks the computation as the forms change)."""

from __future__ import annotations

import importlib
import io
import pkgutil
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from wtforms import FieldList, FormField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

import consultation
from consultation import create_app
from consultation.core.forms import Form
from consultation.extensions import db
from consultation.mediation.forms import MAX_ROWS, WorkshopForm
from consultation.proposals.models import Proposal
from consultation.syntheses.services import NARRATIVE_MAX
from tests import factories
from tests.conftest import IsolatedClient, login
from tests.proposals.helpers import text

MiB = 1024 * 1024
EMOJI = "\U0001f600"  # 4 bytes in UTF-8, 12 once percent-encoded in a form
URLENCODED = "application/x-www-form-urlencoded"
TITLE = "Envoi trop volumineux"
REFUSED_UNREAD = "le site l'a refusé sans le lire, et rien n'a été enregistré."
SHORTEN = "Raccourcissez ensuite le texte"


class CountingStream(io.RawIOBase):
    """A body of `size` bytes that counts how many the app reads."""

    def __init__(self, size: int, byte: bytes = b"a") -> None:
        self.size, self.byte, self.read_bytes = size, byte, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self.size - self.read_bytes)
        buffer[:count] = self.byte * count
        self.read_bytes += count
        return count


def post_stream(client: Any, url: str, stream: CountingStream, length: int | None,
                **environ: Any) -> Any:
    """POST `stream` as an urlencoded form, with a Content-Length unless `length` is None
    (a chunked body, as gunicorn hands it over: wsgi.input_terminated)."""
    overrides = {"wsgi.input": stream, **environ}
    if length is not None:
        overrides["CONTENT_LENGTH"] = str(length)
    else:
        overrides["HTTP_TRANSFER_ENCODING"] = "chunked"
    return client.post(url, content_type=URLENCODED, environ_overrides=overrides,
                       headers={"Referer": f"http://localhost{url}"})


def assert_413_page(response: Any, back: str | None = None) -> None:
    """The French 413 page: what happened, what to do, a way back; never a stack trace."""
    assert response.status_code == 413
    page = text(response)
    assert f"<h1>{TITLE}</h1>" in page
    assert REFUSED_UNREAD in page and SHORTEN in page
    assert "bouton Retour de votre navigateur" in page
    assert "Traceback" not in page
    if back is not None:
        assert f'<a href="{back}">Revenir à la page précédente</a>' in page


@pytest.fixture
def production_like(app: Flask) -> Iterator[Flask]:
    """The app with CSRF and rate limits on, as production runs: the CSRF check reads the
    form first."""
    made = create_app({**app.config, "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True})
    made.test_client_class = IsolatedClient
    yield made


@pytest.mark.parametrize("url", ["/compte/connexion", "/compte/inscription"])
@pytest.mark.parametrize("checks", ["tests", "production_like"])
def test_a_10_mb_post_to_an_anonymous_route_is_refused_unread(app, request, url, checks):
    """10 MB posted to the login or sign-up form: the French 413 page, and not one byte of
    the body read (Content-Length says it is too large)."""
    target = app if checks == "tests" else request.getfixturevalue("production_like")
    body = CountingStream(10 * 1024 * 1024)
    response = post_stream(target.test_client(), url, body, body.size)
    assert_413_page(response, back=url)
    assert body.read_bytes == 0


def test_a_chunked_body_is_read_no_further_than_the_limit(app):
    """Without a Content-Length (chunked; gunicorn sets wsgi.input_terminated), the body is
    read up to MAX_CONTENT_LENGTH and a little more, never the 10 MB sent."""
    body = CountingStream(10 * 1024 * 1024)
    response = post_stream(app.test_client(), "/compte/connexion", body, None,
                           **{"wsgi.input_terminated": True})
    assert_413_page(response)
    assert app.config["MAX_CONTENT_LENGTH"] <= body.read_bytes
    assert body.read_bytes <= app.config["MAX_CONTENT_LENGTH"] + 128 * 1024


def test_600000_urlencoded_fields_are_refused(app):
    """The audit's 600,000 empty fields weigh 1.2 MB, under MAX_CONTENT_LENGTH: their count
    is refused (Werkzeug counts only multipart fields; core.security counts these)."""
    body = b"a&" * 600_000
    assert len(body) < app.config["MAX_CONTENT_LENGTH"]
    response = app.test_client().post("/compte/connexion", data=body, content_type=URLENCODED)
    assert_413_page(response)
    # Just under the count, the form is read and answered (a wrong login, not a 413).
    fields = "&".join(f"f{i}=" for i in range(app.config["MAX_FORM_PARTS"] - 3))
    response = app.test_client().post(
        "/compte/connexion", data=f"{fields}&email=a@exemple.fr&password=x",
        content_type=URLENCODED)
    assert response.status_code == 200


def test_too_many_multipart_fields_are_refused(app):
    """One field more than MAX_FORM_PARTS in a multipart body: the 413 page."""
    data = {f"f{i}": "x" for i in range(app.config["MAX_FORM_PARTS"] + 1)}
    response = app.test_client().post("/compte/connexion", data=data,
                                      content_type="multipart/form-data")
    assert_413_page(response)


def test_a_multipart_field_past_max_form_memory_size_is_refused(app):
    """A multipart text field longer than MAX_FORM_MEMORY_SIZE: the 413 page."""
    data = {"email": "a" * (app.config["MAX_FORM_MEMORY_SIZE"] + 1), "password": "x"}
    response = app.test_client().post("/compte/inscription", data=data,
                                      content_type="multipart/form-data")
    assert_413_page(response)


def test_the_413_page_in_english(app):
    """On English pages the 413 page is English (catalogue filled at merge time)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    body = CountingStream(10 * 1024 * 1024)
    page = text(post_stream(client, "/compte/connexion", body, body.size))
    assert "<h1>Upload too large</h1>" in page
    assert "the site refused it without reading it, and nothing was saved." in page
    assert "Then shorten the text, or split it into several submissions" in page
    assert '<a href="/compte/connexion">Back to the previous page</a>' in page
    assert body.read_bytes == 0


# --- every form filled to its maximum ---------------------------------------------------------

UNBOUNDED = 200  # characters of a field without a Length: an id, a date, a choice, a password
CSRF_FIELD = len("csrf_token=") + 100


def _all_forms() -> list[type[Form]]:
    for module in pkgutil.walk_packages(consultation.__path__, "consultation."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found: list[type[Form]] = []
    pending = list(Form.__subclasses__())
    while pending:
        form = pending.pop()
        found.append(form)
        pending.extend(form.__subclasses__())
    return found


def _unbound(form: type) -> Iterator[tuple[str, UnboundField]]:
    for name in dir(form):
        value = getattr(form, name, None)
        if not name.startswith("_") and isinstance(value, UnboundField):
            yield name, value


def _max_length(field: UnboundField) -> int:
    lengths = [v.max for v in field.kwargs.get("validators") or ()
               if isinstance(v, Length) and v.max >= 0]
    return min(lengths) if lengths else UNBOUNDED


def worst_case(form: type, prefix: str = "") -> tuple[int, int, int]:
    """(bytes urlencoded, fields, longest field in bytes of UTF-8) of `form` with every field
    at its maximum length in characters of 4 bytes, every list at its most rows."""
    size = fields = longest = 0
    for name, field in _unbound(form):
        if issubclass(field.field_class, FieldList):
            inner = field.args[0]
            rows = field.kwargs.get("max_entries") or 1
            assert issubclass(inner.field_class, FormField), name
            for row in range(rows):
                more = worst_case(inner.args[0], f"{prefix}{name}-{row}-")
                size, fields, longest = size + more[0], fields + more[1], max(longest, more[2])
        elif issubclass(field.field_class, FormField):
            more = worst_case(field.args[0], f"{prefix}{name}-")
            size, fields, longest = size + more[0], fields + more[1], max(longest, more[2])
        else:
            characters = _max_length(field)
            size += len(prefix + name) + 2 + 12 * characters
            fields += 1
            longest = max(longest, 4 * characters)
    return size, fields, longest


def test_every_form_at_its_maximum_fits_the_limits(app):
    """Each form, every field at its maximum in 4-byte characters (12 once percent-encoded),
    fits MAX_CONTENT_LENGTH, MAX_FORM_PARTS and MAX_FORM_MEMORY_SIZE; the workshop, whose page
    is @large_form, fits MAX_CONTENT_LENGTH_LARGE_FORMS."""
    config = app.config
    forms = _all_forms()
    assert len(forms) >= 30
    sizes = {}
    for form in forms:
        size, fields, longest = worst_case(form)
        size += CSRF_FIELD
        limit = (config["MAX_CONTENT_LENGTH_LARGE_FORMS"] if form is WorkshopForm
                 else config["MAX_CONTENT_LENGTH"])
        assert size <= limit, (form.__name__, size, limit)
        assert fields + 2 <= config["MAX_FORM_PARTS"], (form.__name__, fields)
        assert longest <= config["MAX_FORM_MEMORY_SIZE"], (form.__name__, longest)
        sizes[form.__name__] = size
    ordinary = {name: size for name, size in sizes.items() if name != "WorkshopForm"}
    # The two the limits were computed from (config.py) are still the largest.
    assert max(ordinary, key=ordinary.__getitem__) == "SynthesisForm"
    assert sizes["WorkshopForm"] > config["MAX_CONTENT_LENGTH"]


def test_the_synthesis_editor_at_its_maximum_is_saved(app, as_role):
    """The largest ordinary form, the synthesis's 60,000 characters of 4 bytes and its
    note's 500, is read and saved (not a 413)."""
    project = factories.project("consultation")
    db.session.commit()
    moderator = as_role("moderator")
    url = f"/projets/{project.slug}/synthese/brouillon"
    response = moderator.post(url, data={
        "narrative": EMOJI * NARRATIVE_MAX, "change_note": EMOJI * 500,
        "save": "Enregistrer le brouillon",
    })
    assert response.status_code == 302, response.status_code
    assert response.request.content_length > 700_000


def _workshop_at_its_maximum(project_id: int) -> dict[str, str]:
    data = {"place": EMOJI * 120, "held_on": "2026-01-15"}
    for row in range(MAX_ROWS):
        data.update({
            f"rows-{row}-kind": "proposition", f"rows-{row}-project": str(project_id),
            f"rows-{row}-proposal": "", f"rows-{row}-title": EMOJI * 150,
            f"rows-{row}-body": EMOJI * 10_000, f"rows-{row}-stance": "",
            f"rows-{row}-author": "anonyme",
        })
    return data


def test_a_workshop_at_its_maximum_is_saved_by_a_mediator_only(app, as_role, request):
    """A paper workshop at its 100 rows, each at its maximum in 4-byte characters (12 MB):
    a mediator's is saved; the same body from a visitor or a citizen is refused unread (413),
    the larger limit being the mediators' only."""
    project = factories.project("consultation")
    db.session.commit()
    data = _workshop_at_its_maximum(project.id)
    # With CSRF on, as in production: its check reads the form before the view refuses.
    protected = request.getfixturevalue("production_like")
    for client in (protected.test_client(), login(protected.test_client(), factories.user())):
        assert_413_page(client.post("/mediation/ateliers/nouveau", data=data))
    mediator = as_role("citizen", "mediator")
    response = mediator.post("/mediation/ateliers/nouveau", data=data)
    assert response.status_code == 302, text(response)[:2000]
    sent = response.request.content_length
    assert app.config["MAX_CONTENT_LENGTH"] < sent <= app.config["MAX_CONTENT_LENGTH_LARGE_FORMS"]
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == MAX_ROWS
