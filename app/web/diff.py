"""The version comparison page: two diagrams coloured by what changed, and the lists."""

from __future__ import annotations

import difflib

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from app.errors import N_
from app.services import version_diff
from app.web import inputs

bp = Blueprint("diff", __name__, url_prefix="/processes")
# A value this long, or of several lines, is shown as a line diff instead of old → new.
LONG = 80
# What the product reads from an element, named as the designer knows it.
PROPERTIES = {
    "name": N_("Name"), "documentation": N_("Clause cited"), "script": N_("Script"),
    "condition": N_("Condition"), "timer": N_("Timer"), "lane": N_("Lane"),
    "formId": N_("Form"), "dueWorkingDays": N_("Due in working days"),
    "dueDate": N_("Due date"), "notBefore": N_("Not before"), "dueRule": N_("Deadline rule"),
    "calledDecisionId": N_("Decision table"), "variableName": N_("Data variable"),
    "incoming": N_("Incoming flows"), "outgoing": N_("Outgoing flows"),
    "sourceRef": N_("From"), "targetRef": N_("To"), "default": N_("Default flow"),
    "type": N_("Element type"), "description": N_("Description"),
    "label": N_("Label"), "required": N_("Required"), "choices": N_("Choices"),
    "title": N_("Title"), "hitPolicy": N_("Hit policy"), "inputs": N_("Inputs"),
    "outputs": N_("Outputs"), "en:name": N_("English name"),
    "en:dueRule": N_("Deadline rule in English"), "en:label": N_("English label"),
    "en:required": N_("Requirement in English"),
}
TYPES = {
    "userTask": N_("User task"), "scriptTask": N_("Script task"),
    "businessRuleTask": N_("Decision task"), "sequenceFlow": N_("Sequence flow"),
    "exclusiveGateway": N_("Exclusive gateway"), "parallelGateway": N_("Parallel gateway"),
    "eventBasedGateway": N_("Event-based gateway"), "startEvent": N_("Start event"),
    "endEvent": N_("End event"), "intermediateCatchEvent": N_("Intermediate event"),
    "intermediateThrowEvent": N_("Intermediate event"), "boundaryEvent": N_("Boundary event"),
    "lane": N_("Lane"), "callActivity": N_("Call activity"), "subProcess": N_("Subprocess"),
}


def line_diff(old: str | None, new: str | None) -> list[tuple[str, str]] | None:
    """[(" " | "-" | "+", line)] for long or multi-line values, else None."""
    old, new = old or "", new or ""
    if "\n" not in old + new and len(old) + len(new) <= LONG:
        return None
    rows = difflib.ndiff(old.splitlines(), new.splitlines())
    return [(row[0], row[2:]) for row in rows if row[0] in " -+"]


@bp.get("/<key>/diff")
@login_required
def show(key: str):
    comparison = version_diff.compare(
        current_user, key, inputs.query_int("from", None, 1, inputs.MAX_ID),
        inputs.query_int("to", None, 1, inputs.MAX_ID))
    return render_template("processes/diff.html", c=comparison, changes=comparison.changes,
                           line_diff=line_diff, properties=PROPERTIES, types=TYPES)
