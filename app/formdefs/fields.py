"""WTForms fields and validators speaking our messages, and the value parsers they share.

Every message is rendered by the caller (app/formdefs/factory.py) in the user's language
and handed in, so a field never needs to know the language itself.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterable
from decimal import Decimal

from wtforms import Field, FieldList, SelectField, SelectMultipleField, StringField
from wtforms.utils import unset_value
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, DateInput, HiddenInput, ListWidget, NumberInput

from app.formdefs.credit_code import credit_code_valid
from app.formdefs.rules import as_date

INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
DECIMAL = re.compile(r"[+-]?[0-9]{1,24}(?:\.[0-9]{1,12})?")
ATTACHMENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")  # uuid4 strings from app/services/attachments.py
# PostgreSQL cannot store NUL; a lone surrogate cannot be encoded as UTF-8 (hashes, storage).
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")

# ------------------------------------------------------------------------------ values


def is_empty(value) -> bool:
    """Return True for "no value": None, "", an empty list, an unticked box (but not 0)."""
    return value is None or value is False or (isinstance(value, (str, list, tuple)) and not value)


def parse_integer(text: str) -> int:
    """Return the integer written as ASCII digits with an optional sign; raise ValueError."""
    if not INTEGER.fullmatch(text.strip()):
        raise ValueError(text)
    return int(text)


def parse_decimal(text: str) -> Decimal:
    """Return the decimal written as digits with an optional sign and fraction; raise ValueError."""
    if not DECIMAL.fullmatch(text.strip()):
        raise ValueError(text)
    return Decimal(text.strip())


def parse_date(text: str) -> dt.date:
    """Return the date written as ISO YYYY-MM-DD; raise ValueError."""
    day = as_date(text.strip())
    if day is None:
        raise ValueError(text)
    return day


def decimal_text(value: Decimal) -> str:
    """Return `value` in plain notation as stored in case data ("85.5", never "8.55E+1")."""
    return format(value, "f")


def to_integer(value) -> int:
    """Return `value` (an int or its text) as an int; raise ValueError or TypeError."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(value)
    return value if isinstance(value, int) else parse_integer(value)


def to_decimal(value) -> Decimal:
    """Return a Decimal from a Decimal, int, finite float or text; raise ValueError/TypeError."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        raise TypeError(value)
    if isinstance(value, str):
        return parse_decimal(value)
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise ValueError(value)
    return number


def to_date(value) -> dt.date:
    """Return `value` (a date, a datetime or ISO text) as a date; raise ValueError or TypeError."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    raise TypeError(value)


def unique(values: Iterable[str]) -> list[str]:
    """Return the non-empty, stripped values once each, in their first order."""
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def to_ids(value) -> list[str]:
    """Return the ids in a list of strings and/or comma-separated text; raise ValueError."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise TypeError(value)
    ids = unique(part for v in values for part in v.split(","))
    if not all(ATTACHMENT_ID.fullmatch(i) for i in ids):
        raise ValueError(value)
    return ids


# ------------------------------------------------------------------------------ fields


class ParsedField(StringField):
    """A text input holding a parsed value; `invalid` is the message for unparsable input."""

    parse: Callable[[str], object] = staticmethod(str)
    coerce: Callable[[object], object] = staticmethod(str)
    show: Callable[[object], str] = staticmethod(str)

    def __init__(self, label=None, validators=None, invalid: str = "", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid = invalid

    def process_data(self, value) -> None:
        try:
            self.data = None if is_empty(value) else self.coerce(value)
        except (TypeError, ValueError, ArithmeticError):
            self.data = None  # a stale pre-filled value is dropped, not an error before input

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip()
        try:
            self.data = self.parse(text) if text else None
        except (ValueError, ArithmeticError) as error:
            self.data = None
            raise ValueError(self.invalid) from error

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else self.show(self.data)


class IntegerInput(ParsedField):
    widget = NumberInput(step="1")
    parse = staticmethod(parse_integer)
    coerce = staticmethod(to_integer)


class DecimalInput(ParsedField):
    parse = staticmethod(parse_decimal)
    coerce = staticmethod(to_decimal)
    show = staticmethod(decimal_text)


class DateInputField(ParsedField):
    widget = DateInput()
    parse = staticmethod(parse_date)
    coerce = staticmethod(to_date)
    show = staticmethod(dt.date.isoformat)


def _values(choices) -> set[str]:
    return {choice.value for choice in choices or ()}


class ChoiceField(SelectField):
    """A select whose empty value ("") means "nothing chosen" and whose bad value gets `invalid`."""

    def __init__(self, label=None, validators=None, invalid: str = "", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid = invalid

    def process_data(self, value) -> None:
        self.data = value if isinstance(value, str) else None

    def process_formdata(self, valuelist) -> None:
        if valuelist:
            self.data = valuelist[0].strip()

    def pre_validate(self, form) -> None:
        if self.data and self.data not in _values(self.choices):
            raise ValidationError(self.invalid)


class MultiChoiceField(SelectMultipleField):
    """Check boxes holding a list of chosen values; empty strings are ignored, repeats dropped."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, invalid: str = "", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid = invalid

    def process_data(self, value) -> None:
        ok = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
        self.data = unique(value) if ok else []

    def process_formdata(self, valuelist) -> None:
        self.data = unique(valuelist)

    def pre_validate(self, form) -> None:
        if not set(self.data or ()) <= _values(self.choices):
            raise ValidationError(self.invalid)


class AttachmentField(Field):
    """Attachment ids, posted as several values and/or comma-separated in one hidden input."""

    widget = HiddenInput()

    def __init__(self, label=None, validators=None, invalid: str = "", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.invalid = invalid

    def process_data(self, value) -> None:
        try:
            self.data = to_ids(value) if value else []
        except (TypeError, ValueError):
            self.data = []

    def process_formdata(self, valuelist) -> None:
        try:
            self.data = to_ids(valuelist)
        except ValueError as error:
            self.data = []
            raise ValueError(self.invalid) from error

    def _value(self) -> str:
        return ",".join(self.data or [])


def _blank_cell(cell: Field) -> bool:
    return is_empty(cell.data) and not any(str(v).strip() for v in cell.raw_data or ())


def blank_row(entry) -> bool:
    """Return True if no cell of a table row holds anything (such rows are ignored)."""
    return all(_blank_cell(cell) for cell in entry.form)


class TableField(FieldList):
    """Rows of a table; completely blank rows (padding, the empty row left on a page) are ignored.

    Errors are a list with one dict per row (empty for valid or blank rows), then the table's
    own messages (row counts) as strings. More than `row_limit` posted rows (blank or not) are
    not even built: the table gets the message `too_many` alone.
    """

    def __init__(self, *args, row_limit: int | None = None, too_many: str = "",
                 minimum_text: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_limit, self.too_many, self.overflow = row_limit, too_many, False
        self.minimum_text = minimum_text  # a computed row minimum, as the page shows it

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        posted = set(self._extract_indices(self.name, formdata)) if formdata else set()
        self.overflow = self.row_limit is not None and len(posted) > self.row_limit
        super().process(None if self.overflow else formdata, data, extra_filters)

    def filled_entries(self) -> list:
        """Return the rows that hold anything, in order."""
        return [entry for entry in self.entries if not blank_row(entry)]

    def validate(self, form, extra_validators=()) -> bool:
        self.errors = [self.too_many] if self.overflow else []
        if self.overflow:
            return False
        for entry in self.entries:
            blank = blank_row(entry)
            if not blank:
                entry.validate(form)
            self.errors.append({} if blank else entry.errors)
        if not any(self.errors):
            self.errors = []
        self._run_validation_chain(form, itertools.chain(self.validators, extra_validators))
        return not self.errors


# ------------------------------------------------------------------------------ validators


class Required:
    """Stops with `message` when the field holds no value (a required box must be ticked)."""

    def __init__(self, message: str, flag: bool = True):
        self.message = message
        self.field_flags = {"required": True} if flag else {}

    def __call__(self, form, field) -> None:
        if not is_empty(field.data):
            return
        if field.errors:  # the input did not parse; that message says more than "required"
            raise StopValidation()
        raise StopValidation(self.message)


class Optional:
    """Stops validation quietly when the field holds no value."""

    field_flags: dict = {}

    def __call__(self, form, field) -> None:
        if is_empty(field.data):
            raise StopValidation()


class Length:
    """Checks the number of characters of a text."""

    def __init__(self, least: int | None, most: int | None, too_short: str, too_long: str):
        self.least, self.most, self.too_short, self.too_long = least, most, too_short, too_long

    def __call__(self, form, field) -> None:
        size = len(field.data or "")
        if self.least is not None and size < self.least:
            raise ValidationError(self.too_short)
        if self.most is not None and size > self.most:
            raise ValidationError(self.too_long)


class Range:
    """Checks a number or date against inclusive bounds."""

    def __init__(self, least, most, too_small: str, too_big: str):
        self.least, self.most, self.too_small, self.too_big = least, most, too_small, too_big

    def __call__(self, form, field) -> None:
        if field.data is None:
            return
        if self.least is not None and field.data < self.least:
            raise ValidationError(self.too_small)
        if self.most is not None and field.data > self.most:
            raise ValidationError(self.too_big)


class Pattern:
    """Checks that the whole text matches a regular expression."""

    def __init__(self, regex: re.Pattern, message: str):
        self.regex, self.message = regex, message

    def __call__(self, form, field) -> None:
        if field.data and not self.regex.fullmatch(field.data):
            raise ValidationError(self.message)


class PlainText:
    """Refuses text holding a NUL character or a lone surrogate (nothing can store those)."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field) -> None:
        if isinstance(field.data, str) and BAD_TEXT.search(field.data):
            raise StopValidation(self.message)


class CreditCode:
    """Checks a unified social credit code (GB 32100-2015)."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data and not credit_code_valid(field.data):
            raise ValidationError(self.message)


class Count:
    """Checks how many items (choices, files, filled rows) a field holds."""

    def __init__(self, count: Callable[[Field], int], least: int, most: int | None,
                 messages: tuple[str | None, str, str]):
        self.count, self.least, self.most = count, least, most
        self.required, self.too_few, self.too_many = messages

    def __call__(self, form, field) -> None:
        size = self.count(field)
        if size == 0 and field.errors:  # e.g. invalid attachment ids: that message says more
            raise StopValidation()
        if size == 0 and self.required:
            raise StopValidation(self.required)
        if size < self.least:
            raise ValidationError(self.too_few)
        if self.most is not None and size > self.most:
            raise ValidationError(self.too_many)
