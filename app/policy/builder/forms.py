"""Forms of the policy builder: draft details, one section, adding a section, publishing."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class RevisionForm(FlaskForm):
    """Any change to a draft: carries the revision the page showed (stale pages are refused)."""

    revision = HiddenField(validators=[DataRequired()])


class DetailsForm(RevisionForm):
    """The policy's title and the summary of changes, in each language."""

    title_fr = StringField(_l("Title (French)"), validators=[Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=200)])
    changes_fr = TextAreaField(_l("What changed, for employees (French)"))
    changes_en = TextAreaField(_l("What changed, for employees (English)"))


class SectionForm(RevisionForm):
    """One section's heading and text in each language (Markdown)."""

    heading_fr = StringField(_l("Heading (French)"), validators=[Length(max=200)])
    body_fr = TextAreaField(_l("Text (French, Markdown)"))
    heading_en = StringField(_l("Heading (English)"), validators=[Length(max=200)])
    body_en = TextAreaField(_l("Text (English, Markdown)"))


class SectionPreviewForm(FlaskForm):
    """What the section editor holds right now, posted to render its preview (nothing saved)."""

    heading_fr = StringField(validators=[Length(max=200)])
    body_fr = TextAreaField()
    heading_en = StringField(validators=[Length(max=200)])
    body_en = TextAreaField()


class AddSectionForm(RevisionForm):
    """A section added at the end: one of the outline's, or a new id."""

    section_id = StringField(
        _l("Section id"),
        validators=[DataRequired(_l("Choose or type a section id.")), Length(max=80)],
    )


class PublishForm(RevisionForm):
    """Minor (wording, no new signature) or major (everyone signs again, confirmed)."""

    kind = RadioField(
        _l("Kind of change"),
        choices=[
            ("minor", _l("Minor: wording or typo; no new signature")),
            ("major", _l("Major: everyone must read and sign the policy again")),
        ],
        validators=[DataRequired(_l("Choose minor or major."))],
    )
    confirm = BooleanField(_l("I understand who will be asked to sign again"))
