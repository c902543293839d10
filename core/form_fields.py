"""The field types and validators forms are built from, in one place, with the platform's own.

Form modules import this module (``from core import form_fields as fields``) instead of
listing WTForms' names one by one, and write ``fields.StringField(...)``,
``fields.DataRequired(...)``. Besides WTForms' own, it offers the fields the platform adds: a
Beijing date and time typed to the minute, and a list of check boxes.
"""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

__all__ = [
    "DECIMAL", "NUMERIC", "BeijingDateTimeField", "BooleanField", "DataRequired", "DateField",
    "DecimalField", "FileAllowed", "FileField", "FileRequired", "InputRequired", "IntegerField",
    "Length", "MultiCheckboxField", "NumberRange", "Optional", "SelectField", "StringField",
    "SubmitField", "TextAreaField",
]

#: ``render_kw`` of a field typed as a decimal or a whole number: the right keypad on a tablet.
DECIMAL = {"inputmode": "decimal"}
NUMERIC = {"inputmode": "numeric"}


class BeijingDateTimeField(DateTimeLocalField):
    """A date and time in Beijing time, to the minute (the browser's date-time picker)."""

    def __init__(self, label=None, validators=None, format="%Y-%m-%dT%H:%M", **kwargs):
        super().__init__(label, validators, format=format, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
