"""Sections of a form: steps a long form is filled in, one after another (docs/FORMS.md).

A form's optional `sections` list names each step and the field it starts with; a section
runs up to the next section's first field, so a field added in between joins the section
it is written in and the fields list stays the one source of order.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import N_
from app.formdefs.messages import language

SECTION_KEYS = frozenset({"name", "title", "title_en", "first_field"})


@dataclass(frozen=True)
class SectionDef:
    """One step of a form: its name, its title, the names of its fields in order."""

    name: str
    title: str
    title_en: str = ""
    fields: tuple[str, ...] = ()

    def title_for(self, lang: str = "zh") -> str:
        """Return the title in `lang`, falling back to the Chinese one."""
        return self.title_en if language(lang) == "en" and self.title_en else self.title


def _entry_problems(raw, index: int, known: set[str]) -> list[tuple[str, str, dict]]:
    where = f"sections.#{index + 1}"
    if not isinstance(raw, dict):
        return [(where, N_("a section must be a mapping with name, title and first_field"), {})]
    found = [(where, N_("unknown key %(key)s in a section"), {"key": key})
             for key in sorted(map(str, raw.keys() - SECTION_KEYS))]
    for key in ("name", "title", "first_field"):
        if not isinstance(raw.get(key), str) or not raw.get(key, "").strip():
            found.append((where, N_("a section needs %(key)s (text)"), {"key": key}))
    first = raw.get("first_field")
    if isinstance(first, str) and first and first not in known:
        found.append((where, N_("the section starts with %(name)s, which is no field of the "
                                "form"), {"name": first}))
    return found


def _order_problems(starts: list[int], names: list[str]) -> list[tuple[str, str, dict]]:
    if starts and starts[0] != 0:
        return [("sections", N_("the first section must start with the first field, %(name)s"),
                 {"name": names[0]})]
    if any(later <= earlier for earlier, later in zip(starts, starts[1:], strict=False)):
        return [("sections", N_("sections must start with fields in the order of the fields "
                                "list, each with a field of its own"), {})]
    return []


def section_problems(raw, field_names: list[str]) -> list[tuple[str, str, dict]]:
    """Return (element, message id, params) of every problem of a `sections` value."""
    if not isinstance(raw, list) or not raw:
        return [("sections", N_("sections must be a non-empty list"), {})]
    found = [p for i, entry in enumerate(raw) for p in _entry_problems(entry, i, set(field_names))]
    names = [entry.get("name") for entry in raw if isinstance(entry, dict)]
    found += [("sections", N_("the section name %(name)s is used twice"), {"name": name})
              for name in {n for n in names if names.count(n) > 1}]
    if found:
        return found
    return _order_problems([field_names.index(entry["first_field"]) for entry in raw],
                           field_names)


def parse_sections(raw, field_names: list[str]) -> tuple[SectionDef, ...]:
    """Return the SectionDefs of a checked `sections` value (() when the form has none)."""
    if not raw:
        return ()
    starts = [field_names.index(entry["first_field"]) for entry in raw] + [len(field_names)]
    return tuple(SectionDef(name=entry["name"], title=entry["title"],
                            title_en=entry.get("title_en", ""),
                            fields=tuple(field_names[starts[i]:starts[i + 1]]))
                 for i, entry in enumerate(raw))
