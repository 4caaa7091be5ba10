"""Language choice: Chinese by default, English on request.

Pages keep the choice in the session; the API follows Accept-Language.
"""

from __future__ import annotations

from flask import has_request_context, request, session

LANGUAGES = ("zh", "en")


def select_locale() -> str:
    """Return the UI language ('zh' or 'en'); zh unless English was chosen or asked for."""
    if not has_request_context():
        return "zh"
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LANGUAGES, default="zh")
    lang = session.get("lang")
    return lang if lang in LANGUAGES else "zh"


def current_lang() -> str:
    """Return the language of form labels and messages for this request."""
    return select_locale()
