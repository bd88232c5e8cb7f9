"""core/language.language(): the identifier of the language being made, as
str(flask_babel.get_locale()) gives it, a mail in another language (force_locale) included."""

from __future__ import annotations

from flask import session
from flask_babel import force_locale, get_locale

from consultation.core.language import language


def test_outside_an_app_context_it_is_french() -> None:
    assert language() == "fr"


def test_it_is_the_language_of_the_request(app) -> None:
    # Each request has an app context (and a `g`) of its own, as a served request has.
    with app.app_context(), app.test_request_context("/"):
        assert language() == "fr" == str(get_locale())
    with app.app_context(), app.test_request_context("/"):
        session["lang"] = "en"
        assert language() == "en" == str(get_locale())
        assert language() == "en"  # asked again: the same, from what Flask-Babel keeps


def test_a_forced_language_is_followed_and_left(app) -> None:
    with app.test_request_context("/"):
        assert language() == "fr"
        with force_locale("en"):
            assert language() == "en" == str(get_locale())
        assert language() == "fr"
        with force_locale("en"):  # a new Locale object each time: still its language
            assert language() == "en"


def test_a_job_in_an_app_context_has_the_default(app) -> None:
    with app.app_context():
        assert language() == str(get_locale()) == "fr"
