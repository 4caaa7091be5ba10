"""Certificates of recognition: the PDF for the applicant and officials, and the public
check of a certificate's verification code (beside the public registry)."""

from __future__ import annotations

import datetime as dt
import io

from flask import Blueprint, current_app, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app.calendar import SHANGHAI
from app.extensions import limiter
from app.services import access_log, case_view, cases, certificates, dossier
from app.web.i18n import current_lang
from app.web.layout import now

bp = Blueprint("certificates", __name__)


def check_limit() -> str:
    return current_app.config["CERTIFICATE_CHECK_RATE_LIMIT"]


# One budget per address for the page and the API: guessing codes is as slow either way.
checked = limiter.shared_limit(check_limit, scope="certificate-check")


def pdf_response(user, case_id: int):
    """Return the certificate PDF of case `case_id` for `user`, journaled for auditors."""
    case = cases.get_case(user, case_id)
    certificate = certificates.certificate_of(user, case, current_app.config["CERTIFICATE_KEY"],
                                              current_lang())
    link = url_for("certificates.verify", code=certificate.code, _external=True)
    html = render_template("certificates/certificate.html", cert=certificate, link=link,
                           qr=certificates.qr_image(link),
                           programme=case_view.process_title(case, current_lang()))
    access_log.record(user, "certificate", case)
    return send_file(io.BytesIO(dossier.pdf_of(html)), mimetype="application/pdf",
                     as_attachment=True, download_name=f"certificate-{case.ref}.pdf")


def today() -> dt.date:
    return now().astimezone(SHANGHAI).date()


@bp.get("/cases/<int:case_id>/certificate")
@login_required
def download(case_id: int):
    return pdf_response(current_user._get_current_object(), case_id)


@bp.get("/titles/verify")
@checked
def verify():
    code = request.args.get("code", "").strip()[:certificates.MAX_CODE]
    check = certificates.check_code(code, current_app.config["CERTIFICATE_KEY"], today()) \
        if code else None
    return render_template("certificates/verify.html", code=code, check=check)
