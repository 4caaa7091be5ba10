"""Certificates of recognition: what one says, its verification code, checking a code.

The verification code is an HMAC of the case and its certificate number under the
instance's CERTIFICATE_KEY (default SECRET_KEY): nobody without the key can make one, and
nothing needs storing. It starts with the case id so a check reads one row. A new key
invalidates every code printed before (docs/OPERATIONS.md "Mail, password reset links and
certificates").
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass

import segno

from app.errors import N_, Conflict, NotAllowed
from app.extensions import db
from app.models import Case, User
from app.services import catalog, registry, visibility
from app.services.records import recorded

CODE = re.compile(r"(\d{1,12})-([A-Z2-7]{16})")
MAX_CODE = 40
# The QR code of the check link: error correction M survives a smudge of the print; 4 pixels
# a module and the standard quiet zone of 4 modules (ISO/IEC 18004).
QR_ERROR, QR_SCALE, QR_BORDER = "m", 4, 4
# Who may download a certificate besides the applicant: the roles that read the whole case.
OFFICIAL_ROLES = visibility.FULL_ROLES
# 产品默认: the seeds name the recogniser as the city's 中小企业主管部门 without its exact
# name; a procedure names it precisely with `authority` (and `authority_en`) in meta.yaml.
DEFAULT_AUTHORITY = N_("%(city)s authority in charge of small and medium-sized enterprises")


@dataclass(frozen=True)
class Certificate:
    """What a certificate of recognition states."""

    case: Case
    base_name: str
    operator_name: str
    credit_code: str
    certificate_no: str
    recognized_on: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    authority: str
    code: str


@dataclass(frozen=True)
class Check:
    """The answer to a verification code: `state` is "unknown", "valid", "expired" or
    "revoked"; `title` the public registry row of the title it names (None when unknown)."""

    state: str
    title: dict | None = None


def verification_code(case: Case, secret: str) -> str:
    """Return the verification code of `case`'s certificate, e.g. 12-ABCD-EFGH-JKLM-NPQR."""
    message = f"certificate|{case.id}|{case.certificate_no}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    letters = base64.b32encode(digest[:10]).decode()
    return f"{case.id}-" + "-".join(letters[i:i + 4] for i in range(0, 16, 4))


def _authority(case: Case, lang: str) -> str:
    options = case.process_version.options or {}
    named = (options.get("authority_en") if lang == "en" else None) or options.get("authority")
    if named:
        return str(named)
    city = catalog.jurisdiction(case.jurisdiction)
    if lang == "en":
        return f"{city.name_en or city.name} authority in charge of small and medium-sized " \
               "enterprises"
    return recorded(DEFAULT_AUTHORITY, city=city.name)


def _entitled(user: User, case: Case) -> bool:
    return user.role in OFFICIAL_ROLES or case.applicant_id == user.id


def _in_force(case: Case) -> bool:
    return case.status == "recognized" and bool(case.certificate_no)


def offers_certificate(user: User, case: Case) -> bool:
    """Return whether the case page offers `user` (who may read `case`) its certificate."""
    return _entitled(user, case) and _in_force(case)


def certificate_of(user: User, case: Case, secret: str, lang: str = "zh") -> Certificate:
    """Return the certificate of `case` for `user`; raise NotAllowed (not the applicant nor
    an official) or Conflict (no title in force)."""
    visibility.view_of(user, case)  # raises NotAllowed for whoever may not read the case
    if not _entitled(user, case):
        raise NotAllowed(N_("Only the applicant and the officials download the certificate."))
    if not _in_force(case):
        raise Conflict(N_("This case holds no title in force, so there is no certificate."))
    row = registry.title_row(case)
    return Certificate(case, row["subject_name"], row["operator_name"] or "",
                       row["credit_code"] or "", case.certificate_no,
                       row["recognized_on"] or "", case.valid_from, case.valid_until,
                       _authority(case, lang), verification_code(case, secret))


def qr_code(link: str) -> segno.QRCode:
    """Return the QR code of `link` (the certificate's check link)."""
    return segno.make(link, error=QR_ERROR, micro=False)


def qr_image(link: str) -> str:
    """Return the QR code of `link` as a PNG data URI, for the certificate PDF."""
    return qr_code(link).png_data_uri(scale=QR_SCALE, border=QR_BORDER)


def normalise_code(text: str) -> str:
    """Return `text` as a code is written (upper case, no spaces); "" when it cannot be one."""
    text = re.sub(r"\s+", "", text or "").upper()[:MAX_CODE]
    head, _sep, rest = text.partition("-")
    return f"{head}-{rest.replace('-', '')}" if rest else text


def _state(case: Case, today: dt.date) -> str:
    if case.status == "revoked":
        return "revoked"
    if case.status == "recognized" and (case.valid_until is None or case.valid_until >= today):
        return "valid"
    return "expired"


def check_code(text: str, secret: str, today: dt.date) -> Check:
    """Return whether the code `text` names a genuine certificate and its title's state."""
    match = CODE.fullmatch(normalise_code(text))
    case = db.session.get(Case, int(match.group(1))) if match else None
    if case is None or not case.certificate_no:
        return Check("unknown")
    expected = verification_code(case, secret).replace("-", "")[len(str(case.id)):]
    if not hmac.compare_digest(expected, match.group(2)):
        return Check("unknown")
    row = registry.title_row(case)
    return Check(_state(case, today), {k: row[k] for k in registry.PUBLIC_FIELDS + ("subject",)})


def public_json(check: Check) -> Mapping:
    """Return the check as the API answers it."""
    return {"genuine": check.state != "unknown", "state": check.state, "title": check.title}
