"""Account forms."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs predate WTForms 3.3
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from consultation.accounts import passwords
from consultation.accounts.models import ROLE_LABELS, ROLES, User
from consultation.core.forms import STRIP, Form, OptionalSelectField, required

PASSWORD_MIN = 12
DISPLAY_NAME_MIN, DISPLAY_NAME_MAX = 2, 80
DIFFERENT = _l("Les deux mots de passe diffèrent.")


def _not_common_nor_personal(form: Form, field: PasswordField) -> None:
    email, display_name = form.password_owner()
    refused = passwords.refusal(field.data or "", email, display_name)
    if refused:
        raise ValidationError(refused)


def _password(label: Any = None) -> PasswordField:
    return PasswordField(
        label or _l("Mot de passe"),
        validators=[
            required(),
            Length(
                min=PASSWORD_MIN,
                max=200,
                message=_l("Entre %(min)d et 200 caractères.", min=PASSWORD_MIN),
            ),
            _not_common_nor_personal,
        ],
        description=_l(
            "%(min)d caractères au moins ; ni un mot de passe courant, ni votre adresse, ni "
            "votre nom.",
            min=PASSWORD_MIN,
        ),
    )


class NewPasswordForm(Form):
    """A form choosing a password for `owner`, whose email and name it must not be."""

    owner: User | None = None

    def password_owner(self) -> tuple[str | None, str | None]:
        """The email and display name the new password is checked against."""
        if self.owner is None:
            return None, None
        return self.owner.email, self.owner.display_name


def _email() -> EmailField:
    return EmailField(
        _l("Adresse électronique"),
        validators=[
            required(),
            Length(max=254, message=_l("254 caractères au maximum.")),
            Email(
                message=_l(
                    "Saisissez une adresse électronique valide, par exemple nom@exemple.fr."
                )
            ),
        ],
        filters=STRIP,
    )


def _display_name() -> StringField:
    return StringField(
        _l("Nom affiché"),
        validators=[
            required(),
            Length(
                min=DISPLAY_NAME_MIN,
                max=DISPLAY_NAME_MAX,
                message=_l("Entre 2 et 80 caractères."),
            ),
        ],
        filters=STRIP,
        description=_l("Visible publiquement avec vos contributions. Un pseudonyme convient."),
    )


# Bidirectional embeddings, overrides and isolates let a name show reversed or hidden text.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_control(ch: str) -> bool:
    """True for characters refused in names: control characters and bidi overrides."""
    # "Cc" covers C0 (below 32), DEL (127) and the C1 controls (128-159).
    return unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS


def _no_control_characters(form: Form, field: StringField) -> None:
    if field.data and any(is_control(ch) for ch in field.data):
        raise ValidationError(str(_l("Ce champ contient des caractères non autorisés.")))


def charter_field(label: Any = None) -> BooleanField:
    """The participation charter's box, to tick before an account is made (/charte)."""
    return BooleanField(
        label or _l("J'ai lu et j'accepte la charte de participation"),
        validators=[InputRequired(message=_l(
            "Pour participer, cochez la case : vous acceptez la charte de participation."))],
        description=_l("Ce qui est bienvenu, ce que la modération masque et pourquoi, comment "
                       "contester une décision."),
    )


class RegisterForm(NewPasswordForm):
    """Create a citizen account."""

    email = _email()
    display_name = _display_name()
    commune = OptionalSelectField(
        _l("Commune de résidence (facultatif)"),
        description=_l("Sert seulement aux statistiques de participation par territoire."),
    )
    password = _password()
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[required(), EqualTo("password", message=DIFFERENT)],
    )
    charter = charter_field()

    def validate_display_name(self, field: StringField) -> None:
        _no_control_characters(self, field)

    def password_owner(self) -> tuple[str | None, str | None]:
        """The email and name typed in this form."""
        return self.email.data, self.display_name.data


class LoginForm(Form):
    """Log in with email and password."""

    email = _email()
    password = PasswordField(_l("Mot de passe"), validators=[required()])
    remember = BooleanField(_l("Rester connecté·e sur cet appareil"))


class ForgotPasswordForm(Form):
    """Ask for a reset link."""

    email = _email()


class ResetPasswordForm(NewPasswordForm):
    """Choose a new password from a reset link."""

    password = _password(_l("Nouveau mot de passe"))
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[required(), EqualTo("password", message=DIFFERENT)],
    )


class ProfileForm(Form):
    """Public name, commune and language."""

    display_name = _display_name()
    commune = OptionalSelectField(_l("Commune de résidence (facultatif)"))
    locale = SelectField(
        _l("Langue de l'interface"),
        choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")],
    )

    def validate_display_name(self, field: StringField) -> None:
        _no_control_characters(self, field)


class ChangePasswordForm(NewPasswordForm):
    """Change password knowing the current one."""

    current = PasswordField(_l("Mot de passe actuel"), validators=[required()])
    password = _password(_l("Nouveau mot de passe"))
    confirm = PasswordField(
        _l("Confirmez le nouveau mot de passe"),
        validators=[required(), EqualTo("password", message=DIFFERENT)],
    )


class RolesForm(Form):
    """The roles of one user, as checkboxes."""

    citizen = BooleanField(ROLE_LABELS["citizen"])
    mediator = BooleanField(ROLE_LABELS["mediator"])
    moderator = BooleanField(ROLE_LABELS["moderator"])
    admin = BooleanField(ROLE_LABELS["admin"])
    elected = BooleanField(ROLE_LABELS["elected"])

    def chosen(self) -> set[str]:
        """The roles ticked."""
        return {name for name in ROLES if self[name].data}


class DeleteAccountForm(Form):
    """Delete one's account: the password confirms it is really them."""

    password = PasswordField(
        _l("Votre mot de passe, pour confirmer"), validators=[required()]
    )


class ConfirmEmailForm(Form):
    """Confirm one's address from the emailed link: a button, so that opening the link (or a
    mail scanner fetching it) changes nothing."""


class ResendConfirmationForm(Form):
    """Ask for a new confirmation link (the page to come back to is read as the language
    switch reads it: a local path or nothing, see core.http.safe_next)."""
