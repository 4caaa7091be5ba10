"""The names of a process version's elements in the reader's language.

A BPMN or DMN element carries its English name beside its Chinese one, in the attribute
`en:name` of the namespace LANGUAGE_NS (docs/PROCESSES.md, "English names"): the bpmn-js
editor keeps such attributes, SpiffWorkflow and the BPMN schema ignore them.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from app.extensions import db
from app.models import ProcessVersion

LANGUAGE_NS = "urn:process-language:en"
ENGLISH = f"{{{LANGUAGE_NS}}}name"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          huge_tree=False)


@dataclass(frozen=True)
class Names:
    """One version's names: by element id, and Chinese name -> English name."""

    zh: dict[str, str]
    en: dict[str, str]
    lanes: tuple[str, ...]  # lane names, in the order the diagram lists them

    def of(self, element: str, lang: str) -> str:
        """Return the name of `element` in `lang` ("" when it has none)."""
        return (self.en.get(element) if lang == "en" else None) or self.zh.get(element, "")

    def translate(self, text: str, lang: str, separator: str = "、") -> str:
        """Return `text` (names joined by `separator`) with each name in `lang`."""
        if lang != "en" or not text:
            return text
        english = {self.zh[e]: n for e, n in self.en.items() if e in self.zh}
        return "; ".join(english.get(part, part) for part in text.split(separator))


def read(bpmn: str) -> Names:
    """Return the names an XML text gives its elements (empty when it does not parse)."""
    try:
        root = etree.fromstring(bpmn.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError:
        return Names({}, {}, ())
    zh, en, lanes = {}, {}, []
    for element in root.iter():
        if not isinstance(element.tag, str) or not element.get("id"):
            continue
        if element.get("name"):
            zh[element.get("id")] = element.get("name")
        if element.get(ENGLISH):
            en[element.get("id")] = element.get(ENGLISH)
        if etree.QName(element).localname == "lane" and element.get("name"):
            lanes.append(element.get("name"))
    return Names(zh, en, tuple(dict.fromkeys(lanes)))


# Keyed by id and fingerprint: a version's texts never change, a new database reuses ids.
_CACHE: dict[tuple[int, str], Names] = {}


def of_version(version: ProcessVersion) -> Names:
    """Return the element names of `version` (read once per version)."""
    key = (version.id, version.sha256)
    if key not in _CACHE:
        if len(_CACHE) > 256:
            _CACHE.clear()
        _CACHE[key] = read(version.bpmn or "")
    return _CACHE[key]


def of_version_id(version_id: int) -> Names:
    """Return the element names of the version with id `version_id` (empty when unknown)."""
    version = db.session.get(ProcessVersion, version_id)
    return of_version(version) if version is not None else Names({}, {}, ())

