"""Forms on the HR pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, EmailField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional


class InviteForm(FlaskForm):
    """One new employee."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    department = StringField(_l("Department"), validators=[Optional(), Length(max=120)])
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=120)])
    start_date = DateField(_l("Start date"), validators=[Optional()])
    locale = SelectField(_l("Language"), choices=[("fr", "Français"), ("en", "English")])
    role = SelectField(_l("Role"), choices=[("employee", _l("Employee"))])
    submit = SubmitField(_l("Create and invite"))


class ImportForm(FlaskForm):
    """A CSV file of employees."""

    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], _l("The file must be a .csv file.")),
        ],
    )
    submit = SubmitField(_l("Import"))


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""

    submit = SubmitField(_l("Confirm"))


class OffboardingForm(FlaskForm):
    """What happens to a departing person's image consents."""

    image_consents = RadioField(
        _l("Their image consents"),
        choices=[
            ("keep", _l("Keep them until they expire")),
            (
                "end_now",
                _l("End them now (recorded as withdrawn on their behalf, reason: offboarding)"),
            ),
        ],
        validators=[DataRequired(_l("Choose what happens to their image consents."))],
    )
    submit = SubmitField(_l("Deactivate"))
