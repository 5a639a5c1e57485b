"""The decision form of "My image", and the leavers' withdrawal forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, EmailField, HiddenField, IntegerField
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional

from app.models.consent import ConsentDecision, Medium


class DecisionForm(FlaskForm):
    """One decision about one purpose and medium; the text shown travels with it."""

    purpose_id = IntegerField(validators=[DataRequired()])
    medium = HiddenField(validators=[AnyOf([m.value for m in Medium])])
    decision = HiddenField(validators=[AnyOf([d.value for d in ConsentDecision])])
    text_id = IntegerField(validators=[DataRequired()])
    valid_until = DateField(_l("Until"), validators=[Optional()])


class LeaverLinkForm(FlaskForm):
    """A leaver's email, to receive a withdrawal link."""

    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )


class LeaverWithdrawForm(FlaskForm):
    """The consents a leaver withdraws (checkboxes named "consent", read from the request)."""
