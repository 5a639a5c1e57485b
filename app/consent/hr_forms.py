"""Forms on HR's consent pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.models.consent import ConsentDecision


class OnBehalfForm(FlaskForm):
    """A decision the employee gave on a paper form, recorded by HR."""

    purpose_medium = SelectField(_l("Purpose and medium"), validators=[DataRequired()])
    decision = SelectField(
        _l("Decision on the paper form"),
        choices=[
            (ConsentDecision.GRANTED.value, _l("Granted")),
            (ConsentDecision.REFUSED.value, _l("Refused")),
            (ConsentDecision.REVOKED.value, _l("Revoked")),
        ],
    )
    text_locale = SelectField(
        _l("Language of the text the person signed"),
        choices=[("fr", "Français"), ("en", "English")],
    )
    valid_until = DateField(_l("End date of a grant (optional)"), validators=[Optional()])
    paper_reference = StringField(
        _l("Paper form reference"), validators=[DataRequired(), Length(max=200)]
    )
    scan = FileField(_l("Scanned paper form (optional)"))
    submit = SubmitField(_l("Record on behalf of the employee"))


class CheckForm(FlaskForm):
    """Who is in the picture, for which use, and which publication."""

    # Optional here: a name search may come before the use is chosen; checking requires it.
    purpose_medium = SelectField(_l("Use"), validators=[Optional()])
    reference = StringField(_l("Publication reference"), validators=[Length(max=300)])
    q = StringField(_l("Find people by name"), validators=[Length(max=100)])
    people = SelectMultipleField(_l("People in the picture"), coerce=int, validate_choice=False)
    search = SubmitField(_l("Search"))
    check = SubmitField(_l("Check consent"))


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""

    submit = SubmitField(_l("Confirm"))
