"""A procedure diagram as SVG, drawn on the server from the BPMN diagram interchange (DI).

The dossier's PDF cannot run bpmn-js, so the shapes and edges are drawn here at the
coordinates the DI gives them, labelled from the definitions, with the path a case took
highlighted: its completed elements, the flows between them, its current tasks and the
timers it waits for. `window` cuts a slice of a wide diagram so that its labels stay legible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
FONT = 12
POOLS = ("participant", "lane")
# Fill and stroke by marker, the colours of the case page's legend.
STYLES = {"completed": ("#e3f4e8", "#1e7b3c"), "current": ("#e3edfb", "#1a5fd0"),
          "waiting": ("#fff4dc", "#b26a00"), None: ("#ffffff", "#5f6b7a")}
GATEWAY_MARKS = {"exclusiveGateway": "×", "parallelGateway": "+", "inclusiveGateway": "○",
                 "eventBasedGateway": "◇"}


class DiagramError(ValueError):
    """The BPMN text cannot be read as a diagram."""


@dataclass
class Shape:
    id: str
    kind: str
    name: str
    x: float
    y: float
    w: float
    h: float
    label: tuple[float, float, float, float] | None = None


@dataclass
class Edge:
    id: str
    name: str
    source: str
    target: str
    points: list[tuple[float, float]] = field(default_factory=list)
    label: tuple[float, float, float, float] | None = None


@dataclass
class Diagram:
    shapes: list[Shape]
    edges: list[Edge]

    def bounds(self) -> tuple[float, float, float, float]:
        """Return (x, y, width, height) around every shape and edge point."""
        xs = [s.x for s in self.shapes] + [p[0] for e in self.edges for p in e.points]
        ys = [s.y for s in self.shapes] + [p[1] for e in self.edges for p in e.points]
        x2 = [s.x + s.w for s in self.shapes] + xs
        y2 = [s.y + s.h for s in self.shapes] + ys
        if not xs:
            return 0, 0, 100, 100
        return min(xs) - 10, min(ys) - 10, max(x2) - min(xs) + 20, max(y2) - min(ys) + 20


def _bounds(node) -> tuple[float, float, float, float] | None:
    found = node.find(f"{{{DC}}}Bounds")
    if found is None:
        return None
    return tuple(float(found.get(k, 0)) for k in ("x", "y", "width", "height"))


def _label(node):
    label = node.find(f"{{{BPMNDI}}}BPMNLabel")
    return _bounds(label) if label is not None else None


def read(bpmn: str) -> Diagram:
    """Return the shapes and edges of the first diagram of `bpmn`; raise DiagramError."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(bpmn.encode("utf-8"), parser)
    except (etree.XMLSyntaxError, ValueError) as error:
        raise DiagramError(str(error)) from None
    elements = {el.get("id"): el for el in root.iter(f"{{{BPMN}}}*") if el.get("id")}
    shapes, edges = [], []
    for node in root.iter(f"{{{BPMNDI}}}BPMNShape"):
        element, box = elements.get(node.get("bpmnElement")), _bounds(node)
        if element is not None and box is not None:
            kind = etree.QName(element).localname
            shapes.append(Shape(element.get("id"), kind, element.get("name") or "", *box,
                                label=_label(node)))
    for node in root.iter(f"{{{BPMNDI}}}BPMNEdge"):
        element = elements.get(node.get("bpmnElement"))
        if element is None:
            continue
        points = [(float(p.get("x", 0)), float(p.get("y", 0)))
                  for p in node.iter(f"{{{DI}}}waypoint")]
        edges.append(Edge(element.get("id"), element.get("name") or "",
                          element.get("sourceRef") or "", element.get("targetRef") or "",
                          points, _label(node)))
    # Pools first, so that every other shape is drawn over them.
    shapes.sort(key=lambda s: s.kind not in POOLS)
    return Diagram(shapes, edges)


# --- text -------------------------------------------------------------------------------------

def _width(text: str, size: float) -> float:
    return sum(size if ord(ch) > 0x2e7f else size * 0.55 for ch in text)


def wrap(text: str, width: float, size: float = FONT) -> list[str]:
    """Return `text` cut into lines no wider than `width` (CJK breaks between any characters)."""
    lines, line = [], ""
    for ch in text:
        if line and _width(line + ch, size) > width:
            lines.append(line)
            line = ""
        line += ch
    return lines + ([line] if line else [])


def _text(lines: list[str], cx: float, top: float, size: float = FONT, extra: str = "") -> str:
    spans = "".join(f'<tspan x="{cx:.1f}" y="{top + (i + 1) * size * 1.2:.1f}">{escape(line)}'
                    "</tspan>" for i, line in enumerate(lines))
    return f'<text text-anchor="middle" font-size="{size}"{extra}>{spans}</text>'


def _centred(text: str, box, size: float = FONT) -> str:
    x, y, w, h = box
    lines = wrap(text, max(w - 8, size), size)
    top = y + (h - len(lines) * size * 1.2) / 2 - size * 0.2
    return _text(lines, x + w / 2, top, size)


# --- shapes -----------------------------------------------------------------------------------

def _pool(shape: Shape) -> str:
    x, y, w, h = shape.x, shape.y, shape.w, shape.h
    label = ""
    if shape.name:
        cx, cy = x + 15, y + h / 2
        lines = wrap(shape.name, h - 10, 13)
        label = (f'<g transform="rotate(-90 {cx:.1f} {cy:.1f})">'
                 + _text(lines, cx, cy - len(lines) * 13 * 0.6 - 4, 13) + "</g>")
    return (f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="none" stroke="#9aa5b1"/>'
            f'<line x1="{x + 30}" y1="{y}" x2="{x + 30}" y2="{y + h}" stroke="#9aa5b1"/>'
            + label)


def _outline(shape: Shape, fill: str, stroke: str, width: float) -> str:
    x, y, w, h = shape.x, shape.y, shape.w, shape.h
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"'
    if shape.kind.endswith("Event"):
        thick = width * 2 if shape.kind == "endEvent" else width
        return (f'<circle cx="{x + w / 2}" cy="{y + h / 2}" r="{min(w, h) / 2}" fill="{fill}" '
                f'stroke="{stroke}" stroke-width="{thick}"/>')
    if shape.kind.endswith("Gateway"):
        points = f"{x + w / 2},{y} {x + w},{y + h / 2} {x + w / 2},{y + h} {x},{y + h / 2}"
        mark = GATEWAY_MARKS.get(shape.kind, "")
        return (f'<polygon points="{points}" {paint}/>'
                + (_centred(mark, (x, y, w, h), 20) if mark else ""))
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="10" {paint}/>'


def _shape(shape: Shape, marker: str | None) -> str:
    if shape.kind in POOLS:
        return _pool(shape)
    fill, stroke = STYLES[marker]
    body = _outline(shape, fill, stroke, 2.5 if marker else 1.5)
    inside = not (shape.kind.endswith("Event") or shape.kind.endswith("Gateway"))
    if not shape.name:
        return body
    if inside:
        return body + _centred(shape.name, (shape.x, shape.y, shape.w, shape.h))
    box = shape.label or (shape.x - 40, shape.y + shape.h + 4, shape.w + 80, 30)
    return body + _text(wrap(shape.name, max(box[2], 60), 11), box[0] + box[2] / 2, box[1] - 2,
                        11)


def _arrow(points: list[tuple[float, float]], colour: str) -> str:
    """An arrowhead at the last point, along the last segment (drawn, not an SVG marker, so
    that every renderer shows it the same)."""
    (x1, y1), (x2, y2) = points[-2], points[-1]
    length = math.hypot(x2 - x1, y2 - y1) or 1
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    bx, by = x2 - ux * 10, y2 - uy * 10
    corners = f"{x2},{y2} {bx - uy * 4:.1f},{by + ux * 4:.1f} {bx + uy * 4:.1f},{by - ux * 4:.1f}"
    return f'<polygon points="{corners}" fill="{colour}"/>'


def _edge(edge: Edge, taken: bool) -> str:
    if len(edge.points) < 2:
        return ""
    points = " ".join(f"{x},{y}" for x, y in edge.points)
    colour, width = ("#1e7b3c", 3) if taken else ("#8a96a3", 1.3)
    line = (f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{width}"/>'
            + _arrow(edge.points, colour))
    if not edge.name:
        return line
    # Without a DI label: above the middle of the last segment, which differs per target.
    (x1, y1), (x2, y2) = edge.points[-2], edge.points[-1]
    box = edge.label or ((x1 + x2) / 2 - 40, (y1 + y2) / 2 - 16, 80, 14)
    return line + _text(wrap(edge.name, max(box[2], 40), 10), box[0] + box[2] / 2, box[1] - 2,
                        10, ' fill="#3d4852"')


def _inside(box, x: float, y: float, w: float, h: float) -> bool:
    return box[0] < x + w and box[0] + box[2] > x and box[1] < y + h and box[1] + box[3] > y


def _edge_box(edge: Edge) -> tuple[float, float, float, float]:
    xs, ys = [p[0] for p in edge.points] or [0], [p[1] for p in edge.points] or [0]
    return min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1


def render(diagram: Diagram, completed=(), current=(), waiting=(),
           window: tuple[float, float, float, float] | None = None, labels: bool = True) -> str:
    """Return the diagram as an SVG document with the path taken highlighted; `window`
    (x, y, width, height) shows, and draws, only one part of it; `labels` False leaves the
    names out (an overview too small to read them)."""
    done, now, timers = set(completed), set(current), set(waiting)
    reached = done | now | timers

    def marker(shape_id: str) -> str | None:
        return ("current" if shape_id in now else "waiting" if shape_id in timers
                else "completed" if shape_id in done else None)

    x, y, w, h = window or diagram.bounds()
    shapes = [s for s in diagram.shapes if _inside((s.x, s.y, s.w, s.h), x, y, w, h)]
    if not labels:
        shapes = [Shape(s.id, s.kind, "", s.x, s.y, s.w, s.h) for s in shapes]
    edges = [e if labels else Edge(e.id, "", e.source, e.target, e.points)
             for e in diagram.edges if _inside(_edge_box(e), x, y, w, h)]
    parts = [_shape(s, marker(s.id)) for s in shapes if s.kind in POOLS]
    parts += [_edge(e, e.source in done and e.target in reached) for e in edges]
    parts += [_shape(s, marker(s.id)) for s in shapes if s.kind not in POOLS]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x} {y} {w} {h}" '
            f'width="{w}" height="{h}" font-family={quoteattr("Noto Sans CJK SC, sans-serif")} '
            f'fill="#1f2933">{"".join(parts)}</svg>')


def _height_within(diagram: Diagram, x0: float, x1: float, whole) -> tuple[float, float]:
    """Return (top, height) of what lies between x0 and x1, pools aside (lanes are tall)."""
    ys = [y for s in diagram.shapes if s.kind not in POOLS and s.x < x1 and s.x + s.w > x0
          for y in (s.y, s.y + s.h + (s.label[3] + 6 if s.label else 30))]
    ys += [y for e in diagram.edges for x, y in e.points if x0 <= x <= x1]
    if not ys:
        return whole[1], whole[3]
    return min(ys) - 30, max(ys) - min(ys) + 60


def windows(diagram: Diagram, width: float) -> list[tuple[float, float, float, float]]:
    """Return side-by-side windows no wider than `width` covering the whole diagram, each cut
    to the height of what it shows."""
    whole = diagram.bounds()
    count = max(1, -(-int(whole[2]) // int(width)))
    step = whole[2] / count
    found = []
    for i in range(count):
        x0 = whole[0] + i * step
        top, height = _height_within(diagram, x0, x0 + step, whole)
        found.append((x0, top, step, height))
    return found
