"""Administrative divisions: which jurisdictions, cases and tasks an official's division covers.

A jurisdiction's meta.yaml describes its divisions as a tree: the authority's own division
(a city, or a province with its cities) and the county-level divisions under it. A division
is known by its GB/T 2260 code, so one county official serves every procedure of every
jurisdiction covering the county: a county in its city's and its province's procedures alike.
A division without a code (a development zone) is known by its jurisdiction and short code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from app.errors import N_, DefinitionError
from app.extensions import db
from app.models import Jurisdiction, User
from app.services import reference, transaction_info

OFFICIAL_LEVELS = ("county", "city", "province")
DEFAULT_LEVELS = ("county", "city")
PROVINCE_SUFFIX = "0000"


@dataclass(frozen=True)
class Tree:
    """One jurisdiction's divisions: for every county code (None: the jurisdiction itself,
    e.g. a draft without a county yet) its chain of division ids from itself upwards."""

    key: str
    levels: tuple[str, ...]
    root_level: str
    chains: dict
    cities: dict

    @property
    def root(self) -> str:
        return self.chains[None][0]


def _division_id(jurisdiction: str, entry: dict, kind: str) -> str:
    gb = entry.get("gb")
    return f"gb:{gb}" if gb else f"{jurisdiction}:{kind}:{entry.get('code', '')}"


def _root_chain(record: Jurisdiction) -> tuple[str, ...]:
    division = record.division or {}
    gb, level = division.get("gb"), division.get("level", "city")
    if not gb:
        return (f"{record.key}:{level}",)
    # A city's province is the first two digits of its code (GB/T 2260).
    above = (f"gb:{gb[:2]}{PROVINCE_SUFFIX}",) if level == "city" else ()
    return (f"gb:{gb}",) + above


def tree_of(record: Jurisdiction) -> Tree:
    """Return the division tree of jurisdiction `record`."""
    root = _root_chain(record)
    cities = {c["code"]: _division_id(record.key, c, "city") for c in record.cities or []}
    chains: dict = {None: root}
    for county in record.counties or []:
        city = (cities[county["city"]],) if county.get("city") in cities else ()
        chains[county["code"]] = (_division_id(record.key, county, "county"),) + city + root
    return Tree(key=record.key, levels=tuple(record.levels or DEFAULT_LEVELS),
                root_level=(record.division or {}).get("level", "city"), chains=chains,
                cities=cities)


@dataclass(frozen=True)
class _Known:
    """Every jurisdiction and its division tree, as of one stamp of the table."""

    records: dict[str, Jurisdiction]  # in no session: shared, read only, by all transactions
    trees: dict[str, Tree]


def _read() -> _Known:
    records = {row["key"]: Jurisdiction(**row)
               for row in db.session.execute(sa.select(Jurisdiction.__table__)).mappings()}
    return _Known(records, {key: tree_of(record) for key, record in records.items()})


# Session.info: the jurisdictions this transaction uses, and those the last one used
JURISDICTIONS = transaction_info("jurisdictions", Jurisdiction)
LAST_USED = "jurisdictions_last_used"


def _known() -> _Known:
    info = db.session.info
    found = info.get(JURISDICTIONS)
    if found is None:
        if LAST_USED in info and not db.session().in_transaction():
            # After a commit (an answer built from what the use case committed): the
            # jurisdictions it used, without a transaction to read the stamps again.
            return info[LAST_USED]
        found = info[JURISDICTIONS] = info[LAST_USED] = reference.kept("jurisdiction", _read)
    return found


def jurisdictions() -> dict[str, Jurisdiction]:
    """Return every jurisdiction by key, the same for the whole transaction (access checks,
    forms and the case's mirrored fields all ask for them), read only when the table changed
    (app/services/reference.py). The records are in no session: read them, never change
    them."""
    return _known().records


def trees() -> dict[str, Tree]:
    """Return every jurisdiction's division tree by jurisdiction key."""
    return _known().trees


def forget() -> None:
    """Read the jurisdictions again at their next use (after this transaction changed them)."""
    db.session.info.pop(JURISDICTIONS, None)
    db.session.info.pop(LAST_USED, None)
    reference.forget()


def scope_of(user: User, all_trees: dict[str, Tree] | None = None) -> str | None:
    """Return the id of the division an official or applicant belongs to, or None."""
    tree = (all_trees or trees()).get(user.jurisdiction or "")
    if tree is None:
        return None
    if user.role in ("county", "applicant"):
        chain = tree.chains.get(user.county) if user.county else None
        return chain[0] if chain else None
    if user.role == "city":
        if user.city:
            return tree.cities.get(user.city)
        return tree.root if tree.root_level == "city" else None
    if user.role == "province":
        return tree.root if tree.root_level == "province" else None
    return None


# What each division covers, worked out once per set of trees (a request asks several
# times, every request of an official asks the same): (the trees, {(level, division): ...}),
# replaced as one tuple, so that no thread files what it worked out under other trees.
_covered_held: tuple = (None, {})


def covered(user: User) -> Mapping[str, frozenset]:
    """Return {jurisdiction: county codes (None for cases without one)} that an official's
    division covers, in jurisdictions whose procedures use the official's level. Shared:
    read it, never change it."""
    global _covered_held
    all_trees = trees()
    scope = scope_of(user, all_trees)
    if scope is None or user.role not in OFFICIAL_LEVELS:
        return {}
    held_trees, known = _covered_held
    if held_trees is not all_trees:  # the jurisdictions changed: what was worked out goes
        known = {}
        _covered_held = (all_trees, known)
    if (user.role, scope) not in known:
        result = {}
        for key, tree in all_trees.items():
            codes = frozenset(code for code, chain in tree.chains.items() if scope in chain)
            if codes and user.role in tree.levels:
                result[key] = codes
        known[(user.role, scope)] = result
    return known[(user.role, scope)]


def covers(user: User, jurisdiction: str, county: str | None) -> bool:
    """Return whether an official's division covers a case filed in (jurisdiction, county)."""
    return county in covered(user).get(jurisdiction, ())


def in_scope(user: User, jurisdiction_column, county_column):
    """Return a WHERE clause selecting rows filed in the divisions `user` covers."""
    all_trees, clauses = trees(), []
    for key, codes in covered(user).items():
        if codes == set(all_trees[key].chains):
            clauses.append(jurisdiction_column == key)
            continue
        named = sorted(code for code in codes if code is not None)
        parts = [county_column.in_(named)] if named else []
        if None in codes:
            parts.append(county_column.is_(None))
        clauses.append(sa.and_(jurisdiction_column == key, sa.or_(*parts)))
    return sa.or_(*clauses) if clauses else sa.false()


def jurisdictions_of(user: User) -> list[str]:
    """Return the jurisdictions whose procedures a user takes part in: an official's covered
    ones, an applicant's those covering its county, anyone else's own."""
    if user.role in OFFICIAL_LEVELS:
        return sorted(covered(user))
    if user.role == "applicant":
        all_trees = trees()
        scope = scope_of(user, all_trees)
        return sorted(key for key, tree in all_trees.items()
                      if key == user.jurisdiction
                      or (scope and any(chain[0] == scope for chain in tree.chains.values())))
    return [user.jurisdiction] if user.jurisdiction else []


def authority_level(jurisdiction: str) -> str:
    """Return the level of the authority that owns a jurisdiction's procedures (city or
    province): it organises the experts and decides."""
    record = db.session.get(Jurisdiction, jurisdiction)
    return ((record.division or {}).get("level") if record else None) or "city"


def county_in(jurisdiction: str, code: str) -> bool:
    """Return whether `code` is a county-level division of `jurisdiction`."""
    record = db.session.get(Jurisdiction, jurisdiction)
    return record is not None and any(c["code"] == code for c in record.counties or [])


def city_in(jurisdiction: str, code: str) -> bool:
    """Return whether `code` is a city of (multi-city) `jurisdiction`."""
    record = db.session.get(Jurisdiction, jurisdiction)
    return record is not None and any(c["code"] == code for c in record.cities or [])


GB_CODE = re.compile(r"\d{6}")
MESSAGES = {
    "level": N_("division level must be city or province, not %(value)s"),
    "levels": N_("levels may list only county, city and province, not %(value)s"),
    "gb": N_("%(value)s: gb must be a six-digit GB/T 2260 code in quotes"),
    "city": N_("county %(value)s names a city that is not among cities"),
    "no_city": N_("county %(value)s must name its city: the jurisdiction has cities"),
    "lane": N_("lane %(value)s is not among the jurisdiction's levels"),
}


def _problem(file: str, kind: str, value, element: str = "") -> DefinitionError:
    return DefinitionError(MESSAGES[kind], file, element, value=str(value))


def check_meta(meta: Mapping, file: str) -> list[DefinitionError]:
    """Return the problems of a meta.yaml's divisions: levels, GB/T 2260 codes, cities."""
    division = meta.get("division") or {}
    problems = [] if division.get("level", "city") in ("city", "province") \
        else [_problem(file, "level", division.get("level"))]
    problems += [_problem(file, "levels", level) for level in meta.get("levels") or []
                 if level not in OFFICIAL_LEVELS]
    cities = {c.get("code") for c in meta.get("cities") or [] if isinstance(c, Mapping)}
    entries = [division] + list(meta.get("cities") or []) + list(meta.get("counties") or [])
    problems += [_problem(file, "gb", e.get("code") or e.get("gb")) for e in entries
                 if isinstance(e, Mapping) and "gb" in e
                 and not GB_CODE.fullmatch(str(e["gb"]) if isinstance(e["gb"], str) else "")]
    for county in meta.get("counties") or []:
        if not isinstance(county, Mapping):
            continue
        if county.get("city") is not None and county["city"] not in cities:
            problems.append(_problem(file, "city", county.get("code")))
        elif cities and county.get("city") is None:
            problems.append(_problem(file, "no_city", county.get("code")))
    return problems


def check_lanes(meta: Mapping, lanes: dict[str, str], file: str) -> list[DefinitionError]:
    """Return a problem for each official lane ({element id: lane}) the jurisdiction's
    `levels` do not declare (when it declares them)."""
    if not meta.get("levels"):
        return []
    declared = set(meta["levels"])
    return [_problem(file, "lane", lane, element) for element, lane in sorted(lanes.items())
            if lane in OFFICIAL_LEVELS and lane not in declared]
