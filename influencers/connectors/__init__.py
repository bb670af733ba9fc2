"""Connectors: each turns one kind of source into plain records (see records.py); no ORM here.

``open_source`` is the single entry point used by the ``ingest`` command and the Celery task, so
both read a source the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from influencers.connectors.records import SourceError


def open_source(source: str, arguments: dict, *, checkpoint: dict | None = None, token: str | None = None) -> Iterator:
    """The record stream for a SyncRun's ``source`` and ``arguments``; ``token``: a live chat
    source's bot token (never part of the arguments, which are stored on the run)."""
    if source == "reddit-dump":
        from influencers.connectors.reddit_dump import read_dump

        return chain.from_iterable(read_dump(path) for path in arguments["paths"])
    if source == "discord":
        from influencers.connectors.discord import read_exports

        return read_exports(arguments["paths"])
    if source == "slack":
        from influencers.connectors.slack import read_export

        return read_export(arguments["path"])
    if source == "stackexchange":
        from influencers.connectors.stackexchange import read_dump as read_stackexchange

        return read_stackexchange(arguments["path"], site=arguments.get("site"))
    if source == "discourse":
        from influencers.connectors import discourse

        target = arguments["target"]
        if target.startswith(("http://", "https://")):
            return discourse.read_forum(target, checkpoint=checkpoint, limit=arguments.get("limit"))
        return discourse.read_saved(target, forum=arguments.get("forum"))
    if source == "reddit":
        from influencers.connectors.reddit_live import read_subreddit

        return read_subreddit(arguments["subreddit"], limit=arguments.get("limit"), checkpoint=checkpoint)
    if source == "slack-live":
        from influencers.connectors.slack_live import read_workspace

        return read_workspace(arguments["team"], token=token, checkpoint=checkpoint, limit=arguments.get("limit"))
    if source == "discord-live":
        from influencers.connectors.discord_live import read_guild

        return read_guild(arguments["guild"], token=token, checkpoint=checkpoint, limit=arguments.get("limit"))
    raise SourceError(f"unknown source {source!r}")
