"""The JSON API of the form and decision table editors: a jurisdiction's forms, checking a
form's YAML with a preview, trying a decision table on a case. Nothing here saves."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, render_template, request
from flask_babel import gettext

from app.errors import N_, Rejected
from app.extensions import csrf
from app.services import access_log, decision_try, form_editor
from app.web import api, inputs, taskform
from app.web.i18n import current_lang

bp = Blueprint("api_forms", __name__, url_prefix="/api")
csrf.exempt(bp)


@bp.before_request
def authenticate():
    api.authenticate()


@bp.get("/forms")
def index():
    process = request.args.get("process", "")
    if not process:
        raise Rejected(N_("Name the procedure: ?process=<key>."),
                       [("process", N_("Required."))])
    return jsonify(form_editor.forms_of(g.api_user, process))


def _problem_json(problem) -> dict:
    return {"line": problem.line, "element": problem.element,
            "message": problem.text(gettext)}


def preview_html(check: form_editor.FormCheck) -> str:
    """Return the form's fields as the task page renders them, empty and without a case."""
    form = taskform.for_preview(check.form, check.choices, current_lang())
    return render_template("processes/_form_preview.html", form=form, form_def=check.form,
                           page={"case": None, "attachments": {}, "choices": check.choices})


@bp.post("/forms/check")
def check():
    body = inputs.json_body()
    found = form_editor.check_form(g.api_user, body.get("key"), body.get("source"),
                                   current_lang())
    return jsonify({"problems": [_problem_json(p) for p in found.problems],
                    "schema": found.schema,
                    "html": preview_html(found) if found.form is not None else "",
                    "used_by": found.used_by})


@bp.post("/processes/<key>/decisions/try")
def try_decision(key: str):
    body = inputs.json_body()
    result = decision_try.try_table(g.api_user, key, body.get("file"), body.get("text"),
                                    body.get("case_id"), api._now(), current_lang())
    access_log.record_case(g.api_user, "case", result["case_id"],
                           f"decision table {body.get('file')} tried")
    return jsonify(result)
