"""Reddit, live, through praw: a subreddit's new submissions and their comment trees.

Incremental: the checkpoint holds the newest submission time already stored; a sync reads
``/new`` down to it (less a look-back window, since comments keep arriving on recent posts) and
stops. ``replace_more`` is bounded so one giant thread cannot eat the rate limit. praw and
prawcore honour Reddit's rate-limit headers and retry a 5xx or a timeout twice themselves (after 0–2 s,
then 2–4 s); errors that last (429, 5xx, timeouts) become TemporarySourceError for the task to retry
with backoff (a 429 not before its Retry-After), the rest one clear SourceError. The checkpoint is
yielded only after everything it covers, so a sync cut off half-way starts from the old one again.

After the posts, the subreddit's own rules (``/r/{name}/about/rules``) come with the community
record again. They are not worth a sync: when they cannot be read (private, quarantined, gone, or
Reddit in trouble even after prawcore's retries) the community goes without them this time, and
the rules stored before stay.

Credentials come from REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET, REDDIT_USER_AGENT (optionally
REDDIT_USERNAME and REDDIT_PASSWORD); REDDIT_OAUTH_URL and REDDIT_AUTH_URL, when set, go to praw as
``oauth_url`` and ``reddit_url`` (proxies, and a local fake in tests); REDDIT_TIMEOUT, seconds a
request may take (praw's default: 16). crm/env.py reads them into ``settings.REDDIT_API``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import replace

import praw
import prawcore
from django.conf import settings

from influencers.connectors.records import (  # Reddit sends Retry-After in seconds, never an HTTP date
    Checkpoint,
    Guideline,
    Skipped,
    SourceError,
    TemporarySourceError,
    seconds_to_wait,
)
from influencers.connectors.reddit_things import (
    RedditRecordError,
    author_record,
    community_record,
    rules_to_guidelines,
    thing_to_record,
)

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 1000  # Reddit's listings stop at about 1,000 items anyway
DEFAULT_MORE_LIMIT = 8  # "load more comments" expansions per submission
LOOKBACK_SECONDS = 48 * 3600
DEFAULT_REACH_LOOKUPS = 100  # redditor "about" requests per sync, for the most active authors


class TimedRequestor(prawcore.Requestor):
    """Requests that wait at most the requestor's own ``timeout``. (prawcore passes its module-wide
    PRAWCORE_TIMEOUT, read once at import, with every request, and praw 8 no longer hands down
    its ``timeout`` option.)"""

    def request(self, *args, timeout=None, **kwargs):
        return super().request(*args, timeout=self.timeout, **kwargs)


def reddit_client(environ: Mapping[str, str] | None = None) -> praw.Reddit:
    """A praw client from the REDDIT_* variables (``settings.REDDIT_API`` unless given)."""
    if environ is None:
        environ = settings.REDDIT_API if settings.configured else {}
    missing = [
        name for name in ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "REDDIT_USER_AGENT") if not environ.get(name)
    ]
    if missing:
        raise SourceError(f"{', '.join(missing)} not set: the live Reddit connector needs API credentials")
    options = {
        "client_id": environ["REDDIT_CLIENT_ID"],
        "client_secret": environ["REDDIT_CLIENT_SECRET"],
        "user_agent": environ["REDDIT_USER_AGENT"],
        "check_for_updates": False,
    }
    if environ.get("REDDIT_USERNAME") and environ.get("REDDIT_PASSWORD"):
        options.update(username=environ["REDDIT_USERNAME"], password=environ["REDDIT_PASSWORD"])
    if environ.get("REDDIT_OAUTH_URL"):
        options["oauth_url"] = environ["REDDIT_OAUTH_URL"].rstrip("/")
    if environ.get("REDDIT_AUTH_URL"):
        options["reddit_url"] = environ["REDDIT_AUTH_URL"].rstrip("/")
    if environ.get("REDDIT_TIMEOUT"):
        try:
            seconds = float(environ["REDDIT_TIMEOUT"])
        except ValueError:
            seconds = 0
        if not seconds > 0:
            raise SourceError(f"REDDIT_TIMEOUT must be a number of seconds, got {environ['REDDIT_TIMEOUT']!r}")
        options.update(requestor_class=TimedRequestor, requestor_kwargs={"timeout": seconds})
    return praw.Reddit(**options)


def thing_data(thing) -> dict:
    """A praw Submission or Comment as the JSON dict Reddit sent (what dumps hold too)."""
    thing.created_utc  # noqa: B018 -- a lazy praw object fetches itself on first attribute access
    data = {key: value for key, value in vars(thing).items() if not key.startswith("_")}
    data["author"] = thing.author.name if getattr(thing, "author", None) else "[deleted]"
    data["subreddit"] = str(thing.subreddit)
    return data


def _translate(error: Exception, what: str) -> SourceError:
    if isinstance(error, (prawcore.exceptions.NotFound, prawcore.exceptions.Redirect)):
        return SourceError(f"{what}: not found on Reddit")
    if isinstance(error, prawcore.exceptions.Forbidden):
        return SourceError(f"{what}: private, quarantined or banned (403)")
    if isinstance(error, prawcore.exceptions.OAuthException) or (
        isinstance(error, prawcore.exceptions.ResponseException) and error.response.status_code == 401
    ):
        return SourceError("Reddit refused the credentials (check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET)")
    if isinstance(error, prawcore.exceptions.TooManyRequests):
        return TemporarySourceError(
            f"{what}: Reddit is rate-limiting us for now ({error})", retry_after=seconds_to_wait(error.retry_after)
        )
    if isinstance(error, (prawcore.exceptions.ServerError, prawcore.exceptions.RequestException)):
        return TemporarySourceError(f"{what}: Reddit is unavailable for now ({type(error).__name__}: {error})")
    if isinstance(error, prawcore.exceptions.ResponseException):
        return TemporarySourceError(f"{what}: Reddit answered {error.response.status_code}")
    return SourceError(f"{what}: {error}")


def tree_things(submission, *, more_limit: int | None = DEFAULT_MORE_LIMIT) -> Iterator:
    """The submission, then its comment tree with at most ``more_limit`` "more" expansions."""
    submission.comments.replace_more(limit=more_limit)  # fetches the submission too
    yield submission
    yield from submission.comments.list()


def listing_records(listing) -> Iterator:
    """Any praw listing of submissions or comments (a subreddit's /new, /comments, a user's posts)."""
    seen = set()
    for thing in listing:
        try:
            community, record = thing_to_record(thing_data(thing))
        except RedditRecordError as error:
            yield Skipped(f"{type(thing).__name__.lower()} {thing.id}", str(error))
            continue
        if community.key not in seen:
            seen.add(community.key)
            yield community
        yield record


def redditor_reach(reddit: praw.Reddit, name: str):
    """An author record carrying karma (link + comment) from the redditor's "about" page."""
    redditor = reddit.redditor(name)
    karma = int(getattr(redditor, "link_karma", 0) or 0) + int(getattr(redditor, "comment_karma", 0) or 0)
    return author_record(redditor.name, karma=karma)


def subreddit_rules(reddit: praw.Reddit, name: str) -> tuple[Guideline, ...] | None:
    """The subreddit's rules through praw, or None when they cannot be read. Any failure means
    going without: a prawcore error, lasting or not (prawcore has retried a 5xx or a timeout
    already), or an answer praw cannot make Rule objects of (an error it raises as
    AttributeError/TypeError/KeyError/ValueError while parsing)."""
    try:
        # vars(): what Reddit sent for each rule, with no lazy praw fetch for a field it left out.
        rules = [vars(rule) for rule in reddit.subreddit(name).rules]
    except (
        prawcore.exceptions.PrawcoreException,
        praw.exceptions.PRAWException,
        AttributeError,
        TypeError,
        KeyError,
        ValueError,
    ) as error:
        logger.info("%s; the community goes without them this time", _translate(error, f"rules of r/{name}"))
        return None
    return rules_to_guidelines(rules)


def read_subreddit(
    name: str,
    *,
    reddit: praw.Reddit | None = None,
    limit: int | None = None,
    checkpoint: dict | None = None,
    more_limit: int | None = DEFAULT_MORE_LIMIT,
    reach_lookups: int = DEFAULT_REACH_LOOKUPS,
) -> Iterator:
    name = name.strip().removeprefix("r/").removeprefix("/r/")
    if not name or "/" in name:
        raise SourceError(f"{name!r} is not a subreddit name")
    reddit = reddit or reddit_client()
    stored_newest = float((checkpoint or {}).get("newest_created_utc") or 0)
    since = stored_newest - LOOKBACK_SECONDS if stored_newest else 0
    newest = stored_newest
    authors: Counter = Counter()
    yield community_record(name)
    try:
        for submission in reddit.subreddit(name).new(limit=limit or DEFAULT_LIMIT):
            if submission.created_utc <= since:
                break
            try:
                for record in listing_records(tree_things(submission, more_limit=more_limit)):
                    if getattr(record, "author", None) and not record.author.is_deleted and not record.author.is_bot:
                        authors[record.author.handle] += 1
                    yield record
            except prawcore.exceptions.PrawcoreException as error:
                problem = _translate(error, f"comments of {submission.id}")
                if isinstance(problem, TemporarySourceError):
                    raise problem from None
                yield Skipped(f"submission {submission.id}", str(problem))
            newest = max(newest, float(submission.created_utc))
        for handle, _count in authors.most_common(reach_lookups):
            try:
                yield redditor_reach(reddit, handle)
            except prawcore.exceptions.PrawcoreException:
                continue  # suspended or deleted since: reach stays unknown
    except prawcore.exceptions.PrawcoreException as error:
        raise _translate(error, f"r/{name}") from None
    guidelines = subreddit_rules(reddit, name)
    if guidelines is not None:
        yield replace(community_record(name), guidelines=guidelines)
    if newest:
        yield Checkpoint({"newest_created_utc": newest})
