"""The checks of `processes check` that compare diagrams with forms and meta.yaml.

Each catches at check time what would otherwise fail at run time (docs/PROCESSES.md,
"Checking"): a compared value no form offers, a name nothing defines, an unknown
`show_data` key, a demo user of an unknown division, a duplicate key, a diagram the case
page cannot draw, a review whose decision no gateway reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from app import engine
from app.errors import N_, DefinitionError

# What the product puts into every case's data before the first step (services/progress.py
# new_case / start_child) and what a child's message carries to its parent.
INJECTED = frozenset({"case_ref", "jurisdiction", "settings", "applicant", "parent_ref", "title"})
KNOWN = INJECTED | set(engine.HELPER_NAMES) | set(engine.SAFE_BUILTIN_NAMES)
CHOICE_TYPES = ("select", "multiselect", "radio")


def _in(folder: Path, name: str) -> str:
    return str(folder / name)


def name_problems(folder: Path, facts, defined: set[str]) -> list[DefinitionError]:
    """Return a problem for each name an expression reads that nothing defines."""
    known = KNOWN | defined
    problems = []
    for expression in facts.expressions:
        if engine.check_source(expression.source, expression.mode):
            continue  # reported as invalid already (definitions.py)
        for name in sorted(engine.names_read(expression.source, expression.mode) - known):
            problems.append(DefinitionError(
                N_("%(kind)s reads %(name)s, which no form, script, decision table, helper or "
                   "the product defines"), _in(folder, expression.file), expression.element,
                line=expression.line, kind=expression.kind, name=name))
    return problems


def _choices(forms: Mapping, form_keys: Iterable[str], field: str) -> set[str] | None:
    """The values the forms offer for `field`, or None when any of them is free text."""
    offered: set[str] = set()
    for key in form_keys:
        form = forms.get(key)
        try:
            definition = form.field(field) if form is not None else None
        except KeyError:
            continue
        if definition is None or definition.type not in CHOICE_TYPES \
                or not definition.option("choices"):
            return None
        offered |= {str(c["value"]) for c in definition.option("choices")}
    return offered or None


def choice_problems(folder: Path, facts, forms: Mapping) -> list[DefinitionError]:
    """Return a problem for each comparison with a value the form's choices do not offer."""
    variables = {name: keys for name, keys in engine.variables_of(facts.user_tasks).items()
                 if name not in facts.scripted}
    problems = []
    for expression in facts.expressions:
        for comparison in engine.comparisons(expression.source, expression.mode):
            offered = _choices(forms, variables.get(comparison.variable, ()), comparison.field)
            for value in [v for v in comparison.values if offered and v not in offered]:
                problems.append(DefinitionError(
                    N_("%(kind)s compares %(variable)s[\"%(field)s\"] with '%(value)s', which is "
                       "not among the form's choices (%(choices)s)"),
                    _in(folder, expression.file), expression.element, line=expression.line,
                    kind=expression.kind, variable=comparison.variable, field=comparison.field,
                    value=value, choices=", ".join(sorted(offered))))
    return problems


def review_problems(folder: Path, facts, roots: Mapping, forms: Mapping) -> list[DefinitionError]:
    """Return a problem for each review task (its form has a `decision` with choices) whose
    decision no exclusive gateway after it reads."""
    problems = []
    for task in facts.user_tasks:
        form = forms.get(task.form)
        if form is None or "decision" not in form.names() \
                or not form.field("decision").option("choices"):
            continue
        if not engine.decides_on(roots[task.file], task.element, task.variable):
            problems.append(DefinitionError(
                N_("review task %(task)s is followed by no exclusive gateway whose conditions read "
                   "%(variable)s[\"decision\"]: every decision would take the same path"),
                _in(folder, task.file), task.element, line=task.line, task=task.element,
                variable=task.variable))
    return problems


def _yaml_line(path: Path, needle: str) -> int:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 0
    return next((number for number, text in enumerate(lines, 1) if needle in text), 0)


def show_data_problems(packages: Iterable, forms: Mapping,
                       form_dir: Path) -> list[DefinitionError]:
    """Return a problem for each `show_data` key of a form that no process using the form
    defines (`packages`: the facts of each package, and whether one of its files failed)."""
    if any(failed for _, failed in packages):
        return []  # a file that did not parse may define the key or use the form
    defined: dict[str, set[str]] = {}
    for facts, _ in packages:
        for task in facts.user_tasks:
            defined.setdefault(task.form, set()).update(facts.defined)
    problems = []
    for key in sorted(k for k in defined if k in forms):
        path = Path(form_dir) / f"{key}.yaml"
        for name in forms[key].show_data:
            if name not in defined[key] and name not in INJECTED:
                problems.append(DefinitionError(
                    N_("show_data key %(name)s is not case data of any process using this form"),
                    str(Path(Path(form_dir).name) / path.name), "show_data",
                    line=_yaml_line(path, "show_data"), name=name))
    return problems


def layout(folder: Path, roots: Mapping) -> list[DefinitionError]:
    """Return a problem for each flow node or sequence flow that has no diagram layout."""
    problems = []
    for name, root in roots.items():
        for problem in engine.layout_problems(name, root):
            problem.file = _in(folder, name)
            problems.append(problem)
    return problems


def loop_reasons(folder: Path, roots: Mapping) -> list[DefinitionError]:
    """Return a problem for each loop-back flow without a reason (engine/loops.py)."""
    problems = []
    for name, root in roots.items():
        for problem in engine.reason_problems(name, root):
            problem.file = _in(folder, name)
            problems.append(problem)
    return problems


def _codes(entries) -> list[str]:
    return [str(e.get("code")) for e in entries or () if isinstance(e, Mapping)]


def demo_user_problems(meta: Mapping, meta_file: Path) -> list[DefinitionError]:
    """Return a problem for each demo user naming a county or city the meta.yaml lacks."""
    divisions = {"county": set(_codes(meta.get("counties"))),
                 "city": set(_codes(meta.get("cities")))}
    problems = []
    for user in meta.get("demo_users") or ():
        for level, codes in divisions.items():
            code = user.get(level) if isinstance(user, Mapping) else None
            if code is not None and str(code) not in codes:
                name = user.get("username", "?")
                problems.append(DefinitionError(
                    N_("demo user %(user)s names %(level)s %(code)s, which is not among the "
                       "%(level)s codes of meta.yaml"), str(meta_file), name,
                    line=_yaml_line(meta_file, f"username: {name}"), user=name, level=level,
                    code=code))
    return problems


def _twice(values: Iterable[str]) -> list[str]:
    seen, twice = set(), []
    for value in values:
        if value in seen and value not in twice:
            twice.append(value)
        seen.add(value)
    return twice


def duplicate_problems(meta: Mapping, meta_file: Path) -> list[DefinitionError]:
    """Return a problem for each county, city, process key or demo user written twice in one
    meta.yaml."""
    lists = {"county code": _codes(meta.get("counties")), "city code": _codes(meta.get("cities")),
             "process key": [str(p.get("key")) for p in meta.get("processes") or ()
                             if isinstance(p, Mapping)],
             "demo user": [str(u.get("username")) for u in meta.get("demo_users") or ()
                           if isinstance(u, Mapping)]}
    return [DefinitionError(N_("%(what)s %(value)s is used twice"), str(meta_file), value,
                            line=_yaml_line(meta_file, f"code: {value}")
                            or _yaml_line(meta_file, f"key: {value}")
                            or _yaml_line(meta_file, f"username: {value}"), what=what, value=value)
            for what, values in lists.items() for value in _twice(values)]


NEEDLES = {"jurisdiction key": "key", "ref_prefix": "ref_prefix", "process key": "key",
           "demo user": "username"}


def across_problems(metas: Mapping[Path, Mapping]) -> list[DefinitionError]:
    """Return a problem for each jurisdiction key, ref_prefix, process key or demo username
    that two jurisdictions share (a reference, a lookup or a login would be ambiguous)."""
    owners: dict[tuple[str, str], list[Path]] = {}
    for file, meta in metas.items():
        values = [("jurisdiction key", meta.get("key")), ("ref_prefix", meta.get("ref_prefix"))]
        values += [("process key", p.get("key")) for p in meta.get("processes") or ()
                   if isinstance(p, Mapping)]
        values += [("demo user", u.get("username")) for u in meta.get("demo_users") or ()
                   if isinstance(u, Mapping)]
        for what, value in values:
            owners.setdefault((what, str(value)), []).append(file)
    return [DefinitionError(N_("%(what)s %(value)s is also used by %(other)s"), str(file),
                            value, line=_yaml_line(file, f"{NEEDLES[what]}: {value}"), what=what,
                            value=value, other=str(next(f for f in files if f != file)))
            for (what, value), files in owners.items() if len(set(files)) > 1
            for file in files]


def english_warnings(packages) -> list[DefinitionError]:
    """Return a warning for each named element, deadline rule and decision label of
    `packages` without English: not a problem (a process runs without), but the English
    interface would show Chinese."""
    warnings = []
    for package in packages:
        for name, content in sorted(package.files.items()):
            try:
                root = engine.parse_xml(name, content).getroot()
            except DefinitionError:
                continue  # check_definitions reports it
            warnings += engine.english_name_warnings(_in(package.folder, name), root)
            warnings += engine.english_text_warnings(_in(package.folder, name), root)
    return warnings
