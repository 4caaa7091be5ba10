"""The JSON of the database's JSON columns and of the JSON answers (app/jsoncodec.py): the
same values come back, Chinese is kept as written, and what orjson refuses still works as
with the standard library."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import uuid
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from app.extensions import db
from app.jsoncodec import JSONProvider, dumps_column, loads_column
from app.models import Jurisdiction


def test_a_column_value_comes_back_equal_with_chinese_written_as_is():
    value = {"name": "昆明市五华区创业园", "n": [1, 2.5, None, True], "nested": {"键": "值"}}
    text = dumps_column(value)
    assert "昆明市五华区创业园" in text and "\\u" not in text
    assert loads_column(text) == value == json.loads(text)


def test_what_orjson_refuses_goes_through_the_standard_library():
    huge = {"n": 2 ** 70, 3: "int key"}  # beyond 64 bits; a key that is not text
    assert json.loads(dumps_column(huge)) == {"n": 2 ** 70, "3": "int key"}
    assert math.isnan(loads_column('{"x": NaN}')["x"])  # an old row written with NaN


def test_the_database_stores_and_reads_json_columns_through_the_codec(app):
    with app.app_context():
        assert db.engine.dialect._json_serializer is dumps_column
        db.session.add(Jurisdiction(key="jsontest", name="测试", ref_prefix="JT",
                                    counties=["五华区", "盘龙区"], case_fields={"big": 2 ** 70}))
        db.session.commit()
        db.session.expunge_all()
        stored = db.session.execute(sa.text(
            "SELECT counties FROM jurisdiction WHERE key = 'jsontest'")).scalar_one()
        row = db.session.get(Jurisdiction, "jsontest")
        assert row.counties == ["五华区", "盘龙区"] and row.case_fields == {"big": 2 ** 70}
        if isinstance(stored, str):  # SQLite keeps the text as written
            assert "五华区" in stored


@dataclasses.dataclass
class _Point:
    x: int
    y: str


def test_answers_keep_flasks_json_forms():
    app = Flask(__name__)
    app.json = JSONProvider(app)
    value = {"b": 1, "a": dt.date(2026, 3, 2), "when": dt.datetime(2026, 3, 2, 10, 30),
             "id": uuid.UUID(int=1), "d": Decimal("1.50"), "html": Markup("<b>x</b>"),
             "p": _Point(1, "y"), "zh": "基地"}
    with app.app_context():
        text = app.json.dumps(value)
        assert list(json.loads(text)) == sorted(value)  # keys sorted, as Flask's
        assert json.loads(text) == json.loads(DefaultJSONProvider.dumps(app.json, value))
        assert json.loads(text)["a"] == "Mon, 02 Mar 2026 00:00:00 GMT"
        assert "基地" in text
        assert app.json.dumps({"a": 1}, indent=2) == '{\n  "a": 1\n}'  # Flask's own dumps
        assert app.json.dumps({"n": 2 ** 70}) == '{"n": 1180591620717411303424}'
        assert app.json.loads('{"x": NaN}')["x"] != app.json.loads('{"x": NaN}')["x"]
