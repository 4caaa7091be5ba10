"""/processes/<key>/edit: the modeler page per role."""

from __future__ import annotations

import json
import re

import pytest

EDIT = "/processes/kunming_recognition/edit"


def _config(response) -> dict:
    found = re.search(r'<script type="application/json" id="modeler-config">(.*?)</script>',
                      response.get_data(as_text=True), re.S)
    return json.loads(found.group(1))


def test_designer_opens_the_published_diagram_with_its_forms_and_decisions(client, login_as):
    login_as("km_designer")

    response = client.get(EDIT)

    page = response.get_data(as_text=True)
    config = _config(response)
    assert response.status_code == 200
    assert 'id="save"' in page and "保存草稿" in page
    assert 'id="set_public_notice"' in page  # the BPMN is on the page for the modeler
    assert config["bpmn_file"] == "recognition.bpmn" and config["version"] == 1
    assert {"id": "kunming_precheck", "file": "precheck.dmn"} in config["decisions"]
    assert "fields" in config["form_sources"]["km_notice"]


def test_auditor_opens_the_modeler_read_only(client, login_as):
    login_as("km_auditor")

    response = client.get(EDIT)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="save"' not in page
    assert "只读" in page and "modeler-read-only" in page


@pytest.mark.parametrize("username", ["lc_designer", "km_applicant", "km_city"])
def test_others_may_not_open_the_modeler(client, login_as, username):
    login_as(username)

    response = client.get(EDIT)

    assert response.status_code == 403
    assert "bpmn-source" not in response.get_data(as_text=True)


def test_an_unknown_version_is_not_found(client, login_as):
    login_as("km_designer")

    assert client.get(f"{EDIT}?version=99").status_code == 404


def test_the_panel_can_preview_a_form_the_version_does_not_use_yet(client, login_as):
    login_as("km_designer")

    sources = _config(client.get(EDIT))["form_sources"]

    assert "km_title_cancellation" in sources  # a Kunming form of another procedure
    assert not any(key.startswith("lc_") for key in sources)
