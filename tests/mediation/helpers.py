"""Helpers of the mediation tests: participants, acting sessions and their clock."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from consultation.core.models import today
from consultation.extensions import db
from consultation.mediation import services
from consultation.mediation.models import AssistedProfile

REFERENCE = "Formulaire n° 2026-014"


def participant(mediator: Any, name: str = "Yvonne Le Bihan", **kwargs: Any) -> AssistedProfile:
    """An assisted participant registered by `mediator` with a recorded consent."""
    profile = services.register_participant(
        mediator, name, kwargs.pop("commune", None), kwargs.pop("age_bracket", "75_plus"),
        kwargs.pop("reference", REFERENCE), kwargs.pop("consented_on", today()),
    )
    db.session.commit()
    return profile


def start_acting(client: FlaskClient, profile: AssistedProfile) -> Any:
    """Start acting for the participant through the page's button (and read the page it leads
    to, which shows the flashed confirmation)."""
    response = client.post(f"/mediation/participants/{profile.user_id}/agir")
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"])


def acting_state(client: FlaskClient) -> dict[str, Any] | None:
    """The acting session stored in the client's session cookie."""
    with client.session_transaction() as session:
        return session.get(services.SESSION_KEY)


def shift_clock(client: FlaskClient, seconds: float) -> None:
    """Move the end of the acting session (negative: into the past), without sleeping."""
    with client.session_transaction() as session:
        state = dict(session[services.SESSION_KEY])
        state["until"] += seconds
        session[services.SESSION_KEY] = state


def expire(client: FlaskClient) -> None:
    """End the acting session as if its 30 minutes had passed a second ago."""
    with client.session_transaction() as session:
        state = dict(session[services.SESSION_KEY])
        state["until"] = services.utcnow().timestamp() - 1
        session[services.SESSION_KEY] = state
