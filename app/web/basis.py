"""Legal basis on pages: template helpers giving the measures a case or procedure runs under,
and the reminders to publish successor measures (see app/services/legal_basis.py).

Helpers rather than view arguments: the same notes appear on the start page, the case and
task pages, the worklist and the procedure pages, whose views stay as they are.
"""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from app.models import Case, ProcessVersion
from app.services import legal_basis
from app.web import layout


def case_basis(case: Case) -> dict | None:
    """Return the basis `case` runs under (with `expired`: started after it ended)."""
    return legal_basis.case_basis(case)


def process_basis(version: ProcessVersion) -> dict | None:
    """Return the basis of `version` with its state today (the app's clock)."""
    return legal_basis.process_basis(version, layout.now())


def basis_reminders() -> list[dict]:
    """Return the current user's reminders to publish successor measures."""
    if not current_user.is_authenticated:
        return []
    # `reader` picks the wording: city officials publish measures, designers versions.
    return [{**reminder, "reader": current_user.role}
            for reminder in legal_basis.reminders(current_user, layout.now())]


def register(app: Flask) -> None:
    """Offer the helpers to every template."""
    app.jinja_env.globals.update(case_basis=case_basis, process_basis=process_basis,
                                 basis_reminders=basis_reminders)
