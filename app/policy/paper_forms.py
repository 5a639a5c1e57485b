"""HR's form for a policy signature given on paper."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class PaperSignatureForm(FlaskForm):
    """The paper form's details and its scan."""

    version = HiddenField()
    locale = SelectField(
        _l("Language of the text the person signed"),
        choices=[("fr", "Français"), ("en", "English")],
    )
    typed_name = StringField(
        _l("Name written on the form"), validators=[DataRequired(), Length(max=200)]
    )
    paper_reference = StringField(
        _l("Paper form reference"), validators=[DataRequired(), Length(max=200)]
    )
    scan = FileField(
        _l("Scanned form (PDF, PNG or JPEG)"),
        validators=[FileRequired(_l("Attach the scanned form."))],
    )
    submit = SubmitField(_l("Record on behalf of the employee"))
