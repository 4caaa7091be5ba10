"""Certificates of recognition: the PDF for the applicant and officials,
its verification code checked by the public registry (page and API), rate-limited."""

from __future__ import annotations

import subprocess

import sqlalchemy as sa
from PIL import Image  # WeasyPrint's own dependency

from app.extensions import db, limiter
from app.models import Case
from app.services import certificates
from tests.processes.test_kunming import APPLICANT
from tests.web import support
from tests.web.recognised import api, app, loaded_app, template_db, title  # noqa: F401


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def _code(app, case_id: int) -> str:  # noqa: F811
    case = db.session.get(Case, case_id)
    return certificates.verification_code(case, app.config["CERTIFICATE_KEY"])


def test_the_applicant_downloads_a_certificate_with_number_validity_and_code(
        app, api, title, tmp_path):  # noqa: F811
    response = api.client.get(f"/api/cases/{title.id}/certificate",
                              headers=api.headers(APPLICANT))

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    number = title.case()["certificate_no"]
    assert number in text
    assert "2026-11-20 至 2029-11-19" in text
    assert "昆明示例创业园" in text
    assert "昆明市中小企业主管部门" in text
    assert _code(app, title.id) in text


def _embedded_images(content: bytes, tmp_path) -> list:
    """Return the images a PDF embeds, as Pillow images (poppler's pdfimages)."""
    (tmp_path / "c.pdf").write_bytes(content)
    subprocess.run(["pdfimages", "-png", str(tmp_path / "c.pdf"), str(tmp_path / "img")],
                   check=True)
    images = []
    for path in sorted(tmp_path.glob("img-*.png")):
        with Image.open(path) as image:
            images.append(image.convert("L"))
    return images


def _modules(image, size: int) -> list[list[bool]]:
    """Return the dark modules of a QR image drawn at QR_SCALE with a QR_BORDER quiet zone."""
    scale, border = certificates.QR_SCALE, certificates.QR_BORDER
    assert image.size == ((size + 2 * border) * scale,) * 2
    centre = [(i + border) * scale + scale // 2 for i in range(size)]
    return [[image.getpixel((x, y)) < 128 for x in centre] for y in centre]


def test_the_certificate_carries_the_qr_code_of_its_check_link(
        app, api, title, client, tmp_path):  # noqa: F811
    response = api.client.get(f"/api/cases/{title.id}/certificate",
                              headers=api.headers(APPLICANT))
    code = _code(app, title.id)
    link = f"http://localhost/titles/verify?code={code}"
    assert link in pdf_text(response.data, tmp_path).replace("\n", "").replace(" ", "")

    [image] = _embedded_images(response.data, tmp_path)
    expected = certificates.qr_code(link)
    assert _modules(image, len(expected.matrix)) == [[bool(m) for m in row]
                                                     for row in expected.matrix]
    assert expected.designator.endswith("-M")  # error correction M, as printed
    checked = support.text(client.get(link.removeprefix("http://localhost")))
    assert "证书真实，称号在有效期内" in checked


def test_an_expert_and_another_applicant_get_no_certificate(api, title):  # noqa: F811
    api.get("km_expert1", f"/api/cases/{title.id}/certificate", expect=403)
    api.get("km_applicant2", f"/api/cases/{title.id}/certificate", expect=403)


def test_a_case_without_a_title_in_force_has_no_certificate(api, title):  # noqa: F811
    db.session.execute(sa.update(Case).where(Case.id == title.id).values(status="revoked"))
    db.session.commit()

    body = api.get(APPLICANT, f"/api/cases/{title.id}/certificate", expect=409)

    assert "no title in force" in body["error"] or "证书" in body["error"]


def test_the_public_api_tells_a_genuine_code_from_a_forged_one(app, api, title):  # noqa: F811
    code = _code(app, title.id)

    genuine = api.get(None, f"/api/registry/verify?code={code.lower()}")
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    forged = api.get(None, f"/api/registry/verify?code={wrong}")

    assert genuine["genuine"] is True and genuine["state"] == "valid"
    assert genuine["title"]["certificate_no"] == title.case()["certificate_no"]
    assert "ref" not in genuine["title"]
    assert forged == {"genuine": False, "state": "unknown", "title": None}
    assert api.get(None, "/api/registry/verify?code=", expect=422)["errors"]


def test_the_registry_page_says_revoked_for_a_revoked_title(app, client, title):  # noqa: F811
    code = _code(app, title.id)
    db.session.execute(sa.update(Case).where(Case.id == title.id).values(status="revoked"))
    db.session.commit()

    page = support.text(client.get(f"/titles/verify?code={code}"))

    assert "证书真实，但该称号已被撤销" in page
    assert "昆明示例创业园" in page


def test_checking_codes_is_rate_limited_per_address(app, client, title):  # noqa: F811
    app.config["CERTIFICATE_CHECK_RATE_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        answers = [client.get("/titles/verify?code=1-AAAAAAAAAAAAAAAA").status_code
                   for _ in range(3)]
        answers.append(client.get("/api/registry/verify?code=1-AAAAAAAAAAAAAAAA").status_code)
    finally:
        app.config["CERTIFICATE_CHECK_RATE_LIMIT"] = "1000 per minute"
        limiter.reset()

    assert answers == [200, 200, 200, 429]
