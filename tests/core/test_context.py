"""core/context: the request's own objects instead of Flask's proxies, and the logged-in person
as Flask-Login has them (loaded on first use, replaced by a login or a logout)."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request, session
from flask_login import AnonymousUserMixin, current_user, login_user, logout_user

from consultation.core import context
from tests import factories


def test_the_objects_are_those_the_proxies_stand_for(app) -> None:
    with app.test_request_context("/"):
        assert context.here() is g._get_current_object()
        assert context.app() is current_app._get_current_object()  # type: ignore[attr-defined]
        assert context.this_request() is request._get_current_object()  # type: ignore[attr-defined]
        assert context.this_session() is session._get_current_object()  # type: ignore[attr-defined]
        context.here().seen = 1
        assert g.seen == 1


def test_the_person_follows_login_and_logout(app) -> None:
    citizen = factories.user()
    with app.test_request_context("/"):
        assert isinstance(context.person(), AnonymousUserMixin)  # loaded on first use: nobody
        login_user(citizen)
        assert context.person() is citizen is current_user._get_current_object()
        logout_user()
        assert isinstance(context.person(), AnonymousUserMixin)
        assert context.person() is current_user._get_current_object()


def test_outside_a_request_there_is_no_person(app) -> None:
    assert context.person() is None  # as Flask-Login's current_user outside a request


def test_given_is_what_get_gives_without_its_exception(app, monkeypatch) -> None:
    """`given` answers as MultiDict.get (the first value of a repeated key, the default for a
    missing one) and never builds Werkzeug's BadRequestKeyError for a missing key."""
    from werkzeug import exceptions

    with app.test_request_context("/?page=2&page=3&vide=", headers={"Cookie": "a=1"}):
        asked = context.this_request()
        made: list[object] = []
        real_init = exceptions.BadRequestKeyError.__init__

        def counted(self: Any, *args: Any, **kwargs: Any) -> None:
            made.append(args)
            real_init(self, *args, **kwargs)

        monkeypatch.setattr(exceptions.BadRequestKeyError, "__init__", counted)
        for values, key, default in ((asked.args, "page", None), (asked.args, "vide", "x"),
                                     (asked.args, "absent", "1"), (asked.cookies, "a", None),
                                     (asked.cookies, "b", None), (asked.form, "next", None)):
            assert context.given(values, key, default) == values.get(key, default)
        assert context.given(asked.args, "page") == "2"
        assert context.given(asked.args, "vide", "x") == ""
        assert context.given(asked.args, "absent", "1") == "1"
        made.clear()
        context.given(asked.args, "absent")
        context.given(asked.cookies, "b")
        assert made == []
        asked.args.get("absent")  # what it avoids
        assert made
