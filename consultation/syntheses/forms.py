"""The synthesis editor's form."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import Length

from consultation.core.forms import STRIP, Form, markdown_field
from consultation.syntheses.services import NARRATIVE_MAX


class SynthesisForm(Form):
    """The narrative, a note on what changed, and the choice to save or publish (confirmed)."""

    narrative = markdown_field(
        _l("Texte de la synthèse"),
        NARRATIVE_MAX,
        required=False,
        description=_l(
            "En markdown. Pour placer un bloc de chiffres, écrivez son nom seul sur une ligne, "
            "par exemple [[plus-soutenues]] ; les blocs non placés suivent le texte."
        ),
    )
    change_note = StringField(
        _l("Ce qui change par rapport à la version précédente"),
        validators=[Length(max=500, message=_l("500 caractères au maximum."))],
        filters=STRIP,
        description=_l("Obligatoire à partir de la deuxième version."),
    )
    save = SubmitField(_l("Enregistrer le brouillon"))
    publish = SubmitField(_l("Publier"))
    # The confirmation page's two buttons: only `confirm` publishes.
    confirm = SubmitField(_l("Confirmer la publication"))
    cancel = SubmitField(_l("Annuler"))
