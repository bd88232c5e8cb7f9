"""Forms of the notifications: a person's email settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3
from wtforms.validators import AnyOf, InputRequired

from consultation.core.forms import Form
from consultation.notifications.models import EmailFrequency

FREQUENCY_LABELS = {
    EmailFrequency.IMMEDIATE: _l("Un courriel à chaque notification"),
    EmailFrequency.DAILY: _l("Un résumé par jour (le matin)"),
    EmailFrequency.WEEKLY: _l("Un résumé par semaine (le lundi matin)"),
    EmailFrequency.NONE: _l("Aucun courriel (les notifications restent visibles sur le site)"),
}


FREQUENCY_MESSAGE = _l("Choisissez l'une des fréquences proposées.")


class SettingsForm(Form):
    """How often to be emailed, and whether to follow what one takes part in."""

    email_frequency = RadioField(
        _l("Recevoir mes notifications par courriel"),
        choices=[SelectChoice(value.value, label) for value, label in FREQUENCY_LABELS.items()],
        # An unknown value gets the same French message, not WTForms' generic one.
        validate_choice=False,
        validators=[InputRequired(message=FREQUENCY_MESSAGE),
                    AnyOf(tuple(EmailFrequency), message=FREQUENCY_MESSAGE)],
    )
    auto_follow = BooleanField(
        _l("Suivre automatiquement les propositions que je dépose, commente ou soutiens")
    )
