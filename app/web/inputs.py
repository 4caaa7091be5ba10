"""Request input limits, checked before anything reaches a service or the database.

- ids in URLs: the `int` converter only matches 1..MAX_ID, so a larger id is a plain 404
  (SQLite overflows above 2**63, PostgreSQL `integer` columns above 2**31-1);
- query integers (`page`, `per_page`, `year`): `query_int` refuses text and out-of-range
  numbers with 400 and a message naming the parameter;
- text: a NUL character or a lone surrogate anywhere in the query, the URL, form fields,
  upload file names or a JSON body is refused with 400 (PostgreSQL cannot store NUL, and a
  lone surrogate cannot be encoded as UTF-8 for hashing or storage);
- JSON bodies: at most MAX_JSON_BYTES and MAX_JSON_DEPTH levels of nesting (Python's parser
  recurses, so 10,000 nested lists would exhaust the stack).
"""

from __future__ import annotations

import json
import re

from flask import Flask, current_app, request, url_for
from werkzeug.routing import IntegerConverter

from app.errors import N_, Rejected

MAX_ID = 2**31 - 1  # PostgreSQL `integer`, the type of every id column
# Exactly the decimal numbers 1..MAX_ID (2147483647), leading zeros allowed.
ID_PATTERN = (r"0*(?:[1-9]\d{0,8}|1\d{9}|20\d{8}|21[0-3]\d{7}|214[0-6]\d{6}|2147[0-3]\d{5}"
              r"|21474[0-7]\d{4}|214748[0-2]\d{3}|2147483[0-5]\d{2}|21474836[0-3]\d"
              r"|214748364[0-7])")
MAX_PAGE = 100_000
YEARS = (1970, 2100)  # the case list's and the working-day calendar's year filter
MAX_JSON_BYTES = 4 * 1024 * 1024  # a 1,000-row table of escaped Chinese text fits
MAX_JSON_DEPTH = 16  # the deepest real body: {"data": {table: [{column: [ids]}]}} is 5
BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
BRACKETS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


class BadInput(Rejected):
    """Malformed input (not a validation failure of a form): 400 with the reasons."""

    status = 400


class IdConverter(IntegerConverter):
    """`<int:id>` matching only ids a database integer column can hold (1..MAX_ID)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False):
        super().__init__(map, fixed_digits, 1 if min is None else min,
                         MAX_ID if max is None else max, signed)
        if (min, max, signed, fixed_digits) == (None, None, False, 0):
            # The URL itself must not match a larger id: werkzeug checks the range after the
            # method, so a path with a GET and a POST rule would answer 405 instead of 404.
            self.regex = ID_PATTERN


def query_int(name: str, default: int | None, least: int, most: int) -> int | None:
    """Return query parameter `name` as an int in least..most (or `default` when absent)."""
    text = request.args.get(name, "").strip()
    if not text:
        return default
    if not re.fullmatch(r"[+-]?[0-9]{1,12}", text) or not least <= int(text) <= most:
        message = N_("%(name)s must be a whole number from %(least)s to %(most)s.")
        raise BadInput(message, [(name, message, {"name": name, "least": least, "most": most})],
                       name=name, least=least, most=most)
    return int(text)


def json_id(value, name: str) -> int:
    """Return `value` (from a JSON body) as an id 1..MAX_ID; raise Rejected naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        message = N_("%(name)s must be the id of a case (a whole number).")
        raise Rejected(message, [(name, message, {"name": name})], name=name)
    return value


def query_page() -> int:
    """Return the `page` query parameter (1 when absent)."""
    return query_int("page", 1, 1, MAX_PAGE)


def query_page_or_after() -> tuple[int, str | None]:
    """Return the `page` and `after` (keyset cursor) query parameters; raise BadInput when
    both are given (a cursor already says where its page starts)."""
    page, after = query_page(), request.args.get("after", "").strip() or None
    if after and "page" in request.args:
        message = N_("Give either page or after, not both.")
        raise BadInput(message, [("after", message)])
    return page, after


def query_choice(name: str, choices: tuple[str, ...]) -> str:
    """Return query parameter `name`, one of `choices` ("" when absent); raise BadInput."""
    value = request.args.get(name, "").strip()
    if value not in choices:
        message = N_("%(name)s must be one of: %(choices)s.")
        shown = ", ".join(c for c in choices if c)
        raise BadInput(message, [(name, message, {"name": name, "choices": shown})],
                       name=name, choices=shown)
    return value


PAGING = ("after", "before", "page")


def url_paged(_external: bool = False, **paging) -> str:
    """Return this request's URL with its paging parameters replaced by `paging` (none:
    the list's first page), its filters and sort kept."""
    args = {k: v for k, v in request.args.items(multi=True) if k not in PAGING}
    return url_for(request.endpoint, **(request.view_args or {}), **args, **paging,
                   _external=_external)


def url_after(after: str) -> str:
    """Return this request's URL asking for the page after cursor `after`."""
    return url_paged(after=after, _external=True)


def query_year() -> int | None:
    """Return the `year` query parameter (None when absent)."""
    return query_int("year", None, *YEARS)


# ------------------------------------------------------------------------------ text


def bad_text_path(value, where: str = "") -> str | None:
    """Return where in a JSON value (`data.staff[2].name`) a NUL or lone surrogate sits, or None."""
    stack = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if BAD_TEXT.search(item):
                return path or "_"
        elif isinstance(item, dict):
            for key, child in item.items():
                name = f"{path}.{key}" if path else str(key)
                if BAD_TEXT.search(str(key)):
                    return name
                stack.append((name, child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(item))
    return None


def _refuse_text(where: str) -> None:
    message = N_("The input contains a NUL character or invalid Unicode text, which cannot be "
                 "stored. Remove it and try again.")
    raise BadInput(message, [(where, message)])


def _pairs():
    yield from request.args.items(multi=True)
    yield from (request.view_args or {}).items()
    if request.method in ("POST", "PUT", "PATCH"):
        yield from request.form.items(multi=True)
        yield from ((name, file.filename or "") for name, file in request.files.items(multi=True))


def refuse_bad_text() -> None:
    """Before every request: refuse a NUL or lone surrogate in the URL, query and form fields."""
    for name, value in _pairs():
        name = name if isinstance(name, str) else ""  # a multipart part may have no name
        if isinstance(value, str) and (BAD_TEXT.search(value) or BAD_TEXT.search(name)):
            _refuse_text("_" if BAD_TEXT.search(name) else name)


# ------------------------------------------------------------------------------ JSON


def _depth(text: str) -> int:
    deepest = depth = 0
    for token in BRACKETS.findall(text):
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


def _not_json() -> Rejected:
    message = N_("The request body must be a JSON object.")
    return Rejected(message, [("_", message)])  # 422, as before the limits existed


def _raw_text() -> str:
    if not request.is_json:
        raise _not_json()
    limit = current_app.config.get("MAX_JSON_BYTES", MAX_JSON_BYTES)
    message = N_("The request body is larger than %(kb)s KB.")
    too_large = BadInput(message, [("_", message, {"kb": limit // 1024})], kb=limit // 1024)
    if (request.content_length or 0) > limit:
        raise too_large
    data = request.get_data(cache=True)
    if len(data) > limit:  # a chunked body has no Content-Length
        raise too_large
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _not_json() from None


def json_body() -> dict:
    """Return the request's JSON object; raise BadInput for a body too large, too deep or bad."""
    text = _raw_text()
    if _depth(text) > MAX_JSON_DEPTH:
        message = N_("The JSON body is nested more than %(depth)s levels deep.")
        raise BadInput(message, [("_", message, {"depth": MAX_JSON_DEPTH})],
                       depth=MAX_JSON_DEPTH)
    try:
        body = json.loads(text) if text.strip() else None
    except ValueError:
        raise _not_json() from None
    if not isinstance(body, dict):
        raise _not_json()
    where = bad_text_path(body)
    if where is not None:
        _refuse_text(where)
    return body


def register(app: Flask) -> None:
    """Install the bounded `int` converter (before any route) and the text check."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_bad_text)
