"""Mail servers on this machine: Debian's dovecot for IMAP and aiosmtpd for SMTP, both on 127.0.0.1.

Used by ``manage.py demo_mailserver`` (the demo's mailbox, dana@inkwell-nib.example) and by the
tests' fakes (tests/fakes/mail.py), so the demo and the tests start the same servers the same way.

``Dovecot`` runs dovecot in the foreground with a configuration of its own: one port on 127.0.0.1,
no TLS, plain logins from a passwd-file, a maildir per user. It is a real IMAP server, so what the
CRM does against it (read the inbox by UID, file a copy in Sent) is what it does against Gmail.
Under root, dovecot will not run its login processes or touch mail as root: the Debian package's
own users (dovenull, dovecot) do that, as they do in a real install.

``smtp_controller`` is aiosmtpd's Controller requiring AUTH (as every provider does), over plain
text because it is loopback. aiosmtpd is a development requirement: it is imported when a server
starts, so nothing in production imports it.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
DOVEADM = "/usr/bin/doveadm"
HOST = "127.0.0.1"
INSTALL_DOVECOT = "install Debian's dovecot-imapd (apt install dovecot-imapd)"
INSTALL_AIOSMTPD = "aiosmtpd is not installed (pip install -r requirements-dev.txt)"


class MailServerMissing(Exception):
    """A server cannot be started here; the message says what to install or what went wrong."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def dovecot_missing_reason() -> str | None:
    """Why dovecot cannot be run here, or None if it can."""
    if not os.access(DOVECOT, os.X_OK):
        return f"{DOVECOT} is not installed: {INSTALL_DOVECOT}"
    if os.geteuid() == 0:
        for user in ("dovenull", "dovecot"):
            try:
                pwd.getpwnam(user)
            except KeyError:
                return f"running as root, dovecot needs the user {user!r} its Debian package creates"
    return None


# --- IMAP -----------------------------------------------------------------------------------------
class Dovecot:
    """dovecot on ``host:port`` keeping its mail and state in ``directory`` (kept after ``stop``:
    the demo's mailbox survives a restart; the tests remove theirs). ``users``: (name, password)."""

    def __init__(self, directory: Path, *, port: int, users: list[tuple[str, str]], host: str = HOST):
        self.host = host
        self.port = port
        self.directory = Path(directory)
        self.users = list(users)
        self.config = self.directory / "dovecot.conf"
        self.passwd = self.directory / "passwd"
        self.log = self.directory / "dovecot.log"
        self._run: Path | None = None
        self._process: subprocess.Popen | None = None

    # Who runs what: dovecot refuses root for its login processes and for mail access.
    @staticmethod
    def _accounts() -> tuple[str, str, int, int]:
        if os.geteuid() == 0:
            mail = pwd.getpwnam("dovecot")
            return "dovenull", "dovecot", mail.pw_uid, mail.pw_gid
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_name, me.pw_uid, me.pw_gid

    def start(self) -> Dovecot:
        if reason := dovecot_missing_reason():
            raise MailServerMissing(reason)
        login_user, internal_user, uid, gid = self._accounts()
        mail = self.directory / "mail"
        for folder in (self.directory, self.directory / "state", mail):
            folder.mkdir(parents=True, exist_ok=True)
        if closed := _closed_folder(self.directory.resolve(), uid):
            raise MailServerMissing(
                f"dovecot's mail user cannot reach {self.directory}: {closed} is closed to other users "
                "(choose a folder under an open one, e.g. in /tmp)"
            )
        os.chmod(self.directory, 0o755)  # the login and mail users must reach their folders
        os.chown(mail, uid, gid)
        # The sockets go in a short path of their own: a unix socket's path is limited to 108 bytes,
        # which a deep checkout would exceed.
        self._run = Path(tempfile.mkdtemp(prefix="crm-dovecot-run-"))
        os.chmod(self._run, 0o755)
        # Every user is written now: dovecot looks at the passwd-file at most once a second.
        self.passwd.write_text("".join(f"{user}:{{PLAIN}}{password}\n" for user, password in self.users), "utf-8")
        os.chmod(self.passwd, 0o644)
        self.config.write_text(
            DOVECOT_CONFIG.format(
                directory=self.directory,
                run=self._run,
                host=self.host,
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
        log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
        self.stop()
        raise MailServerMissing(f"dovecot did not start on {self.host}:{self.port}: {detail}{log}".strip())

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

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
        if self._run is not None:
            shutil.rmtree(self._run, ignore_errors=True)
            self._run = None

    # --- mail -------------------------------------------------------------------------------------
    def client(self, user: str, password: str) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        imap.login(user, password)
        return imap

    def deliver(
        self, user: str, password: str, raw: bytes, folder: str = "INBOX", *, when: datetime | None = None
    ) -> int:
        """Put ``raw`` in ``folder`` as if it had arrived at ``when``; returns its UID."""
        return imap_append(self.host, self.port, user, password, raw, folder=folder, when=when)

    def set_uidvalidity(self, user: str, folder: str, value: int) -> None:
        """What a server does when it rebuilt a folder: every UID the client knew is void."""
        subprocess.run(
            [DOVEADM, "-c", str(self.config), "mailbox", "update", "-u", user, "--uid-validity", str(value), folder],
            check=True,
            capture_output=True,
        )


def _closed_folder(directory: Path, uid: int) -> Path | None:
    """The first existing folder above ``directory`` that the user ``uid`` cannot pass through."""
    for folder in reversed(directory.parents):
        info = folder.stat()
        if info.st_uid != uid and not info.st_mode & stat.S_IXOTH:
            return folder
    return None


def imap_append(
    host: str, port: int, user: str, password: str, raw: bytes, *, folder: str = "INBOX", when: datetime | None = None
) -> int:
    """IMAP APPEND ``raw`` to ``folder`` with no flags (unread), dated ``when``; returns its UID."""
    imap = imaplib.IMAP4(host, port, timeout=10)
    try:
        imap.login(user, password)
        date = imaplib.Time2Internaldate(when) if when is not None else None
        status, data = imap.append(folder, None, date, raw)
        if status != "OK":
            raise imaplib.IMAP4.error(f"the server did not take the message: {status}")
        return int(data[-1].split()[2].rstrip(b"]"))  # [APPENDUID <uidvalidity> <uid>]
    finally:
        try:
            imap.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


DOVECOT_CONFIG = """\
# Written by demo/mailserver.py for a dovecot on this machine only (the demo or the tests).
base_dir = {run}
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
# No growing delay after a wrong password (dovecot's auth penalty): the tests try some on purpose.
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service auth-worker {{
  user = $default_internal_user
}}
"""


# --- SMTP -----------------------------------------------------------------------------------------
def smtp_controller(handler, *, host: str = HOST, port: int, login: Callable[[], tuple[str, str] | None]):
    """aiosmtpd's Controller on ``host:port`` (not started) with ``handler``, requiring AUTH: the
    user name and password ``login()`` returns at the time, or any when it returns None."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword
    except ImportError:
        raise MailServerMissing(INSTALL_AIOSMTPD) from None

    def authenticate(server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        expected = login()
        if expected is None:
            return AuthResult(success=True, auth_data=auth_data)
        user, password = expected
        success = auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=success, handled=False, auth_data=auth_data)

    options = {"authenticator": authenticate, "auth_required": True, "auth_require_tls": False}
    return Controller(handler, hostname=host, port=port, **options)


class KeepingHandler:
    """What the demo's SMTP server does with a message: keeps it in a maildir (``sent/`` in the demo
    mail folder, readable with any mail program or ``ls``) and says one line about it."""

    def __init__(self, maildir: Path, say: Callable[[str], None]):
        import mailbox

        self.maildir = mailbox.Maildir(str(maildir), create=True)
        self.say = say

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=policy.default)
        self.maildir.add(raw)
        subject = str(message.get("Subject", "")).replace("\n", " ")[:120]
        self.say(f"Received: to {', '.join(envelope.rcpt_tos)} · {subject}")
        return "250 2.0.0 Message accepted for delivery"
