"""Which clauses a piece of documentation cites, and which citations name an unlisted clause.

A text cites a listed clause when it contains the clause id verbatim, or when a range
"第A条至第B条" spans it. A text cites an unlisted clause when it contains (docs/PROCESSES.md
"Traceability"): a 第…条 article; a 【…】 marked citation; or a string of the same form as a
listed id (its numerals replaced by any numerals of the same script) — that is not part of a
listed id's occurrence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

CHINESE_DIGITS = "零一二三四五六七八九"
CHINESE = "[〇零一二三四五六七八九十百]+"
ARABIC = "[0-9]+"
ARTICLE = re.compile(rf"第({CHINESE}|{ARABIC})条(?:至第({CHINESE}|{ARABIC})条)?")
PRODUCT_DEFAULT = "产品默认"   # the words that mark a rule the product adds, not the law
MARKED = re.compile(r"【([^【】]{1,60})】")
NUMERAL_RUN = re.compile(rf"{CHINESE}|{ARABIC}")
# Characters that carry no meaning of their own in an id's form: an id made only of numerals
# and these (e.g. "（二）", "一、") would match ordinary enumerations, so its form is not used.
PUNCTUATION = set("、，。；：:;,.()（）“”\"'‘’《》〈〉[]【】-—第 ")


def chinese_to_int(text: str) -> int:
    """Return the value of a numeral written in Chinese (up to 999) or Arabic digits."""
    if text.isdigit():
        return int(text)
    total = current = 0
    for char in text:
        if char in "十百":
            total += (current or 1) * (10 if char == "十" else 100)
            current = 0
        else:
            current = CHINESE_DIGITS.index("零" if char == "〇" else char)
    return total + current


def int_to_chinese(number: int) -> str:
    """Return `number` (1–999) as clauses write it: 十, 十一, 二十, 一百零五."""
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    text = CHINESE_DIGITS[hundreds] + "百" if hundreds else ""
    if tens:
        text += ("" if tens == 1 and not hundreds else CHINESE_DIGITS[tens]) + "十"
    elif hundreds and ones:
        text += "零"
    return text + (CHINESE_DIGITS[ones] if ones else "")


def _article(number: int, arabic: bool) -> str:
    return f"第{number if arabic else int_to_chinese(number)}条"


def _expand(match: re.Match) -> list[str]:
    """The articles a 第A条(至第B条) match names (a range names each article in it)."""
    first, last = match.group(1), match.group(2) or match.group(1)
    start, end = chinese_to_int(first), chinese_to_int(last)
    if end < start or end - start > 50:  # a typo, not a range: name the two ends only
        return [_article(start, first.isdigit()), _article(end, last.isdigit())]
    return [_article(n, first.isdigit()) for n in range(start, end + 1)]


def id_form(clause_id: str) -> re.Pattern | None:
    """Return the pattern of strings written like `clause_id` (None when too generic)."""
    meaningful = NUMERAL_RUN.sub("", clause_id)
    if not any(char not in PUNCTUATION for char in meaningful):
        return None
    parts, last = [], 0
    for run in NUMERAL_RUN.finditer(clause_id):
        parts.append(re.escape(clause_id[last:run.start()]))
        parts.append(ARABIC if run.group().isdigit() else CHINESE)
        last = run.end()
    parts.append(re.escape(clause_id[last:]))
    return re.compile("".join(parts))


def _spans(text: str, ids: Iterable[str]) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for clause_id in ids
            for m in re.finditer(re.escape(clause_id), text)]


def _inside(span: tuple[int, int], covered: list[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in covered)


def cited(text: str, ids: Iterable[str]) -> set[str]:
    """Return the listed ids `text` cites: verbatim, or inside a 第A条至第B条 range."""
    ids = set(ids)
    found = {clause_id for clause_id in ids if clause_id in text}
    for match in ARTICLE.finditer(text):
        found.update(article for article in _expand(match) if article in ids)
    return found


def _candidates(text: str, forms: Iterable[re.Pattern]) -> Iterator[tuple[tuple, list[str]]]:
    for match in ARTICLE.finditer(text):
        yield match.span(), _expand(match)
    for match in MARKED.finditer(text):
        yield match.span(1), [match.group(1).strip()]
    for form in forms:
        for match in form.finditer(text):
            yield match.span(), [match.group()]


def unlisted(text: str, ids: Iterable[str]) -> list[str]:
    """Return the clauses `text` cites that are not among `ids`, in order of appearance."""
    ids = set(ids)
    covered = _spans(text, ids)
    forms = {form.pattern: form for form in map(id_form, ids) if form is not None}.values()
    found: list[str] = []
    for span, names in sorted(_candidates(text, forms), key=lambda c: c[0]):
        if _inside(span, covered):
            continue
        found += [name for name in names if name not in ids and name not in found]
    return found


def default_sentence(text: str) -> str:
    """Return the sentence of `text` that names a product default (all of it when none does)."""
    for sentence in text.replace("；", "。").split("。"):
        if PRODUCT_DEFAULT in sentence:
            return sentence.strip()
    return text
