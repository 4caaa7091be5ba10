"""Database records. No commits, no request state, no engine calls here."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class AwareDateTime(sa.types.TypeDecorator):
    """Stores UTC; always returns aware datetimes (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime")
            value = value.astimezone(dt.timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value


class Jurisdiction(db.Model):
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100), default="")
    ref_prefix: Mapped[str] = mapped_column(sa.String(10), unique=True)
    counties: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The authority's own division ({level, gb}), its cities (multi-city jurisdictions only)
    # and the official levels its procedures use: see app/services/divisions.py.
    division: Mapped[dict | None] = mapped_column(sa.JSON)
    cities: Mapped[list | None] = mapped_column(sa.JSON)
    levels: Mapped[list | None] = mapped_column(sa.JSON)
    case_fields: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    def county_name(self, code: str | None, lang: str = "zh") -> str:
        """Return a county's name; in a multi-city jurisdiction with its city's name."""
        for county in self.counties:
            if county["code"] == code:
                name = _name_in(county, lang)
                city = next((c for c in self.cities or [] if c["code"] == county.get("city")),
                            None)
                if city is None:
                    return name
                return f"{name}, {_name_in(city, lang)}" if lang == "en" \
                    else f"{_name_in(city, lang)}{name}"
        return code or ""

    def city_name(self, code: str | None, lang: str = "zh") -> str:
        """Return the name of a city of a multi-city jurisdiction."""
        city = next((c for c in self.cities or [] if c["code"] == code), None)
        return _name_in(city, lang) if city else code or ""


def _name_in(entry: dict, lang: str) -> str:
    return entry.get("name_en") if lang == "en" and entry.get("name_en") else entry["name"]


class ProcessVersion(db.Model):
    __table_args__ = (sa.UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), index=True)
    version: Mapped[int]
    jurisdiction: Mapped[str] = mapped_column(sa.ForeignKey("jurisdiction.key"))
    title: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    startable: Mapped[bool] = mapped_column(default=True)
    # meta.yaml's entry for the process beyond key/file/title: follow_up, parent_status,
    # survives_parent, settings, legal_basis (see docs/PROCESSES.md).
    options: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # Large texts, loaded only when a case runs or a diagram is drawn.
    bpmn: Mapped[str] = mapped_column(sa.Text, deferred=True)
    dmn: Mapped[dict] = mapped_column(sa.JSON, default=dict, deferred=True)
    spec: Mapped[str] = mapped_column(sa.Text, deferred=True)
    # {form key: FormVersion.version} of its user tasks: its cases keep using these versions.
    forms: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # "draft" | "published" | "retired": a published version is retired when a newer one of
    # its key is published; cases keep running on whichever version they started on.
    status: Mapped[str] = mapped_column(sa.String(20), default="published")
    author: Mapped[str] = mapped_column(sa.String(80), default="system")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime, default=utcnow)
    # Four eyes (services/designs.py): a second designer or administrator approves a draft.
    approver: Mapped[str | None] = mapped_column(sa.String(80))
    approved_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime)
    published_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime)
    # The published version a draft was made from.
    base_version: Mapped[int | None]
    # "files" (`processes load`) or "browser" (a published draft): loading compares the
    # files only with the last version loaded from files.
    origin: Mapped[str] = mapped_column(sa.String(20), default="files")
    file: Mapped[str | None] = mapped_column(sa.String(200))  # its BPMN in the folder
    # {form key: YAML source} a draft changes; they become form versions when it is published.
    draft_forms: Mapped[dict | None] = mapped_column(sa.JSON)
    # How many problems the check found when a draft was saved (shown before anyone approves).
    problem_count: Mapped[int] = mapped_column(default=0, server_default="0")


class FormVersion(db.Model):
    __table_args__ = (sa.UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), index=True)
    version: Mapped[int]
    source: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    origin: Mapped[str] = mapped_column(sa.String(20), default="files")
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime, default=utcnow)


def new_session_nonce() -> str:
    return secrets.token_hex(16)


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[str] = mapped_column(sa.String(20), index=True)
    jurisdiction: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    county: Mapped[str | None] = mapped_column(sa.String(40))
    # A city official's city in a multi-city (provincial) jurisdiction.
    city: Mapped[str | None] = mapped_column(sa.String(40))
    credit_code: Mapped[str | None] = mapped_column(sa.String(18))
    # The contact person; accounts registered before the phone had its own field hold
    # "name phone" here (services/prefill.py reads both).
    contact: Mapped[str] = mapped_column(sa.String(200), default="")
    # Where a password reset link is sent ("" : none; an administrator resets instead).
    email: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    contact_phone: Mapped[str | None] = mapped_column(sa.String(30))
    active: Mapped[bool] = mapped_column(default=True)
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime, default=utcnow)
    # Part of every login session; a new one (logout, password change, deactivation) ends
    # all sessions of the user.
    session_nonce: Mapped[str] = mapped_column(sa.String(32), default=new_session_nonce)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime)

    # Flask-Login protocol, kept here so the web layer needs no wrapper class.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"


# One account per name whatever its case: ADMIN cannot sit beside admin.
sa.Index("uq_user_username_lower", sa.func.lower(User.username), unique=True)


class Case(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(30), unique=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case.id"), index=True)
    process_version_id: Mapped[int] = mapped_column(sa.ForeignKey("process_version.id"))
    process_key: Mapped[str] = mapped_column(sa.String(80), index=True)
    jurisdiction: Mapped[str] = mapped_column(sa.String(40), index=True)
    county: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    applicant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), index=True, default="draft")
    stage: Mapped[str] = mapped_column(sa.String(200), default="")
    base_name: Mapped[str] = mapped_column(sa.String(200), default="")
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # The engine state is read only when a case moves; lists never load it.
    state: Mapped[str] = mapped_column(sa.Text, deferred=True)
    state_hash: Mapped[str] = mapped_column(sa.String(64))
    next_timer_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime, index=True)
    waiting: Mapped[list] = mapped_column(sa.JSON, default=list)
    completed_elements: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The call (申报批次) whose window was open when the case started; None without calls.
    call_id: Mapped[int | None] = mapped_column(sa.ForeignKey("call.id"), index=True)
    ended: Mapped[bool] = mapped_column(default=False)
    valid_from: Mapped[dt.date | None] = mapped_column(index=True)
    valid_until: Mapped[dt.date | None] = mapped_column(index=True)
    certificate_no: Mapped[str | None] = mapped_column(sa.String(80))
    lock_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime, default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(AwareDateTime, default=utcnow)

    # Read-only relationships (the id columns are what is written): a flush then has no
    # dependency of theirs to work out for each case and work item it writes.
    process_version: Mapped[ProcessVersion] = relationship()  # written by a migration
    applicant: Mapped[User | None] = relationship(viewonly=True)
    children: Mapped[list[Case]] = relationship(order_by="Case.id", viewonly=True)

    __mapper_args__ = {"version_id_col": lock_version}
    # The case lists in their order, newest activity first (app/services/paging.py).
    __table_args__ = (
        sa.Index("ix_case_list", "updated_at", "id"),
        sa.Index("ix_case_list_jurisdiction", "jurisdiction", "updated_at", "id"),
        sa.Index("ix_case_list_county", "jurisdiction", "county", "updated_at", "id"),
        sa.Index("ix_case_list_applicant", "applicant_id", "updated_at", "id"),
        # A page's children (partial for the reason given at ix_work_item_claimed).
        sa.Index("ix_case_children", "parent_id", "id",
                 sqlite_where=sa.text("parent_id IS NOT NULL"),
                 postgresql_where=sa.text("parent_id IS NOT NULL")),
    )

    @property
    def subject(self) -> str:
        """What the case's procedure recognises: "base" (default) or "institution"."""
        return subject_of(self.process_version)


def subject_of(version: ProcessVersion | None) -> str:
    """What a procedure version recognises: "base" (default) or "institution"."""
    options = version.options if version else None
    return (options or {}).get("subject") or "base"


class Call(db.Model):
    """A call for applications (申报批次) of one procedure and year: its window and the
    county recommendation deadline, dates read in Asia/Shanghai (see services/calls.py)."""

    __table_args__ = (sa.UniqueConstraint("process_key", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(sa.String(80), index=True)
    jurisdiction: Mapped[str] = mapped_column(sa.String(40), index=True)
    year: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    opens_on: Mapped[dt.date]
    closes_on: Mapped[dt.date]
    recommend_by: Mapped[dt.date]
    closed_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime)
    created_by: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime, default=utcnow)


class RefCounter(db.Model):
    """Last case number used per prefix and year (KM-2026 -> 7)."""

    prefix_year: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class WorkItem(db.Model):
    """One ready or finished user task; the worklist is an indexed query on this table."""

    # The queues in list order (app/services/paging.py): a lane of a whole jurisdiction
    # (city, province) or of its counties, by deadline, and their counts per stage.
    __table_args__ = (
        sa.Index("ix_work_item_queue_due", "status", "lane", "jurisdiction", "due_at",
                 "created_at", "id"),
        sa.Index("ix_work_item_queue", "status", "lane", "jurisdiction", "county", "due_at",
                 "created_at", "id"),
        sa.Index("ix_work_item_queue_title", "status", "lane", "jurisdiction", "title"),
        sa.Index("ix_work_item_queue_county_title", "status", "lane", "jurisdiction", "county",
                 "title"),
        sa.Index("ix_work_item_applicant", "applicant_id", "status"),
        # Partial: most items are unclaimed, and an index of NULLs would look useless to the
        # planner's statistics, which would then scan the queue for a claimant's items.
        sa.Index("ix_work_item_claimed", "claimed_by_id", "status",
                 sqlite_where=sa.text("claimed_by_id IS NOT NULL"),
                 postgresql_where=sa.text("claimed_by_id IS NOT NULL")),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    title: Mapped[str] = mapped_column(sa.String(200))
    lane: Mapped[str | None] = mapped_column(sa.String(20))
    jurisdiction: Mapped[str] = mapped_column(sa.String(40))
    county: Mapped[str | None] = mapped_column(sa.String(40))
    applicant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    form: Mapped[str | None] = mapped_column(sa.String(80))
    variable: Mapped[str] = mapped_column(sa.String(80))
    assignee: Mapped[str | None] = mapped_column(sa.String(80), index=True)
    documentation: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default="ready")
    claimed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    due_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime, index=True)
    # The task cannot be completed before this instant (its notBefore property).
    not_before: Mapped[dt.datetime | None] = mapped_column(AwareDateTime)
    draft: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime, default=utcnow)
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    completed_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime, index=True)

    case: Mapped[Case] = relationship(lazy="joined", viewonly=True)
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id], viewonly=True)
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id],
                                                     viewonly=True)


class Event(db.Model):
    """Append-only audit log, hash-chained per case."""

    __table_args__ = (sa.UniqueConstraint("case_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    seq: Mapped[int]
    at: Mapped[dt.datetime] = mapped_column(AwareDateTime)
    actor: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[str] = mapped_column(sa.String(30))
    task: Mapped[str | None] = mapped_column(sa.String(80))
    task_id: Mapped[str | None] = mapped_column(sa.String(36))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    state_hash: Mapped[str | None] = mapped_column(sa.String(64))
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))
    # The CalendarSet the step was computed with; None on events from before 0009.
    calendar: Mapped[str | None] = mapped_column(sa.String(64))


class Attachment(db.Model):
    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(sa.String(100))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime, default=utcnow)
    # A deleted upload keeps its row (the journal names it) and leaves every list.
    deleted_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime)
    deleted_by_id: Mapped[int | None]  # no foreign key: the journal's event names them too


class CalendarDay(db.Model):
    """An official override of the working-day calendar."""

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    working: Mapped[bool]
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime, default=utcnow)


class ReferenceStamp(db.Model):
    """A random stamp per reference table, made new by a trigger with every change to the
    table, whoever makes it (the product, a migration, psql): processes keep what they made
    of the table and read it again only when its stamp differs (app/services/reference.py)."""

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)  # the table's
    stamp: Mapped[int] = mapped_column(sa.BigInteger)


REFERENCE_TABLES = ("jurisdiction", "calendar_day")
# A stamp is random, not counted: one that a rolled-back change gave never comes back.
_NEW_STAMP = {"sqlite": "random()", "postgresql": "(random() * 9007199254740991)::bigint"}


_SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")  # SQLite: one row trigger per event


def reference_triggers(dialect: str) -> list[str]:
    """Return the statements that make every change to a reference table renew its stamp."""
    renew = f"UPDATE reference_stamp SET stamp = {_NEW_STAMP[dialect]} WHERE name ="
    if dialect == "sqlite":
        return [f"CREATE TRIGGER IF NOT EXISTS {table}_{event.lower()}_stamp AFTER {event} "
                f"ON {table} BEGIN {renew} '{table}'; END"
                for table in REFERENCE_TABLES for event in _SQLITE_EVENTS]
    statements = [f"CREATE OR REPLACE FUNCTION reference_changed() RETURNS trigger "
                  f"LANGUAGE plpgsql AS $$ BEGIN {renew} TG_TABLE_NAME; RETURN NULL; END $$"]
    for table in REFERENCE_TABLES:
        statements += [f"DROP TRIGGER IF EXISTS {table}_stamp ON {table}",
                       f"CREATE TRIGGER {table}_stamp AFTER INSERT OR UPDATE OR DELETE OR "
                       f"TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION "
                       f"reference_changed()"]
    return statements


def reference_trigger_drops(dialect: str) -> list[str]:
    """Return the statements that remove what `reference_triggers` made."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_{event.lower()}_stamp"
                for table in REFERENCE_TABLES for event in _SQLITE_EVENTS]
    return [*(f"DROP TRIGGER IF EXISTS {table}_stamp ON {table}" for table in REFERENCE_TABLES),
            "DROP FUNCTION IF EXISTS reference_changed()"]


def install_reference_stamps(connection) -> None:
    """Give every reference table a stamp and the triggers that renew it."""
    present = set(connection.scalars(sa.select(ReferenceStamp.name)))
    for table in REFERENCE_TABLES:
        if table not in present:
            connection.execute(sa.insert(ReferenceStamp).values(
                name=table, stamp=secrets.randbits(53)))
    for statement in reference_triggers(connection.dialect.name):
        connection.exec_driver_sql(statement)


@sa.event.listens_for(db.metadata, "after_create")
def _stamps_with_the_tables(_metadata, connection, tables=(), **_kw) -> None:
    if any(table.name == "reference_stamp" for table in tables):
        install_reference_stamps(connection)


class CalendarSet(db.Model):
    """The official overrides as a whole, as some event was computed with them: written once,
    keyed by the sha256 of their canonical text, so that replay uses exactly them."""

    hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    days: Mapped[dict] = mapped_column(sa.JSON)  # {"YYYY-MM-DD": working}
    created_at: Mapped[dt.datetime] = mapped_column(AwareDateTime, default=utcnow)


class AccessEntry(db.Model):
    """Append-only journal of what auditors and administrators read: who, what, when.

    Keeps the case's id and number without a foreign key, so the entry outlives the case.
    """

    __table_args__ = (sa.Index("ix_access_entry_jurisdiction_at", "jurisdiction", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(AwareDateTime, default=utcnow)
    username: Mapped[str] = mapped_column(sa.String(80), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    action: Mapped[str] = mapped_column(sa.String(30))
    case_id: Mapped[int | None] = mapped_column(index=True)
    case_ref: Mapped[str | None] = mapped_column(sa.String(30))
    # The case's jurisdiction, or the reader's for reads across cases (a search, an export).
    jurisdiction: Mapped[str | None] = mapped_column(sa.String(40))
    detail: Mapped[str] = mapped_column(sa.String(300), default="")


class OversightRollup(db.Model):
    """One count of the oversight dashboard (app/services/oversight_rollups.py): how many
    cases or work items of one division fall under one key of one figure. Kept up to date
    in the transaction that changes them, so the dashboard reads groups, never cases."""

    # The second index finds the overdue figure's rows of one deadline month (yyyymm in year).
    __table_args__ = (sa.Index("ix_oversight_rollup_scope", "figure", "jurisdiction", "county"),
                      sa.Index("ix_oversight_rollup_year", "figure", "year"))

    # sha1 of the whole key below (NULLs included), the row the upsert finds.
    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    figure: Mapped[str] = mapped_column(sa.String(20))
    jurisdiction: Mapped[str] = mapped_column(sa.String(40))
    county: Mapped[str | None] = mapped_column(sa.String(40))
    process_key: Mapped[str | None] = mapped_column(sa.String(80))
    year: Mapped[int | None]
    label: Mapped[str | None] = mapped_column(sa.String(200))  # stage, status or task name
    lane: Mapped[str | None] = mapped_column(sa.String(20))
    title: Mapped[str | None] = mapped_column(sa.String(200))
    number: Mapped[int | None]  # working days of a step; 1 for open cases of a stage
    due_at: Mapped[dt.datetime | None] = mapped_column(AwareDateTime)
    first_day: Mapped[str | None] = mapped_column(sa.String(10))  # earliest task of a step
    n: Mapped[int] = mapped_column(default=0)
