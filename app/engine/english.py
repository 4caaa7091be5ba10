"""The English texts a process file gives beside its Chinese ones, other than element names
(lint.py english_name_warnings): a user task's deadline rule and a decision table's labels.

Attributes of the namespace of `en:name` (docs/PROCESSES.md "English deadline rules and
decision labels"): `en:dueRule` on a user task, `en:label` on a column, `en:label` and
`en:required` on a rule (the English of its label and requirement cells). Pure (lxml).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.engine.lint import CJK, SPIFF, _local, _text
from app.errors import N_, DefinitionError

LANGUAGE = "urn:process-language:en"
ENGLISH_RULE = f"{{{LANGUAGE}}}dueRule"
ENGLISH_LABEL = f"{{{LANGUAGE}}}label"


def _warning(file: str, element, what: str, attribute: str, text: str) -> DefinitionError:
    return DefinitionError(N_("%(what)s %(text)s has no English text (%(attribute)s), so the "
                              "English interface shows it in Chinese"), file,
                           _owner_id(element), line=element.sourceline or 0, what=what,
                           attribute=attribute, text=text)


def _owner(element):
    """`element`, or the nearest element holding it that has an id."""
    return next((e for e in (element, *element.iterancestors()) if e.get("id")), element)


def _owner_id(element) -> str:
    return _owner(element).get("id") or ""


# The columns whose texts the pre-check shows: a rule gives their English in en:<column>.
SHOWN_COLUMNS = ("label", "required")
QUOTED = re.compile(r'"[^"\\]*"')


def _rule_cells(table, column: str) -> Iterator[tuple[object, str]]:
    """(rule, its cell in the table's `column` output) for each rule of a decision table."""
    outputs = [o.get("name") or "" for o in table if _local(o) == "output"]
    index = next((i for i, name in enumerate(outputs) if name.split(".")[-1] == column), None)
    for rule in (r for r in table if _local(r) == "rule"):
        cells = [e for e in rule if _local(e) == "outputEntry"]
        if index is not None and index < len(cells):
            yield rule, _text(next((t for t in cells[index] if _local(t) == "text"), None))


def _untranslated(table) -> Iterator[tuple[object, str, str]]:
    """(rule, column, quoted Chinese text) for each shown text without its English; a
    computed text has none to give."""
    for column in SHOWN_COLUMNS:
        for rule, cell in _rule_cells(table, column):
            if QUOTED.fullmatch(cell) and CJK.search(cell) \
                    and not rule.get(f"{{{LANGUAGE}}}{column}"):
                yield rule, column, cell


def english_text_warnings(file: str, root) -> list[DefinitionError]:
    """Return a warning for each user task whose Chinese deadline rule has no en:dueRule, and
    each Chinese decision column label without en:label, and each quoted Chinese label or
    requirement of a rule without en:label / en:required."""
    found = [_warning(file, p, "dueRule", "en:dueRule", p.get("value"))
             for p in root.iter(f"{{{SPIFF}}}property")
             if p.get("name") == "dueRule" and CJK.search(p.get("value") or "")
             and not _owner(p).get(ENGLISH_RULE)]
    for element in root.iter():
        if _local(element) in ("input", "output") and CJK.search(element.get("label") or "") \
                and not element.get(ENGLISH_LABEL):
            found.append(_warning(file, element, _local(element), "en:label",
                                  element.get("label")))
        if _local(element) == "decisionTable":
            found += [_warning(file, rule, "rule", f"en:{column}", cell)
                      for rule, column, cell in _untranslated(element)]
    return sorted(found, key=lambda w: w.line)


def english_labels(root) -> dict[str, str]:
    """Return {Chinese text: English text} of a DMN's column labels and of its rules' quoted
    labels and requirements (a computed text is not translated)."""
    found = {e.get("label"): e.get(ENGLISH_LABEL) for e in root.iter()
             if _local(e) in ("input", "output") and e.get("label") and e.get(ENGLISH_LABEL)}
    for table in (t for t in root.iter() if _local(t) == "decisionTable"):
        for column in SHOWN_COLUMNS:
            for rule, cell in _rule_cells(table, column):
                english = rule.get(f"{{{LANGUAGE}}}{column}")
                if english and QUOTED.fullmatch(cell):
                    found[cell[1:-1]] = english
    return found


def english_rule_labels(root) -> dict[str, str]:
    """Return {rule id: en:label} of a DMN's rules."""
    return {r.get("id"): r.get(ENGLISH_LABEL) for r in root.iter()
            if _local(r) == "rule" and r.get("id") and r.get(ENGLISH_LABEL)}
