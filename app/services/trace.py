"""Traceability: the clauses each jurisdiction lists in meta.yaml `clauses:`, mapped to the
BPMN elements, DMN rules and form fields that cite them (docs/PROCESSES.md "Traceability").

Pure: reads the files it is given, knows no Flask and no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from lxml import etree

from app import formdefs
from app.errors import N_, DefinitionError
from app.services import citations

PRODUCT_DEFAULT = citations.PRODUCT_DEFAULT
FORM_PROPERTY = "formId"
RULE_NOTES = ("description", "annotationEntry")
MALFORMED = N_("malformed XML: %(error)s")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@dataclass(frozen=True)
class Clause:
    """One clause of the measures, as meta.yaml lists it."""

    id: str
    text: str


@dataclass(frozen=True)
class Source:
    """One place that may cite clauses: a BPMN element, a DMN rule or a form field."""

    kind: str    # "BPMN", "DMN" or "form"
    file: str    # <jurisdiction folder>/<file>, or forms/<key>.yaml
    owner: str   # process key, decision id or form key
    id: str      # element id, "row N (rule id)" or field name
    name: str    # element name, rule description or field label
    text: str    # everything the source says, where citations are looked for


@dataclass
class Trace:
    """What one jurisdiction cites: sources per clause, product defaults, problems."""

    key: str
    name: str
    document: str
    clauses: list[Clause]
    cited_by: dict[str, list[Source]] = field(default_factory=dict)
    defaults: list[Source] = field(default_factory=list)
    problems: list[DefinitionError] = field(default_factory=list)


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _owner(element) -> str:
    """The key of the process an element belongs to (through any sub-process)."""
    for ancestor in element.iterancestors():
        if _local(ancestor) == "process":
            return ancestor.get("id", "")
    return ""


def _bpmn_sources(file: str, root) -> Iterator[Source]:
    for element in root.iter():
        if _local(element) == "textAnnotation":
            yield Source("BPMN", file, _owner(element), element.get("id", ""), "", _text(element))
            continue
        docs = [child for child in element if _local(child) == "documentation"]
        if docs:
            text = " ".join(_text(doc) for doc in docs)
            owner = element.get("id", "") if _local(element) == "process" else _owner(element)
            yield Source("BPMN", file, owner, element.get("id", ""),
                         element.get("name", ""), text)


def _dmn_sources(file: str, root) -> Iterator[Source]:
    for decision in (e for e in root.iter() if _local(e) == "decision"):
        description = [_text(c) for c in decision if _local(c) == "description"]
        if description:
            yield Source("DMN", file, decision.get("id", ""), decision.get("id", ""),
                         decision.get("name", ""), " ".join(description))
        yield from _rule_sources(file, decision)


def _rule_sources(file: str, decision) -> Iterator[Source]:
    """Each rule (row) of a decision table with its description or annotations."""
    rules = [e for e in decision.iter() if _local(e) == "rule"]
    for row, rule in enumerate(rules, 1):
        notes = [_text(e) for e in rule.iter() if _local(e) in RULE_NOTES]
        if notes:
            rule_id = f"row {row} ({rule.get('id')})" if rule.get("id") else f"row {row}"
            yield Source("DMN", file, decision.get("id", ""), rule_id, notes[0], " ".join(notes))


def form_keys(root) -> list[str]:
    """Return the form keys the BPMN `root` names in its formId properties, in order."""
    keys = [e.get("value", "") for e in root.iter()
            if _local(e) == "property" and e.get("name") == FORM_PROPERTY]
    return list(dict.fromkeys(k for k in keys if k))


def _strings(value) -> Iterator[str]:
    """The Chinese texts of a form node: every string not under an `*_en` key."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not str(key).endswith("_en"):
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def form_sources(key: str, data: Mapping) -> list[Source]:
    """Return the form's title and each field as a citing source."""
    file = f"forms/{key}.yaml"
    top = {k: v for k, v in data.items() if k != "fields"}
    sources = [Source("form", file, key, "-", str(data.get("title", "")),
                      " ".join(_strings(top)))]
    for item in data.get("fields") or []:
        if isinstance(item, Mapping):
            sources.append(Source("form", file, key, str(item.get("name", "")),
                                  str(item.get("label", "")), " ".join(_strings(item))))
    return sources


def read_forms(form_dir) -> dict[str, Mapping]:
    """Return every form YAML under `form_dir` by key (unreadable forms are left out:
    `processes check` reports them)."""
    forms = {}
    for path in sorted(Path(form_dir).glob("*.yaml")):
        try:
            data = formdefs.load_yaml(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, OSError):
            continue
        if isinstance(data, Mapping):
            forms[path.stem] = data
    return forms


def _parse(file: str, content: bytes):
    try:
        return etree.fromstring(content, _PARSER), None
    except etree.XMLSyntaxError as error:
        return None, DefinitionError(MALFORMED, file, error=error.msg)


def package_sources(folder: str, files: Mapping[str, bytes], forms: Mapping[str, Mapping]
                    ) -> tuple[list[Source], list[DefinitionError]]:
    """Return every citing source of one jurisdiction folder, and the files that did not parse."""
    sources, problems, keys = [], [], []
    for name, content in sorted(files.items()):
        file = f"{folder}/{name}"
        root, problem = _parse(file, content)
        if problem:
            problems.append(problem)
        elif name.endswith(".bpmn"):
            sources += _bpmn_sources(file, root)
            keys += form_keys(root)
        else:
            sources += _dmn_sources(file, root)
    for key in dict.fromkeys(keys):
        if key in forms:
            sources += form_sources(key, forms[key])
    return sources, problems


def read_clauses(meta: Mapping, file: str) -> tuple[list[Clause], list[DefinitionError]]:
    """Return meta.yaml's `clauses:` and the problems of the list itself."""
    raw = meta.get("clauses")
    if not isinstance(raw, list) or not raw:
        return [], [DefinitionError(N_("meta.yaml lists no clauses: add `clauses:` with the id "
                                       "and text of every clause that sets a step, threshold "
                                       "or deadline"), file)]
    clauses, problems = [], []
    for entry in raw:
        clause_id = entry.get("id") if isinstance(entry, Mapping) else None
        if not isinstance(clause_id, str) or not clause_id.strip():
            problems.append(DefinitionError(N_("each clause needs an id and a text, not "
                                               "%(entry)s"), file, entry=str(entry)))
        elif any(c.id == clause_id for c in clauses):
            problems.append(DefinitionError(N_("clause %(clause)s is listed twice"), file,
                                            clause_id, clause=clause_id))
        else:
            clauses.append(Clause(clause_id, str(entry.get("text") or "")))
    return clauses, problems


def trace_package(folder: str, meta: Mapping, files: Mapping[str, bytes],
                  forms: Mapping[str, Mapping]) -> Trace:
    """Return the trace of one jurisdiction; its `problems` list what `processes trace` refuses."""
    meta_file = f"{folder}/meta.yaml"
    clauses, problems = read_clauses(meta, meta_file)
    basis = meta.get("legal_basis") if isinstance(meta.get("legal_basis"), Mapping) else {}
    trace = Trace(str(meta.get("key", folder)), str(meta.get("name", "")),
                  str(basis.get("document") or ""), clauses, {c.id: [] for c in clauses})
    sources, parse_problems = package_sources(folder, files, forms)
    ids = [c.id for c in clauses]
    for source in sources:
        for clause_id in citations.cited(source.text, ids):
            trace.cited_by[clause_id].append(source)
        if PRODUCT_DEFAULT in source.text:
            trace.defaults.append(source)
        if clauses:
            problems += [DefinitionError(N_("cites %(clause)s, which meta.yaml `clauses:` does "
                                            "not list"), source.file, _where(source), clause=name)
                         for name in citations.unlisted(source.text, ids)]
    problems += [DefinitionError(N_("clause %(clause)s listed in meta.yaml is cited by no "
                                    "element, rule or form"), meta_file, c.id, clause=c.id)
                 for c in clauses if not trace.cited_by[c.id]]
    # A file that did not parse hides its citations: report it alone, not the clauses it cites.
    trace.problems = parse_problems or problems
    return trace


def _where(source: Source) -> str:
    return source.id if source.kind != "form" else f"{source.owner}.{source.id}"


def trace_packages(packages: Iterable, forms: Mapping[str, Mapping]) -> list[Trace]:
    """Return the trace of every package (objects with `folder`, `meta` and `files`)."""
    return [trace_package(Path(p.folder).name, p.meta, p.files, forms) for p in packages]


def check_packages(packages: Iterable, form_dir) -> list[DefinitionError]:
    """Return the trace problems of the packages that list `clauses:` (for `processes check`)."""
    listing = [p for p in packages if "clauses" in p.meta]
    if not listing:
        return []
    forms = read_forms(form_dir)
    traces = [trace_package(str(p.folder), p.meta, p.files, forms) for p in listing]
    # The engine reports a file that does not parse; its trace would only repeat that.
    return [problem for item in traces for problem in item.problems
            if problem.message != MALFORMED]


HEADER = """# Traceability

Generated by `flask --app app processes trace` from each jurisdiction's `meta.yaml`
`clauses:` and the documentation of its BPMN elements, DMN rules and forms; do not edit
by hand. How citations are recognised: docs/PROCESSES.md, "Traceability".
"""


def _cell(text: str, limit: int = 0) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    return text if not limit or len(text) <= limit else text[:limit - 1] + "…"


def _row(source: Source) -> str:
    return (f"| {source.kind} | {_cell(source.file)} | {_cell(source.owner)} | "
            f"{_cell(source.id)} | {_cell(source.name, 80)} |")


def _clause_lines(trace: Trace) -> Iterator[str]:
    for clause in trace.clauses:
        yield f"#### {_cell(clause.id)}"
        yield ""
        yield _cell(clause.text) or "-"
        yield ""
        sources = trace.cited_by.get(clause.id) or []
        if not sources:
            yield "**Not cited by any element, rule or form.**"
            yield ""
            continue
        yield "| Kind | File | Process / table / form | Element / rule / field | Name |"
        yield "|---|---|---|---|---|"
        yield from map(_row, sources)
        yield ""


def _default_lines(trace: Trace) -> Iterator[str]:
    yield f"### Product defaults ({PRODUCT_DEFAULT}, not law)"
    yield ""
    if not trace.defaults:
        yield "None."
        yield ""
        return
    yield ("| Kind | File | Process / table / form | Element / rule / field | Name "
           "| What the product adds |")
    yield "|---|---|---|---|---|---|"
    for source in trace.defaults:
        yield (f"{_row(source)} {_cell(citations.default_sentence(source.text), 160)} |")
    yield ""


def render(traces: Iterable[Trace]) -> str:
    """Return docs/TRACEABILITY.md for `traces`."""
    lines = [HEADER]
    for trace in traces:
        lines += [f"## {trace.name} ({trace.key})", ""]
        if trace.document:
            lines += [trace.document, ""]
        lines += [f"### Clauses ({len(trace.clauses)})", ""]
        lines += list(_clause_lines(trace)) + list(_default_lines(trace))
    return "\n".join(lines).rstrip("\n") + "\n"
