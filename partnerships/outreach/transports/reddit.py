"""Reddit private messages through praw, for an account the organization connected.

The account is a script app with the account's password, or an app's refresh token (scopes
identity, privatemessages, read). REDDIT_OAUTH_URL and REDDIT_AUTH_URL from ``settings.REDDIT_API``
go to praw as for the live connector (a proxy, or the loopback fake in tests), and REDDIT_TIMEOUT
bounds each request.

Sending: a first message is a compose (``/api/compose``), which answers no id, so the message is
then looked up in the account's sent box (recipient, subject, created since the call) and its
fullname becomes the conversation's id. A follow-up replies inside that conversation
(``/api/comment`` on its first message, as praw's ``Message.reply``), which answers the new message.

A send is tried once: prawcore would repeat a request after a 5xx or a timeout, and a message Reddit
took before failing to say so would then arrive twice. After such a failure the sent box says
whether it went; if it did, the send succeeded.

Reading: ``/message/messages`` lists conversations, each first message carrying the whole
conversation in ``replies`` (our own messages too). Replies from other people are returned once each:
the cursor keeps the newest time seen and the fullnames (with their times) seen within a look-back
window; anything older than the window is taken as seen.
Nothing is marked read (``mark=false``): a person may use the account too.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, datetime

import praw
import prawcore
from django.conf import settings
from praw.const import API_PATH
from praw.exceptions import PRAWException, RedditAPIException

from influencers.connectors.reddit_live import TimedRequestor
from partnerships.outreach.transports import Incoming, Outgoing, Receipt, RedditAccount, SendRefused

logger = logging.getLogger(__name__)

CLOCK_SLACK = 300  # seconds: Reddit's clock and ours may disagree; a message this much "early" still counts
SENT_BOX_AFTER_SEND = 25  # the message just sent is at the top of the sent box; a few more in case of others
SENT_BOX_WAS_SENT = 100  # one page of the sent box: a worker that died is noticed within hours, not weeks
CONVERSATIONS_READ = 100  # one page of /message/messages, the conversations with the latest activity
LOOKBACK_SECONDS = 3 * 24 * 3600  # older messages are taken as seen; their fullnames are forgotten
SEEN_KEPT = 2000  # bound on the cursor's list of fullnames

USERNAME = re.compile(r"^[A-Za-z0-9_-]{3,20}$")
CONVERSATION = re.compile(r"^t4_[0-9a-z]+$")
NO_SUCH_USER = {"USER_DOESNT_EXIST", "INVALID_USER"}
NOT_ACCEPTING = {
    "NOT_WHITELISTED_BY_USER_MESSAGE",  # the person accepts messages only from people they trust
    "USER_BLOCKED_MESSAGE",
    "USER_BLOCKED",
    "USER_DOESNT_ALLOW_DMS",
    "USER_MUTED",
}
WAIT = re.compile(r"(\d+)\s*(millisecond|second|minute|hour)s?", re.IGNORECASE)
UNIT_SECONDS = {"millisecond": 0.001, "second": 1, "minute": 60, "hour": 3600}


class _OneAttempt(prawcore.sessions.FiniteRetryStrategy):
    """prawcore's retry strategy, retrying nothing (and not sleeping before the first try)."""

    def _sleep_seconds(self) -> float | None:
        return None

    def should_retry_on_failure(self) -> bool:
        return False


def reddit_for(account: RedditAccount) -> praw.Reddit:
    """A praw client logged in as the account (a new one per call: a fresh token, no shared state)."""
    if not (account.password or account.refresh_token):
        raise SendRefused("the Reddit account has neither a password nor a refresh token", permanent=True)
    options = {
        "client_id": account.client_id,
        "client_secret": account.client_secret or None,  # an installed app has no secret
        "user_agent": account.user_agent,
        "check_for_updates": False,
        # A RATELIMIT answer is handed back (the task retries later) instead of praw sleeping in the worker.
        "ratelimit_seconds": 0,
    }
    if account.refresh_token:
        options["refresh_token"] = account.refresh_token
    else:
        options.update(username=account.username, password=account.password)
    environ = settings.REDDIT_API
    if environ.get("REDDIT_OAUTH_URL"):
        options["oauth_url"] = environ["REDDIT_OAUTH_URL"].rstrip("/")
    if environ.get("REDDIT_AUTH_URL"):
        options["reddit_url"] = environ["REDDIT_AUTH_URL"].rstrip("/")
    try:
        seconds = float(environ.get("REDDIT_TIMEOUT") or 0)
    except ValueError:
        seconds = 0
    if seconds > 0:
        options.update(requestor_class=TimedRequestor, requestor_kwargs={"timeout": seconds})
    return praw.Reddit(**options)


def _sent_once(reddit: praw.Reddit, write):
    """``write()`` with prawcore's retries off for that one request (see the module's docstring).
    prawcore offers no option for it; its session's strategy class is swapped, then put back."""
    session = reddit._core
    usual = session._retry_strategy_class
    session._retry_strategy_class = _OneAttempt
    try:
        return write()
    finally:
        session._retry_strategy_class = usual


# --- what went wrong, in words a manager can act on -------------------------------------------
def _wait_seconds(message: str | None) -> float | None:
    """Reddit's "Take a break for 9 minutes before trying again." as seconds."""
    found = WAIT.search(message or "")
    return float(found.group(1)) * UNIT_SECONDS[found.group(2).lower()] if found else None


def _retry_after(header: str | None) -> float | None:
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None


def refusal(error: Exception, *, to: str = "") -> SendRefused:
    """A praw or prawcore error as SendRefused. Only Reddit's own short messages are quoted, never
    a request's address or the credentials."""
    who = f"u/{to}" if to else "the person"
    if isinstance(error, RedditAPIException):
        for item in error.items:
            if item.error_type == "RATELIMIT":
                return SendRefused(
                    "Reddit asks this account to wait before sending more messages",
                    permanent=False,
                    retry_after=_wait_seconds(item.message),
                )
            if item.error_type in NO_SUCH_USER:
                return SendRefused(f"there is no Reddit user {who}", permanent=True)
            if item.error_type in NOT_ACCEPTING:
                return SendRefused(f"{who} does not accept private messages from this account", permanent=True)
        first = error.items[0]
        return SendRefused(f"Reddit refused the message: {first.message} ({first.error_type})", permanent=True)
    if isinstance(error, (prawcore.OAuthException, prawcore.InvalidToken)):
        return SendRefused("Reddit refused the account's credentials", permanent=True)
    if isinstance(error, prawcore.InsufficientScope):
        return SendRefused(
            "the account's Reddit authorisation does not allow private messages (scope privatemessages)",
            permanent=True,
        )
    if isinstance(error, prawcore.Forbidden):
        return SendRefused(
            "Reddit refused this account (403): it may be suspended, or not allowed to send private messages",
            permanent=True,
        )
    if isinstance(error, prawcore.TooManyRequests):
        return SendRefused(
            "Reddit is rate-limiting this account for now (429)",
            permanent=False,
            retry_after=_retry_after(error.retry_after),
        )
    if isinstance(error, prawcore.ServerError):
        return SendRefused(f"Reddit is unavailable for now (it answered {error.response.status_code})", permanent=False)
    if isinstance(error, prawcore.RequestException):
        what = "timed out" if "timeout" in type(error.original_exception).__name__.lower() else "could not be reached"
        return SendRefused(f"Reddit {what}; trying again later", permanent=False)
    if isinstance(error, prawcore.ResponseException):
        if error.response.status_code == 401:
            return SendRefused("Reddit refused the account's credentials", permanent=True)
        return SendRefused(f"Reddit answered {error.response.status_code}", permanent=False)
    return SendRefused(f"Reddit could not be used: {type(error).__name__}", permanent=False)


REDDIT_ERRORS = (prawcore.PrawcoreException, PRAWException)
MAY_HAVE_GONE = (prawcore.ServerError, prawcore.RequestException, prawcore.BadJSON)


# --- the sent box -----------------------------------------------------------------------------
def _words(text: str) -> str:
    return " ".join((text or "").split())


def _aware(created_utc: float) -> datetime:
    return datetime.fromtimestamp(float(created_utc), tz=UTC)


def _is_this(message, outgoing: Outgoing, *, after: float) -> bool:
    if str(message.dest).lower() != outgoing.to.lower() or float(message.created_utc) < after - CLOCK_SLACK:
        return False
    if outgoing.reddit_thread:
        return message.first_message_name == outgoing.reddit_thread and _words(message.body) == _words(outgoing.body)
    return not message.first_message_name and message.subject == outgoing.subject


def _receipt(message, outgoing: Outgoing) -> Receipt:
    thread = message.first_message_name or outgoing.reddit_thread or message.name
    return Receipt(external_id=message.name, sent_at=_aware(message.created_utc), thread_id=thread)


def _find_sent(reddit: praw.Reddit, outgoing: Outgoing, *, after: float, limit: int) -> Receipt | None:
    """The newest message in the sent box that is this one, written at or after ``after``."""
    for message in reddit.inbox.sent(limit=limit):
        if _is_this(message, outgoing, after=after):
            return _receipt(message, outgoing)
    return None


# --- the four calls ---------------------------------------------------------------------------
def send(account: RedditAccount, outgoing: Outgoing) -> Receipt:
    """Send one private message: a compose to ``outgoing.to``, or with ``reddit_thread`` a reply in
    that conversation. Costs one request to write and one or two to read the result."""
    if not USERNAME.match(outgoing.to or ""):
        raise SendRefused(f"{outgoing.to!r} is not a Reddit username", permanent=True)
    if outgoing.reddit_thread and not CONVERSATION.match(outgoing.reddit_thread):
        raise SendRefused(f"{outgoing.reddit_thread!r} is not a Reddit conversation", permanent=True)
    reddit = reddit_for(account)
    started = time.time()
    try:
        if outgoing.reddit_thread:
            return _reply(reddit, outgoing, started)
        _sent_once(
            reddit, lambda: reddit.redditor(outgoing.to).message(subject=outgoing.subject, message=outgoing.body)
        )
    except MAY_HAVE_GONE as error:
        found = _look_again(reddit, outgoing, started)
        if found is None:
            raise refusal(error, to=outgoing.to) from None
        return found
    except REDDIT_ERRORS as error:
        raise refusal(error, to=outgoing.to) from None
    return _look_again(reddit, outgoing, started) or _unknown_receipt(outgoing, started)


def _reply(reddit: praw.Reddit, outgoing: Outgoing, started: float) -> Receipt:
    # What praw's Message.reply posts, without first fetching the conversation (one request less,
    # and a read that could mark it read for the person using the account).
    data = {"text": outgoing.body, "thing_id": outgoing.reddit_thread}
    answer = _sent_once(reddit, lambda: reddit.post(API_PATH["comment"], data=data))
    reply = answer[0] if isinstance(answer, list) and answer else None
    if reply is None:  # Reddit took it and sent nothing back
        return _look_again(reddit, outgoing, started) or _unknown_receipt(outgoing, started)
    return _receipt(reply, outgoing)


def _look_again(reddit: praw.Reddit, outgoing: Outgoing, started: float) -> Receipt | None:
    """After a write: the message in the sent box, or None. A failure to read is not a failure to
    send (refusing now would send it again later)."""
    try:
        return _find_sent(reddit, outgoing, after=started, limit=SENT_BOX_AFTER_SEND)
    except REDDIT_ERRORS as error:
        logger.warning("Reddit message to u/%s: the sent box could not be read (%s)", outgoing.to, refusal(error))
        return None


def _unknown_receipt(outgoing: Outgoing, started: float) -> Receipt:
    """Reddit took the message but it is not (yet) in the sent box: no id to match replies by, so
    the service can only match them by person (``reddit_thread`` of a reply is then unknown)."""
    logger.warning("Reddit message to u/%s sent, but not found in the sent box", outgoing.to)
    return Receipt(external_id="", sent_at=_aware(started), thread_id=outgoing.reddit_thread)


def was_sent(account: RedditAccount, outgoing: Outgoing, since: datetime) -> Receipt | None:
    """Whether the account sent this message at or after ``since``: a first message by recipient
    and subject, a follow-up by conversation and text. One request (100 sent messages)."""
    reddit = reddit_for(account)
    try:
        return _find_sent(reddit, outgoing, after=since.timestamp(), limit=SENT_BOX_WAS_SENT)
    except REDDIT_ERRORS as error:
        raise refusal(error) from None


def fetch_new(account: RedditAccount, cursor: dict) -> tuple[list[Incoming], dict]:
    """Private messages other people wrote to the account since ``cursor``, oldest first, and the
    cursor to keep. Messages from subreddits (bans, modmail) and Reddit itself are left out.
    One request: the 100 conversations with the latest activity."""
    reddit = reddit_for(account)
    newest = float((cursor or {}).get("newest") or 0)
    seen: dict[str, float] = dict((cursor or {}).get("seen") or {})  # fullname: created_utc
    forget_before = newest - LOOKBACK_SECONDS if newest else 0
    arrived = []
    try:
        for first in reddit.inbox.messages(limit=CONVERSATIONS_READ, params={"mark": False}):
            for message in [first, *first.replies]:
                created = float(message.created_utc)
                if message.name in seen or created < forget_before:
                    continue
                seen[message.name] = created
                if _from_a_person(message, account):
                    arrived.append(_incoming(message))
    except REDDIT_ERRORS as error:
        raise refusal(error) from None
    newest = max([newest, *seen.values()])
    recent = sorted((created, name) for name, created in seen.items() if created >= newest - LOOKBACK_SECONDS)
    cursor = {"newest": newest, "seen": {name: created for created, name in recent[-SEEN_KEPT:]}}
    return sorted(arrived, key=lambda incoming: (incoming.received_at, incoming.external_id)), cursor


def _from_a_person(message, account: RedditAccount) -> bool:
    if message.author is None or getattr(message, "subreddit", None):
        return False
    return message.author.name.lower() != account.username.lower()


def _incoming(message) -> Incoming:
    author = message.author.name
    return Incoming(
        external_id=message.name,
        sender=author,
        sender_name=author,
        subject=message.subject or "",
        text=message.body or "",
        received_at=_aware(message.created_utc),
        reddit_thread=message.first_message_name or message.name,
        reddit_parent=message.parent_id or "",
    )


def check(account: RedditAccount) -> None:
    """Log in and ask Reddit who this is: the credentials must be the account's own."""
    reddit = reddit_for(account)
    try:
        me = reddit.user.me()
    except REDDIT_ERRORS as error:
        raise refusal(error) from None
    if me is None or me.name.lower() != account.username.lower():
        raise SendRefused(
            f"these Reddit credentials are u/{getattr(me, 'name', '?')}'s, not u/{account.username}'s",
            permanent=True,
        )
