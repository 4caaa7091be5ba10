"""The application a review refers to, folded by the sections its form declares."""

from __future__ import annotations

import lxml.html

from app.services import catalog
from tests.web import support
from tests.web.test_correction_pages import NOW, returned_and_resubmitted

# The six parts of the application form (forms/km_application.yaml, sections:)
SECTIONS = ["基本情况", "运营情况", "服务功能", "入驻企业", "申报材料", "承诺"]


def groups(response, block: str) -> list:
    """Return the folded groups of the `block` (data-testid) of a page."""
    page = lxml.html.fromstring(response.get_data(as_text=True))
    [found] = page.xpath(f'//*[@data-testid="{block}"]')
    return found.xpath('.//details[contains(@class, "data-group")]')


def summary(group) -> str:
    return " ".join(group.find("summary").text_content().split())


def test_the_county_review_shows_the_application_by_its_sections_first_open(
        client, login_as, submitted_case):
    login_as("km_county_wuhua")
    item = support.ready_item(submitted_case, "county_review")

    found = groups(client.get(f"/tasks/{item.id}"), "earlier-data")

    form = catalog.case_form(support.case(submitted_case), "km_application")
    assert [summary(g) for g in found] == [f"{s.title} {len(s.fields)} 项" for s in form.sections]
    assert [s.title for s in form.sections] == SECTIONS
    assert ["open" in g.attrib for g in found] == [True] + [False] * 5
    # every field of the application is in one of them (the browser's find opens its group)
    shown = [dd.get("data-field") for g in found for dd in g.xpath(".//dd")]
    assert shown == [f"application.{name}" for s in form.sections for name in s.fields]


def test_a_second_review_opens_and_marks_the_sections_changed_or_still_to_correct(
        client, login_as, submitted_case):
    returned_and_resubmitted(submitted_case)  # 联系电话 changed; the audit report asked, kept
    login_as("km_county_wuhua")
    item = support.ready_item(submitted_case, "county_review")

    found = groups(client.get(f"/tasks/{item.id}"), "earlier-data")

    marked = {summary(g).split()[0]: summary(g) for g in found if "open" in g.attrib}
    assert marked == {"基本情况": "基本情况 16 项 已修改 1 项",
                      "申报材料": "申报材料 10 项 要求补正但未修改 1 项"}
    phone = found[0].xpath('.//dt[following-sibling::dd[1]'
                           '[@data-field="application.contact_phone"]]')[0]
    assert " ".join(phone.text_content().split()) == "联系电话（手机） 已修改"


def test_the_case_page_folds_its_data_the_same_way(client, login_as, submitted_case):
    returned_and_resubmitted(submitted_case)
    login_as("km_city")

    found = groups(client.get(f"/cases/{submitted_case}"), "case-data")

    assert [summary(g).split()[0] for g in found] == SECTIONS
    assert [summary(g) for g in found if "open" in g.attrib] == [
        "基本情况 16 项 已修改 1 项", "申报材料 10 项 要求补正但未修改 1 项"]


def test_while_the_applicant_corrects_the_case_page_opens_what_is_to_correct(
        client, login_as, submitted_case):
    support.complete(submitted_case, "county_review", "km_county_wuhua", support.COUNTY_RETURN,
                     NOW)
    login_as("km_county_wuhua")

    found = groups(client.get(f"/cases/{submitted_case}"), "case-data")

    assert [summary(g) for g in found if "open" in g.attrib] == [
        "基本情况 16 项", "申报材料 10 项 需补正 1 项"]


def test_an_english_user_reads_the_sections_in_english(client, login_as, submitted_case):
    login_as("km_county_wuhua")
    client.get("/language/en")
    item = support.ready_item(submitted_case, "county_review")

    found = groups(client.get(f"/tasks/{item.id}"), "earlier-data")

    assert [summary(g) for g in found][:2] == ["Basic information 16 items", "Operations 16 items"]
