"""Case management for the recognition of small and micro enterprise innovation bases."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app.config import INSTANCE, ROOT, Config, finalise
from app.jsoncodec import JSONProvider


def create_app(config: type | None = None) -> Flask:
    """Return the configured Flask application."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(Path(__file__).parent / "static"))
    app.json = JSONProvider(app)
    load_config(app, config)
    register_observability(app)  # first, so every later hook and error has a request id
    init_extensions(app)
    limit_inputs(app)
    register_security(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def load_config(app: Flask, config: type | None) -> None:
    app.config.from_object(config or Config)
    Path(app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)
    INSTANCE.mkdir(exist_ok=True)
    finalise(app.config)


def register_observability(app: Flask) -> None:
    from app.web import observability

    observability.register(app)


def init_extensions(app: Flask) -> None:
    from app.extensions import babel, csrf, db, limiter, login, migrate
    from app.web.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(ROOT / "translations"))
    _sqlite_pragmas(app)


def _sqlite_pragmas(app: Flask) -> None:
    """WAL lets readers go on while one writer commits; writers queue instead of failing.

    pysqlite's own transaction handling is switched off (it begins only before the first
    INSERT/UPDATE, so a read-then-write transaction could upgrade to a writer too late and
    fail at commit). SQLAlchemy begins every transaction instead: a plain BEGIN for reads,
    BEGIN IMMEDIATE where a use case asks for it (`app.services.transaction`), which takes the
    write lock up front and waits up to busy_timeout for the writer before it.
    """
    from sqlalchemy import event

    from app.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        @event.listens_for(db.engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(db.engine, "begin")
        def _on_begin(connection):
            immediate = connection.get_execution_options().get("sqlite_immediate")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def limit_inputs(app: Flask) -> None:
    from app.web import inputs

    inputs.register(app)  # before the blueprints: their routes use its bounded <int:…> converter


def register_security(app: Flask) -> None:
    from app.web import security

    security.register(app)  # proxy headers, security headers, no cookies on the API


def register_blueprints(app: Flask) -> None:
    from app.web import (
        admin,
        api,
        api_calendar,
        api_calls,
        api_designs,
        api_diff,
        api_dossier,
        api_migrations,
        applicant,
        audit,
        auth,
        basis,
        calls,
        cases,
        designs,
        diff,
        display,
        follow_ups,
        history,
        layout,
        migrations,
        modeler,
        processes,
        tasks,
        titles,
        worklist,
    )

    layout.register(app)  # login handling (user loader), navigation, filters
    display.register(app)
    basis.register(app)  # legal basis notes on every page that shows a case or procedure
    for module in (api, api_calls, api_dossier, auth, worklist, tasks, cases, follow_ups,
                   applicant, audit, admin, processes, titles, calls, history):
        app.register_blueprint(module.bp)
    # Designing procedures in the browser (docs/PROCESSES.md "Designing in the browser").
    for module in (api_designs, designs, api_calendar, modeler, api_diff, diff, api_migrations,
                   migrations):
        app.register_blueprint(module.bp)
    register_editors(app)
    register_access_journal(app)
    register_oversight(app)
    register_self_service(app)
    register_plain_language(app)


def register_self_service(app: Flask) -> None:
    """Certificates and their public check, deleting uploads, password reset links
    (docs/OPERATIONS.md "Certificates" and "Mail")."""
    from app.web import api_certificates, certificates, materials, password_reset

    for module in (certificates, api_certificates, materials, password_reset):
        app.register_blueprint(module.bp)


def register_plain_language(app: Flask) -> None:
    """Stages and step names in the reader's words (app/web/stage.py)."""
    from app.web import stage

    stage.register(app)


def register_access_journal(app: Flask) -> None:
    """Who of the auditors and administrators read what (docs/OPERATIONS.md)."""
    from app.web import access_journal, api_access

    app.register_blueprint(access_journal.bp)
    app.register_blueprint(api_access.bp)


def register_oversight(app: Flask) -> None:
    """The oversight dashboard (docs/OPERATIONS.md "Oversight dashboard")."""
    from app.web import api_oversight, oversight

    app.register_blueprint(api_oversight.bp)
    app.register_blueprint(oversight.bp)


def register_editors(app: Flask) -> None:
    """The form and decision table editors (pages and their JSON API)."""
    from app.web import api_forms, editors

    app.register_blueprint(api_forms.bp)
    app.register_blueprint(editors.bp)


def register_error_handlers(app: Flask) -> None:
    from app.web import errors, kept

    errors.register(app)
    kept.register(app)  # a failed CSRF check explained, a task form's input kept


def register_commands(app: Flask) -> None:
    from app import cli

    cli.register(app)
