"""The `list` field type: short texts, one per line in a textarea on the web page and a JSON
list of strings in the API (which joins its list with line breaks, so line n is element n).

Empty lines are ignored; the others are the items, counted against min_items / max_items,
and stored once each. Each item is checked on its own, and its message names its position
(line n of the textarea, element n of the JSON list).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from wtforms import Field
from wtforms.widgets import TextArea

LINE_BREAK = re.compile(r"\r\n|\r|\n")

ItemCheck = tuple[Callable[[str], bool], str]  # (is the item valid?, message when it is not)


def has_line_break(text: str) -> bool:
    """Return True if `text` holds a line break (it would become two items)."""
    return LINE_BREAK.search(text) is not None


def _strip(text: str) -> str:
    return text.strip()


def item_count(field: TextListField) -> int:
    """Return the number of non-empty lines (repeats included) of a bound TextListField."""
    return len(field.items)


class TextListField(Field):
    """A textarea whose non-empty lines, normalised by `normalise`, are the items.

    `items` holds (position, item) for every non-empty line, counted from 1 over all lines;
    `data` is the list of distinct items in their first order, as case data stores it.
    """

    widget = TextArea()

    def __init__(self, label=None, validators=None, normalise: Callable[[str], str] = _strip,
                 **kwargs):
        super().__init__(label, validators, **kwargs)
        self.normalise = normalise
        self.items: list[tuple[int, str]] = []

    def process_data(self, value) -> None:
        ok = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
        self._take(value if ok else [])

    def process_formdata(self, valuelist) -> None:
        self._take([line for value in valuelist for line in LINE_BREAK.split(value)])

    def _take(self, lines: Sequence[str]) -> None:
        self.items = [(position, self.normalise(line))
                      for position, line in enumerate(lines, 1) if line.strip()]
        self.data = list(dict.fromkeys(item for _, item in self.items))

    def _value(self) -> str:
        if self.raw_data:
            return "\n".join(self.raw_data)
        return "\n".join(self.data or [])


class EachItem:
    """Checks every item of a TextListField; a bad item gets `template(n=position, problem=...)`
    with the message of the first check it fails. Skipped when there are more than `most`
    items (the count check says so; a message per item would only flood the page)."""

    def __init__(self, checks: list[ItemCheck], template: Callable[..., str],
                 most: int | None):
        self.checks, self.template, self.most = checks, template, most

    def __call__(self, form, field: TextListField) -> None:
        if self.most is not None and len(field.items) > self.most:
            return
        for position, item in field.items:
            problem = next((message for valid, message in self.checks if not valid(item)), None)
            if problem is not None:
                field.errors.append(self.template(n=position, problem=problem))
