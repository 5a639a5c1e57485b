"""Forms of the content authoring pages: a draft, a question, a step, settings, one file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

MAX_TEXT = 200_000


class DraftForm(FlaskForm):
    """A new draft: only a name, so that its authors find it again."""

    title = StringField(_l("Name of the draft"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Start a draft"))


class QuestionForm(FlaskForm):
    """One quiz question, both languages side by side."""

    qid = StringField(_l("Question id"), validators=[Length(max=80)])
    kind = SelectField(
        _l("Question type"),
        choices=[
            ("single", _l("One right answer")),
            ("multiple", _l("Several right answers")),
            ("true_false", _l("True or false")),
            ("scenario", _l("Scenario with one right answer")),
        ],
        validate_choice=False,  # the quiz check reports an unknown type next to the field
    )
    scoring = SelectField(
        _l("Scoring of several right answers"),
        choices=[
            ("", _l("Not a several-answer question")),
            ("partial", _l("Partial credit")),
            ("all_or_nothing", _l("All or nothing")),
        ],
        validators=[Optional()],
        validate_choice=False,
    )
    sections = StringField(_l("Policy sections it tests (ids, separated by commas)"))
    scenario_fr = TextAreaField(_l("Scenario (French)"), validators=[Length(max=MAX_TEXT)])
    scenario_en = TextAreaField(_l("Scenario (English)"), validators=[Length(max=MAX_TEXT)])
    prompt_fr = TextAreaField(_l("Question (French)"), validators=[Length(max=MAX_TEXT)])
    prompt_en = TextAreaField(_l("Question (English)"), validators=[Length(max=MAX_TEXT)])
    choices = TextAreaField(
        _l("Choices, one per line: id | French text | English text"),
        validators=[Length(max=MAX_TEXT)],
    )
    correct = StringField(_l("Right answers (choice ids, separated by commas)"))
    explanation_fr = TextAreaField(_l("Explanation (French)"), validators=[Length(max=MAX_TEXT)])
    explanation_en = TextAreaField(_l("Explanation (English)"), validators=[Length(max=MAX_TEXT)])
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save in the draft"))


class StepForm(FlaskForm):
    """One module step: its heading and Markdown text in each language."""

    title_fr = StringField(_l("Step heading (French)"), validators=[Length(max=300)])
    title_en = StringField(_l("Step heading (English)"), validators=[Length(max=300)])
    body_fr = TextAreaField(_l("Step text (French, Markdown)"), validators=[Length(max=MAX_TEXT)])
    body_en = TextAreaField(_l("Step text (English, Markdown)"), validators=[Length(max=MAX_TEXT)])
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save in the draft"))


class FileForm(FlaskForm):
    """A whole content file as text (front matter, steps, practice blocks, quiz pools, draw)."""

    text = TextAreaField(_l("File text"), validators=[Length(max=MAX_TEXT)])
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save in the draft"))


class ModuleSettingsForm(FlaskForm):
    """A module's front matter: titles and summaries per language, then what both files share.

    The values are judged by the content check, as if typed in the file (errors by field)."""

    title_fr = StringField(_l("Title (French)"), validators=[Length(max=300)])
    title_en = StringField(_l("Title (English)"), validators=[Length(max=300)])
    summary_fr = TextAreaField(_l("Summary (French)"), validators=[Length(max=2000)])
    summary_en = TextAreaField(_l("Summary (English)"), validators=[Length(max=2000)])
    minutes = IntegerField(_l("Duration in minutes"))
    order = IntegerField(_l("Place in the list of modules"))
    required = BooleanField(_l("Required: everyone must complete it"))
    version = IntegerField(_l("Material version"))
    teaches = TextAreaField(
        _l("Policy sections it teaches, one per line: section id: step numbers"),
        validators=[Length(max=5000)],
    )
    save_settings = SubmitField(_l("Save the module settings"))


class QuizSettingsForm(FlaskForm):
    """A quiz's top-level settings (its questions have their own page)."""

    quiz_version = IntegerField(_l("Quiz version"))  # not `version`: the module form has one
    pass_mark = IntegerField(_l("Pass mark (percent)"))
    draw = IntegerField(_l("Questions drawn per attempt"), validators=[Optional()])
    save_quiz = SubmitField(_l("Save the quiz settings"))


class ConfirmForm(FlaskForm):
    """A confirmation with nothing to fill in (retire or restore a module): CSRF only."""
