"""The oversight dashboard page and its XLSX (one sheet per figure)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required

from app.services import access_log, oversight, oversight_export
from app.web import inputs, layout, oversight_view
from app.web.i18n import current_lang

bp = Blueprint("oversight", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def figures_for(user, at) -> dict:
    """Return the figures at `at` for the request's `jurisdiction` and `year` (400 when bad)."""
    jurisdiction = request.args.get("jurisdiction", "").strip() or None
    return oversight.dashboard(user, jurisdiction, inputs.query_year(), at, current_lang())


@bp.get("/oversight")
@login_required
def index():
    figures = figures_for(current_user, layout.now())
    return render_template("oversight/index.html", figures=figures,
                           tables=oversight_view.tables(figures),
                           charts=oversight_view.charts(figures),
                           years=range(layout.now().year + 3, layout.now().year - 8, -1))


@bp.get("/oversight.xlsx")
@login_required
def export_xlsx():
    figures = figures_for(current_user, layout.now())
    content = oversight_export.workbook((t.title, t.headers, t.rows)
                                        for t in oversight_view.tables(figures))
    access_log.record(current_user, "export", detail=_detail(figures))
    name = f"oversight-{layout.now().strftime('%Y%m%d')}.xlsx"
    return Response(content, mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={name}"})


def _detail(figures: dict) -> str:
    return (f"oversight.xlsx jurisdiction={figures['jurisdiction'] or 'all'} "
            f"year={figures['year'] or 'all'}")
