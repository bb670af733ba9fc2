"""Reading a handed-in Reddit post (or comment) through praw, to check its disclosure (issue 21).

Only the post's id is taken from the link the creator pasted: the request goes to Reddit's API
through the operator's own Reddit credentials and addresses (``settings.REDDIT_API``, the client
the live connector builds: REDDIT_OAUTH_URL and REDDIT_AUTH_URL point it at a proxy, or at the
loopback fake in tests), never to the pasted address itself. So a link cannot make the server
fetch anything but Reddit's API, which is why the outbound policy (crm/outbound.py, for addresses a
tenant types) has nothing to check here; a link whose host is not Reddit's is not read at all.

Links read: ``reddit.com`` and its subdomains (www., old., new., np., m.) with ``/comments/<id>``
(a comment's permalink ``/comments/<post>/<slug>/<comment>`` reads that comment), ``/gallery/<id>``,
and ``redd.it/<id>``. A share link (``/r/<name>/s/<code>``) names no post until Reddit redirects
it: the creator is asked for the post's address instead.

What a reading answers (``Reading``): FOUND with the words found, MISSING, or UNREADABLE with the
reason in a manager's words (deleted, removed, private, gone). A failure that may pass (a 5xx, a
429, a timeout, Reddit unreachable) raises ``TryAgain`` instead, for the task to retry with
backoff: prawcore's own retries are off for this client, so each attempt is one request and the
task alone decides when to try again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import praw
import prawcore

from influencers.connectors.records import SourceError
from influencers.connectors.reddit_live import reddit_client
from partnerships.disclosure import find_disclosure
from partnerships.models import DisclosureState

SHORT_HOST = "redd.it"
ID = re.compile(r"^[a-z0-9]{1,13}$")
# What Reddit says when a post or comment is gone (removed_by_category), in a manager's words.
GONE_BY = {
    "deleted": "deleted by its author",
    "author": "deleted by its author",
    "moderator": "removed by the subreddit's moderators",
    "automod_filtered": "held back by the subreddit's AutoModerator",
    "reddit": "removed by Reddit",
    "anti_evil_ops": "removed by Reddit",
    "community_ops": "removed by Reddit",
    "copyright_takedown": "removed by Reddit after a copyright claim",
    "content_takedown": "removed by Reddit after a legal claim",
}


@dataclass(frozen=True)
class RedditLink:
    post: str  # the submission's id
    comment: str = ""  # a comment's id, for a comment's permalink


@dataclass(frozen=True)
class Reading:
    state: str  # DisclosureState.FOUND, MISSING or UNREADABLE
    evidence: str  # the words found, or why the post could not be read


class TryAgain(Exception):
    """Reddit could not answer now; it may later. ``retry_after``: seconds Reddit asked us to wait."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


class ShareLink(ValueError):
    """A Reddit share link (``/r/<name>/s/<code>``), which names no post by itself."""


def _is_reddit_host(host: str) -> bool:
    return host in ("reddit.com", SHORT_HOST) or host.endswith(".reddit.com")


def is_reddit_link(url: str) -> bool:
    """Whether ``url`` is on Reddit (whether or not it names a post)."""
    try:
        host = (urlsplit((url or "").strip()).hostname or "").rstrip(".")
    except ValueError:
        return False
    return _is_reddit_host(host)


def reddit_link(url: str) -> RedditLink | None:
    """The post (and comment) a Reddit link names; None for a link that is not Reddit's or names
    no post (a subreddit, a profile). Raises ShareLink for a share link."""
    try:
        parts = urlsplit((url or "").strip())
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not _is_reddit_host(host):
        return None
    path = [part for part in parts.path.lower().split("/") if part]
    if host == SHORT_HOST:
        return RedditLink(path[0]) if len(path) == 1 and ID.match(path[0]) else None
    if len(path) >= 4 and path[0] in ("r", "u", "user") and path[2] == "s":
        raise ShareLink(url)
    for marker in ("comments", "gallery"):
        if marker in path:
            at = path.index(marker)
            post = path[at + 1] if len(path) > at + 1 else ""
            comment = path[at + 3] if marker == "comments" and len(path) > at + 3 else ""
            if ID.match(post) and (not comment or ID.match(comment)):
                return RedditLink(post, comment)
            return None
    return None


class _OneAttempt(prawcore.sessions.FiniteRetryStrategy):
    """prawcore's retry strategy, retrying nothing: the task retries, with its own backoff."""

    def _sleep_seconds(self) -> float | None:
        return None

    def should_retry_on_failure(self) -> bool:
        return False


def client() -> praw.Reddit:
    """The operator's read-only Reddit client (raises SourceError when no credentials are set)."""
    reddit = reddit_client()
    # prawcore offers no option to turn its retries off; its session's strategy class is the hook.
    reddit._core._retry_strategy_class = _OneAttempt
    return reddit


def _gone(data: dict, text_field: str) -> str | None:
    """Why Reddit no longer shows this post or comment, or None if it does."""
    category = data.get("removed_by_category")
    if category:
        return GONE_BY.get(category, "removed")
    text = (data.get(text_field) or "").strip()
    if text == "[deleted]" and data.get("author") in (None, "[deleted]"):
        return "deleted by its author"
    if text in ("[removed]", "[deleted]"):
        return "removed by the subreddit's moderators" if text == "[removed]" else "deleted by its author"
    return None


def _read(reddit: praw.Reddit, link: RedditLink) -> tuple[str, str]:
    """(what a member reads, "") or ("", why it cannot be read)."""
    if link.comment:
        comment = reddit.comment(link.comment)
        comment.body  # noqa: B018 -- a lazy praw object fetches itself on first attribute access
        data = {key: value for key, value in vars(comment).items() if not key.startswith("_")}
        data["author"] = comment.author.name if comment.author else None
        gone = _gone(data, "body")
        return ("", f"The comment was {gone}.") if gone else (data.get("body") or "", "")
    submission = reddit.submission(link.post)
    submission._fetch()
    data = {key: value for key, value in vars(submission).items() if not key.startswith("_")}
    data["author"] = submission.author.name if submission.author else None
    gone = _gone(data, "selftext")
    if gone:
        return "", f"The post was {gone}."
    # A link post has no text of its own: its title is what members read.
    return "\n\n".join(part for part in (data.get("title") or "", data.get("selftext") or "") if part), ""


def read_disclosure(url: str, phrase: str = "", *, reddit: praw.Reddit | None = None) -> Reading:
    """Read the post at ``url`` and say whether it discloses the partnership. Raises TryAgain for a
    failure that may pass."""
    try:
        link = reddit_link(url)
    except ShareLink:
        return Reading(DisclosureState.UNREADABLE, "A Reddit share link: the post's own address is needed.")
    if link is None:
        return Reading(DisclosureState.UNREADABLE, "The link names no Reddit post.")
    try:
        reddit = reddit or client()
        text, why_not = _read(reddit, link)
    except SourceError as error:  # no credentials configured
        return Reading(DisclosureState.UNREADABLE, f"Reddit cannot be read from this server ({error}).")
    except (prawcore.exceptions.NotFound, prawcore.exceptions.Redirect):
        return Reading(DisclosureState.UNREADABLE, "Reddit has no such post (deleted, or the link is wrong).")
    except (prawcore.exceptions.Forbidden, prawcore.exceptions.UnavailableForLegalReasons):
        return Reading(DisclosureState.UNREADABLE, "The post is in a private, quarantined or banned subreddit.")
    except prawcore.exceptions.TooManyRequests as error:
        raise TryAgain("Reddit is rate-limiting us for now", _seconds(error.retry_after)) from None
    except prawcore.exceptions.ServerError as error:
        raise TryAgain(f"Reddit is unavailable for now (it answered {error.response.status_code})") from None
    except prawcore.exceptions.RequestException as error:
        timeout = "timeout" in type(error.original_exception).__name__.lower()
        raise TryAgain("Reddit timed out" if timeout else "Reddit could not be reached") from None
    except (prawcore.exceptions.OAuthException, prawcore.exceptions.InvalidToken):
        return Reading(DisclosureState.UNREADABLE, "Reddit refused this server's credentials.")
    except prawcore.exceptions.ResponseException as error:
        if error.response.status_code == 401:
            return Reading(DisclosureState.UNREADABLE, "Reddit refused this server's credentials.")
        raise TryAgain(f"Reddit answered {error.response.status_code}") from None
    except praw.exceptions.ClientException:
        return Reading(DisclosureState.UNREADABLE, "Reddit has no such comment (deleted, or the link is wrong).")
    except (prawcore.exceptions.PrawcoreException, praw.exceptions.PRAWException, KeyError, IndexError, TypeError):
        raise TryAgain("Reddit's answer could not be read") from None
    if why_not:
        return Reading(DisclosureState.UNREADABLE, why_not)
    found = find_disclosure(text, phrase)
    if found is None:
        wanted = f'"{phrase}"' if phrase else "a disclosure"
        return Reading(DisclosureState.MISSING, f"The post does not contain {wanted}.")
    return Reading(DisclosureState.FOUND, f'"{found[:280]}"')


def _seconds(header: str | None) -> float | None:
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None
