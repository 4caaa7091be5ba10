"""GET /api/cases/<id>/certificate (the PDF) and GET /api/registry/verify?code= (public)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from app.errors import N_, Rejected
from app.extensions import csrf
from app.services import certificates
from app.web import api
from app.web.certificates import checked, pdf_response, today

bp = Blueprint("api_certificates", __name__, url_prefix="/api")
csrf.exempt(bp)


@bp.get("/cases/<int:case_id>/certificate")
def certificate(case_id: int):
    return pdf_response(api.request_user(), case_id)


@bp.get("/registry/verify")
@checked
def verify():
    if request.headers.get("Authorization"):
        g.api_user = api.request_user()  # a token given must be valid, though none is needed
    code = request.args.get("code", "").strip()
    if not code or len(code) > certificates.MAX_CODE:
        raise Rejected(N_("Enter the verification code printed on the certificate."),
                       [("code", N_("Enter the verification code printed on the certificate."))])
    check = certificates.check_code(code, current_app.config["CERTIFICATE_KEY"], today())
    return jsonify(certificates.public_json(check))
