"""Outgoing mail through the configured SMTP server; without one (development) the
message is written to the log, where a developer reads the link it carries."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage

log = logging.getLogger("app.mail")
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class MailSettings:
    server: str = ""
    port: int = 25
    use_tls: bool = False
    use_ssl: bool = False
    username: str = ""
    password: str = ""
    sender: str = "noreply@localhost"


def settings_from(config: Mapping) -> MailSettings:
    """Return the mail settings of an application config (MAIL_SERVER, MAIL_PORT, ...)."""
    return MailSettings(config.get("MAIL_SERVER", ""), int(config.get("MAIL_PORT", 25)),
                        bool(config.get("MAIL_USE_TLS")), bool(config.get("MAIL_USE_SSL")),
                        config.get("MAIL_USERNAME", ""), config.get("MAIL_PASSWORD", ""),
                        config.get("MAIL_DEFAULT_SENDER", "noreply@localhost"))


def message(settings: MailSettings, to: str, subject: str, body: str) -> EmailMessage:
    """Return the plain-text mail from the configured sender to `to`."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = settings.sender, to, subject
    mail.set_content(body)
    return mail


def send_mail(settings: MailSettings, to: str, subject: str, body: str) -> bool:
    """Send a plain-text mail; return False when it could not be sent (the failure is
    logged, never shown: the answer must not tell whether an account exists)."""
    mail = message(settings, to, subject, body)
    if not settings.server:
        # Readable text, not the encoded message: a developer copies the link from here.
        log.info("mail (no MAIL_SERVER set, not sent)\nFrom: %s\nTo: %s\nSubject: %s\n\n%s",
                 settings.sender, to, subject, body)
        return True
    try:
        smtp = smtplib.SMTP_SSL if settings.use_ssl else smtplib.SMTP
        with smtp(settings.server, settings.port, timeout=TIMEOUT_SECONDS) as connection:
            if settings.use_tls and not settings.use_ssl:
                connection.starttls()
            if settings.username:
                connection.login(settings.username, settings.password)
            connection.send_message(mail)
    except (OSError, smtplib.SMTPException) as error:
        log.error("mail to %s not sent: %s", to, error)
        return False
    return True
