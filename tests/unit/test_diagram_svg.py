"""The server-side diagram: every DI shape and edge drawn where the DI puts it, labelled from
the definitions, the path taken highlighted, names escaped, wide diagrams cut into slices."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from app.config import ROOT
from app.services import diagram_svg

SVG = "{http://www.w3.org/2000/svg}"
BPMN = (ROOT / "processes" / "kunming" / "recognition.bpmn").read_text("utf-8")
SMALL = (ROOT / "tests" / "data" / "diagram_small.bpmn").read_text("utf-8")


def parsed(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_every_shape_and_edge_of_the_di_is_read_with_its_coordinates():
    drawing = diagram_svg.read(BPMN)

    assert len(drawing.shapes) == BPMN.count("<bpmndi:BPMNShape")
    assert len(drawing.edges) == BPMN.count("<bpmndi:BPMNEdge")
    task = next(s for s in drawing.shapes if s.id == "submit_application")
    assert task.kind == "userTask" and task.name == "填报申请材料" and task.w > 0


def test_the_path_taken_is_highlighted_and_the_rest_is_not():
    svg = parsed(diagram_svg.render(diagram_svg.read(SMALL), completed=["start"],
                                    current=["review"]))
    rects = svg.findall(f"{SVG}rect")
    circles = svg.findall(f"{SVG}circle")
    lines = svg.findall(f"{SVG}polyline")

    assert rects[0].get("stroke") == diagram_svg.STYLES["current"][1]
    assert circles[0].get("stroke") == diagram_svg.STYLES["completed"][1]  # start: done
    assert circles[1].get("stroke") == diagram_svg.STYLES[None][1]  # end: not reached
    assert [line.get("stroke-width") for line in lines] == ["3", "1.3"]  # f1 taken, f2 not


def test_labels_come_from_the_definitions_and_are_escaped():
    svg = diagram_svg.render(diagram_svg.read(SMALL))
    texts = "".join(parsed(svg).itertext())

    assert "开始" in texts and "审核 <b>" in texts and "通过" in texts
    assert "<b>" not in svg  # escaped, not markup


def test_a_wide_diagram_is_cut_into_slices_that_cover_it():
    drawing = diagram_svg.read(BPMN)
    x, _y, width, _h = drawing.bounds()
    slices = diagram_svg.windows(drawing, 1300)

    assert len(slices) == -(-int(width) // 1300)
    assert slices[0][0] == x and sum(s[2] for s in slices) == pytest.approx(width)
    one = diagram_svg.render(drawing, window=slices[0])
    assert parsed(one).get("viewBox").startswith(f"{x} ")
    assert len(one) < len(diagram_svg.render(drawing)) / 2  # draws only what it shows


def test_a_text_that_is_not_bpmn_is_refused_with_a_diagram_error():
    with pytest.raises(diagram_svg.DiagramError):
        diagram_svg.read("<not closed")


def test_chinese_names_wrap_between_characters_to_the_width():
    lines = diagram_svg.wrap("满意度抽查与推荐意见", 50, 12)

    assert "".join(lines) == "满意度抽查与推荐意见" and all(len(line) <= 4 for line in lines)
