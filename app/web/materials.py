"""Deleting an upload nobody submitted: a confirmation page, then the deletion (no script
needed: the page's form posts it)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.services import materials
from app.web.layout import now

bp = Blueprint("materials", __name__)


@bp.get("/attachments/<attachment_id>/delete")
@login_required
def confirm_delete(attachment_id: str):
    record = materials.deletable_attachment(current_user, attachment_id[:36])
    return render_template("cases/delete_attachment.html", record=record)


@bp.post("/attachments/<attachment_id>/delete")
@login_required
def delete(attachment_id: str):
    record = materials.delete_attachment(current_user, attachment_id[:36], now())
    flash(_("The file %(name)s is deleted; the case history records it.", name=record.name),
          "success")
    return redirect(url_for("cases.show", case_id=record.case_id) + "#files-title")
