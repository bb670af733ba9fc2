"""A mailbox as a transport: SMTP to send, IMAP to read the replies (stdlib smtplib, imaplib, email).

- ``send`` builds the message (our Message-ID, threading headers, one-click List-Unsubscribe), hands
  it to the SMTP server, then makes sure a copy is in the mailbox's Sent folder: many servers
  (Gmail, Outlook) file one themselves, others (Fastmail, most hosts) do not, and ``was_sent``
  looks there after a crash, so it must be there either way.
- ``fetch_new`` reads INBOX by UID without marking anything read (a person reads this mailbox too):
  the folder is opened read-only and bodies are fetched with BODY.PEEK.
- ``check`` logs in to both servers.

Every connection goes to an address the outbound policy checked (``crm.outbound.checked_address``):
a tenant types these host names, and they must not reach the operator's own network. The socket is
opened to that address while TLS still verifies the certificate against the name typed.

Errors become ``SendRefused`` with one sentence a manager can act on. The server's own words are
never in it (they can echo addresses, and our password is never in them but we do not rely on that).
"""

from __future__ import annotations

import base64
import codecs
import email
import imaplib
import logging
import re
import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from email import errors as email_errors
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from html.parser import HTMLParser

from django.conf import settings

from crm.outbound import OutboundRefused, checked_address, host_is_allowed
from partnerships.outreach.transports import Incoming, MailboxAccount, Outgoing, Receipt, SendRefused

logger = logging.getLogger(__name__)

TIMEOUT = 20  # seconds for every connect, read and write on the mail servers' sockets
MESSAGE_ID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")  # <local@domain>, printable ASCII without < >

BATCH = 200  # messages read per fetch_new call; the next call goes on from the cursor
MAX_MESSAGE_BYTES = 10 * 1024 * 1024  # larger messages are returned with their headers only
MAX_TEXT_CHARS = 100_000  # a reply longer than this is cut (noted in its problem)
NOT_ANSWERING = "the mail server did not answer; it will be tried again later"
BAD_LOGIN = "the mail server refused the user name or password"


# --- connections --------------------------------------------------------------------------------
def connect_address(host: str, port: int) -> str:
    """The address the policy lets us connect to for ``host``, or the refusal a manager reads."""
    try:
        return checked_address(host, port)
    except OutboundRefused:
        raise SendRefused(f"the mail server {host} is on a private network", permanent=True) from None
    except (socket.gaierror, UnicodeError) as error:
        # EAI_NONAME: the name does not exist (a typo); anything else may be a DNS hiccup.
        permanent = getattr(error, "errno", None) == socket.EAI_NONAME or isinstance(error, UnicodeError)
        raise SendRefused(f"the mail server name {host} could not be found", permanent=permanent) from None


def tls_context() -> ssl.SSLContext:
    """Certificates checked against the system's CAs (or the operator's bundle, as for webhooks)."""
    bundle = getattr(settings, "OUTBOUND_CA_BUNDLE", None) if settings.configured else None
    return ssl.create_default_context(cafile=bundle or None)


def plain_allowed(host: str, port: int) -> bool:
    """A password travels unencrypted only to a server the operator listed (the tests' loopback)."""
    return host_is_allowed(host, port)


class _PinnedSMTPSocket:
    """Connects an smtplib client to the checked address; STARTTLS and SMTP_SSL (which wraps with
    ``self._host``) still verify the host's name."""

    def __init__(self, host: str, port: int, *, address: str, **options):
        self._address = address
        super().__init__(host, port, timeout=TIMEOUT, **options)

    def _get_socket(self, host, port, timeout):
        return super()._get_socket(self._address, port, timeout)


class _PinnedSMTP(_PinnedSMTPSocket, smtplib.SMTP):
    pass


class _PinnedSMTP_SSL(_PinnedSMTPSocket, smtplib.SMTP_SSL):
    pass


def smtp_session(account: MailboxAccount) -> smtplib.SMTP:
    """A logged-in SMTP connection. Raises smtplib/OS errors (mapped by ``smtp_refusal``) or
    ``SendRefused`` for what the account's settings make impossible."""
    host, port, security = account.smtp_host, account.smtp_port, account.smtp_security
    if security not in ("ssl", "starttls", "none"):
        raise SendRefused(f"unknown security setting {security!r} for sending", permanent=True)
    if security == "none" and not plain_allowed(host, port):
        raise SendRefused("the password would travel unencrypted: choose SSL or STARTTLS for sending", permanent=True)
    address = connect_address(host, port)
    if security == "ssl":
        smtp = _PinnedSMTP_SSL(host, port, address=address, context=tls_context())
    else:
        smtp = _PinnedSMTP(host, port, address=address)
    try:
        smtp.ehlo()
        if security == "starttls":
            if not smtp.has_extn("starttls"):
                raise SendRefused(
                    "the mail server does not offer STARTTLS, so the password would travel unencrypted",
                    permanent=True,
                )
            smtp.starttls(context=tls_context())
            smtp.ehlo()
        if account.username:
            _smtp_login(smtp, account.username, account.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def _smtp_login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    if (username + password).isascii():
        smtp.login(username, password)
        return
    # smtplib encodes credentials as ASCII; AUTH PLAIN carries UTF-8 (RFC 4616), which servers take.
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, _ = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, b"")


def smtp_refusal(error: BaseException, outgoing: Outgoing | None = None) -> SendRefused:
    """The manager's sentence for what went wrong while talking to the SMTP server."""
    # Only the type and the SMTP code are logged: the server's text can hold addresses.
    logger.info("SMTP failure: %s %s", type(error).__name__, getattr(error, "smtp_code", ""))
    if isinstance(error, SendRefused):
        return error
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return SendRefused(BAD_LOGIN, permanent=True)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return SendRefused("the mail server does not offer a login (AUTH) on this port", permanent=True)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            to = outgoing.to if outgoing else "the recipient"
            return SendRefused(f"the mail server refused the recipient {to}", permanent=True)
        return SendRefused(NOT_ANSWERING, permanent=False)
    if isinstance(error, smtplib.SMTPSenderRefused):
        if 500 <= error.smtp_code < 600:
            return SendRefused(
                f"the mail server refused to send from {error.sender}: check the mailbox's address", permanent=True
            )
        return SendRefused(NOT_ANSWERING, permanent=False)
    if isinstance(error, smtplib.SMTPConnectError) and 500 <= error.smtp_code < 600:
        return SendRefused(f"the mail server refused the connection (code {error.smtp_code})", permanent=True)
    if isinstance(error, smtplib.SMTPResponseException):
        if 500 <= error.smtp_code < 600:
            return SendRefused(f"the mail server refused the message (code {error.smtp_code})", permanent=True)
        return SendRefused(NOT_ANSWERING, permanent=False)
    if isinstance(error, ssl.SSLCertVerificationError):
        return SendRefused("the mail server's certificate could not be verified", permanent=True)
    if isinstance(error, ssl.SSLError):
        return SendRefused(
            "the encrypted connection to the mail server failed: check the port and the security setting",
            permanent=True,
        )
    return SendRefused(NOT_ANSWERING, permanent=False)  # refused, reset, timed out, disconnected


SMTP_ERRORS = (smtplib.SMTPException, OSError, EOFError)  # OSError covers ssl, socket and timeouts


# --- the message ---------------------------------------------------------------------------------
class _OutgoingPolicy(EmailPolicy):
    """email.policy.default, except In-Reply-To and References are folded only between their ids.

    Python 3.11 folds those headers as free text and turns an id longer than a line into an
    RFC 2047 encoded word, which no client reads as an id: the reply would lose its thread.
    """

    def fold(self, name, value):
        if name.lower() in ("in-reply-to", "references"):
            return _fold_ids(name, str(value), self.linesep)
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if name.lower() in ("in-reply-to", "references"):
            return _fold_ids(name, str(value), self.linesep).encode("ascii")
        return super().fold_binary(name, value)


OUTGOING_POLICY = _OutgoingPolicy(linesep="\r\n")


def _fold_ids(name: str, value: str, linesep: str) -> str:
    lines, line = [], f"{name}:"
    for message_id in value.split():
        if len(line) + 1 + len(message_id) > 78 and line != f"{name}:":
            lines.append(line)
            line = ""
        line = f"{line} {message_id}"
    return linesep.join([*lines, line]) + linesep


def message_build(account: MailboxAccount, outgoing: Outgoing, *, now: datetime) -> bytes:
    """The message as sent over SMTP and filed in Sent (CRLF line ends). ``SendRefused`` (permanent)
    if a field cannot be put in a header."""
    if not MESSAGE_ID.fullmatch(outgoing.message_id):
        raise SendRefused("the message has no valid Message-ID", permanent=True)
    references = tuple(ref for ref in outgoing.references if MESSAGE_ID.fullmatch(ref))
    in_reply_to = outgoing.in_reply_to if MESSAGE_ID.fullmatch(outgoing.in_reply_to) else ""
    message = EmailMessage(policy=OUTGOING_POLICY)
    try:
        message["From"] = Address(display_name=_one_line(account.display_name), addr_spec=account.address)
    except (ValueError, IndexError):
        raise SendRefused("the mailbox's From address is not a valid email address", permanent=True) from None
    try:
        message["To"] = Address(addr_spec=outgoing.to)
    except (ValueError, IndexError):
        raise SendRefused(f"{_one_line(outgoing.to)!r} is not a valid email address", permanent=True) from None
    message["Subject"] = _one_line(outgoing.subject)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = outgoing.message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references or in_reply_to:
        # A reply carries the thread's ids, ending with the one it answers (RFC 5322 3.6.4).
        chain = references + ((in_reply_to,) if in_reply_to and in_reply_to not in references else ())
        message["References"] = " ".join(chain)
    if outgoing.unsubscribe_url:
        if any(char in outgoing.unsubscribe_url for char in "<>\r\n ") or not outgoing.unsubscribe_url.isascii():
            raise SendRefused("the unsubscribe link is not a valid address", permanent=True)
        message["List-Unsubscribe"] = f"<{outgoing.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
    # Quoted-printable: readable, and safe through a server that does not take 8-bit mail.
    message.set_content(outgoing.body, charset="utf-8", cte="quoted-printable")
    return message.as_bytes()


def _one_line(text: str) -> str:
    """A header value from a person's text: line breaks would start a header of their own. "=?" is
    broken up too: Python before 3.11.10 decodes an RFC 2047 encoded word in a header it is given
    and writes a decoded CR LF out (CVE-2024-6923), so a thread title such as
    "=?utf-8?q?x=0D=0ABcc:_…?=" merged into a subject would add headers."""
    return " ".join(text.split()).replace("=?", "= ?")


# --- IMAP: connections ----------------------------------------------------------------------------
class _PinnedIMAP4(imaplib.IMAP4):
    """imaplib.IMAP4 connected to the checked address; STARTTLS still verifies ``host``'s name."""

    def __init__(self, host: str, port: int, *, address: str):
        self._address = address
        super().__init__(host, port, timeout=TIMEOUT)

    def _create_socket(self, timeout):
        return socket.create_connection((self._address, self.port), timeout)


class _PinnedIMAP4_SSL(imaplib.IMAP4_SSL):
    """imaplib.IMAP4_SSL connected to the checked address, the certificate checked against ``host``."""

    def __init__(self, host: str, port: int, *, address: str):
        self._address = address
        super().__init__(host, port, ssl_context=tls_context(), timeout=TIMEOUT)

    def _create_socket(self, timeout):
        connection = socket.create_connection((self._address, self.port), timeout)
        return self.ssl_context.wrap_socket(connection, server_hostname=self.host)


IMAP_ERRORS = (imaplib.IMAP4.error, OSError, EOFError)  # IMAP4.abort is an IMAP4.error


@contextmanager
def imap_session(account: MailboxAccount) -> Iterator[imaplib.IMAP4]:
    """A logged-in IMAP connection, logged out after. Raises imaplib/OS errors (see ``imap_refusal``)
    or ``SendRefused``."""
    host, port, security = account.imap_host, account.imap_port, account.imap_security
    if security not in ("ssl", "starttls", "none"):
        raise SendRefused(f"unknown security setting {security!r} for reading", permanent=True)
    if security == "none" and not plain_allowed(host, port):
        raise SendRefused("the password would travel unencrypted: choose SSL or STARTTLS for reading", permanent=True)
    address = connect_address(host, port)
    imap = (
        _PinnedIMAP4_SSL(host, port, address=address)
        if security == "ssl"
        else _PinnedIMAP4(host, port, address=address)
    )
    try:
        if security == "starttls":
            if "STARTTLS" not in imap.capabilities:
                raise SendRefused(
                    "the mail server does not offer STARTTLS, so the password would travel unencrypted",
                    permanent=True,
                )
            imap.starttls(ssl_context=tls_context())
        _imap_login(imap, account.username, account.password)
        yield imap
    finally:
        try:
            imap.logout()  # closes the socket even when the server does not answer
        except IMAP_ERRORS:
            pass


def _imap_login(imap: imaplib.IMAP4, username: str, password: str) -> None:
    if "LOGINDISABLED" in imap.capabilities:
        raise SendRefused(
            "the mail server takes a login only over an encrypted connection: choose SSL or STARTTLS", permanent=True
        )
    try:
        if (username + password).isascii():
            imap.login(username, password)
        else:  # LOGIN is ASCII in imaplib; AUTHENTICATE PLAIN carries UTF-8
            imap.authenticate("PLAIN", lambda _challenge: f"\0{username}\0{password}".encode())
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as error:
        answer = str(error).lower()
        if "[unavailable]" in answer:
            raise SendRefused(NOT_ANSWERING, permanent=False) from None
        if "application-specific password" in answer or "app password" in answer:
            raise SendRefused(
                "the mail server wants an app password (made in the account's security settings), "
                "not the account's own password",
                permanent=True,
            ) from None
        raise SendRefused(BAD_LOGIN, permanent=True) from None


def imap_refusal(error: BaseException) -> SendRefused:
    """The manager's sentence for what went wrong while talking to the IMAP server."""
    logger.info("IMAP failure: %s", type(error).__name__)  # its text can hold addresses
    if isinstance(error, SendRefused):
        return error
    if isinstance(error, ssl.SSLCertVerificationError):
        return SendRefused("the mail server's certificate could not be verified", permanent=True)
    if isinstance(error, ssl.SSLError):
        return SendRefused(
            "the encrypted connection to the mail server failed: check the port and the security setting",
            permanent=True,
        )
    if isinstance(error, imaplib.IMAP4.abort) or not isinstance(error, imaplib.IMAP4.error):
        return SendRefused(NOT_ANSWERING, permanent=False)
    return SendRefused("the mail server would not open the mailbox; it will be tried again later", permanent=False)


def _ok(status: str, data) -> list:
    """imaplib answers NO as a value, not an exception: make it one."""
    if status != "OK":
        raise imaplib.IMAP4.error(f"{status} {data!r}")
    return data


def _uid_search(imap: imaplib.IMAP4, *criteria: str) -> list[int]:
    data = _ok(*imap.uid("SEARCH", *criteria))
    return [int(uid) for uid in b" ".join(part for part in data if part).split()]


def _quoted(text: str) -> str:
    """An IMAP quoted string (imaplib sends arguments as they are)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def imap_date(day: date) -> str:
    """RFC 3501's date for SEARCH SINCE; English month names whatever the locale."""
    return f"{day.day:02d}-{MONTHS[day.month - 1]}-{day.year}"


def internal_date(text: str) -> datetime | None:
    """An INTERNALDATE ("05-Dec-2026 17:01:56 +0000") as an aware datetime, None if unreadable."""
    match = re.fullmatch(r"\s*(\d{1,2})-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)\s*", text)
    if not match or match[2].title() not in MONTHS:
        return None
    day, month, year, hour, minute, second, sign, off_h, off_m = match.groups()
    offset = timedelta(hours=int(off_h), minutes=int(off_m)) * (-1 if sign == "-" else 1)
    try:
        return datetime(
            int(year), MONTHS.index(month.title()) + 1, int(day), int(hour), int(minute), int(second),
            tzinfo=timezone(offset),
        )  # fmt: skip
    except ValueError:
        return None


# --- IMAP: the Sent folder ------------------------------------------------------------------------
LIST_LINE = re.compile(rb'\((?P<flags>[^)]*)\) (?:NIL|"(?:[^"\\]|\\.)*") (?P<name>.*)')


def imap_utf7(name: str) -> str:
    """A folder name as IMAP spells it (RFC 3501's modified UTF-7): "Éléments" is "&AMk-l&AOk-ments"."""
    out, pending = [], []

    def flush():
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).rstrip(b"=").replace(b"/", b",")
            out.append(f"&{encoded.decode('ascii')}-")
            pending.clear()

    for char in name:
        if " " <= char <= "~":
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def sent_folder(listing: list, configured: str) -> str:
    """Which folder to file sent mail in, ready for a command: the one the manager named, else the
    one the server flags \\Sent (RFC 6154: "Sent Items", "[Gmail]/Sent Mail", "Gesendet"…), else "Sent".

    ``listing`` is imaplib's LIST answer: lines, or (line, name) pairs when a name came as a literal.
    """
    if configured.strip():
        return _quoted(imap_utf7(configured.strip()))
    for entry in listing:
        line, literal = (entry[0], entry[1]) if isinstance(entry, tuple) else (entry, None)
        match = LIST_LINE.match(line or b"")
        if not match or b"\\sent" not in match["flags"].lower().split():
            continue
        if literal is not None:
            return _quoted(literal.decode("ascii", "replace"))
        return match["name"].decode("ascii", "replace")  # already quoted, or an atom
    return '"Sent"'


def sent_copy_find(account: MailboxAccount, message_id: str, *, since: datetime) -> datetime | None:
    """When the copy of ``message_id`` in the Sent folder arrived there, or None if there is none."""
    with imap_session(account) as imap:
        folder = sent_folder(_ok(*imap.list()), account.sent_folder)
        status, _ = imap.select(folder, readonly=True)
        if status != "OK":
            return None  # no such folder, so nothing was filed
        uids = _uid_search(imap, "HEADER", "Message-ID", _quoted(message_id), "SINCE", imap_date(since.date()))
        if not uids:
            return None
        data = _ok(*imap.uid("FETCH", str(uids[0]), "(INTERNALDATE)"))
        match = re.search(rb'INTERNALDATE "([^"]+)"', b" ".join(part for part in data if isinstance(part, bytes)))
        found = internal_date(match[1].decode("ascii")) if match else None
        return found or datetime.now(UTC)


def sent_copy_keep(account: MailboxAccount, message_id: str, raw: bytes, *, when: datetime) -> None:
    """File ``raw`` in the Sent folder, read, unless the server already did (searched by Message-ID)."""
    with imap_session(account) as imap:
        folder = sent_folder(_ok(*imap.list()), account.sent_folder)
        status, _ = imap.select(folder, readonly=True)
        if status == "OK" and _uid_search(imap, "HEADER", "Message-ID", _quoted(message_id)):
            return
        date_time = imaplib.Time2Internaldate(when)
        status, data = imap.append(folder, r"(\Seen)", date_time, raw)
        if status != "OK" and b"TRYCREATE" in b" ".join(part for part in data if isinstance(part, bytes)):
            imap.create(folder)  # the default "Sent" on a server that had none
            status, data = imap.append(folder, r"(\Seen)", date_time, raw)
        _ok(status, data)


# --- IMAP: reading INBOX --------------------------------------------------------------------------
def fetch_inbox(account: MailboxAccount, cursor: dict) -> tuple[list[Incoming], dict]:
    since = _since(cursor.get("since", ""))
    with imap_session(account) as imap:
        _ok(*imap.select("INBOX", readonly=True))  # read-only: nothing can be marked \Seen
        uidvalidity = int(imap.response("UIDVALIDITY")[1][0] or 0)  # every server sends it on SELECT
        uid_next = imap.response("UIDNEXT")[1][0]
        if cursor.get("uidvalidity") == uidvalidity and isinstance(cursor.get("last_uid"), int):
            last_uid = int(cursor["last_uid"])
            # "n:*" always names the newest message, even when its UID is below n.
            uids = [uid for uid in _uid_search(imap, "UID", f"{last_uid + 1}:*") if uid > last_uid]
        else:
            # The first read, or the server renumbered INBOX (UIDVALIDITY changed, every UID we knew
            # is void): read again from "since". The services skip Message-IDs they already hold.
            last_uid = int(uid_next) - 1 if uid_next else 0  # nothing since "since": start from now
            uids = _uid_search(imap, "SINCE", imap_date(since)) if since else _uid_search(imap, "ALL")
        uids = sorted(uids)[:BATCH]
        incoming = _fetch_messages(imap, uidvalidity, uids) if uids else []
    new_cursor = {"uidvalidity": uidvalidity, "last_uid": max(uids, default=last_uid)}
    if "since" in cursor:
        new_cursor["since"] = cursor["since"]
    return incoming, new_cursor


def _since(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        logger.warning("fetch_new: cursor's since %r is not a date; reading the whole INBOX", text)
        return None


FETCH_FIELD = {
    "uid": re.compile(rb"\bUID (\d+)"),
    "size": re.compile(rb"\bRFC822\.SIZE (\d+)"),
    "date": re.compile(rb'\bINTERNALDATE "([^"]+)"'),
}


def _fetch_messages(imap: imaplib.IMAP4, uidvalidity: int, uids: list[int]) -> list[Incoming]:
    # Sizes first, so a huge message is never downloaded.
    data = _ok(*imap.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE INTERNALDATE)"))
    sizes: dict[int, tuple[int, datetime | None]] = {}
    for line in data:
        line = line[0] if isinstance(line, tuple) else line
        fields = {name: pattern.search(line or b"") for name, pattern in FETCH_FIELD.items()}
        if fields["uid"] and fields["size"]:
            when = internal_date(fields["date"][1].decode("ascii", "replace")) if fields["date"] else None
            sizes[int(fields["uid"][1])] = (int(fields["size"][1]), when)
    messages = []
    for uid in uids:
        if uid not in sizes:
            continue  # deleted since the search
        size, received_at = sizes[uid]
        too_large = size > MAX_MESSAGE_BYTES
        raw = _fetch_raw(imap, uid, "BODY.PEEK[HEADER]" if too_large else "BODY.PEEK[]")
        if raw is None:
            continue
        messages.append(
            incoming_from_bytes(
                raw,
                external_id=f"{uidvalidity}:{uid}",
                received_at=received_at,
                problem=f"too large ({_size(size)}): not read" if too_large else "",
                headers_only=too_large,
            )
        )
    return messages


def _fetch_raw(imap: imaplib.IMAP4, uid: int, item: str) -> bytes | None:
    data = _ok(*imap.uid("FETCH", str(uid), f"({item})"))
    for part in data:
        if isinstance(part, tuple) and b"BODY[" in part[0]:
            return part[1]
    return None


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


# --- IMAP: reading one message --------------------------------------------------------------------
ANY_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
PLAIN_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\"]+")
HEADER_DEFECTS = (email_errors.MissingHeaderBodySeparatorDefect, email_errors.InvalidHeaderDefect)
DISPLAY_HEADERS = ("Date", "To", "Cc", "Auto-Submitted", "Precedence", "X-Autoreply")


def incoming_from_bytes(
    raw: bytes, *, external_id: str, received_at: datetime | None, problem: str = "", headers_only: bool = False
) -> Incoming:
    """``raw`` as an Incoming; never raises: what cannot be read is named in ``problem``."""
    problems = [problem] if problem else []
    message = email.message_from_bytes(raw, policy=policy.default)
    sender, sender_name = _sender(message, problems)
    subject = " ".join(_header_text(message, "Subject", problems).split())
    if _header_defects(message):
        problems.append("some headers are malformed")
    text = "" if headers_only else _body_text(message, problems)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        problems.append(f"text cut at {MAX_TEXT_CHARS:,} characters")
    references = tuple(ANY_MESSAGE_ID.findall(_raw_header(message, "References")))
    headers = {}
    for name in DISPLAY_HEADERS:
        value = _header_text(message, name, [])
        if value:
            headers[name] = " ".join(value.split())[:500]
    return Incoming(
        external_id=external_id,
        sender=sender,
        sender_name=sender_name,
        subject=subject,
        text=text,
        received_at=received_at or _date_header(message) or datetime.now(UTC),
        message_id=_first_id(_raw_header(message, "Message-ID")),
        in_reply_to=_first_id(_raw_header(message, "In-Reply-To")),
        references=references,
        problem="; ".join(dict.fromkeys(problems)),
        headers=headers,
    )


def _raw_header(message: EmailMessage, name: str) -> str:
    """A header as it came, unfolded and undecoded (ids are plain ASCII: nothing to decode)."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return " ".join(str(value).split())
    return ""


def _header_text(message: EmailMessage, name: str, problems: list[str]) -> str:
    try:
        value = message[name]
        return "" if value is None else str(value)
    except Exception:  # the email package raises on some malformed headers; the raw text will do
        problems.append(f"the {name} header is malformed")
        return _raw_header(message, name)


def _header_defects(message: EmailMessage) -> bool:
    """Whether the headers we read were malformed (a header line without a colon, a broken From…)."""
    if any(isinstance(defect, HEADER_DEFECTS) for defect in message.defects):
        return True
    try:
        return any(message[name] is not None and message[name].defects for name in ("From", "Subject", "Date"))
    except Exception:
        return True


def _first_id(text: str) -> str:
    match = ANY_MESSAGE_ID.search(text)
    return match[0] if match else ""


def _sender(message: EmailMessage, problems: list[str]) -> tuple[str, str]:
    try:
        header = message["From"]
        addresses = header.addresses if header is not None else ()
        if addresses and PLAIN_ADDRESS.fullmatch(addresses[0].addr_spec):
            return addresses[0].addr_spec.lower(), addresses[0].display_name
    except Exception:  # an unparseable From: the simpler parser below may still find the address
        pass
    name, address = parseaddr(_raw_header(message, "From"))
    if PLAIN_ADDRESS.fullmatch(address):
        return address.lower(), name
    problems.append("no sender address")
    return "", name


def _date_header(message: EmailMessage) -> datetime | None:
    try:
        value = message["Date"]
        when = value.datetime if value is not None else None
    except Exception:
        return None
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when


def _body_text(message: EmailMessage, problems: list[str]) -> str:
    try:
        part = message.get_body(preferencelist=("plain",)) or message.get_body(preferencelist=("html",))
    except Exception:
        part = None
    if part is None:
        problems.append("no text part")
        return ""
    try:
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset()
    except Exception:
        problems.append("the text part could not be decoded")
        return ""
    text, problem = decode_text(payload, charset)
    if problem:
        problems.append(problem)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text


def decode_text(payload: bytes, charset: str | None) -> tuple[str, str]:
    """``payload`` as text, and a problem if it could only be read with guesses or replacements."""
    declared = (charset or "").strip().strip('"').lower()
    if declared in ("", "us-ascii", "ascii"):
        # Undeclared 8-bit text is UTF-8 nowadays, else a Windows code page.
        try:
            return payload.decode("utf-8"), ""
        except UnicodeDecodeError:
            return payload.decode("cp1252", "replace"), "no character set given: read as Windows-1252"
    if declared in ("iso-8859-1", "latin-1", "latin1", "iso_8859-1"):
        declared = "windows-1252"  # what mail sent as Latin-1 really is (as browsers read it too)
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        shown = declared[:40]
        return payload.decode("utf-8", "replace"), f"unknown character set {shown!r}: read as UTF-8"
    try:
        return payload.decode(codec), ""
    except UnicodeDecodeError:
        if codec == "cp1252":
            return payload.decode("latin-1"), ""  # the five bytes Windows-1252 leaves undefined
        return payload.decode(codec, "replace"), f"the text is not valid {declared[:40]}: some characters replaced"


class _TextFromHTML(HTMLParser):
    SKIPPED = frozenset({"script", "style", "title", "template"})
    BLOCKS = frozenset(
        "p div br li tr h1 h2 h3 h4 h5 h6 blockquote pre table ul ol hr section article header footer".split()
    )

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The words of an HTML mail, a line per block, scripts and styles dropped."""
    parser = _TextFromHTML()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; whatever it read before giving up is kept
        pass
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip()


# --- the four calls ---------------------------------------------------------------------------------
def send(account: MailboxAccount, outgoing: Outgoing) -> Receipt:
    """Hand ``outgoing`` to the account's SMTP server, then file a copy in its Sent folder.

    Raises ``SendRefused``. A failure to file the copy does not fail the send (the message has
    left); it is logged, and ``was_sent`` will then not find this message after a crash.
    """
    now = datetime.now(UTC)
    raw = message_build(account, outgoing, now=now)
    try:
        smtp = smtp_session(account)
        try:
            smtp.sendmail(account.address, [outgoing.to], raw)
        finally:
            try:
                smtp.quit()
            except SMTP_ERRORS:
                smtp.close()
    except (*SMTP_ERRORS, SendRefused) as error:
        raise smtp_refusal(error, outgoing) from None
    try:
        sent_copy_keep(account, outgoing.message_id, raw, when=now)
    except (*IMAP_ERRORS, SendRefused) as error:
        refusal = error if isinstance(error, SendRefused) else imap_refusal(error)
        logger.warning("Sent: no copy filed in the Sent folder of %s: %s", account.address, refusal.reason)
    return Receipt(external_id=outgoing.message_id, sent_at=now)


def was_sent(account: MailboxAccount, outgoing: Outgoing, since: datetime) -> Receipt | None:
    """The receipt of ``outgoing`` if a copy is in the Sent folder (searched by Message-ID, from
    the day before ``since``), else None. Raises ``SendRefused`` if IMAP cannot be read."""
    if not MESSAGE_ID.fullmatch(outgoing.message_id):
        return None
    try:
        found = sent_copy_find(account, outgoing.message_id, since=since - timedelta(days=1))
    except IMAP_ERRORS as error:
        raise imap_refusal(error) from None
    if found is None:
        return None
    return Receipt(external_id=outgoing.message_id, sent_at=found)


def fetch_new(account: MailboxAccount, cursor: dict) -> tuple[list[Incoming], dict]:
    """What arrived in INBOX since ``cursor``, and the cursor to pass next time.

    ``cursor``: ``{}`` (everything in INBOX) or ``{"since": "YYYY-MM-DD"}`` (what arrived from that
    day) the first time; then ``{"uidvalidity": N, "last_uid": M}`` plus "since". At most
    ``BATCH`` messages per call: the next call goes on from there. Nothing is marked
    read. Raises ``SendRefused`` if the mailbox cannot be read.
    """
    try:
        return fetch_inbox(account, dict(cursor))
    except IMAP_ERRORS as error:
        raise imap_refusal(error) from None


def check(account: MailboxAccount) -> None:
    """Log in to the SMTP and the IMAP server; ``SendRefused`` says which one failed and why."""
    try:
        smtp = smtp_session(account)
        try:
            smtp.quit()
        except SMTP_ERRORS:
            smtp.close()
    except (*SMTP_ERRORS, SendRefused) as error:
        refusal = smtp_refusal(error)
        raise SendRefused(f"Sending (SMTP): {refusal.reason}", permanent=refusal.permanent) from None
    try:
        with imap_session(account):
            pass
    except (*IMAP_ERRORS, SendRefused) as error:
        refusal = error if isinstance(error, SendRefused) else imap_refusal(error)
        raise SendRefused(f"Reading (IMAP): {refusal.reason}", permanent=refusal.permanent) from None
