"""Forms of the integrations pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

from app.models.api_token import SCOPES
from app.models.webhook import EVENTS


class TokenForm(FlaskForm):
    """Name a new API token and choose what it may do."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    scopes = SelectMultipleField(
        _l("Scopes"), choices=[(s, s) for s in SCOPES], validators=[DataRequired()]
    )


class WebhookForm(FlaskForm):
    """Register an HTTPS endpoint for some events."""

    url = StringField(_l("Address (https://…)"), validators=[DataRequired(), Length(max=500)])
    events = SelectMultipleField(
        _l("Events"), choices=[(e, e) for e in EVENTS], validators=[DataRequired()]
    )
