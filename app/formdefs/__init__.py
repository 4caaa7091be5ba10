"""Form definitions (`forms/<key>.yaml`, docs/FORMS.md) -> WTForms classes, JSON Schema, clean data.

One definition yields the web form (the caller supplies the base class: FlaskForm with CSRF
on the web, wtforms.Form for the API and tests), the JSON Schema of the API, and one set of
validation rules for both. Imports nothing from app except app.errors; no Flask.

Modules: definition (records, parsing, files), rules (what a definition may say), factory
(WTForms classes), fields (WTForms fields and validators), text_list (the list field),
values (case-data values), api (JSON validation), schema (JSON Schema), credit_code,
conditions (show_if), messages, safe_yaml (YAML without aliases), lines (where in the
YAML a problem is).
"""

from app.formdefs.api import field_reasons, input_name, validate_data
from app.formdefs.bounds import lookup
from app.formdefs.conditions import condition_holds, visible_names
from app.formdefs.credit_code import credit_code_valid, normalise_credit_code
from app.formdefs.definition import (
    FieldDef,
    FormDef,
    check_forms,
    check_text,
    load_forms,
    parse_form,
)
from app.formdefs.factory import build_form_class, choice_list, hidden_names
from app.formdefs.lines import add_lines
from app.formdefs.safe_yaml import load_yaml
from app.formdefs.schema import json_schema
from app.formdefs.values import default_values, form_data

__all__ = [
    "FieldDef", "FormDef", "parse_form", "load_forms", "check_forms", "build_form_class",
    "form_data", "validate_data", "json_schema", "default_values", "credit_code_valid",
    "normalise_credit_code", "field_reasons", "input_name", "hidden_names", "visible_names",
    "condition_holds", "choice_list", "load_yaml", "lookup", "check_text", "add_lines",
]
