"""Dossiers: a case's evidence as one signed ZIP to hand to an inspection body.

Per case: `report.pdf` (WeasyPrint, from the HTML the caller renders), `journal.json` (the
events as GET /api/cases/<id>/events gives them, with the chain's head), `attachments/`
(what the reader may see of them) and `manifest.json`: the sha256 of every other file, the
case ref, the time, the anchor covering the case and the instance's public key, signed
Ed25519 in `manifest.sig` with the key the anchors use. deploy/verify_dossier.py checks
it offline. A search result gives one folder per case, at most MAX_CASES of them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from app.errors import N_, NotAllowed, Rejected
from app.extensions import db
from app.models import Case, User
from app.services import access_log, anchors, cases, visibility
from app.services.dossier_report import FileRow, Report, report_of

READERS = ("auditor", "admin")
# 产品默认: each case costs about 3 s (replay plus the PDF), so 20 cases fit in the web
# server's default 60 s request timeout (WEB_TIMEOUT_SECONDS, deploy/gunicorn.conf.py).
MAX_CASES = 20
FORMAT = "dossier/1"
UNSAFE = re.compile(r'[\x00-\x1f\\/:*?"<>|]')
Render = Callable[[Report], str]  # the report as HTML


@dataclass(frozen=True)
class Paths:
    """Where the instance keeps uploads, the anchor log and the signing key."""

    upload_dir: Path
    log_path: Path
    key_path: Path


def require_reader(user: User) -> None:
    """Raise NotAllowed unless `user` may download dossiers (auditors and administrators)."""
    if user.role not in READERS:
        raise NotAllowed(N_("Only auditors and administrators may download a dossier."))


def safe_name(name: str) -> str:
    """Return `name` fit to be one path part of a ZIP entry (no folders, no dot files)."""
    return UNSAFE.sub("_", name).lstrip(".").strip() or "file"


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def pdf_of(html: str) -> bytes:
    """Return the PDF WeasyPrint makes of `html`; it may load nothing but data: URIs."""
    import weasyprint  # loads pango on first use: only the dossier pays for it

    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()


def _attachments(view: visibility.View, upload_dir: Path) -> tuple[list[FileRow], dict]:
    """Return the rows of the attachments the reader may see and {ZIP path: content}."""
    rows, files = [], {}
    for record in visibility.case_attachments(view).values():
        stored = upload_dir / record.sha256[:2] / record.sha256
        path = f"attachments/{record.sha256[:12]}_{safe_name(record.name)}"
        if stored.exists():
            files[path] = stored.read_bytes()
        rows.append(FileRow(record, "", path if stored.exists() else ""))
    return rows, files


def _manifest(case: Case, files: dict[str, bytes], report: Report, key_path: Path) -> dict:
    key = anchors.signing_key(key_path)
    manifest = {
        "format": FORMAT, "case": case.ref, "created_at": report.created_at.isoformat(),
        "files": {name: _sha(content) for name, content in sorted(files.items())},
        "head": report.head, "anchor": report.anchor,
        "public_key": anchors.public_pem(key.public_key()).decode("ascii"),
        "key": anchors.fingerprint(key.public_key()),
    }
    content = _json(manifest)
    return {"manifest.json": content,
            "manifest.sig": base64.b64encode(key.sign(content)) + b"\n"}


def case_files(user: User, case: Case, render: Render, paths: Paths, lang: str,
               now: dt.datetime) -> dict[str, bytes]:
    """Return {name: content} of the dossier of `case` (files at the dossier's root)."""
    view = visibility.view_of(user, case)
    rows, files = _attachments(view, paths.upload_dir)
    report = report_of(user, case, rows, paths.log_path, paths.key_path, lang, now)
    events = cases.visible_events(user, case)
    files["journal.json"] = _json({"case": case.ref, "head": report.head, "events": events})
    files["report.pdf"] = pdf_of(render(report))
    return {**files, **_manifest(case, files, report, paths.key_path)}


def zipped(files: dict[str, bytes]) -> bytes:
    """Return a ZIP of `files` ({name: content})."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def case_dossier(user: User, case_id: int, render: Render, paths: Paths, lang: str,
                 now: dt.datetime) -> tuple[str, bytes]:
    """Return (file name, ZIP) of one case's dossier, journaled; raise NotAllowed / NotFound."""
    require_reader(user)
    case = cases.get_case(user, case_id)
    content = zipped(case_files(user, case, render, paths, lang, now))
    access_log.record(user, "dossier", case, now=now)
    return f"dossier-{case.ref}.zip", content


def search_dossier(user: User, filters: dict, render: Render, paths: Paths, lang: str,
                   now: dt.datetime) -> tuple[str, bytes]:
    """Return (file name, ZIP) with one folder per case the search finds, each journaled;
    raise Rejected above MAX_CASES."""
    require_reader(user)
    query = cases.case_query(user, **{k: v for k, v in filters.items() if v})
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    if not total:
        raise Rejected(N_("The search finds no case: there is no dossier to download."))
    if total > MAX_CASES:
        raise Rejected(N_("The search finds %(total)s cases; a dossier holds at most %(max)s. "
                          "Narrow the search and download again."), total=total, max=MAX_CASES)
    found = list(db.session.scalars(query))
    files = {}
    for case in found:
        files.update({f"{case.ref}/{name}": content for name, content
                      in case_files(user, case, render, paths, lang, now).items()})
    content = zipped(files)
    for case in found:
        access_log.record(user, "dossier", case, detail="search", now=now)
    return f"dossiers-{now.astimezone(dt.timezone.utc):%Y%m%d-%H%M%S}.zip", content
