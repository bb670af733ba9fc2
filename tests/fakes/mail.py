"""Real mail servers on loopback for the email transport's tests: aiosmtpd for SMTP, dovecot for IMAP.

``FakeSMTPServer`` is aiosmtpd's Controller on 127.0.0.1 (a free port): it keeps every envelope and
the message parsed, can require AUTH, refuse a recipient with 550, answer 451, or be stopped to look
like a server that is down.

``FakeIMAPServer`` is Debian's dovecot (package dovecot-imapd) with a throw-away configuration in a
temporary directory, started as the demo's mail server starts it (``demo.mailserver``). Each test
gets its own user (``add_user``), so one server can serve the whole session.
"""

from __future__ import annotations

import asyncio
import email
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from demo.mailserver import HOST, Dovecot, MailServerMissing, dovecot_missing_reason, free_port, smtp_controller
from partnerships.outreach.transports import MailboxAccount

__all__ = ["FakeIMAPServer", "FakeSMTPServer", "MailServerMissing", "Received", "dovecot_missing_reason", "free_port"]

USERS = 200  # mailboxes ready for a session's tests


# --- SMTP -----------------------------------------------------------------------------------------
@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage
    login: str = ""  # the user name the client logged in with, if it did


@dataclass
class FakeSMTPServer:
    """An SMTP server on loopback that requires AUTH: with ``login=(user, password)`` only that one,
    else any. ``refused`` addresses get 550; with ``answer_later`` every recipient gets 451."""

    login: tuple[str, str] | None = None
    refused: set[str] = field(default_factory=set)
    answer_later: bool = False
    rcpt_delay: float = 0.0  # seconds to sit on each recipient before answering (a worker killed mid-send)
    received: list[Received] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    host: str = HOST
    _controller: Controller | None = None

    def start(self) -> FakeSMTPServer:
        # AUTH is always offered and required, as by every provider; over plain text, as this is loopback.
        self._controller = smtp_controller(_SMTPHandler(self), host=self.host, port=self.port, login=lambda: self.login)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening: a client now finds the port closed, as when the server is down."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class _SMTPHandler:
    def __init__(self, fake: FakeSMTPServer):
        self.fake = fake

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.fake.rcpt_delay:
            await asyncio.sleep(self.fake.rcpt_delay)
        if self.fake.answer_later:
            return "451 4.3.0 Try again later"
        if address.lower() in {refused.lower() for refused in self.fake.refused}:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        login = session.login_data.decode() if session.login_data else ""
        message = email.message_from_bytes(raw, policy=policy.default)
        self.fake.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw, message, login))
        return "250 2.0.0 Message accepted for delivery"


# --- IMAP -----------------------------------------------------------------------------------------
class FakeIMAPServer(Dovecot):
    """Dovecot on 127.0.0.1 (a free port) with a throw-away configuration and users; ``stop`` ends it
    and removes every file."""

    def __init__(self):
        # Every user is written at start: dovecot looks at the passwd-file at most once a second, so
        # a user appended during the tests might not be seen yet.
        self._users_left = [(f"user-{n:03}-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}") for n in range(USERS)]
        self.utf8_user = (f"user-utf8-{uuid.uuid4().hex[:8]}", f"pässwört-{uuid.uuid4().hex[:8]}-ü")
        directory = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
        super().__init__(directory, port=free_port(), users=[*self._users_left, self.utf8_user])

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    # --- users and their mail -------------------------------------------------------------------
    def add_user(self) -> tuple[str, str]:
        """A mailbox no other test has used: (user name, password)."""
        return self._users_left.pop()

    def account(self, mailbox: tuple[str, str], smtp: FakeSMTPServer | None = None, **changes) -> MailboxAccount:
        """The account for ``mailbox`` (user name, password) on this server and ``smtp``; ``changes``
        replace any field."""
        user, password = mailbox
        values = {
            "address": f"{user}@example.com",
            "display_name": "Ana Partnerships",
            "username": user,
            "password": password,
            "smtp_host": smtp.host if smtp else HOST,
            "smtp_port": smtp.port if smtp else 9,
            "smtp_security": "none",
            "imap_host": self.host,
            "imap_port": self.port,
            "imap_security": "none",
        }
        values.update(changes)
        return MailboxAccount(**values)
