"""The request's life as consultation/pipeline.py states it: the stages in the order they run,
and no hook registered anywhere else."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import CheckConstraint

from consultation import create_app
from consultation.core import db as transaction
from consultation.core import outbox
from consultation.extensions import db
from tests import factories

PACKAGE = Path(__file__).resolve().parents[2] / "consultation"

# Our stages, in the order they run; the extensions' hooks (CSRF, rate limits, compression,
# remember-me cookie, SQLAlchemy's session, Flask's own context) run before ours before the
# view, after ours after it.
BEFORE = ["refuse_undecodable_query", "check_acting", "end_idle_sessions", "serve_from_memory"]
AFTER = ["remember_page", "leave_nothing", "forget_shown", "commit_request", "cors_headers",
         "security_headers"]
TEARDOWN = ["dispatch_left_over"]
CONTEXT = ["acting_banner", "kiosk_context"]


def ours(func: Any) -> bool:
    """True for a hook of the platform, False for an extension's (one the platform adapts,
    extensions.ConditionalCompress's, is still the extension's and runs where it does)."""
    owner = getattr(func, "__self__", None)
    if owner is not None and any(not base.__module__.startswith(("consultation", "builtins"))
                                 for base in type(owner).__mro__):
        return False
    return getattr(func, "__module__", "").startswith("consultation")


def in_running_order(app: Flask) -> dict[str, list[Any]]:
    """Every hook of the app by kind, in the order Flask runs them."""
    for hooks in (app.before_request_funcs, app.after_request_funcs,
                  app.teardown_request_funcs, app.template_context_processors):
        assert not any(ours(func) for key, funcs in hooks.items() if key is not None
                       for func in funcs), "a blueprint registers a hook of its own"
    return {
        "before": list(app.before_request_funcs[None]),
        "after": list(reversed(app.after_request_funcs[None])),
        "teardown": list(reversed(app.teardown_appcontext_funcs)),
        "context": list(app.template_context_processors[None]),
    }


def stages(app: Flask) -> dict[str, list[str]]:
    """The names of our hooks by kind, in running order; the extensions' must all run before
    ours (before the view, context) or after them (after the view, teardown)."""
    found = {}
    for kind, funcs in in_running_order(app).items():
        mine = [ours(func) for func in funcs]
        if kind in ("before", "context"):
            assert mine == sorted(mine), f"{kind}: an extension's hook runs among ours"
        else:
            assert mine == sorted(mine, reverse=True), f"{kind}: an extension's hook among ours"
        found[kind] = [func.__name__ for func in funcs if ours(func)]
    assert not any(ours(func) for func in app.teardown_request_funcs.get(None, []))
    return found


def test_the_stages_run_in_the_order_the_pipeline_states(app: Flask) -> None:
    assert stages(app) == {
        "before": BEFORE, "after": AFTER, "teardown": TEARDOWN, "context": CONTEXT,
    }


def test_the_extensions_hooks_stay_outside_ours(app: Flask) -> None:
    """With the rate limits on, their check runs before our stages and their headers after."""
    limited = create_app({**app.config, "RATELIMIT_ENABLED": True})
    order = in_running_order(limited)
    assert [f.__name__ for f in order["before"]][:2] == ["csrf_protect", "_check_request_limit"]
    assert stages(limited) == stages(app)


def test_the_query_count_comes_first_after_the_view(app: Flask) -> None:
    """With QUERY_COUNT_HEADER the count is written before the commit, which it leaves out."""
    counted = create_app({**app.config, "QUERY_COUNT_HEADER": True})
    assert stages(counted)["after"] == ["query_count_header", *AFTER]
    response = counted.test_client().get("/projets")
    assert int(response.headers["X-Query-Count"]) > 0
    assert "X-Query-Count" not in app.test_client().get("/projets").headers


HOOK = re.compile(
    r"(?<!super\(\))\.(before_request|after_request|before_app_request|after_app_request"
    r"|teardown_request|teardown_appcontext|teardown_app_request|context_processor|app_context_processor"
    r"|user_loaded_from_request)\b"
    r"|\b(user_logged_in|user_logged_out|request_started|request_finished"
    r"|got_request_exception|request_tearing_down|appcontext_tearing_down)\.connect\b"
    r"|\bafter_this_request\b"
)


def test_only_the_pipeline_registers_request_hooks() -> None:
    """A hook added anywhere else would run at a place nobody reads: add a stage to
    consultation/pipeline.py instead."""
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "pipeline.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if HOOK.search(line)
    ]
    assert found == []
    assert HOOK.search("    @app.after_request")  # the scan does find a hook
    assert HOOK.search("@bp.before_app_request")
    assert HOOK.search("user_logged_in.connect(_forget)")
    assert not HOOK.search("super().after_request(response)")  # an override calling its own


def test_every_stage_says_what_it_does(app: Flask) -> None:
    from consultation import pipeline

    for stage in [*pipeline.before_view(), *pipeline.after_view(app)]:
        assert stage.__doc__ and stage.__doc__.strip(), stage.__name__


def emails() -> set[str]:
    """The addresses of the accounts in the database now."""
    from consultation.accounts.models import User

    db.session.rollback()
    return set(db.session.scalars(db.select(User.email)))


def test_the_boundary_commits_once_unless_abandoned_or_an_error(app: Flask) -> None:
    """A refusal shown as a 200 page (form errors) writes nothing, nor does an error status;
    any other response commits."""
    cases = [("abandonne@exemple.fr", True, 200), ("erreur@exemple.fr", False, 409),
             ("garde@exemple.fr", False, 200)]
    for email, abandoned, status in cases:
        with app.app_context(), app.test_request_context("/"):  # a request of its own
            factories.user(email=email)
            db.session.flush()
            if abandoned:
                transaction.abandon_request()
            assert transaction.request_abandoned() is abandoned
            response = transaction.commit_request(app.response_class("", status=status))
            assert response.status_code == status
    assert emails() & {email for email, *_ in cases} == {"garde@exemple.fr"}


def test_job_states_are_the_constraint_of_the_outbox(app: Flask) -> None:
    """The states written once, in JobState: the check constraint says the same."""
    constraint = next(c for c in outbox.QueuedJob.__table__.constraints
                      if isinstance(c, CheckConstraint) and c.name == "ck_job_outbox_state")
    assert str(constraint.sqltext) == "state IN ('pending', 'sent', 'failed')"
    assert [str(state) for state in outbox.JobState] == ["pending", "sent", "failed"]


def test_nothing_flask_calls_is_a_coroutine(app: Flask) -> None:
    """The app calls its views, hooks, context processors and error handlers as they are
    (`Platform.ensure_sync`): an `async def` among them would return a coroutine unrun."""
    from inspect import iscoroutinefunction

    called: list[Any] = list(app.view_functions.values())
    for registry in (app.before_request_funcs, app.after_request_funcs,
                     app.teardown_request_funcs, app.template_context_processors,
                     app.url_value_preprocessors, app.url_default_functions):
        for functions in registry.values():
            called.extend(functions)
    called.extend(app.teardown_appcontext_funcs)
    for handlers in app.error_handler_spec.values():
        for by_class in handlers.values():
            called.extend(by_class.values())
    assert len(called) > 100
    assert not [f for f in called if iscoroutinefunction(f)]
    with app.test_request_context():
        assert app.ensure_sync(len) is len
