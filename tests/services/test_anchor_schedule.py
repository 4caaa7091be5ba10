"""The timer worker anchors the case histories once a day: at its first round after
ANCHOR_HOUR (01:00) local time, unless one was taken since then or in the last 20 hours
(产品默认)."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest

from app.services import anchor_schedule
from tests.services.test_anchors import make_case, paths, ref_of

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(("now", "last", "due"), [
    ("2026-12-02T00:59", "2026-12-01T01:00", False),  # before the hour
    ("2026-12-02T01:00", "2026-12-01T01:00", True),  # the first round after it
    ("2026-12-02T01:01", "2026-12-02T01:00", False),  # already anchored today
    ("2026-12-02T23:30", "2026-12-02T01:00", False),  # ... even 22 h later
    ("2026-12-02T15:00", None, True),  # never anchored: as soon as past the hour
    ("2026-12-02T01:00", "2026-12-01T18:00", False),  # a manual anchor last evening (7 h)
    ("2026-12-02T14:00", "2026-12-01T18:00", True),  # ... and 20 h later
    ("2026-12-02T23:59", "2026-12-01T03:00", True),  # the worker was down at 01:00
])
def test_the_anchor_is_due_after_the_hour_once_the_last_is_20_hours_old(now, last, due):
    last_at = local(last).astimezone(dt.timezone.utc) if last else None

    assert anchor_schedule.anchor_due(local(now).astimezone(dt.timezone.utc), last_at, 1,
                                      SHANGHAI) is due


def test_the_hour_is_read_in_local_time_not_utc():
    # 01:30 in Shanghai is 17:30 UTC the day before.
    now = dt.datetime(2026, 12, 1, 17, 30, tzinfo=dt.timezone.utc)

    assert anchor_schedule.anchor_due(now, None, 1, SHANGHAI)
    assert not anchor_schedule.anchor_due(now, None, 2, SHANGHAI)
    assert not anchor_schedule.anchor_due(now, None, None, SHANGHAI)


@pytest.mark.parametrize(("text", "hour"), [("1", 1), ("0", 0), ("23", 23), (" 4 ", 4),
                                            ("off", None), ("OFF", None), ("", None)])
def test_anchor_hour_reads_an_hour_or_off(text, hour):
    assert anchor_schedule.parse_hour(text) == hour


@pytest.mark.parametrize("text", ["24", "-1", "1:30", "daily"])
def test_a_bad_anchor_hour_is_refused_with_its_name(text):
    with pytest.raises(ValueError, match="ANCHOR_HOUR must be an hour from 0 to 23 or off"):
        anchor_schedule.parse_hour(text)


def worker_once(api):
    return api.app.test_cli_runner().invoke(args=["worker", "--once"])


def test_one_worker_round_anchors_and_the_next_does_not_anchor_again(api):
    case = make_case(api)
    api.app.config["ANCHOR_HOUR"] = "0"  # any time of day is past it
    log_path, _ = paths(api)

    first, second = worker_once(api), worker_once(api)

    assert first.exit_code == 0 and second.exit_code == 0, first.output
    lines = log_path.read_text().splitlines()
    assert len(lines) == 1 and "anchored 1 cases: " in first.output
    assert [leaf["ref"] for leaf in json.loads(lines[0])["leaves"]] == [ref_of(case)]
    assert "anchored" not in second.output


def test_a_worker_with_anchoring_off_does_not_anchor(api):
    make_case(api)
    api.app.config["ANCHOR_HOUR"] = "off"

    result = worker_once(api)

    assert result.exit_code == 0 and not paths(api)[0].exists()


def test_a_worker_with_a_bad_anchor_hour_stops_with_the_reason(api):
    api.app.config["ANCHOR_HOUR"] = "25"

    result = worker_once(api)

    assert result.exit_code == 2 and "ANCHOR_HOUR must be an hour" in result.output


def test_a_remembered_schedule_reads_the_log_only_when_an_anchor_may_be_due(api, monkeypatch):
    make_case(api)
    log_path, key_path = paths(api)
    schedule = anchor_schedule.Schedule(log_path, key_path, 1, SHANGHAI)
    reads = []
    real = anchor_schedule.anchor_if_due
    monkeypatch.setattr(anchor_schedule, "anchor_if_due",
                        lambda *args: reads.append(args[2]) or real(*args))

    rounds = [schedule.run(local(f"2026-12-0{day}T{hour}").astimezone(dt.timezone.utc))
              for day, hour in ((1, "01:00"), (1, "01:01"), (1, "23:00"), (2, "01:00"))]

    assert [entry is not None for entry in rounds] == [True, False, False, True]
    assert len(reads) == 2 and len(log_path.read_text().splitlines()) == 2
