"""The comment form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from consultation.core.forms import markdown_field, required
from consultation.core.templating import STANCE_LABELS


class CommentForm(FlaskForm):
    """A stance and a text."""

    stance = RadioField(
        _l("Votre position"),
        choices=[SelectChoice(value, label) for value, label in STANCE_LABELS.items()],
        default="neutre",
        validators=[required(_l("Choisissez pour, contre ou neutre."))],
    )
    body = markdown_field(_l("Votre commentaire"), 5_000)
