"""Maps domain errors once: JSON for the API, friendly pages for people. No stack traces."""

from __future__ import annotations

import logging

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_babel import gettext
from werkzeug.exceptions import HTTPException

from app.errors import N_, AppError, Rejected
from app.extensions import db
from app.services.paging import InvalidCursor
from app.web import inputs

TITLES = {
    400: N_("Bad request"), 401: N_("Please log in"), 403: N_("Access denied"),
    404: N_("Page not found"), 405: N_("Operation not supported"), 409: N_("Conflict"),
    413: N_("File too large"), 415: N_("File type not allowed"), 422: N_("Please check your input"),
    500: N_("System error"),
}


def _title(status: int) -> str:
    return gettext(TITLES.get(status, N_("Something went wrong")))


def _respond(status: int, message: str, errors: dict | None = None):
    if request.path.startswith("/api/"):
        return jsonify({"error": message, "errors": errors or {}}), status
    return render_template("errors/error.html", status=status, title=_title(status),
                           message=message, errors=errors or {}), status


def handle_app_error(error: AppError):
    errors = error.by_field(gettext) if isinstance(error, Rejected) else None
    return _respond(error.status, error.text(gettext) or _title(error.status), errors)


def handle_stale_cursor(error: InvalidCursor):
    """A page link whose cursor no longer reads (cut short, edited, of another order): people
    get the list's first page with a note; API clients get the 400 that names the headers."""
    if request.path.startswith("/api/") or request.method != "GET" or request.endpoint is None:
        return handle_app_error(error)
    flash(gettext("That page link no longer works (it was cut short or changed), so the list "
                  "starts again from its first page."), "warning")
    return redirect(inputs.url_paged())


def handle_http(error: HTTPException):
    status = error.code or 500
    return _respond(status, _title(status))


def handle_unexpected(error: Exception):
    db.session.rollback()
    logging.getLogger(__name__).exception("unhandled error")
    return _respond(500, gettext("The system failed; nothing you did was saved. Please try again "
                                 "later or contact the administrator."))


def register(app: Flask) -> None:
    app.register_error_handler(AppError, handle_app_error)
    app.register_error_handler(InvalidCursor, handle_stale_cursor)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)


def populate_errors(form, error: Rejected) -> list[str]:
    """Put a Rejected error's reasons onto the form's fields; return those that fit no field."""
    leftover: list[str] = []
    for name, messages in error.by_field(gettext).items():
        field = form._fields.get(name) if name else None
        if field is None:
            leftover.extend(messages)
        else:
            field.errors = [*field.errors, *messages]
    return leftover
