"""The consultation platform of Brest métropole: create_app() builds the Flask application."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from babel import Locale
from flask import Flask, has_request_context
from sqlalchemy import bindparam, func, make_url, select

from consultation import config as config_module
from consultation.core import drivers
from consultation.core.context import person, this_session
from consultation.extensions import babel, compress, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


class Platform(Flask):
    """The platform's Flask app: every view, hook and handler is a plain function (a test
    checks it), so Flask need not ask of each, on every request, whether it is a coroutine."""

    def ensure_sync(self, func: Any) -> Any:
        """`func` itself: nothing here is `async def`."""
        return func


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then environment, then overrides."""
    app = Platform(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from consultation.core.templating import Environment

    app.jinja_environment = Environment  # before anything makes app.jinja_env
    app.config.from_object(config_module.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config_module.from_environment())
    app.config.update(overrides or {})
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    _configure_database(app)
    from consultation.core import security
    from consultation.core.sessions import CookieSessions

    app.session_interface = CookieSessions()

    security.init_app(app)  # first: refuses to start in production without a real SECRET_KEY

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    from consultation.core.fragments import csrf_token

    app.jinja_env.globals["csrf_token"] = csrf_token  # signed once per session and worker
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    compress.init_app(app)

    from consultation.core import (
        assets,
        errors,
        http,
        jobs,
        mail,  # noqa: F401  (its table joins the metadata)
        ratelimits,
        sharing,
        templating,
    )

    ratelimits.init_app(app)
    http.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            drivers.tune_sqlite(engine)
        elif engine.dialect.driver == "psycopg":
            drivers.watch_psycopg(engine)
    jobs.init_app(app)
    errors.register_error_handlers(app)
    templating.init_app(app)
    assets.init_app(app)
    sharing.init_app(app)
    from consultation.core.http import IdConverter

    app.url_map.converters["id"] = IdConverter
    _register_blueprints(app)
    _register_template_globals(app)
    _register_user_loader()
    from consultation import pipeline
    from consultation.core import fragments, pagecache

    pagecache.init_app(app, _select_language)
    fragments.init_app(app)
    fragments.listen()
    # Every request hook, in the order of a request's life: read consultation/pipeline.py.
    pipeline.init_app(app)
    return app


def _configure_database(app: Flask) -> None:
    uri: str = app.config["SQLALCHEMY_DATABASE_URI"]
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", drivers.sqlite_connect_args())
        if uri.startswith("sqlite:///") and ":memory:" not in uri:
            Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    elif make_url(uri).get_driver_name() != "psycopg":
        options.setdefault("pool_pre_ping", True)  # psycopg's are watched (drivers.watch_psycopg)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


# The languages of the site, parsed once: Flask-Babel parses what its selector gives for each
# request, and takes a Locale as it is.
_LOCALES = {language: Locale.parse(language) for language in ("fr", "en")}


def _select_language() -> str:
    """The language of the request: the one chosen, the person's, or French."""
    if not has_request_context():
        return "fr"
    chosen = this_session().get("lang")
    if chosen in _LOCALES:
        return str(chosen)
    user = person()
    if user and user.is_authenticated and user.locale in _LOCALES:
        return str(user.locale)
    return "fr"


def _select_locale() -> str:
    """The request's language for Flask-Babel, as its Locale (Flask-Babel's types say str)."""
    return cast(str, _LOCALES[_select_language()])


def _register_blueprints(app: Flask) -> None:
    from consultation import api
    from consultation.accounts import bp as accounts_bp
    from consultation.accounts.cli import users_cli
    from consultation.comments import bp as comments_bp
    from consultation.demo.cli import demo_cli
    from consultation.elected import bp as elected_bp
    from consultation.followup import bp as followup_bp
    from consultation.main import bp as main_bp
    from consultation.mediation import bp as mediation_bp
    from consultation.moderation import bp as moderation_bp
    from consultation.notifications import bp as notifications_bp
    from consultation.notifications.cli import notifications_cli
    from consultation.opendata import bp as opendata_bp
    from consultation.opendata.cli import opendata_cli
    from consultation.opinions import bp as opinions_bp
    from consultation.opinions.cli import opinions_cli
    from consultation.projects import bp as projects_bp
    from consultation.proposals import bp as proposals_bp
    from consultation.reference import bp as reference_bp
    from consultation.rencontres import bp as rencontres_bp
    from consultation.rencontres.cli import rencontres_cli
    from consultation.search import bp as search_bp
    from consultation.search.cli import search_cli
    from consultation.syntheses import bp as syntheses_bp
    from consultation.syntheses.cli import syntheses_cli
    from consultation.votes import bp as votes_bp

    for blueprint in (main_bp, accounts_bp, projects_bp, proposals_bp, comments_bp, votes_bp,
                      moderation_bp, syntheses_bp, rencontres_bp, reference_bp, mediation_bp,
                      notifications_bp, elected_bp, followup_bp, search_bp, opendata_bp,
                      opinions_bp):
        app.register_blueprint(blueprint)
    api.init_app(app)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(syntheses_cli)
    app.cli.add_command(rencontres_cli)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(opendata_cli)
    app.cli.add_command(opinions_cli)


def _register_template_globals(app: Flask) -> None:
    from consultation.accounts.models import ROLE_LABELS
    from consultation.core import chrome, notices
    from consultation.notifications.services import header_unread
    from consultation.reference.services import territory_name

    # The header's unread count: a function the template calls for logged-in people only, at
    # most one indexed query per request (not a request hook: anonymous pages send none).
    app.jinja_env.globals.update(territory_name=territory_name, ROLE_LABELS=ROLE_LABELS,
                                 unread_notifications=header_unread,
                                 page_messages=notices.messages)
    # The chrome of every page, kept: its unread count is filled in per person (one query).
    chrome.init_app(app, unread=header_unread)


def _register_user_loader() -> None:
    from consultation.accounts.models import User, UserRole
    from consultation.core import pages
    from consultation.core.db import Columns, comma_list, run_first
    from consultation.notifications.models import Notification
    from consultation.notifications.services import unread_known

    # The person, their roles and their unread count (which the header of every page shows)
    # in one statement, built once: every logged-in request runs it, and a constant statement
    # is compiled once and found in SQLAlchemy's cache after.
    unread = (
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .correlate(User).scalar_subquery()
    )
    roles = (
        select(comma_list(UserRole.role))
        .where(UserRole.user_id == User.id).correlate(User).scalar_subquery()
    )
    # The person's columns, made into the person by as_loaded: the ORM's loading of an entity
    # is set up again at each execution. A page that reads the person with its target reads
    # these same columns (core/pages.py read_with_facts).
    person_columns = Columns(User, "person_")
    by_id = select(*person_columns.columns, unread, roles).where(
        User.id == bindparam("user_id"))
    # A page that reads the person's facts with its own statement reads them there too.
    pages.read_person_with(person_columns, unread, roles)

    @login_manager.user_loader
    def load_user(token: str) -> User | None:
        """Load the user of the session; a stale nonce (password changed) or a deleted account
        ends the session."""
        user_id, _, nonce = token.partition(":")
        if not user_id.isdigit():
            return None
        read = pages.person_read(int(user_id))
        if read is None:
            row = run_first(by_id, {"user_id": int(user_id)})  # by its primary key
            if row is None:
                return None
            read = (person_columns.made(db.session(), row), *row[len(person_columns.columns):])
        user, count, names = read
        if user is None:  # the page's statement found no such account
            return None
        if user.is_deleted or user.session_nonce != nonce:
            return None
        user.knows_roles(names)
        unread_known(int(count or 0))
        return user
