"""Real mail servers on loopback for the email transport's tests: aiosmtpd for SMTP, dovecot for IMAP.

``FakeSMTPServer`` is aiosmtpd's Controller on 127.0.0.1 (a free port): it keeps every envelope and
the message parsed, can require AUTH, refuse a recipient with 550, answer 451, or be stopped to look
like a server that is down.

``FakeIMAPServer`` is Debian's dovecot (package dovecot-imapd) run in the foreground with a
throw-away configuration in a temporary directory: one port on 127.0.0.1, no TLS, plain logins from
a passwd-file, a maildir per user. Each test gets its own user (``add_user``), so one server can
serve the whole session. Under root, dovecot will not run its login processes or touch mail as
root: the Debian package's own users (dovenull, dovecot) do that, as they do in a real install.
"""

from __future__ import annotations

import asyncio
import email
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from partnerships.outreach.transports import MailboxAccount

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
HOST = "127.0.0.1"
USERS = 200  # mailboxes ready for a session's tests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


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
        options = {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
        self._controller = Controller(_SMTPHandler(self), hostname=self.host, port=self.port, **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening: a client now finds the port closed, as when the server is down."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        if self.login is None:
            return AuthResult(success=True, auth_data=auth_data)  # any user name and password
        user, password = self.login
        success = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=success, handled=False, auth_data=auth_data)


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
class MailServerMissing(Exception):
    pass


def dovecot_missing_reason() -> str | None:
    """Why dovecot cannot be run here, or None if it can."""
    if not os.access(DOVECOT, os.X_OK):
        return f"{DOVECOT} is not installed (Debian package dovecot-imapd)"
    if os.geteuid() == 0:
        for user in ("dovenull", "dovecot"):
            try:
                pwd.getpwnam(user)
            except KeyError:
                return f"running as root, dovecot needs the user {user!r} its Debian package creates"
    return None


class FakeIMAPServer:
    """Dovecot on 127.0.0.1 with a throw-away configuration; ``stop`` ends it and removes every file."""

    def __init__(self):
        self.host = HOST
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
        self.config = self.directory / "dovecot.conf"
        self.passwd = self.directory / "passwd"
        self.log = self.directory / "dovecot.log"
        self._process: subprocess.Popen | None = None

    # Who runs what: dovecot refuses root for its login processes and for mail access.
    def _users(self) -> tuple[str, str, int, int]:
        if os.geteuid() == 0:
            mail = pwd.getpwnam("dovecot")
            return "dovenull", "dovecot", mail.pw_uid, mail.pw_gid
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid

    def start(self) -> FakeIMAPServer:
        login_user, internal_user, uid, gid = self._users()
        mail = self.directory / "mail"
        for folder in (self.directory / "run", self.directory / "state", mail):
            folder.mkdir()
        os.chmod(self.directory, 0o755)  # the login and mail users must reach their folders
        os.chown(mail, uid, gid)
        # Every user is written now: dovecot looks at the passwd-file at most once a second, so a
        # user appended during the tests might not be seen yet.
        self._users_left = [(f"user-{n:03}-{uuid.uuid4().hex[:8]}", f"pw-{uuid.uuid4().hex}") for n in range(USERS)]
        self.utf8_user = (f"user-utf8-{uuid.uuid4().hex[:8]}", f"pässwört-{uuid.uuid4().hex[:8]}-ü")
        lines = [f"{user}:{{PLAIN}}{password}\n" for user, password in (*self._users_left, self.utf8_user)]
        self.passwd.write_text("".join(lines), encoding="utf-8")
        os.chmod(self.passwd, 0o644)
        self.config.write_text(
            DOVECOT_CONFIG.format(
                directory=self.directory,
                port=self.port,
                login_user=login_user,
                internal_user=internal_user,
                uid=uid,
                gid=gid,
            )
        )
        self._process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as probe:
                    if probe.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        detail = self._process.stderr.read().decode(errors="replace") if self._process.poll() is not None else ""
        log = self.log.read_text(errors="replace") if self.log.exists() else ""
        self.stop()
        raise MailServerMissing(f"dovecot did not start: {detail}{log}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process is not None and self._process.stderr:
            self._process.stderr.close()
        self._process = None
        shutil.rmtree(self.directory, ignore_errors=True)

    # --- users and their mail -------------------------------------------------------------------
    def add_user(self) -> tuple[str, str]:
        """A mailbox no other test has used: (user name, password)."""
        return self._users_left.pop()

    def client(self, user: str, password: str) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(user, password)
        return imap

    def deliver(
        self, user: str, password: str, raw: bytes, folder: str = "INBOX", *, when: datetime | None = None
    ) -> int:
        """Put ``raw`` in ``folder`` (IMAP APPEND, no flags: unread) as if it had arrived at ``when``;
        returns its UID."""
        imap = self.client(user, password)
        try:
            date = imaplib.Time2Internaldate(when) if when is not None else None
            status, data = imap.append(folder, None, date, raw)
            assert status == "OK", data
            return int(data[-1].split()[2].rstrip(b"]"))  # [APPENDUID <uidvalidity> <uid>]
        finally:
            imap.logout()

    def set_uidvalidity(self, user: str, folder: str, value: int) -> None:
        """What a server does when it rebuilt a folder: every UID the client knew is void."""
        subprocess.run(
            [DOVEADM, "-c", str(self.config), "mailbox", "update", "-u", user, "--uid-validity", str(value), folder],
            check=True,
            capture_output=True,
        )

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


DOVECOT_CONFIG = """\
# Written by tests/fakes/mail.py; removed with its folder when the tests end.
base_dir = {directory}/run
state_dir = {directory}/state
log_path = {directory}/dovecot.log
protocols = imap
listen = {host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {uid}
mail_location = maildir:{directory}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {directory}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={directory}/mail/%u
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "Sent Items" {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
# No growing delay after the tests' deliberate wrong passwords (dovecot's auth penalty).
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth-worker {{
  user = $default_internal_user
}}
""".replace("{host}", HOST)
