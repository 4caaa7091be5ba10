"""The daily anchor of the case histories, taken by the timer worker (`flask --app app worker`).

产品默认: at the worker's first round after ANCHOR_HOUR (01:00) local time, unless an anchor
was taken since then or within MIN_ANCHOR_GAP (20 h): one anchor a day however many workers
run and whenever they were restarted, and a manual `audit anchor` in the evening does not
bring a second one a few hours later. ANCHOR_HOUR=off leaves anchoring to cron or a systemd timer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from app.services import anchors

ANCHOR_HOUR = 1
MIN_ANCHOR_GAP = dt.timedelta(hours=20)


def parse_hour(text: str | int | None) -> int | None:
    """Return ANCHOR_HOUR as an hour 0..23, or None for "off"/empty; raise ValueError."""
    text = str(text if text is not None else "").strip().lower()
    if text in ("", "off"):
        return None
    if not text.isdigit() or not 0 <= int(text) <= 23:
        raise ValueError(f"ANCHOR_HOUR must be an hour from 0 to 23 or off, not {text!r}")
    return int(text)


def anchor_due(now: dt.datetime, last_at: dt.datetime | None, hour: int | None,
               zone: dt.tzinfo) -> bool:
    """Return whether the daily anchor is due at `now`: past today's `hour` local time, with
    no anchor since then and none in the last MIN_ANCHOR_GAP (产品默认; `hour` None: never)."""
    if hour is None:
        return False
    local = now.astimezone(zone)
    mark = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if local < mark:
        return False
    return last_at is None or (last_at < mark and now - last_at >= MIN_ANCHOR_GAP)


@dataclass
class Schedule:
    """The worker's daily anchor. It remembers the last anchor's time, so that a round reads
    the log only when an anchor may be due (one read at start, then about once a day)."""

    log_path: Path
    key_path: Path
    hour: int | None
    zone: dt.tzinfo
    last_at: dt.datetime | None = None
    looked: bool = False

    def run(self, now: dt.datetime) -> dict | None:
        """Anchor when due; return the new entry or None."""
        if self.hour is None or (self.looked and
                                 not anchor_due(now, self.last_at, self.hour, self.zone)):
            return None
        entry, self.last_at = anchor_if_due(self.log_path, self.key_path, now, self.hour,
                                            self.zone)
        self.looked = True
        return entry


def anchor_if_due(log_path: Path, key_path: Path, now: dt.datetime, hour: int | None,
                  zone: dt.tzinfo) -> tuple[dict | None, dt.datetime | None]:
    """Append an anchor when `anchor_due` says so; return (the entry or None, the time of the
    log's last anchor). Decided under the log's lock, so several workers anchor once."""
    return anchors.append_when(log_path, key_path, now,
                               lambda last_at: anchor_due(now, last_at, hour, zone))
