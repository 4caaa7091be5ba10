"""Sentences the product itself writes into case records, in the records' language.

Case data is kept in Chinese (forms, diagrams and officials write Chinese), whatever
language the reader's interface uses, so a reason the product records (a withdrawal when
the parent case ends) is rendered from its message id through the Chinese catalogue.
"""

from __future__ import annotations

from functools import cache

from babel.support import NullTranslations, Translations

from app.config import ROOT

RECORD_LOCALE = "zh"


@cache
def _catalogue() -> NullTranslations:
    return Translations.load(str(ROOT / "translations"), [RECORD_LOCALE])


def recorded(message: str, **params) -> str:
    """Return `message` (an N_ message id) in the records' language, parameters filled in."""
    text = _catalogue().gettext(message)
    return text % params if params else text
