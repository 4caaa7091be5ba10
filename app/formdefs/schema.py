"""FormDef -> JSON Schema (draft 2020-12), as `GET /api/tasks/<id>` returns it.

Each field type gives a base schema (type, format, bounds) and its presence constraints
(non-empty text, at least n items, a ticked box). A field with show_if carries its presence
constraints in an if/then, so a schema validator requires it exactly when it is shown;
"x-show-if" repeats the raw condition for user interfaces. Decimals are strings (exact);
their "minimum"/"maximum" are annotations a validator ignores for strings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from app.formdefs import row_minimum
from app.formdefs.bounds import date_bounds
from app.formdefs.conditions import condition_holds, condition_values
from app.formdefs.credit_code import SCHEMA_PATTERN
from app.formdefs.definition import FieldDef, FormDef
from app.formdefs.factory import Choices, choice_list
from app.formdefs.messages import language

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DECIMAL_PATTERN = r"^[+-]?[0-9]+(\.[0-9]+)?$"
ATTACHMENT_PATTERN = "^[A-Za-z0-9_-]{1,64}$"
EMPTY = {"boolean": False, "select": None, "text": ""}  # a controlling field's value when absent

Context = tuple[Choices, str, Mapping]  # (run-time choices, language, case data)
Schemas = tuple[dict, dict]  # (base schema, presence constraints)


def _with(schema: dict, **keywords) -> dict:
    schema.update({k: v for k, v in keywords.items() if v is not None})
    return schema


def needs_value(field: FieldDef) -> bool:
    """Return True if the field must hold a value when shown (required or a minimum count)."""
    least = (field.option("min_rows") or field.option("min_choices")
             or field.option("min_items") or 0)
    return field.required or least > 0


def _least(field: FieldDef, key: str) -> int:
    return max(field.option(key) or 0, 1 if field.required else 0)


def _text(field: FieldDef, _ctx: Context) -> Schemas:
    base = _with({"type": "string"}, minLength=field.option("min_length"),
                 maxLength=field.option("max_length"))
    if field.option("pattern"):
        base["pattern"] = f"^(?:{field.option('pattern')})$"
    if field.option("format") == "credit_code":
        base.update({"x-format": "credit_code", "allOf": [{"pattern": SCHEMA_PATTERN}]})
    least = max(field.option("min_length") or 0, 1)
    return base, ({"minLength": least} if field.required else {})


def _integer(field: FieldDef, _ctx: Context) -> Schemas:
    return _with({"type": "integer"}, minimum=field.option("min"), maximum=field.option("max")), {}


def _decimal(field: FieldDef, _ctx: Context) -> Schemas:
    base = {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}
    return _with(base, minimum=field.option("min"), maximum=field.option("max")), {}


def _date(field: FieldDef, ctx: Context) -> Schemas:
    least, most = date_bounds(field, ctx[2])
    return _with({"type": "string", "format": "date"},
                 formatMinimum=least.isoformat() if least else None,
                 formatMaximum=most.isoformat() if most else None,
                 **{"x-min-from": field.option("min_from"),
                    "x-max-from": field.option("max_from")}), {}


def _enum(field: FieldDef, ctx: Context) -> dict:
    pairs = choice_list(field, ctx[0], ctx[1])
    return _with({"type": "string", "enum": [v for v, _ in pairs],
                  "x-enum-labels": [label for _, label in pairs]},
                 **{"x-choices-from": field.option("choices_from")})


def _select(field: FieldDef, ctx: Context) -> Schemas:
    return _enum(field, ctx), {}


def _array(field: FieldDef, items: dict, min_key: str, max_key: str) -> Schemas:
    least = _least(field, min_key)
    return (_with({"type": "array", "items": items}, maxItems=field.option(max_key)),
            {"minItems": least} if least else {})


def _multiselect(field: FieldDef, ctx: Context) -> Schemas:
    return _array(field, _enum(field, ctx), "min_choices", "max_choices")


def _boolean(field: FieldDef, _ctx: Context) -> Schemas:
    return {"type": "boolean"}, ({"const": True} if field.required else {})


def _file(field: FieldDef, _ctx: Context) -> Schemas:
    base, presence = _array(field, {"type": "string", "pattern": ATTACHMENT_PATTERN},
                            "min_files", "max_files")
    base.update({"x-accept": list(field.option("accept")),
                 "x-max-size-mb": field.option("max_size_mb")})
    return base, presence


def _list(field: FieldDef, ctx: Context) -> Schemas:
    return _array(field, _text(field, ctx)[0], "min_items", "max_items")


def _table(field: FieldDef, ctx: Context) -> Schemas:
    base, presence = _array(field, _object(field.columns, ctx, None)[0], "min_rows", "max_rows")
    least = row_minimum.required_rows(field, ctx[2])
    if least is not None:  # computed from the case data; may hold only for some decisions
        base.update({"x-min-rows": least,
                     "x-min-rows-text": row_minimum.shown_text(field, ctx[2], ctx[1])})
    return base, presence


SCHEMAS: dict[str, Callable[[FieldDef, Context], Schemas]] = {
    "text": _text, "textarea": _text, "integer": _integer, "decimal": _decimal,
    "percent": _decimal, "date": _date, "select": _select, "multiselect": _multiselect,
    "boolean": _boolean, "file": _file, "table": _table, "list": _list,
}


def _nullable(schema: dict) -> dict:
    schema["type"] = [schema["type"], "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def _condition(controller: FieldDef, condition: dict) -> dict:
    values = condition_values(condition)
    schema: dict = {"properties": {controller.name: (
        {"const": values[0]} if "equals" in condition else {"enum": values})}}
    if not condition_holds(condition, EMPTY.get(controller.type)):
        schema["required"] = [controller.name]  # an absent controller does not satisfy it
    return schema


def _if(form: FormDef, field: FieldDef) -> dict:
    parts = []
    while field.show_if is not None:  # a hidden controller hides its dependants too
        controller = form.field(field.show_if["field"])
        parts.append(_condition(controller, field.show_if))
        field = controller
    return parts[0] if len(parts) == 1 else {"allOf": parts}


def _annotations(field: FieldDef, lang: str) -> dict:
    return _with({"title": field.label_for(lang)}, description=field.help_for(lang) or None,
                 **{"x-show-if": field.show_if})


def _object(fields: tuple[FieldDef, ...], ctx: Context, form: FormDef | None) -> tuple[dict, list]:
    schema: dict = {"type": "object", "properties": {}, "required": [],
                    "additionalProperties": False}
    conditions: list[dict] = []
    for field in fields:
        base, presence = SCHEMAS[field.type](field, ctx)
        prop = {**_annotations(field, ctx[1]), **base}
        if field.show_if is not None and form is not None:
            prop = _nullable(prop)
            if needs_value(field):
                then = {"properties": {field.name: {"type": base["type"], **presence}},
                        "required": [field.name]}
                conditions.append({"if": _if(form, field), "then": then})
        elif needs_value(field):
            prop.update(presence)
            schema["required"].append(field.name)
        else:
            prop = _nullable(prop)
        schema["properties"][field.name] = prop
    return schema, conditions


def json_schema(form: FormDef, choices: Choices | None = None, lang: str = "zh",
                case_data: Mapping | None = None) -> dict:
    """Return the JSON Schema (draft 2020-12) of `form` with titles and choices in `lang`;
    date bounds from `case_data` (min_from / max_from) appear as formatMinimum / Maximum."""
    lang = language(lang)
    body, conditions = _object(form.fields, (dict(choices or {}), lang, case_data or {}), form)
    schema = {"$schema": DRAFT, "title": form.title_for(lang), "x-form": form.key, **body}
    if conditions:
        schema["allOf"] = conditions
    return schema
