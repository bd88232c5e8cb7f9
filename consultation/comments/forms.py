"""The comment form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3
from wtforms.validators import AnyOf, InputRequired

from consultation.core.forms import Form, markdown_field
from consultation.core.templating import STANCE_LABELS
from consultation.proposals.models import Stance

STANCE_MESSAGE = _l("Choisissez pour, contre ou neutre.")


class CommentForm(Form):
    """A stance and a text."""

    class Meta:
        # CSRFProtect checks every POST's token before any view: the form's own field would
        # verify the same token a second time, and make one for nothing where the form is kept
        # (comments/_new_form.html puts the person's in).
        csrf = False

    # No stance is ticked until the person ticks one (a default would count as their opinion in
    # the balance reported to elected officials); a missing one is refused, and an unknown one
    # gets the same French message (not WTForms' generic one).
    stance = RadioField(
        _l("Votre position"),
        choices=[SelectChoice(stance, STANCE_LABELS[stance]) for stance in Stance],
        validate_choice=False,
        validators=[
            InputRequired(message=STANCE_MESSAGE),
            AnyOf(tuple(Stance), message=STANCE_MESSAGE),
        ],
    )
    body = markdown_field(_l("Votre commentaire"), 5_000)
