"""The registry of titles: a page, CSV and XLSX for logged-in readers (their scope) and the
public (titles in force only), so an authority can link it from its website."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.services import access_log, registry, registry_export
from app.web import labels
from app.web.i18n import current_lang
from app.web.layout import now

bp = Blueprint("titles", __name__)

HEADERS = {
    "case_id": _l("Case ID"), "ref": _l("Case number"), "subject_name": _l("Base"),
    "operator_name": _l("Operator"), "credit_code": _l("Unified social credit code"),
    "certificate_no": _l("Certificate number"), "recognized_on": _l("Recognised on"),
    "valid_from": _l("Valid from"), "valid_until": _l("Valid until"), "status": _l("Status"),
    "process": _l("Procedure"), "jurisdiction": _l("City"), "county": _l("County / district"),
}


def _reader():
    return current_user if current_user.is_authenticated else None


def _filters() -> registry.Filters:
    return registry.check_filters(**{key: request.args.get(key, "")
                                     for key in ("jurisdiction", "status", "county")})


def _journal_detail(what: str) -> str:
    return access_log.filters_text({"titles": what, **{
        key: request.args.get(key, "") for key in ("jurisdiction", "status", "county")}})


def _columns() -> tuple[str, ...]:
    return registry.PUBLIC_FIELDS if registry.is_public(_reader()) else registry.FIELDS


def _download(content: bytes, mimetype: str, extension: str) -> Response:
    name = f"titles-{now().strftime('%Y%m%d')}.{extension}"
    return Response(content, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.get("/titles")
def index():
    page = registry.registry_page(_reader(), _filters(), current_lang())
    access_log.record(_reader(), "search", detail=_journal_detail("titles"))
    return render_template("titles/index.html", page=page, headers=HEADERS)


def _export() -> tuple[list[dict], tuple[str, ...], list[str]]:
    """Return the rows as people read them (names, not keys), their columns and headers."""
    page = registry.registry_page(_reader(), _filters(), current_lang())
    rows = [{**row, "status": str(labels.STATUSES.get(row["status"], row["status"])),
             "process": page.processes.get(row["process"], row["process"]),
             "jurisdiction": page.jurisdictions.get(row["jurisdiction"], row["jurisdiction"]),
             "county": page.counties.get(row["jurisdiction"], {}).get(row.get("county"),
                                                                      row.get("county"))}
            for row in page.titles]
    columns = _columns()
    subject = labels.subject_word("name", [row["subject"] for row in rows])
    return rows, columns, [subject if c == "subject_name" else str(HEADERS[c]) for c in columns]


@bp.get("/titles.csv")
def export_csv():
    content = registry_export.to_csv(*_export())
    access_log.record(_reader(), "export", detail=_journal_detail("titles.csv"))
    return _download(content, "text/csv; charset=utf-8", "csv")


@bp.get("/titles.xlsx")
def export_xlsx():
    content = registry_export.to_xlsx(*_export(), sheet_title=_("Titles"))
    access_log.record(_reader(), "export", detail=_journal_detail("titles.xlsx"))
    return _download(content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     "xlsx")
