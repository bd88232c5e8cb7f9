"""Town-hall terminals: kiosk mode by setting or by /borne, idle sessions end (announced, and a
form sent too late given back as typed to its own submission only), one button ends a session,
nothing of the previous person remains while the person's fields keep their autocomplete token,
larger pages, a page memory of their own."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from consultation import create_app
from consultation.core import kiosk
from consultation.extensions import db
from consultation.proposals.models import Proposal
from tests import factories
from tests.conftest import IsolatedClient, login
from tests.forms import form_of
from tests.proposals.helpers import text
from tests.test_pages import check_page

IDLE_MESSAGE = "Votre session a pris fin après 5 minutes sans activité."
KEPT_MESSAGE = "Votre session a pris fin\u00a0; reconnectez-vous pour envoyer."
ANNOUNCED = ("Poste public\u00a0: après 5 minutes sans activité, la session se termine et "
             "l'écran revient à l'accueil.")
ENDED_MESSAGE = "Session terminée\u00a0: vous pouvez laisser le poste à la personne suivante."


def terminal(app: Flask):
    """A browser that opened /borne."""
    client = app.test_client()
    response = client.get("/borne")
    assert response.status_code == 302
    return client


def cookie(client, name: str):
    """A cookie the client holds, or None."""
    return client.get_cookie(name)


def seen_minutes_ago(client, minutes: float) -> None:
    """Pretend the last request came `minutes` ago."""
    with client.session_transaction() as session:
        session[kiosk.SEEN] = time.time() - minutes * 60


def logged_in(client) -> bool:
    """True when the session carries a logged-in user."""
    with client.session_transaction() as session:
        return "_user_id" in session


def test_borne_sets_a_long_lived_cookie_of_its_own(app):
    """/borne leaves `kiosk=1` for 400 days, apart from the session; pages become kiosk pages."""
    client = app.test_client()
    response = client.get("/borne")
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("kiosk="))
    assert "kiosk=1" in header and "Max-Age=34560000" in header and "HttpOnly" in header
    page = text(client.get("/"))
    assert '<body class="kiosk"' in page
    assert "Ce poste est une borne partagée" in page
    assert "Terminer ma session" in page
    assert '<body class="kiosk"' not in text(app.test_client().get("/"))


def test_the_setting_makes_every_browser_a_kiosk(app):
    """KIOSK_MODE=1: no cookie needed; quitting is refused with a French reason."""
    app.config.update(KIOSK_MODE=True)
    client = app.test_client()
    assert '<body class="kiosk"' in text(client.get("/projets"))
    admin = factories.user(roles=("admin",))
    db.session.commit()
    login(client, admin)
    response = client.get("/borne/quitter", follow_redirects=True)
    assert "Le mode borne est imposé à tout le site par sa configuration" in text(response)
    assert '<body class="kiosk"' in text(response)


def test_no_remember_me_and_only_a_session_cookie(app):
    """On a kiosk the login form has no "remember me", and a forged one is ignored."""
    user = factories.user(email="borne@exemple.fr")
    db.session.commit()
    client = terminal(app)
    page = text(client.get("/compte/connexion"))
    assert 'name="remember"' not in page
    # WCAG 1.3.5: the person's own fields say what they are, on a terminal too.
    assert tokens(page) == {"email": "email", "password": "current-password"}
    response = client.post("/compte/connexion", data={
        "email": "borne@exemple.fr", "password": factories.PASSWORD, "remember": "y"})
    assert response.status_code == 302 and logged_in(client)
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith("remember_token=") for c in cookies)
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "Expires=" not in session_cookie and "Max-Age" not in session_cookie
    del user
    # Elsewhere, "remember me" still works as before.
    ordinary = app.test_client()
    assert 'name="remember"' in text(ordinary.get("/compte/connexion"))


def test_an_idle_session_ends_with_a_message(app):
    """After KIOSK_IDLE_MINUTES without a request, the next request finds nobody logged in."""
    user = factories.user()
    db.session.commit()
    client = terminal(app)
    login(client, user)
    client.get("/projets")
    seen_minutes_ago(client, 4)
    assert client.get("/projets").status_code == 200 and logged_in(client)  # not yet
    seen_minutes_ago(client, 6)
    response = client.get("/compte/profil")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert not logged_in(client)
    page = text(client.get("/"))
    assert IDLE_MESSAGE in page
    assert cookie(client, "kiosk") is not None  # still a terminal


def test_an_idle_post_is_not_carried_out(app):
    """A form sent after the idle delay is done for nobody: the session ends first; the answer
    gives the text back to that submission only, and shows nothing of the account."""
    author = factories.user(display_name="Maëlle Kerjean")
    proposal = factories.proposal(factories.project("consultation"))
    db.session.commit()
    client = terminal(app)
    login(client, author)
    seen_minutes_ago(client, 10)
    response = client.post(f"/propositions/{proposal.id}/commentaires",
                           data={"stance": "pour", "body": "Laissé par la personne d'avant."})
    assert response.status_code == 409
    page = text(response)
    assert KEPT_MESSAGE in page and IDLE_MESSAGE in page
    assert '<input type="hidden" name="body" value="Laissé par la personne d&#39;avant.">' in (
        response.get_data(as_text=True))
    assert "Maëlle Kerjean" not in page and str(author.email) not in page
    assert not logged_in(client)
    assert "Laissé par la personne d'avant." not in text(client.get(f"/propositions/{proposal.id}"))
    # Nothing of it stays anywhere: the next page, or the next person, finds none of it.
    with client.session_transaction() as session:
        assert "Laissé" not in str(dict(session))
    assert "Laissé par la personne d'avant." not in text(client.get("/"))


def test_a_proposal_typed_past_the_delay_is_sent_once_logged_in_again(app):
    """Without JavaScript, a proposal sent after the delay comes back as typed, with the
    login form; logging in there sends it, under the account that logged in."""
    author = factories.user(email="lente@exemple.fr")
    project = factories.project("consultation")
    db.session.commit()
    client = terminal(app)
    login(client, author)
    page = text(client.get(f"/projets/{project.slug}/propositions/nouvelle"))
    assert ANNOUNCED in page and 'http-equiv="refresh"' not in page
    seen_minutes_ago(client, 8)
    typed = {"title": "Des toilettes publiques au port",
             "body": "Près du ponton.\r\nOuvertes la nuit aussi.", "territory": ""}
    response = client.post(f"/projets/{project.slug}/propositions/nouvelle", data=typed)
    assert response.status_code == 409 and not logged_in(client)
    page = response.get_data(as_text=True)
    check_page("/projets/…/propositions/nouvelle (sent too late)", page)
    assert KEPT_MESSAGE in text(response) and "Près du ponton." in page
    assert 'autocomplete="email"' in page and 'autocomplete="current-password"' in page
    db.session.commit()
    assert db.session.scalars(select(Proposal).where(Proposal.title == typed["title"])).all() == []

    action, _method, again = form_of(response, "Me reconnecter et envoyer",
                                     {"email": "lente@exemple.fr", "password": factories.PASSWORD})
    assert action is not None and action.startswith("/compte/connexion?next=")
    response = client.post(action, data=again)
    assert response.status_code == 307
    assert response.headers["Location"] == f"/projets/{project.slug}/propositions/nouvelle"
    response = client.post(response.headers["Location"], data=again)  # the same body again
    assert response.status_code == 302, text(response)
    db.session.commit()
    made = db.session.scalars(select(Proposal).where(Proposal.title == typed["title"])).one()
    assert made.author_id == author.id and "Ouvertes la nuit aussi." in made.body


def test_secrets_are_never_sent_back(app):
    """A password change sent after the delay comes back without any of its passwords."""
    user = factories.user()
    db.session.commit()
    client = terminal(app)
    login(client, user)
    seen_minutes_ago(client, 6)
    response = client.post("/compte/mot-de-passe", data={
        "current": "Ancien-secret-4521", "password": "Nouveau-secret-9876",
        "confirm": "Nouveau-secret-9876"})
    page = response.get_data(as_text=True)
    assert "secret" not in page and not logged_in(client)


def test_after_the_delay_logging_in_goes_through_and_a_visitor_is_sent_home(app):
    """Logging in after the delay needs nothing of the session that ended; a visitor logged
    in as nobody has nothing to keep, and goes back to the start."""
    factories.user(email="retour@exemple.fr")
    db.session.commit()
    client = terminal(app)
    client.get("/projets")
    seen_minutes_ago(client, 7)
    response = client.post("/compte/connexion", data={
        "email": "retour@exemple.fr", "password": factories.PASSWORD})
    assert response.status_code == 302 and logged_in(client)
    proposal = factories.proposal()
    db.session.commit()
    visitor = terminal(app)
    visitor.get("/projets")
    seen_minutes_ago(visitor, 7)
    response = visitor.post(f"/propositions/{proposal.id}/commentaires",
                            data={"stance": "pour", "body": "Sans compte."})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_no_kiosk_page_refreshes_itself_and_every_one_announces_the_limit(app):
    """No meta refresh on any kiosk page (WCAG 2.2.1); the limit is said in text on each."""
    user = factories.user()
    project = factories.project("consultation")
    proposal = factories.proposal(project)
    db.session.commit()
    client = terminal(app)
    urls = ["/", "/projets", f"/projets/{project.slug}", f"/propositions/{proposal.id}",
            "/compte/connexion", "/compte/inscription"]
    for url in urls:
        page = text(client.get(url))
        assert 'http-equiv="refresh"' not in page and ANNOUNCED in page, url
    login(client, user)
    for url in [*urls[:4], f"/projets/{project.slug}/propositions/nouvelle", "/compte/profil"]:
        page = text(client.get(url))
        assert 'http-equiv="refresh"' not in page and ANNOUNCED in page, url
        assert "Je suis encore là" in page, url


def test_the_idle_delay_is_a_setting(app):
    """KIOSK_IDLE_MINUTES sets the delay and the message; the page's timer (static/kiosk.js)
    counts it and leads to /borne/fin, with a warning that lets the person continue."""
    app.config.update(KIOSK_IDLE_MINUTES=2)
    user = factories.user()
    db.session.commit()
    client = terminal(app)
    login(client, user)
    page = text(client.get("/projets"))
    assert 'data-kiosk-idle="120" data-kiosk-end="/borne/fin" data-kiosk-alive="/healthz"' in page
    assert '<script src="/static/kiosk.js" defer></script>' in page
    assert 'id="kiosk-warning"' in page and "Je suis encore là" in page
    assert 'http-equiv="refresh"' not in page
    seen_minutes_ago(client, 2.5)
    client.get("/projets")
    assert not logged_in(client)
    assert "Votre session a pris fin après 2 minutes sans activité." in text(client.get("/"))


def test_the_refresh_target_ends_the_session(app):
    """/borne/fin, where an idle page leads, logs out and goes back to the start."""
    user = factories.user()
    db.session.commit()
    client = terminal(app)
    login(client, user)
    client.get("/projets")
    response = client.get("/borne/fin")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert not logged_in(client)
    assert IDLE_MESSAGE in text(client.get("/"))
    # The start page with nobody on it has no timer.
    assert "kiosk.js" not in text(client.get("/"))


def test_terminer_ma_session_forgets_the_person_and_keeps_the_terminal(app):
    """A POST with its CSRF token: logged out, session emptied, the browser's stores cleared,
    the kiosk cookie kept, a French message for the next person."""
    app.config.update(WTF_CSRF_ENABLED=True)
    user = factories.user()
    db.session.commit()
    client = terminal(app)
    login(client, user)
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = text(client.get("/projets"))
    found = re.search(r'action="/borne/terminer"[^>]*>\s*<input type="hidden" '
                      r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    token = found.group(1)
    assert client.post("/borne/terminer").status_code == 400  # no token, no action
    response = client.post("/borne/terminer", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert not any(c.startswith("kiosk=") for c in response.headers.getlist("Set-Cookie"))
    with client.session_transaction() as session:
        assert "_user_id" not in session and "lang" not in session
    assert cookie(client, "kiosk") is not None
    home = text(client.get("/"))
    assert ENDED_MESSAGE in home and '<html lang="fr">' in home and '<body class="kiosk"' in home


def test_nothing_is_stored_and_forms_do_not_autofill(app):
    """Every kiosk response says no-store; every form refuses autofill for what people write,
    while the person's own fields keep their token (WCAG 1.3.5)."""
    user = factories.user()
    db.session.commit()
    client = terminal(app)
    for url in ("/", "/projets", "/compte/inscription", "/accessibilite", "/nulle-part"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        page = text(response)
        forms = re.findall(r"<form\b[^>]*>", page)
        assert forms and all('autocomplete="off"' in form for form in forms), url
    assert tokens(text(client.get("/compte/inscription"))) == ORDINARY_REGISTER
    login(client, user)
    profile = text(client.get("/compte/profil"))
    assert 'autocomplete="off"' in profile
    assert tokens(profile) == tokens(text(login(app.test_client(), user).get("/compte/profil")))
    assert tokens(profile)["profil-display_name"] == "nickname"
    assert tokens(profile)["mdp-current"] == "current-password"
    project = factories.project("consultation")
    db.session.commit()
    form = text(client.get(f"/projets/{project.slug}/propositions/nouvelle"))
    assert tokens(form) == {"title": "off", "body": "off", "territory": "off"}
    assert "Cache-Control" not in app.test_client().get("/projets").headers or (
        app.test_client().get("/projets").headers["Cache-Control"] != "no-store")


ORDINARY_REGISTER = {"email": "email", "display_name": "nickname",
                     "commune": "address-level2", "password": "new-password",
                     "confirm": "new-password"}


def tokens(page: str) -> dict[str, str]:
    """name -> autocomplete of the page's fields that have one (the site search aside)."""
    found = {}
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
        name = re.search(r'\bname="([^"]+)"', tag)
        token = re.search(r'\bautocomplete="([^"]+)"', tag)
        if name and token and name.group(1) != "q":
            found[name.group(1)] = token.group(1)
    return found


def test_the_person_s_fields_carry_the_same_token_on_a_kiosk_and_elsewhere(app):
    """WCAG 1.3.5: email, passwords, name and commune say what they are on a terminal as on
    any browser (the terminal is kept safe by no-store, kiosk.js and its browser setup)."""
    for url in ("/compte/connexion", "/compte/inscription", "/compte/mot-de-passe-oublie",
                "/compte/reclamer"):
        elsewhere = tokens(text(app.test_client().get(url)))
        assert elsewhere and tokens(text(terminal(app).get(url))) == elsewhere, url
    assert tokens(text(terminal(app).get("/compte/inscription"))) == ORDINARY_REGISTER


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
FORM_TAG = re.compile(r"<form\b[^>]*>")


def test_every_form_of_the_templates_refuses_autofill_on_a_kiosk():
    """Every <form> tag ends with {{ no_autofill() }}: a form added without it fails here."""
    missing = [
        f"{path.relative_to(TEMPLATES)}: {tag}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for tag in FORM_TAG.findall(path.read_text())
        if not tag.endswith("{{ no_autofill() }}>")
    ]
    assert missing == []
    assert len(FORM_TAG.findall((TEMPLATES / "base.html").read_text())) >= 3  # the scan finds


def test_forms_elsewhere_may_autofill(app):
    """Off a terminal, no form refuses the browser's help."""
    page = text(app.test_client().get("/compte/inscription"))
    forms = re.findall(r"<form\b[^>]*>", page)
    assert forms and not any("autocomplete" in form for form in forms)


def test_quitting_is_for_mediators_and_admins(app, as_role):
    """A visitor is sent to log in, a citizen is refused; a mediator takes the browser back."""
    client = terminal(app)
    assert client.get("/borne/quitter").status_code == 302
    citizen = factories.user()
    db.session.commit()
    login(client, citizen)
    assert client.get("/borne/quitter").status_code == 403
    mediator = factories.user(roles=("mediator",))
    db.session.commit()
    login(client, mediator)
    response = client.get("/borne/quitter")
    assert response.status_code == 302
    assert any(c.startswith("kiosk=;") for c in response.headers.getlist("Set-Cookie"))
    page = text(client.get("/"))
    assert '<body class="kiosk"' not in page and "n'est plus une borne partagée" in page


def test_kiosk_pages_follow_the_site_rules(app):
    """Kiosk pages stay French, script-free and accessible (the site's page checks)."""
    client = terminal(app)
    client.get("/")
    for url in ("/", "/projets", "/compte/connexion", "/compte/inscription"):
        check_page(url, client.get(url).get_data(as_text=True))


@pytest.fixture
def cached(app: Flask) -> Flask:
    """A second app on the same database, with the page memory on."""
    other = create_app({**app.config, "PAGE_CACHE_SECONDS": 60})
    other.test_client_class = IsolatedClient
    return other


def test_the_page_memory_keeps_kiosk_and_ordinary_pages_apart(app, cached):
    """A kiosk page is never served to an ordinary visitor, nor the other way round."""
    factories.project(title="Un projet en mémoire")
    db.session.commit()
    ordinary = cached.test_client()
    assert '<body class="kiosk"' not in text(ordinary.get("/projets"))
    booth = terminal(cached)
    booth.get("/")
    assert '<body class="kiosk"' in text(booth.get("/projets"))
    assert '<body class="kiosk"' not in text(cached.test_client().get("/projets"))
    assert '<body class="kiosk"' in text(booth.get("/projets"))


def test_logging_out_on_a_terminal_forgets_everything_but_the_terminal(app):
    """"Se déconnecter" on a kiosk empties the session (language included), keeps kiosk mode."""
    user = factories.user()
    db.session.commit()
    client = terminal(app)
    login(client, user)
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert client.post("/compte/deconnexion").status_code == 302
    with client.session_transaction() as session:
        assert "_user_id" not in session and "lang" not in session
    assert '<body class="kiosk"' in text(client.get("/"))


def test_kept_forms_refuse_autofill_on_a_kiosk_only(app):
    """The forms kept for everyone (follow buttons, a synthesis's subscription:
    fragments.cached_form) are kept apart for a terminal, whose forms refuse autofill."""
    user = factories.user()
    proposal = factories.proposal()
    db.session.commit()
    urls = (f"/projets/{proposal.project.slug}", f"/propositions/{proposal.id}")
    for _ in range(2):  # the second time from the kept fragments
        ordinary = login(app.test_client(), user)
        on_terminal = login(terminal(app), user)
        for url in urls:
            assert 'autocomplete="off"' not in follow_form(text(ordinary.get(url)))
            assert 'autocomplete="off"' in follow_form(text(on_terminal.get(url)))


def follow_form(page: str) -> str:
    """The <form> tag of the page's follow button."""
    found = re.search(r"<form\b[^>]*>", page[page.index('<div class="follow">'):])
    assert found is not None
    return found.group(0)
