"""FormDef -> WTForms class, through one factory per field type."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import wtforms
from wtforms import BooleanField, FormField, SelectChoice, StringField, TextAreaField
from wtforms.fields.core import UnboundField

from app.formdefs import bounds, row_minimum, text_list
from app.formdefs import fields as f_
from app.formdefs.conditions import visible_names
from app.formdefs.credit_code import credit_code_valid, normalise_credit_code
from app.formdefs.definition import FieldDef, FormDef
from app.formdefs.messages import language, message

Choices = Mapping[str, list[tuple[str, str]]]
BLANK_ROWS = 50  # empty rows a page may post beside the filled ones (padding, rows added)
# Options whose field takes a bound from the case's data: its class is built per case.
CASE_DATA_OPTIONS = ("min_from", "max_from", "min_rows_from")
MAX_CLASSES = 256  # built classes kept per process (forms × languages × choice lists)
_CLASSES: dict[tuple, tuple[FormDef, type]] = {}


@dataclass(frozen=True)
class _Context:
    """What every factory needs besides the field: the language and the run-time choice lists."""

    lang: str
    choices: Choices
    case_data: Mapping = field(default_factory=dict)  # for min_from / max_from

    def text(self, key: str, **params) -> str:
        return message(key, self.lang, **params)


def _common(field: FieldDef, ctx: _Context, **render_kw) -> dict:
    if field.show_if is not None:  # for the page script that shows and hides the field
        render_kw["data-show-if"] = json.dumps(field.show_if, ensure_ascii=False)
    return {"label": field.label_for(ctx.lang), "description": field.help_for(ctx.lang),
            "render_kw": render_kw or None}


def _presence(field: FieldDef, ctx: _Context, key: str = "required"):
    if not field.required:
        return f_.Optional()
    # no HTML `required` on a field that may be hidden: the browser would block the submit
    return f_.Required(ctx.text(key), flag=field.show_if is None)


def _range(field: FieldDef, ctx: _Context, coerce: Callable, keys=("min", "max")) -> list:
    least, most = field.option("min"), field.option("max")
    if least is None and most is None:
        return []
    bounds = [None if bound is None else coerce(bound) for bound in (least, most)]
    return [f_.Range(*bounds, ctx.text(keys[0], min=least), ctx.text(keys[1], max=most))]


def _text_checks(field: FieldDef, ctx: _Context) -> list:
    checks: list = [f_.PlainText(ctx.text("bad_text"))]
    least, most = field.option("min_length"), field.option("max_length")
    if least is not None or most is not None:
        checks.append(f_.Length(least, most, ctx.text("min_length", min=least),
                                ctx.text("max_length", max=most)))
    if field.option("pattern"):
        checks.append(f_.Pattern(re.compile(field.option("pattern")), _pattern_message(field, ctx)))
    if field.option("format") == "credit_code":
        checks.append(f_.CreditCode(ctx.text("credit_code")))
    return checks


def _pattern_message(field: FieldDef, ctx: _Context) -> str:
    own = field.option("pattern_message_en" if ctx.lang == "en" else "pattern_message")
    return own or ctx.text("pattern")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _credit_code(value):
    return normalise_credit_code(value) if isinstance(value, str) else value


def _text(field: FieldDef, ctx: _Context, cls: type = StringField) -> UnboundField:
    clean = _credit_code if field.option("format") == "credit_code" else _strip
    return cls(validators=[_presence(field, ctx), *_text_checks(field, ctx)], filters=[clean],
               **_common(field, ctx))


def _textarea(field: FieldDef, ctx: _Context) -> UnboundField:
    return _text(field, ctx, TextAreaField)


def _integer(field: FieldDef, ctx: _Context) -> UnboundField:
    return f_.IntegerInput(validators=[_presence(field, ctx), *_range(field, ctx, int)],
                           invalid=ctx.text("integer"), **_common(field, ctx))


def _decimal(field: FieldDef, ctx: _Context) -> UnboundField:
    return f_.DecimalInput(validators=[_presence(field, ctx), *_range(field, ctx, f_.to_decimal)],
                           invalid=ctx.text("decimal"),
                           **_common(field, ctx, inputmode="decimal"))


def _date(field: FieldDef, ctx: _Context) -> UnboundField:
    least, most = bounds.date_bounds(field, ctx.case_data)
    checks = [] if least is None and most is None else [f_.Range(
        least, most, ctx.text("date_min", min=least), ctx.text("date_max", max=most))]
    return f_.DateInputField(validators=[_presence(field, ctx), *checks],
                             invalid=ctx.text("date"), **_common(field, ctx))


def choice_list(field: FieldDef, choices: Choices, lang: str = "zh") -> list[tuple[str, str]]:
    """Return [(value, label)] of a select or multiselect: its own or the run-time choices."""
    source = field.option("choices_from")
    if source:
        return [(str(value), str(label)) for value, label in choices.get(source, [])]
    english = language(lang) == "en"
    return [(c["value"], (c.get("label_en") if english else "") or c["label"])
            for c in field.option("choices", [])]


def _options(field: FieldDef, ctx: _Context) -> list[SelectChoice]:
    pairs = choice_list(field, ctx.choices, ctx.lang)
    return [SelectChoice(value, label) for value, label in pairs]


def _select(field: FieldDef, ctx: _Context) -> UnboundField:
    options = [SelectChoice("", ctx.text("choose"))]
    options += _options(field, ctx)
    return f_.ChoiceField(choices=options, validators=[_presence(field, ctx)],
                          invalid=ctx.text("choice"), **_common(field, ctx))


def _items(bound) -> int:
    return len(bound.data or ())


def _count(field: FieldDef, ctx: _Context, keys: tuple[str, str],
           count: Callable = _items) -> f_.Count:
    """Return the count check; `keys` name both the bound options and their messages."""
    least = field.option(keys[0]) or 0  # an empty required field gets "required" instead
    most = field.option(keys[1])
    required = ctx.text("required") if field.required else None
    return f_.Count(count, least, most,
                    (required, ctx.text(keys[0], min=least), ctx.text(keys[1], max=most)))


def _multiselect(field: FieldDef, ctx: _Context) -> UnboundField:
    options = _options(field, ctx)
    checks = [_count(field, ctx, ("min_choices", "max_choices"))]
    return f_.MultiChoiceField(choices=options, validators=checks, invalid=ctx.text("choice"),
                               **_common(field, ctx))


def _boolean(field: FieldDef, ctx: _Context) -> UnboundField:
    return BooleanField(validators=[_presence(field, ctx, "must_tick")], **_common(field, ctx))


def _file(field: FieldDef, ctx: _Context) -> UnboundField:
    checks = [_count(field, ctx, ("min_files", "max_files"))]
    render = {"data-accept": ",".join(field.option("accept")),
              "data-max-size-mb": str(field.option("max_size_mb"))}
    return f_.AttachmentField(validators=checks, invalid=ctx.text("attachment"),
                              **_common(field, ctx, **render))


def _item_checks(field: FieldDef, ctx: _Context) -> list[text_list.ItemCheck]:
    checks: list[text_list.ItemCheck] = [
        (lambda item: not f_.BAD_TEXT.search(item), ctx.text("bad_text"))]
    most = field.option("max_length")
    if most is not None:
        checks.append((lambda item: len(item) <= most, ctx.text("max_length", max=most)))
    if field.option("pattern"):
        regex = re.compile(field.option("pattern"))
        checks.append((lambda item: regex.fullmatch(item) is not None,
                       _pattern_message(field, ctx)))
    if field.option("format") == "credit_code":
        checks.append((credit_code_valid, ctx.text("credit_code")))
    return checks


def _list(field: FieldDef, ctx: _Context) -> UnboundField:
    template = functools.partial(message, "list_item", ctx.lang)
    checks = [_count(field, ctx, ("min_items", "max_items"), text_list.item_count),
              text_list.EachItem(_item_checks(field, ctx), template, field.option("max_items"))]
    clean = normalise_credit_code if field.option("format") == "credit_code" else str.strip
    return text_list.TextListField(validators=checks, normalise=clean, **_common(field, ctx))


def _filled(bound) -> int:
    return len(bound.filled_entries())


def _table(field: FieldDef, ctx: _Context) -> UnboundField:
    row = FormField(_row_class(field, ctx))
    checks = [_count(field, ctx, ("min_rows", "max_rows"), _filled),
              row_minimum.ComputedRows(field, ctx.case_data, ctx.lang)]
    most = field.option("max_rows")
    # rows beyond this (blank padding included) are not built at all: a flood costs nothing
    limit = None if most is None else most + BLANK_ROWS
    return f_.TableField(row, min_entries=field.option("min_rows") or 0, validators=checks,
                         row_limit=limit, too_many=ctx.text("max_rows", max=most),
                         minimum_text=row_minimum.shown_text(field, ctx.case_data, ctx.lang),
                         **_common(field, ctx))


FACTORIES: dict[str, Callable[[FieldDef, _Context], UnboundField]] = {
    "text": _text, "textarea": _textarea, "integer": _integer, "decimal": _decimal,
    "percent": _decimal, "date": _date, "select": _select, "multiselect": _multiselect,
    "boolean": _boolean, "file": _file, "table": _table, "list": _list,
}


def _class_name(key: str, suffix: str) -> str:
    return "".join(part.title() for part in key.split("_")) + suffix


def _row_class(field: FieldDef, ctx: _Context) -> type:
    # rows are plain wtforms.Form: a FlaskForm row would add a CSRF token to every row
    attrs = {column.name: FACTORIES[column.type](column, ctx) for column in field.columns}
    return type(wtforms.Form)(_class_name(field.name, "Row"), (wtforms.Form,), attrs)


class _ShowIfForm:
    """Mixin: a field whose show_if is false is not validated (its errors are dropped)."""

    _formdef: FormDef

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        for name in hidden_names(self):
            self[name].errors = []
        return not self.errors


def hidden_names(form_instance) -> set[str]:
    """Return the names of the fields of a built form instance whose show_if is false."""
    formdef: FormDef = form_instance._formdef
    shown = visible_names(formdef, lambda name: form_instance[name].data)
    return set(formdef.names()) - shown


def _reads_case_data(form: FormDef) -> bool:
    return any(f.option(name) is not None for field in form.fields
               for f in (field, *field.columns) for name in CASE_DATA_OPTIONS)


def build_form_class(form: FormDef, base: type, choices: Choices | None = None,
                     lang: str = "zh", case_data: Mapping | None = None) -> type:
    """Return a WTForms class (subclass of `base`) for `form`, labels and messages in `lang`;
    date bounds taken from `case_data` (min_from / max_from) are fixed in the class.

    A class depends only on its arguments, and a form version never changes: one whose
    fields take nothing from the case is built once per process for each language and
    choice lists (building costs more than validating with it)."""
    if _reads_case_data(form):
        return _build(form, base, choices, lang, case_data)
    key = (id(form), base, language(lang),
           tuple((name, tuple(options)) for name, options in sorted((choices or {}).items())))
    kept = _CLASSES.get(key)  # holding the form with its class keeps its id from reuse
    if kept is None:
        if len(_CLASSES) >= MAX_CLASSES:
            _CLASSES.clear()
        kept = _CLASSES[key] = (form, _build(form, base, choices, lang, None))
    return kept[1]


def _build(form: FormDef, base: type, choices: Choices | None, lang: str,
           case_data: Mapping | None) -> type:
    ctx = _Context(language(lang), dict(choices or {}), case_data or {})
    attrs: dict = {field.name: FACTORIES[field.type](field, ctx) for field in form.fields}
    attrs.update(_formdef=form, _lang=ctx.lang)
    return type(base)(_class_name(form.key, "Form"), (_ShowIfForm, base), attrs)
