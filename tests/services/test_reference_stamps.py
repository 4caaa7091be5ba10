"""Jurisdictions and calendar overrides, kept per process: read again exactly when changed.

Every change to either table, by the product or by anyone else with the database (a
migration, psql), renews the table's random stamp through a trigger; a process reads the
table again only then.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import CalendarDay, ReferenceStamp
from app.services import calendar_days, catalog, divisions, transaction, users
from tests.bench.http import Statements
from tests.services.old_database import MIGRATIONS, app_at

HOLIDAY = dt.date(2031, 5, 5)


def _elsewhere(statement: str) -> None:
    """Run `statement` as someone else with the database would: its own connection."""
    with db.engine.begin() as connection:
        connection.exec_driver_sql(statement)


def _fresh_transaction() -> None:
    db.session.rollback()


def test_unchanged_tables_are_not_read_again(app):
    calendar_days.overrides(), divisions.trees()
    _fresh_transaction()

    with Statements(db.engine) as counted:
        calendar_days.overrides(), catalog.jurisdiction("kunming"), divisions.trees()

    assert [" ".join(s.split()) for s in counted.statements] == [
        "SELECT reference_stamp.name, reference_stamp.stamp FROM reference_stamp"]


def test_a_change_made_outside_the_product_is_seen_by_the_next_transaction(app):
    assert HOLIDAY not in calendar_days.overrides()
    name = catalog.jurisdiction("kunming").name
    _fresh_transaction()

    _elsewhere(f"INSERT INTO calendar_day (day, working, note, created_at) "
               f"VALUES ('{HOLIDAY}', 0, 'psql', '2026-12-01 00:00:00')")
    _elsewhere("UPDATE jurisdiction SET name = name || '（改）' WHERE key = 'kunming'")

    assert calendar_days.overrides()[HOLIDAY] is False
    assert catalog.jurisdiction("kunming").name == name + "（改）"
    _fresh_transaction()
    _elsewhere(f"DELETE FROM calendar_day WHERE day = '{HOLIDAY}'")
    assert HOLIDAY not in calendar_days.overrides()


@pytest.mark.parametrize("by", ["token", "session"])
def test_the_requester_is_read_with_the_stamps_and_a_change_counts_at_the_next_request(app, by):
    user, token = users.create_user("stamp_reader", "county", "kunming", "wuhua", "stamppass1")
    db.session.commit()
    session_id = f"{user.id}:{user.session_nonce}"

    def requester():
        return (users.user_for_token(token) if by == "token"
                else users.session_user(session_id))

    calendar_days.overrides(), divisions.trees()
    _fresh_transaction()
    with Statements(db.engine) as counted:
        assert requester().username == "stamp_reader"
        calendar_days.overrides(), catalog.jurisdiction("kunming"), divisions.trees()
    assert len(counted.statements) == 1  # the stamps came with the requester
    assert "reference_stamp" in counted.statements[0]

    _fresh_transaction()
    _elsewhere(f"INSERT INTO calendar_day (day, working, note, created_at) "
               f"VALUES ('{HOLIDAY}', 0, 'psql', '2026-12-01 00:00:00')")
    requester()
    assert calendar_days.overrides()[HOLIDAY] is False


def test_an_override_saved_through_the_product_counts_at_once(app):
    calendar_days.overrides()
    calendar_days.set_override(HOLIDAY, False, "调休")

    assert calendar_days.overrides()[HOLIDAY] is False
    calendar_days.remove_override(HOLIDAY)
    assert HOLIDAY not in calendar_days.overrides()


def test_a_transaction_sees_its_own_change_and_a_rolled_back_one_is_never_taken(app):
    calendar_days.overrides()
    _fresh_transaction()
    with pytest.raises(RuntimeError):
        with transaction():
            db.session.add(CalendarDay(day=HOLIDAY, working=False, note="not kept"))
            db.session.flush()
            assert calendar_days.overrides()[HOLIDAY] is False  # its own change
            raise RuntimeError("rolled back")

    # The rolled-back change's stamp is not the table's: it is read again, without it.
    assert HOLIDAY not in calendar_days.overrides()
    calendar_days.set_override(HOLIDAY, True, "kept")
    assert calendar_days.overrides()[HOLIDAY] is True


def test_the_migration_gives_an_existing_database_its_stamps_and_triggers(tmp_path):
    from flask_migrate import upgrade

    app = app_at(tmp_path, "0017_oversight_months")
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        before = dict(db.session.execute(sa.select(ReferenceStamp.name, ReferenceStamp.stamp))
                      .all())
        db.session.add(CalendarDay(day=HOLIDAY, working=False, note=""))
        db.session.commit()
        after = dict(db.session.execute(sa.select(ReferenceStamp.name, ReferenceStamp.stamp))
                     .all())
        db.engine.dispose()

    assert set(before) == {"jurisdiction", "calendar_day"}
    assert after["calendar_day"] != before["calendar_day"]
    assert after["jurisdiction"] == before["jurisdiction"]


def test_the_migration_goes_down_and_up_again(tmp_path):
    from flask_migrate import downgrade, upgrade

    app = app_at(tmp_path, "0018_reference_stamps")
    with app.app_context():
        downgrade(directory=MIGRATIONS, revision="0017_oversight_months")
        triggers = db.session.scalars(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")).all()
        assert triggers == []
        db.session.remove()
        upgrade(directory=MIGRATIONS)
        assert len(db.session.scalars(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")).all()) == 6
        db.engine.dispose()


def test_what_an_officials_division_covers_follows_a_change_of_the_jurisdictions(app):
    official, _token = users.create_user("stamps_county", "county", "kunming", "wuhua",
                                         "stampspass1")
    db.session.commit()
    assert divisions.covers(official, "kunming", official.county)
    assert divisions.covered(official) is divisions.covered(official)  # worked out once
    _fresh_transaction()

    _elsewhere("UPDATE jurisdiction SET levels = '[\"city\"]' WHERE key = 'kunming'")

    assert not divisions.covers(official, "kunming", official.county)
    assert "kunming" not in divisions.jurisdictions_of(official)
