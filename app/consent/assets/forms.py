"""Forms of the asset register."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.models.asset import TakedownOutcome


class AssetForm(FlaskForm):
    """A photo or video: uploaded, or registered by its reference in a media library."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    medium = SelectField(_l("Medium"), choices=[("photo", _l("Photo")), ("video", _l("Video"))])
    taken_on = DateField(_l("Date taken"), validators=[Optional()])
    place = StringField(_l("Place or event"), validators=[Length(max=200)])
    photographer = StringField(_l("Photographer"), validators=[Length(max=200)])
    file = FileField(_l("File (JPEG or PNG photo; MP4, MOV or WebM video)"))
    external_ref = StringField(
        _l("Or: reference in the media library (id or URL)"), validators=[Length(max=500)]
    )
    thumbnail = FileField(_l("Thumbnail (JPEG or PNG; for a reference or a video)"))
    people = SelectMultipleField(_l("People in it"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Record the asset"))


class TagForm(FlaskForm):
    """Tag people found by name, or untag one."""

    people = SelectMultipleField(_l("People in it"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("Tag"))


class PublishForm(FlaskForm):
    """Where and when the asset was published, and who appears in that version."""

    purpose = SelectField(_l("Use"), validators=[DataRequired()])  # "" first: "Choose…"
    people = SelectMultipleField(
        _l("People who appear in this version"), coerce=int, validate_choice=False
    )
    channel = StringField(_l("Channel"), validators=[DataRequired(), Length(max=120)])
    location = StringField(_l("Link or reference"), validators=[DataRequired(), Length(max=500)])
    published_on = DateField(_l("Published on"), validators=[DataRequired()])
    override_reason = TextAreaField(
        _l("Reason for publishing without everyone's consent"), validators=[Length(max=2000)]
    )
    submit = SubmitField(_l("Record the publication"))


class TakedownForm(FlaskForm):
    """Communications' answer to one item of the "to take down" list."""

    outcome = RadioField(
        _l("Outcome"),
        choices=[
            (TakedownOutcome.REMOVED.value, _l("Removed")),
            (TakedownOutcome.KEPT.value, _l("Kept")),
        ],
        validators=[DataRequired()],
    )
    removed_on = DateField(_l("Removed on"), validators=[Optional()])
    reason = StringField(_l("Reason (required when kept)"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Record"))


class ScanForm(FlaskForm):
    """A photo code, typed or in a picture taken with the phone's camera."""

    code = StringField(
        _l("Photo code"),
        validators=[Optional(), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    photo = FileField(
        _l("Or take a picture of the code"),
        render_kw={"accept": "image/jpeg,image/png", "capture": "environment"},
    )
    submit = SubmitField(_l("Tag this person"))
