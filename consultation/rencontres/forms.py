"""The edition form."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import Length, NumberRange

from consultation.core.forms import STRIP, CheckboxListField, Form, markdown_field, required


class EditionForm(Form):
    """Year, date, venue, programme and the syntheses the edition gathers."""

    year = IntegerField(
        _l("Année"),
        validators=[
            required(_l("Indiquez l'année de l'édition, en chiffres (par exemple 2026).")),
            NumberRange(2000, 2999, _l("L'année doit être comprise entre 2000 et 2999.")),
        ],
    )
    title = StringField(
        _l("Titre"),
        validators=[required(), Length(max=200, message=_l("200 caractères au maximum."))],
        filters=STRIP,
    )
    held_on = DateField(
        _l("Date de l'événement"),
        validators=[required(_l("Indiquez la date au format aaaa-mm-jj."))],
        format="%Y-%m-%d",
        description=_l("Au format aaaa-mm-jj, par exemple 2026-12-04."),
    )
    venue = StringField(
        _l("Lieu"),
        validators=[required(), Length(max=300, message=_l("300 caractères au maximum."))],
        filters=STRIP,
    )
    programme = markdown_field(
        _l("Programme"), 20_000, required=False, description=_l("En markdown.")
    )
    syntheses = CheckboxListField(_l("Synthèses rassemblées"), coerce=int)
