"""The demo's mail server, in the foreground until Ctrl-C: Dana's mailbox (dana / demo-mailbox) as a
real IMAP server (Debian's dovecot, 127.0.0.1:1143) and an SMTP server (aiosmtpd, 127.0.0.1:1025)
that takes what the CRM sends, prints one line for each and keeps it in a maildir to read.

Nothing leaves this machine: the SMTP server delivers nowhere, it keeps. The creators' replies come
from ``manage.py demo_reply``, which puts them in Dana's inbox over IMAP.
"""

import logging
import signal
import time
import warnings
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.outbound import host_is_allowed
from demo.mailserver import HOST, Dovecot, KeepingHandler, MailServerMissing, smtp_controller
from demo.outreach import DEMO_MAILBOX

DATA_FOLDER = ".demo-mail"  # in the checkout, ignored by git


class Command(BaseCommand):
    help = (
        "Run the demo's mail server until Ctrl-C: IMAP (dovecot) on 127.0.0.1:1143 with Dana's mailbox and SMTP "
        "(aiosmtpd) on 127.0.0.1:1025 that keeps what the CRM sends in .demo-mail/sent. Runs only with DEBUG=1 "
        "(as `make mailserver` sets it) unless --force is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument("--smtp-port", type=int, default=DEMO_MAILBOX["smtp_port"])
        parser.add_argument("--imap-port", type=int, default=DEMO_MAILBOX["imap_port"])
        parser.add_argument(
            "--data-dir", type=Path, default=None, help=f"where the mail is kept (default: {DATA_FOLDER}/ here)"
        )

    def handle(self, *args, force=False, smtp_port=1025, imap_port=1143, data_dir=None, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to run the demo mail server: DEBUG is off, so these look like production settings, and "
                "it logs in anyone as dana with a password written in the code. Run it with DEBUG=1 "
                "(`make mailserver` does), or add --force on a machine nobody else uses."
            )
        data = (data_dir or Path(settings.BASE_DIR) / DATA_FOLDER).resolve()
        login = (DEMO_MAILBOX["username"], DEMO_MAILBOX["password"])
        imap = Dovecot(data / "imap", port=imap_port, users=[login])
        try:
            imap.start()
        except MailServerMissing as missing:
            raise CommandError(str(missing)) from None
        # aiosmtpd logs every connection and warns that AUTH travels without TLS (it is loopback): the
        # one line per message below is what a person reads.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", module="aiosmtpd")
        smtp, listening = None, False
        # Stopped by a signal as by Ctrl-C: dovecot is a child process and must not be left running.
        # (SIGINT too: a shell starts a background job with it ignored, and `kill -INT` should still stop it.)
        previous = {number: signal.signal(number, _interrupt) for number in (signal.SIGTERM, signal.SIGINT)}
        try:
            smtp = smtp_controller(KeepingHandler(data / "sent", self._say), port=smtp_port, login=lambda: login)
            try:
                smtp.start()
                listening = True
            except (OSError, RuntimeError) as error:
                raise CommandError(f"The SMTP server could not listen on {HOST}:{smtp_port}: {error}") from None
            except MailServerMissing as missing:
                raise CommandError(str(missing)) from None
            self._introduce(data, smtp_port, imap_port)
            while imap.is_running():
                time.sleep(0.5)
            raise CommandError(f"dovecot stopped; its log is {imap.log}")
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            if listening:
                smtp.stop()
            imap.stop()

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()

    def _introduce(self, data: Path, smtp_port: int, imap_port: int) -> None:
        user, password = DEMO_MAILBOX["username"], DEMO_MAILBOX["password"]
        self._say(f"Demo mail server for {DEMO_MAILBOX['address']} (user {user}, password {password}):")
        self._say(f"  SMTP {HOST}:{smtp_port}: what the CRM sends is kept in {data / 'sent'} (delivered nowhere)")
        self._say(f"  IMAP {HOST}:{imap_port}: Dana's inbox, where `manage.py demo_reply HANDLE` replies")
        blocked = [f"{HOST}:{port}" for port in (smtp_port, imap_port) if not host_is_allowed(HOST, port)]
        if blocked:
            self.stderr.write(
                self.style.WARNING(
                    f"The CRM will refuse to connect to {', '.join(blocked)} (its outbound policy keeps it off this "
                    f"machine): add OUTBOUND_ALLOWED_HOSTS={HOST}:{smtp_port},{HOST}:{imap_port} to .env.local "
                    "(`make mailserver` does) and restart the CRM."
                )
            )
        self._say("Ctrl-C stops it.")


def _interrupt(signum, frame):
    raise KeyboardInterrupt
