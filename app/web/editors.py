"""The form editor and the decision table editor of a procedure (designers).

The pages hold the editors; checking, previewing, trying and saving drafts go through the
JSON API with the page's session and CSRF token.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.services import form_editor
from app.web import inputs

bp = Blueprint("editors", __name__, url_prefix="/processes")


def _version() -> int | None:
    return inputs.query_int("version", None, 1, inputs.MAX_ID)


@bp.get("/<key>/forms/<form>/edit")
@login_required
def form(key: str, form: str):
    page = form_editor.editor_page(current_user, key, f"forms/{form}.yaml", _version())
    return render_template("processes/form_edit.html", page=page, form_key=form)


@bp.get("/<key>/decisions/<file>/edit")
@login_required
def decision(key: str, file: str):
    page = form_editor.editor_page(current_user, key, file, _version())
    return render_template("processes/decision_edit.html", page=page, file=file)
