"""Two versions of one procedure compared: its diagram's elements, the forms its user tasks
pin and the rows of the decision tables it calls (any status: drafts compare too)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa
import yaml

from app import engine, formdefs
from app.errors import N_, DefinitionError, NotAllowed, NotFound
from app.extensions import db
from app.models import FormVersion, ProcessVersion, User
from app.services import process_view

# What a form field says, beyond its name, in the order the diff lists it.
FIELD_ORDER = ("label", "type", "required", "choices")


@dataclass(frozen=True)
class Comparison:
    """The two versions compared, every version of the key (for choosing), the changes."""

    old: ProcessVersion
    new: ProcessVersion
    versions: list[ProcessVersion]
    changes: dict


def _readable(user: User, key: str) -> list[ProcessVersion]:
    if user.role not in process_view.READERS:
        raise NotAllowed(N_(
            "Only process designers, auditors and administrators see the procedures."))
    query = sa.select(ProcessVersion).where(ProcessVersion.key == key)
    if user.jurisdiction:
        query = query.where(ProcessVersion.jurisdiction == user.jurisdiction)
    found = list(db.session.scalars(query.order_by(ProcessVersion.version.desc())))
    if not found:
        raise NotFound(N_("Process %(key)s does not exist or is not published."), key=key)
    return found


def _pick(versions: list[ProcessVersion], key: str, number: int) -> ProcessVersion:
    record = next((v for v in versions if v.version == number), None)
    if record is None:
        raise NotFound(N_("Process %(key)s has no version %(version)s."), key=key,
                       version=number)
    return record


def default_pair(versions: list[ProcessVersion]) -> tuple[int, int]:
    """Return (older, newer) version numbers to compare when none are chosen: the newest
    version and the one before it (the same one twice when there is only one)."""
    numbers = sorted(v.version for v in versions)
    return (numbers[-2] if len(numbers) > 1 else numbers[-1]), numbers[-1]


def compare(user: User, key: str, old: int | None, new: int | None) -> Comparison:
    """Return the comparison of versions `old` and `new` of procedure `key` (the newest two
    when a number is None); raise NotAllowed, NotFound, DefinitionError (a draft that does
    not parse)."""
    versions = _readable(user, key)
    defaults = default_pair(versions)
    old_record = _pick(versions, key, defaults[0] if old is None else old)
    new_record = _pick(versions, key, defaults[1] if new is None else new)
    return Comparison(old_record, new_record, versions, changes(old_record, new_record))


def _bpmn_file(version: ProcessVersion) -> str:
    return version.file or f"{version.key}.bpmn"


def changes(old: ProcessVersion, new: ProcessVersion) -> dict:
    """Return the diff of two versions (the API's shape, ../shared/API.md "Designers");
    raise DefinitionError when a text does not parse."""
    elements = engine.bpmn_changes(old.bpmn, new.bpmn, _bpmn_file(new))
    found = {"key": new.key, "from": old.version, "to": new.version, **elements,
             "forms": form_changes(old, new),
             "decisions": engine.dmn_changes(old.dmn or {}, new.dmn or {})}
    found["identical"] = not any(found[name] for name in
                                 ("added", "removed", "changed", "layout", "forms", "decisions"))
    return found


# --- forms ------------------------------------------------------------------------------------

def _form_source(version: ProcessVersion, key: str) -> str | None:
    """The YAML of form `key` as `version` uses it: a draft's own text, else the pinned one."""
    drafted = (version.draft_forms or {}).get(key)
    if drafted is not None:
        return drafted
    number = (version.forms or {}).get(key)
    return db.session.scalar(sa.select(FormVersion.source).where(
        FormVersion.key == key, FormVersion.version == number)) if number else None


def _text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _fields(source: str | None, key: str) -> tuple[dict, dict]:
    """({field name: {attribute: text}}, {form attribute: text}); a table's columns are
    named "table.column"."""
    try:
        raw = formdefs.load_yaml(source) if source else {}
    except yaml.YAMLError as error:
        raise DefinitionError(N_("invalid YAML: %(error)s"), file=f"forms/{key}.yaml",
                              error=str(error)) from None
    raw = raw if isinstance(raw, dict) else {}
    fields: dict[str, dict] = {}

    def add(items, prefix: str) -> None:
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and item.get("name"):
                name = f"{prefix}{item['name']}"
                fields[name] = {k: _text(v) for k, v in item.items()
                                if k not in ("name", "columns")}
                add(item.get("columns"), f"{name}.")
    add(raw.get("fields"), "")
    return fields, {k: _text(v) for k, v in raw.items() if k != "fields"}


def _ordered(attributes) -> list[str]:
    return sorted(attributes, key=lambda a: (FIELD_ORDER.index(a) if a in FIELD_ORDER
                                             else len(FIELD_ORDER), a))


def _attribute_changes(old: dict, new: dict) -> list[dict]:
    return [{"name": a, "old": old.get(a), "new": new.get(a)}
            for a in _ordered(old.keys() | new.keys()) if old.get(a) != new.get(a)]


def _field(name: str, attributes: dict) -> dict:
    return {"name": name, "label": attributes.get("label") or "", "type":
            attributes.get("type") or "", "required": attributes.get("required") == "true"}


def _one_form(key: str, old: ProcessVersion, new: ProcessVersion) -> dict | None:
    old_source, new_source = _form_source(old, key), _form_source(new, key)
    if old_source == new_source:
        return None
    (old_fields, old_form), (new_fields, new_form) = _fields(old_source, key), _fields(
        new_source, key)
    return {
        "key": key, "from": (old.forms or {}).get(key), "to": (new.forms or {}).get(key),
        "status": "added" if old_source is None else "removed" if new_source is None
        else "changed",
        "properties": _attribute_changes(old_form, new_form),
        "added": [_field(n, new_fields[n]) for n in new_fields if n not in old_fields],
        "removed": [_field(n, old_fields[n]) for n in old_fields if n not in new_fields],
        "changed": [{**_field(n, new_fields[n]),
                     "properties": _attribute_changes(old_fields[n], new_fields[n])}
                    for n in new_fields if n in old_fields and old_fields[n] != new_fields[n]],
    }


def form_changes(old: ProcessVersion, new: ProcessVersion) -> list[dict]:
    """Return one entry per form whose text differs between the versions (fields added,
    removed and changed, attribute by attribute); raise DefinitionError for bad YAML."""
    keys = sorted(set(old.forms or {}) | set(new.forms or {})
                  | set(old.draft_forms or {})
                  | set(new.draft_forms or {}))
    return [entry for entry in (_one_form(key, old, new) for key in keys) if entry]
