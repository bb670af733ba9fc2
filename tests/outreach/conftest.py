"""Real mail servers on loopback for the email transport: aiosmtpd per test, one dovecot per session
(each test reads and writes its own mailbox, so tests cannot see each other's mail)."""

from __future__ import annotations

import os

import pytest

from tests.fakes.mail import FakeIMAPServer, FakeSMTPServer, MailServerMissing, dovecot_missing_reason


def _unavailable(reason: str):
    # CI installs dovecot and sets REQUIRE_MAILSERVER=1: there a missing server fails, never skips.
    if os.environ.get("REQUIRE_MAILSERVER"):
        pytest.fail(f"the IMAP server is required here: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def imap_server():
    reason = dovecot_missing_reason()
    if reason:
        _unavailable(reason)
    server = FakeIMAPServer()
    try:
        server.start()
    except MailServerMissing as error:
        _unavailable(str(error))
    yield server
    server.stop()


@pytest.fixture
def smtp_server():
    server = FakeSMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(imap_server) -> tuple[str, str]:
    """A mailbox no other test uses: (user name, password)."""
    return imap_server.add_user()


@pytest.fixture
def mailbox_account(imap_server, smtp_server, mailbox):
    smtp_server.login = mailbox  # the same user name and password for both servers, as at most providers
    return imap_server.account(mailbox, smtp=smtp_server)
