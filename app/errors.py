"""Domain exceptions, mapped once to pages and JSON in app/web/errors.py.

Messages are English message ids marked with N_ (so `pybabel extract` finds them)
plus named parameters; the web layer translates them into the user's language.
"""

from __future__ import annotations

from collections.abc import Callable


def N_(text: str) -> str:
    """Mark `text` as a message id to translate later; return it unchanged."""
    return text


def _render(message: str, params: dict, translate: Callable[[str], str]) -> str:
    text = translate(message) if message else ""
    return text % params if params else text


class AppError(Exception):
    """Base of every error a user may be shown."""

    status = 400

    def __init__(self, message: str = "", **params):
        super().__init__(message)
        self.message = message
        self.params = params

    def text(self, translate: Callable[[str], str] = str) -> str:
        """Return the message, translated by `translate`, with its parameters filled in."""
        return _render(self.message, self.params, translate)

    def __str__(self) -> str:
        return self.text()


class NotAllowed(AppError):
    status = 403


class NotFound(AppError):
    status = 404


class Conflict(AppError):
    """Someone else changed the case or completed the task meanwhile."""

    status = 409


class Rejected(AppError):
    """Input failed validation; `reasons` holds (field, message[, params]) tuples."""

    status = 422

    def __init__(self, message: str = "", reasons=None, **params):
        super().__init__(message, **params)
        self.reasons = [tuple(r) for r in (reasons or [])]

    def by_field(self, translate: Callable[[str], str] = str) -> dict[str, list[str]]:
        """Return {field: [messages]} for forms and the JSON API."""
        out: dict[str, list[str]] = {}
        for field, message, *rest in self.reasons:
            out.setdefault(field or "_", []).append(
                _render(message, rest[0] if rest else {}, translate))
        return out


class DefinitionError(AppError):
    """A BPMN, DMN or form definition is invalid: file, element id and a sentence."""

    status = 422

    def __init__(self, message: str, file: str = "", element: str = "", line: int = 0,
                 **params):
        super().__init__(message, **params)
        self.file = file
        self.element = element
        self.line = line  # the XML line of the element, when known

    def __str__(self) -> str:
        where = ":".join(p for p in (self.file, str(self.line or ""), self.element) if p)
        return f"{where}: {self.text()}" if where else self.text()


class TaskError(AppError):
    """The engine failed while running a step (script error, bad expression)."""

    status = 422

    def __init__(self, message: str, element: str = "", **params):
        # The element is also a message parameter: "failed at %(element)s" must render.
        super().__init__(message, element=element, **params)
        self.element = element
