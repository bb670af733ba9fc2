"""python manage.py ingest SOURCE …: import a community's activity (see the README's command line)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError

from influencers.connectors.records import ReadProgress, SourceError, read_progress
from influencers.connectors.stackexchange_files import source_bytes
from influencers.ingest.runs import sync_run_create, sync_run_execute

# Sources read from an export, or live through a bot with --live: the option naming the remote place,
# and the argument holding the export's files.
LIVE_SOURCES = {"slack": ("team", "path"), "discord": ("guild", "paths")}
# Sources whose PATH may be a folder as well as a file: a Stack Exchange dump unpacked.
FOLDER_SOURCES = {"stackexchange"}
# What to give instead of a folder, for the sources that read files (discourse reads a folder itself).
FILES_INSTEAD_OF_FOLDER = {
    "discord": "name the .json exports in it (ingest discord FOLDER/*.json)",
    "reddit-dump": "name the dump files in it (ingest reddit-dump FOLDER/*.zst)",
    "slack": "give the export's .zip as Slack sent it",
}


class Command(BaseCommand):
    help = (
        "Import interactions from Reddit (live or dumps), Discord, Slack, Discourse or a Stack Exchange data dump. "
        "Safe to run again."
    )

    def add_arguments(self, parser: CommandParser):
        parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
        sources = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
        dump = sources.add_parser("reddit-dump", help="Pushshift/Arctic Shift NDJSON, plain or .zst")
        dump.add_argument("paths", nargs="+", metavar="PATH")
        live = sources.add_parser("reddit", help="a subreddit, live through the Reddit API")
        live.add_argument("--subreddit", required=True)
        live.add_argument("--limit", type=int, help="at most this many new submissions")
        discord = sources.add_parser("discord", help="DiscordChatExporter JSON files, or a server live through a bot")
        discord.add_argument("paths", nargs="*", metavar="PATH")
        slack = sources.add_parser("slack", help="a Slack workspace export zip, or a workspace live through a bot")
        slack.add_argument("path", nargs="?", metavar="EXPORT.zip")
        for chat, source, place in ((discord, "discord", "server"), (slack, "slack", "workspace")):
            key, _files = LIVE_SOURCES[source]
            token = f"{source.upper()}_BOT_TOKEN"
            chat.add_argument(
                "--live", action="store_true", help=f"read the {place} through its bot (its token, else {token})"
            )
            chat.add_argument(f"--{key}", help=f"the {place}'s id{', T…' if key == 'team' else ''} (live)")
            chat.add_argument("--limit", type=int, help="at most this many messages per channel (live)")
        discourse = sources.add_parser("discourse", help="a Discourse forum URL, or saved API JSON")
        discourse.add_argument("target", metavar="BASE_URL|PATH")
        discourse.add_argument("--limit", type=int, help="at most this many topics (live)")
        discourse.add_argument("--forum", help="the forum's URL, to name saved files' community")
        stackexchange = sources.add_parser("stackexchange", help="a Stack Exchange site dump: folder, .zip or .7z")
        stackexchange.add_argument("path", metavar="PATH")
        stackexchange.add_argument("--site", help="the site's host (e.g. quantumcomputing.stackexchange.com)")
        for sub in (dump, live, discord, slack, discourse, stackexchange):
            # Accepted after the source too; SUPPRESS keeps a --json given before it.
            sub.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")

    def handle(self, *args, **options):
        source = options["source"]
        if source in LIVE_SOURCES:
            source = self._live_source(source, options)
        arguments = {
            key: options[key]
            for key in ("paths", "path", "subreddit", "limit", "target", "forum", "site", "team", "guild")
            if options.get(key) not in (None, [])
        }
        files = arguments.get("paths", []) + ([arguments["path"]] if "path" in arguments else [])
        for path in files:
            if Path(path).is_dir() and source not in FOLDER_SOURCES:
                self._fail(f"{path}: a folder; {FILES_INSTEAD_OF_FOLDER.get(source, 'name the files in it')}")
            if not (Path(path).is_file() or (source in FOLDER_SOURCES and Path(path).is_dir())):
                self._fail(f"{path}: no such file" + (" or folder" if source in FOLDER_SOURCES else ""))
        # Absolute, as the run records them: a worker started elsewhere reads the same files.
        if "paths" in arguments:
            arguments["paths"] = [str(Path(p).resolve()) for p in arguments["paths"]]
        if "path" in arguments:
            arguments["path"] = str(Path(arguments["path"]).resolve())
        total_bytes = sum(source_bytes(Path(path)) for path in files)
        progress = _TerminalProgress(sys.stderr, total_bytes) if sys.stderr.isatty() and not options["json"] else None
        try:
            sync_run = sync_run_create(source=source, arguments=arguments)
            summary = sync_run_execute(sync_run=sync_run, on_progress=progress)
        except SourceError as error:
            if progress:
                progress.clear()
            self._fail(str(error))
        except DatabaseError as error:
            # What was committed stays; running the same command again completes it.
            self._fail(f"database error, import stopped (run it again to resume): {error}".strip(), status=1)
        if progress:
            progress.clear()
        result = {"source": source, "sync_run": sync_run.pk, **summary.as_dict()}
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(_summary_text(result))

    def _live_source(self, source: str, options: dict) -> str:
        """``slack``/``discord`` read an export, or with --live the workspace or server itself."""
        key, files = LIVE_SOURCES[source]
        if options.get("live"):
            if options.get(files):
                self._fail(f"--live reads the {source} itself: give --{key} instead of files")
            if not options.get(key):
                self._fail(f"--live needs --{key} (the {'team id, T…' if key == 'team' else 'server id'})")
            return f"{source}-live"
        if options.get(key) or options.get("limit") is not None:
            self._fail(f"--{key} and --limit go with --live")
        if not options.get(files):
            what = "the export's .zip" if source == "slack" else "the .json exports"
            self._fail(f"give {what}, or --live --{key} ID to read through a bot")
        return source

    def _fail(self, message: str, status: int = 2):
        self.stderr.write(f"ingest: {message.splitlines()[0] if message else 'failed'}")
        sys.exit(status)


class _TerminalProgress:
    """One line on the terminal, rewritten after each batch: a bar by bytes read when the source
    is files (their total size is known), counts and rate always."""

    WIDTH = 30

    def __init__(self, stream, total_bytes: int):
        self.stream = stream
        self.total_bytes = total_bytes
        self.read = ReadProgress()
        read_progress.set(self.read)
        self.started = time.monotonic()

    def __call__(self, summary):
        elapsed = max(time.monotonic() - self.started, 1e-6)
        stored = summary.created + summary.updated + summary.unchanged
        bar = ""
        if self.total_bytes:
            done = min(1.0, self.read.bytes / self.total_bytes)
            filled = int(done * self.WIDTH)
            bar = f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {done:4.0%} "
        self.stream.write(
            f"\r{bar}read {summary.read:,} · stored {stored:,} · skipped {summary.skipped:,} · "
            f"{summary.read / elapsed:,.0f}/s"
        )
        self.stream.flush()

    def clear(self):
        self.stream.write("\r" + " " * 100 + "\r")
        self.stream.flush()


def _summary_text(result: dict) -> str:
    communities = result["communities"]
    named = ", ".join(communities[:5]) + (f" and {len(communities) - 5} more" if len(communities) > 5 else "")
    lines = [f"Imported {result['source']} into {named or 'no community'} (sync run #{result['sync_run']})"]
    for name in ("read", "created", "updated", "unchanged", "skipped"):
        lines.append(f"  {name:<10}{result[name]:>12,}")
    lines.append(f"  {'seconds':<10}{result['seconds']:>12,.1f}")
    if result["skipped"]:
        lines.append("Skipped, by reason:")
        lines += [f"  {count:>8,}  {reason}" for reason, count in result["skipped_reasons"].items()]
        lines.append("First skipped records:")
        lines += [f"  {example['where']}: {example['reason']}" for example in result["skipped_examples"][:10]]
    return "\n".join(lines)
