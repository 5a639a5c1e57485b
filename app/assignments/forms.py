"""The form HR fills to assign a module."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, SubmitField
from wtforms.validators import DataRequired, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget


class AssignmentForm(FlaskForm):
    """Module, a department or some people, and a due date."""

    module = SelectField(_l("Module"), validators=[DataRequired()])
    department = SelectField(_l("Department"), choices=[], default="")
    people = SelectMultipleField(
        _l("People"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    due_on = DateField(_l("Due date"), validators=[DataRequired()])
    submit = SubmitField(_l("Assign"))

    def validate_people(self, field: SelectMultipleField) -> None:
        """Exactly one of a department or people."""
        if bool(self.department.data) == bool(field.data):
            raise ValidationError(_l("Choose a department or some people, not both."))
