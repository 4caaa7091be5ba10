"""The oversight dashboard in a real browser: every chart drawn with the page's series, on a
desktop and a phone."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.support import login, snap

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture(scope="module")
def title(live_server):
    """A Kunming title recognised on 2026-11-20 through the JSON API."""
    return live_server.recognised_title()


def _charts(page) -> dict:
    """The series names each chart should draw, from the page's own JSON."""
    charts = json.loads(page.locator("#oversight-charts").text_content())
    return {c["key"]: [s["name"] for s in c["series"]] for c in charts if c["categories"]}


@pytest.mark.parametrize("device", WIDTHS)
def test_the_city_sees_every_chart_drawn_with_its_series(page, title, device):
    page.set_viewport_size({"width": WIDTHS[device], "height": 900})
    login(page, "km_city")
    page.get_by_test_id("nav-oversight-index").click()

    expected = _charts(page)
    assert set(expected) == {"by_stage", "by_county", "step_durations", "titles"}
    assert expected["titles"] == ["认定", "有效期届满", "撤销"]
    for key, names in expected.items():
        chart = page.locator(f'[data-chart="{key}"]')
        expect(chart.locator("svg")).to_have_count(1)
        expect(chart).to_have_attribute("data-series", json.dumps(names, ensure_ascii=False,
                                                                  separators=(",", ":")))
        for name in names:  # the legend names each series
            expect(chart.locator("svg text", has_text=name).first).to_be_attached()
        box = chart.bounding_box()
        assert box["width"] <= WIDTHS[device] and box["height"] >= 150
    expect(page.get_by_test_id("table-titles")).to_contain_text("2026")
    expect(page.get_by_test_id("empty-overdue")).to_be_visible()
    snap(page, f"oversight-city-{device}")
    snap(page, f"oversight-steps-{device}", page.get_by_test_id("figure-step_durations"))
