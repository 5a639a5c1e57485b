"""The revocation form: a reason is required, it goes to the audit log."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class RevokeForm(FlaskForm):
    """Revoking one certificate."""

    reason = TextAreaField(
        _l("Reason for revoking"),
        validators=[
            DataRequired(_l("Give the reason for revoking this certificate.")),
            Length(max=2000),
        ],
    )
    submit = SubmitField(_l("Revoke the certificate"))
