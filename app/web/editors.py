"""The form editor and the decision table editor of a procedure (designers).

The pages hold the editors; checking, previewing, trying and saving drafts go through the
JSON API with the page's session and CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.services import catalog, decision_try, form_editor

bp = Blueprint("editors", __name__, url_prefix="/processes")


@bp.get("/<key>/forms/<form>/edit")
@login_required
def form(key: str, form: str):
    source = form_editor.source_of(current_user, key, form)
    return render_template("processes/form_edit.html", process=catalog.latest_process(key),
                           form_key=form, source=source, used_by=form_editor.uses(form))


@bp.get("/<key>/decisions/<file>/edit")
@login_required
def decision(key: str, file: str):
    source = decision_try.table_source(current_user, key, file)
    return render_template("processes/decision_edit.html", process=catalog.latest_process(key),
                           file=file, source=source,
                           cases=decision_try.recent_cases(current_user, key))
