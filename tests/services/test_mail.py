"""Outgoing mail: sent through a real SMTP conversation, or written to the log without a
server; a server that refuses is logged, never raised."""

from __future__ import annotations

import email
import email.policy
import logging
import socketserver
import threading

import pytest

from app.services import mail


class _Session(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 test")
        while line := self.rfile.readline().decode():
            verb = line[:4].upper()
            if verb == "DATA":
                self.reply("354 go on")
                body = b"".join(iter(self.rfile.readline, b".\r\n"))
                self.server.received.append(body)
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Session)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_mail_goes_through_the_configured_smtp_server(smtp_server):
    settings = mail.MailSettings(server="127.0.0.1", port=smtp_server.server_address[1],
                                 sender="noreply@gxj.km.gov.cn")

    sent = mail.send_mail(settings, "base@example.cn", "设置新密码", "打开链接：https://x/y")

    [raw] = smtp_server.received
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert sent is True
    assert (message["From"], message["To"]) == ("noreply@gxj.km.gov.cn", "base@example.cn")
    assert "打开链接：https://x/y" in message.get_content()


def test_without_a_server_the_mail_is_written_to_the_log(caplog):
    caplog.set_level(logging.INFO, logger="app.mail")

    assert mail.send_mail(mail.MailSettings(), "base@example.cn", "设置新密码", "链接：https://x/y")

    assert "To: base@example.cn" in caplog.text and "链接：https://x/y" in caplog.text


def test_an_unreachable_server_is_logged_not_raised(caplog):
    settings = mail.MailSettings(server="127.0.0.1", port=1)

    assert mail.send_mail(settings, "base@example.cn", "s", "b") is False
    assert "not sent" in caplog.text
