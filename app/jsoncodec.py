"""JSON in and out of the database's JSON columns and the JSON answers, through orjson.

Every completion writes and reads the case's data (several KB of JSON) and answers with the
case: with the standard library that was about 4 % of the request's time, with orjson (C)
less than half of it. The text is the same JSON for any reader (keys in the same order; Chinese
written as UTF-8 instead of \\u escapes). What orjson refuses (an integer beyond 64 bits,
NaN in old rows) goes through the standard library as before, so nothing that was accepted
is refused now.
"""

from __future__ import annotations

import json

import orjson
from flask.json.provider import DefaultJSONProvider

_COLUMN = orjson.OPT_NON_STR_KEYS
_COMPACT = (",", ":")  # Flask's answers ask for these separators: orjson's own


def dumps_column(value) -> str:
    """The text of a JSON column's value."""
    try:
        return orjson.dumps(value, option=_COLUMN).decode("utf-8")
    except TypeError:
        return json.dumps(value)


def loads_column(text: str | bytes):
    """The value of a JSON column's text."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON (sorted keys, its own forms for dates, decimals and objects with
    __html__), written compact by orjson; with other arguments (indent…) by Flask's dumps."""

    _OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                | orjson.OPT_PASSTHROUGH_DATACLASS)

    def dumps(self, obj, **kwargs) -> str:
        if kwargs.get("separators", _COMPACT) == _COMPACT and kwargs.keys() <= {"separators"}:
            try:
                return orjson.dumps(obj, default=self.default, option=self._OPTIONS).decode()
            except TypeError:
                pass
        return super().dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs):
        if not kwargs:
            try:
                return orjson.loads(s)
            except orjson.JSONDecodeError:
                pass
        return super().loads(s, **kwargs)
