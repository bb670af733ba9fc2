"""How a message leaves and how answers come back: one module per channel, plain data in and out.

The services (``outreach/services``) own the database: they record a message before it is handed
to a transport and its state after. A transport only talks to the outside world — SMTP and IMAP
for a mailbox (``email``), Reddit's API through praw for an account (``reddit``) — and knows
nothing of models, so it can be tested against real servers on loopback with plain values.

Every transport offers the same four calls:

- ``send(account, outgoing) -> Receipt``: hand one message over. Raises ``SendRefused`` when the
  other side said no (``permanent`` True: a bad address, the user does not accept messages, the
  credentials were refused — retrying cannot help; False: the server is down, a rate limit —
  try again later, after ``retry_after`` seconds if the server said).
- ``was_sent(account, outgoing, since) -> Receipt | None``: after a worker died in the middle of
  a send, look in the account's own sent items for this message (by its Message-ID, or Reddit's
  sent box by recipient, subject and time) so it is not sent twice.
- ``fetch_new(account, cursor) -> (list[Incoming], new_cursor)``: what arrived since ``cursor``
  (an opaque dict the service stores and hands back; ``{}`` the first time). Nothing is returned
  twice for the same cursor progression.
- ``check(account) -> None``: try to log in (both directions for a mailbox); raises
  ``SendRefused`` with the reason a manager can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class MailboxAccount:
    """An email mailbox: SMTP to send, IMAP to read replies. ``security`` is "ssl" (implicit TLS,
    ports 465/993), "starttls" (587/143) or "none" (only for loopback tests)."""

    address: str  # the From address
    display_name: str
    username: str
    password: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    imap_host: str
    imap_port: int
    imap_security: str
    sent_folder: str = ""  # "" = find it (\Sent special-use), else this folder's name


@dataclass(frozen=True)
class RedditAccount:
    """A Reddit account authorised for private messages: a script app with the account's password,
    or an installed/web app's refresh token (scopes: identity, privatemessages, read)."""

    username: str
    client_id: str
    client_secret: str
    user_agent: str
    password: str = ""
    refresh_token: str = ""


@dataclass(frozen=True)
class Outgoing:
    to: str  # an email address, or a Reddit username (no u/)
    subject: str
    body: str  # plain text, already merged and signed
    message_id: str  # our RFC 5322 Message-ID, "<...@domain>", set before the first attempt
    in_reply_to: str = ""  # the Message-ID this follows up (email threading)
    references: tuple[str, ...] = ()
    unsubscribe_url: str = ""  # List-Unsubscribe (with List-Unsubscribe-Post, RFC 8058)
    reddit_thread: str = ""  # for a Reddit follow-up: the first message's fullname ("t4_…") to reply to


@dataclass(frozen=True)
class Receipt:
    """What the other side gave back: the id to match replies by (email: our Message-ID; Reddit:
    the message's fullname "t4_…") and when it was accepted."""

    external_id: str
    sent_at: datetime
    thread_id: str = ""  # Reddit: the conversation's first message fullname


@dataclass(frozen=True)
class Incoming:
    """One message that arrived. ``external_id`` is unique per account (IMAP: "<uidvalidity>:<uid>";
    Reddit: the fullname). ``text`` is plain text (an HTML-only mail is turned into text);
    ``problem`` says what was wrong with it if it could only be partly read ("too large: 30 MB,
    skipped", "no text part") — such a message is still returned so it is counted and shown."""

    external_id: str
    sender: str  # the From address (lower case) or the Reddit author
    sender_name: str
    subject: str
    text: str
    received_at: datetime
    message_id: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    reddit_thread: str = ""  # first_message_name, or its own fullname if it starts a conversation
    reddit_parent: str = ""
    problem: str = ""
    headers: dict = field(default_factory=dict)  # List-Unsubscribe etc. are not needed; a few for display


class SendRefused(Exception):
    """The server or platform refused; ``reason`` is one sentence a manager can act on (never a
    password, never the network's raw words such as an address it resolved)."""

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
