"""The form editor and the decision table editor of a procedure (designers).

The pages hold the editors; checking, previewing, trying and saving drafts go through the
JSON API with the page's session and CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.services import catalog, decision_try, form_editor
from app.web import inputs

bp = Blueprint("editors", __name__, url_prefix="/processes")


@bp.get("/<key>/forms/<form>/edit")
@login_required
def form(key: str, form: str):
    version, source = form_editor.editor_source(current_user, key, f"forms/{form}.yaml",
                                                inputs.query_int("version", None, 1, inputs.MAX_ID))
    return render_template("processes/form_edit.html", process=catalog.latest_process(key),
                           version=version, form_key=form, source=source,
                           used_by=form_editor.uses(form))


@bp.get("/<key>/decisions/<file>/edit")
@login_required
def decision(key: str, file: str):
    version, source = form_editor.editor_source(current_user, key, file,
                                                inputs.query_int("version", None, 1, inputs.MAX_ID))
    return render_template("processes/decision_edit.html", process=catalog.latest_process(key),
                           version=version, file=file, source=source,
                           cases=decision_try.recent_cases(current_user, key))
