"""Settings from the environment; TestConfig for the test suite."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


class Config:
    # APP_ENV=production: SECRET_KEY must be given, session cookies only over HTTPS.
    PRODUCTION = os.environ.get("APP_ENV", "development") == "production"
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE / 'app.sqlite'}")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE / "uploads"))
    # Signed anchors of the case histories, kept outside the database (see docs/OPERATIONS.md).
    AUDIT_ANCHOR_LOG = os.environ.get("AUDIT_ANCHOR_LOG", str(INSTANCE / "audit-anchors.jsonl"))
    AUDIT_SIGNING_KEY = os.environ.get("AUDIT_SIGNING_KEY", str(INSTANCE / "audit-signing-key.pem"))
    # The timer worker anchors once a day after this local hour; "off": cron or a timer does.
    ANCHOR_HOUR = os.environ.get("ANCHOR_HOUR", "1")
    PROCESS_DIR = os.environ.get("PROCESS_DIR", str(ROOT / "processes"))
    FORM_DIR = os.environ.get("FORM_DIR", str(ROOT / "forms"))
    MAX_UPLOAD_MB = _env_int("MAX_UPLOAD_MB", 20)
    MAX_CONTENT_LENGTH = (MAX_UPLOAD_MB + 1) * 1024 * 1024
    # Idle timeout (renewed by every request) and absolute cap counted from the log-in.
    PERMANENT_SESSION_LIFETIME = _env_int("SESSION_MINUTES", 30) * 60
    SESSION_MAX_HOURS = _env_int("SESSION_MAX_HOURS", 12)
    # A form's CSRF token lives as long as the login session that holds it (not one hour):
    # filling in an application takes longer, and the session ends on idleness anyway.
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # True when PRODUCTION (see finalise)
    # Number of reverse proxies in front whose X-Forwarded-* headers are trusted (0: none).
    TRUST_PROXY = _env_int("TRUST_PROXY", 0)
    # Per client address; shared by all workers only with a shared storage (redis://...).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;100 per hour")
    REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "10 per hour")
    # Checking a certificate's verification code (page and API share it), and asking for a
    # password reset link: per client address, like the log-in.
    # Signs the verification codes printed on certificates; default SECRET_KEY. Set it once
    # and keep it: a new key makes every printed code fail the check.
    CERTIFICATE_KEY = os.environ.get("CERTIFICATE_KEY") or None
    CERTIFICATE_CHECK_RATE_LIMIT = os.environ.get("CERTIFICATE_CHECK_RATE_LIMIT",
                                                  "10 per minute;100 per hour")
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per hour")
    # Password reset links: how long one works (self-service; an administrator's lasts a day).
    PASSWORD_RESET_MINUTES = _env_int("PASSWORD_RESET_MINUTES", 60)
    # Outgoing mail (password reset links). Without MAIL_SERVER the mail is written to the
    # log instead (development).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") in ("1", "true", "yes")
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "") in ("1", "true", "yes")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "noreply@localhost")
    # Per account, in the database: lock after this many failures in a row (0 minutes: until
    # an administrator unlocks it).
    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCK_MINUTES = _env_int("LOGIN_LOCK_MINUTES", 15)
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    WORKER_INTERVAL_SECONDS = _env_int("WORKER_INTERVAL_SECONDS", 60)
    TESTING = False


class TestConfig(Config):
    TESTING = True
    PRODUCTION = False
    SECRET_KEY = "test"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_RATE_LIMIT = "1000 per minute"
    REGISTER_RATE_LIMIT = "1000 per minute"
    CERTIFICATE_CHECK_RATE_LIMIT = "1000 per minute"
    PASSWORD_RESET_RATE_LIMIT = "1000 per minute"


def finalise(config: dict) -> None:
    """Fill in the settings that follow from others: the secret key, production cookies."""
    config["SECRET_KEY"] = secret_key(config["SECRET_KEY"], config["PRODUCTION"])
    config["CERTIFICATE_KEY"] = config.get("CERTIFICATE_KEY") or config["SECRET_KEY"]
    if config["PRODUCTION"]:
        config["SESSION_COOKIE_SECURE"] = True


class MissingSecretKey(RuntimeError):
    """Production refuses to start without an explicit SECRET_KEY."""


def secret_key(given: str | None, production: bool, instance: Path = INSTANCE) -> str:
    """Return `given`, else the key kept in `instance`/secret_key (made once); raise
    MissingSecretKey in production without one."""
    if given:
        return given
    if production:
        raise MissingSecretKey(
            "APP_ENV=production needs an explicit SECRET_KEY environment variable (a long random "
            "string, e.g. from `python -c 'import secrets; print(secrets.token_hex(32))'`), the "
            "same for every worker; refusing to start.")
    return _instance_key(instance / "secret_key")


def _instance_key(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            # link() never replaces: of several workers starting at once, the first key wins.
            os.link(fresh, path)
        except FileExistsError:
            pass
        finally:
            fresh.unlink()
    return path.read_text().strip()
