"""The English of a process version's decision-table texts: column labels and rule labels.

A DMN column or rule carries its English label beside the Chinese one, in `en:label` of the
namespace of the elements' `en:name` (docs/PROCESSES.md, "English names"). The pre-check
shows a condition's label as the rule computed it, in Chinese; the English interface looks
the label up here.
"""

from __future__ import annotations

from app import engine
from app.errors import DefinitionError
from app.models import ProcessVersion

# Keyed by id and fingerprint: a version's texts never change, a new database reuses ids.
_CACHE: dict[tuple[int, str], dict[str, str]] = {}


def read(files: dict[str, str]) -> dict[str, str]:
    """Return {Chinese text: English text} over DMN texts (one that does not parse adds none)."""
    found: dict[str, str] = {}
    for name, text in sorted(files.items()):
        try:
            found.update(engine.english_labels(engine.parse_xml(name, text.encode("utf-8"))
                                               .getroot()))
        except DefinitionError:
            continue
    return found


def of_version(version: ProcessVersion) -> dict[str, str]:
    """Return {Chinese text: English text} of `version`'s decision tables (read once)."""
    key = (version.id, version.sha256)
    if key not in _CACHE:
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = read(version.dmn or {})
    return _CACHE[key]


def translate(version: ProcessVersion, text, lang: str):
    """Return `text` in `lang`: its English label when English is asked and one is given."""
    if lang != "en" or not isinstance(text, str):
        return text
    return of_version(version).get(text, text)
