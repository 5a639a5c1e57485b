"""Forms on the Me page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, SubmitField
from wtforms.validators import DataRequired, Length


class PasswordForm(FlaskForm):
    """The current password, then the new one typed twice."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change my password"))


class LanguageForm(FlaskForm):
    """The language of the interface, mails and documents."""

    locale = SelectField(_l("Preferred language"), choices=[("fr", "Français"), ("en", "English")])
    submit = SubmitField(_l("Save my language"))


class ExportForm(FlaskForm):
    """A button that only carries the CSRF token."""

    submit = SubmitField(_l("Download all my data (ZIP)"))
