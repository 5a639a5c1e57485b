"""The signing form: explicit statement, typed name and password (kept apart from any consent)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class SignForm(FlaskForm):
    """Signing one version of the policy; the statement's label is set by the view."""

    version = HiddenField(validators=[DataRequired()])
    locale = HiddenField(validators=[DataRequired()])
    agree = BooleanField(
        _l("I have read and understood the policy."),
        validators=[DataRequired(_l("Tick the statement to sign."))],
    )
    typed_name = StringField(
        _l("Your full name"),
        validators=[DataRequired(_l("Type your full name.")), Length(max=200)],
    )
    password = PasswordField(
        _l("Your password"), validators=[DataRequired(_l("Type your password."))]
    )
    submit = SubmitField(_l("Sign the policy"))


class StepUpSignForm(SignForm):
    """Signing for people without a password: intent is proved by a step-up instead."""

    password = None  # type: ignore[assignment]  # removes the field


class CodeForm(FlaskForm):
    """The six-digit code mailed to confirm a signature."""

    code = StringField(
        _l("Code received by email"),
        validators=[DataRequired(_l("Type the code.")), Length(max=12)],
    )
    submit = SubmitField(_l("Confirm and sign"))
