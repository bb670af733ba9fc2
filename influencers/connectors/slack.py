"""Slack: a workspace export zip (users.json, channels.json, a folder of daily files per channel).

The workspace is the community, named as Slack names the export's zip ("<Workspace> Slack export …").
Thread replies point at their parent through ``thread_ts``; joins, leaves, topic changes and other
system subtypes are not interactions; bot messages and bot users are flagged; per-user reactions
and ``<@U…>`` mentions are interactions of their own.
The archive is checked before anything is read: entries that would escape the export folder
(path traversal) or that inflate beyond the stated limits (decompression bombs) are refused.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from influencers.connectors.archives import ZIP_DAMAGE, Limits, check_entries
from influencers.connectors.records import (
    AuthorRecord,
    CommunityRecord,
    InteractionRecord,
    Skipped,
    SourceError,
    count_bytes,
    directed_records,
    parse_json,
)

PLATFORM = "slack"
# Limits an export must respect; real exports of large workspaces stay far below them.
MAX_ENTRY_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 8 * 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
SYSTEM_SUBTYPES = {
    "channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name", "channel_archive",
    "channel_unarchive", "group_join", "group_leave", "group_topic", "group_purpose", "group_name",
    "pinned_item", "unpinned_item", "reminder_add", "tombstone", "sh_room_created", "huddle_thread",
    "channel_convert_to_private", "channel_posting_permissions", "joiner_notification", "slackbot_response",
}  # fmt: skip
BOT_SUBTYPES = {"bot_message", "bot_add", "bot_remove"}
# Older exports write a file share as Slack's own sentence ("<@U1|ann> uploaded a file: <link|name>
# and commented: …"): only the comment is the member's words; the link stays, for what it shares.
FILE_SHARED = re.compile(r"<@[^>\s]+> uploaded a file: (<[^>]+>)(?: and commented: (.*))?", re.DOTALL)
MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
# "Ink Lovers Slack export Jan 1 2024 - Mar 31 2024", "houstondatavis_slack_export_2016-07-31"
SLACK_EXPORT_NAME = re.compile(r"^(?P<name>.*?\w.*?)[\s_-]+slack[\s_-]+export(?:\b|_)", re.IGNORECASE)


def _ts(value) -> datetime:
    return datetime.fromtimestamp(float(value), tz=UTC)


def check_archive(archive: zipfile.ZipFile, path: Path) -> None:
    """Refuse archives that could write outside a folder or inflate without bound."""
    limits = Limits(entry_bytes=MAX_ENTRY_BYTES, total_bytes=MAX_TOTAL_BYTES, ratio=MAX_COMPRESSION_RATIO)
    entries = ((info.filename, info.file_size, info.compress_size) for info in archive.infolist())
    check_entries(entries, path, limits, what="export")


class _DamagedEntry(ValueError):
    pass


def _load(archive: zipfile.ZipFile, name: str):
    """An entry's JSON, None if the export has no such entry; ValueError if it cannot be read."""
    try:
        with archive.open(name) as handle:
            data = handle.read(MAX_ENTRY_BYTES + 1)
    except KeyError:
        return None
    # Among them: data that inflates past the entry's stated size (zipfile stops there: bad CRC).
    except ZIP_DAMAGE as error:
        # (zipfile may quote a whole damaged header: the start says what went wrong.)
        raise _DamagedEntry(f"damaged entry ({error!s:.200})") from None
    if len(data) > MAX_ENTRY_BYTES:
        raise SourceError(f"{name}: larger than {MAX_ENTRY_BYTES} bytes once unpacked")
    return parse_json(data)


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _object(value, what: str) -> dict:
    """An object (absent or empty: an empty one); anything else makes the message unusable."""
    if not value:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not an object")
    return value


def members_by_id(users_json: list) -> dict[str, AuthorRecord]:
    """Members by id; an entry that does not describe one is passed over (its messages, if any,
    get an account of their own from the message). An export's users.json and the live API's
    ``users.list`` hold the same objects, so slack_live.py reads its members here too."""
    users = {}
    for user in users_json:
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            continue
        profile = user.get("profile") if isinstance(user.get("profile"), dict) else {}
        handle = profile.get("display_name") or user.get("name") or user["id"]
        try:
            users[user["id"]] = AuthorRecord(
                platform=PLATFORM,
                external_id=user["id"],
                handle=str(handle),
                display_name=str(profile.get("real_name") or user.get("real_name") or ""),
                is_bot=bool(user.get("is_bot") or user.get("is_app_user")) or user["id"] == "USLACKBOT",
                is_deleted=bool(user.get("deleted")),
            )
        except ValueError:  # an id no database column holds (records.check_id)
            continue
    return users


def workspace_name(path: Path) -> str:
    """The workspace's name, as far as an export tells it. The files inside never name it; the zip
    Slack sends is named "<Workspace> Slack export <dates>.zip", so the part before "Slack export"
    is the name (underscores or dashes between words read as spaces). Any other file name is used
    whole: an operator renames the community in the admin when it says nothing."""
    match = SLACK_EXPORT_NAME.match(path.stem)
    if match is None:
        return path.stem[:200]
    name = match["name"].strip(" _-")
    if " " not in name:
        name = re.sub(r"[_]+", " ", name)
    return name[:200] or path.stem[:200]


def _workspace(users_json, path: Path) -> CommunityRecord:
    """Exports do not name their workspace; its id is the team most users belong to."""
    teams = Counter(
        u["team_id"] for u in users_json if isinstance(u, dict) and isinstance(u.get("team_id"), str) and u["team_id"]
    )
    name = workspace_name(path)
    for workspace_id, _ in teams.most_common(1):
        try:
            return CommunityRecord(PLATFORM, workspace_id, name=name)
        except ValueError:  # a team id no database column holds: the file's name instead
            break
    try:
        return CommunityRecord(PLATFORM, path.stem, name=name)
    except ValueError as error:
        raise SourceError(f"{path}: {error}") from None


def read_export(path: str | Path) -> Iterator:
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise SourceError(f"{path}: not a zip archive (a Slack export is the .zip Slack sends)") from None
    except ZIP_DAMAGE as error:
        raise SourceError(f"{path}: a damaged zip archive ({error!s:.200})") from None
    with archive:
        check_archive(archive, path)
        names = archive.namelist()
        if "channels.json" not in names and "users.json" not in names:
            raise SourceError(f"{path}: not a Slack export (no users.json or channels.json inside)")
        try:
            users_json = _list(_load(archive, "users.json"))
            channels = [
                c
                for c in _list(_load(archive, "channels.json")) + _list(_load(archive, "groups.json"))
                if isinstance(c, dict)
            ]
        except _DamagedEntry as error:
            raise SourceError(f"{path}: users.json or channels.json cannot be read: {error}") from None
        except ValueError as error:
            raise SourceError(f"{path}: users.json or channels.json is not valid JSON ({error})") from None
        users = members_by_id(users_json)
        community = _workspace(users_json, path)
        yield community
        # Only names that are strings: a list or an object is not a folder name (nor hashable).
        channel_names = {n for c in channels if isinstance(n := c.get("name") or c.get("id"), str)}
        folders = sorted({n.split("/")[0] for n in names if "/" in n and DAY_FILE.match(n.split("/")[-1])})
        for folder in folders:
            if channel_names and folder not in channel_names:
                continue  # DMs and anything the export does not describe as a channel
            for name in sorted(n for n in names if n.startswith(folder + "/") and DAY_FILE.match(n.split("/")[-1])):
                count_bytes(archive.getinfo(name).compress_size)
                try:
                    messages = _load(archive, name)
                except _DamagedEntry as error:
                    yield Skipped(name, str(error))
                    continue
                except ValueError as error:
                    yield Skipped(name, f"not valid JSON ({error})")
                    continue
                if not isinstance(messages, list):
                    yield Skipped(name, "not a list of messages")
                    continue
                for position, message in enumerate(messages, start=1):
                    try:
                        yield from message_records(message, community, folder, users)
                    # OverflowError: a time past what a float or a datetime holds ("1e400"), or int(inf).
                    except (KeyError, TypeError, ValueError, OverflowError) as error:
                        yield Skipped(f"{name} message {position}", f"unusable message ({error})")


def _author(user_id, message: dict, users: dict[str, AuthorRecord]) -> AuthorRecord | None:
    if user_id and not isinstance(user_id, str):  # a number would be stored under another key than "17"
        raise ValueError("user is not an id")
    if user_id and user_id in users:
        return users[user_id]
    if user_id:
        profile = _object(message.get("user_profile"), "user_profile")
        return AuthorRecord(PLATFORM, user_id, str(profile.get("display_name") or profile.get("name") or user_id))
    if message.get("bot_id"):
        bot_profile = _object(message.get("bot_profile"), "bot_profile")
        name = message.get("username") or bot_profile.get("name") or message["bot_id"]
        return AuthorRecord(PLATFORM, f"bot-{message['bot_id']}", str(name), is_bot=True)
    return None


def message_records(message, community: CommunityRecord, channel: str, users: dict[str, AuthorRecord]) -> list:
    """The message's records, itself then its mentions and reactions, all built before any is
    yielded: a message is imported whole or skipped whole, never both. ``channel`` is the channel's
    name (an export's folder), which starts every id: the live connector (slack_live.py) passes the
    same name, so an export and a live sync of one workspace store each message once."""
    if not isinstance(message, dict):
        raise ValueError("not an object")
    kind = message.get("type", "message")
    if not isinstance(kind, str):
        raise ValueError("type is not a string")
    subtype = message.get("subtype")
    if subtype in SYSTEM_SUBTYPES or kind != "message":
        return []
    ts = str(message["ts"])
    posted_at = _ts(ts)
    if subtype == "file_comment" and isinstance(message.get("comment"), dict):
        return [_file_comment(message, community, channel, users, ts)]
    author = _author(message.get("user"), message, users)
    if author is None:
        raise ValueError("message without a user or bot")
    if subtype in BOT_SUBTYPES and not author.is_bot:
        author = AuthorRecord(author.platform, author.external_id, author.handle, author.display_name, is_bot=True)
    thread_ts = str(message.get("thread_ts") or "")
    is_reply = bool(thread_ts) and thread_ts != ts
    external_id = f"{channel}:{ts}"
    thread = f"{channel}:{thread_ts or ts}"
    edited = message.get("edited") or {}
    text = str(message.get("text") or "")
    if subtype == "file_share" and (shared := FILE_SHARED.fullmatch(text)):
        text = "\n".join(part for part in (shared.group(2), shared.group(1)) if part)
    reactions_json = message.get("reactions") or []
    if not isinstance(reactions_json, list) or not all(isinstance(r, dict) for r in reactions_json):
        raise ValueError("reactions is not a list of objects")
    record = InteractionRecord(
        community_key=community.key,
        external_id=external_id,
        kind="comment" if is_reply else "post",
        author=author,
        posted_at=posted_at,
        parent_external_id=thread if is_reply else "",
        thread_external_id=thread,
        text=text,
        score=sum(int(r.get("count") or 0) for r in reactions_json),
        edited_at=_ts(edited["ts"]) if isinstance(edited, dict) and edited.get("ts") else None,
        is_removed=subtype == "tombstone",
    )

    def member(user_id) -> AuthorRecord:
        if not isinstance(user_id, str):
            raise ValueError("a reaction's user is not an id")
        return users.get(user_id) or AuthorRecord(PLATFORM, user_id, user_id)

    reactions = [
        (str(reaction.get("name") or "?"), member(user_id))
        for reaction in reactions_json
        for user_id in _list(reaction.get("users"))
    ]
    mentioned = [member(user_id) for user_id in dict.fromkeys(MENTION.findall(text))]
    return [record, *directed_records(record, mentioned=mentioned, reactions=reactions)]


def _file_comment(message: dict, community: CommunityRecord, channel: str, users, ts: str) -> InteractionRecord:
    """Old exports: a comment on someone's shared file, authored in ``comment.user``."""
    comment = message["comment"]
    author = _author(comment.get("user"), message, users)
    if author is None:
        raise ValueError("file comment without a user")
    file = _object(message.get("file"), "file")
    owner = file.get("user")
    if owner and not isinstance(owner, str):
        raise ValueError("the file's user is not an id")
    return InteractionRecord(
        community_key=community.key,
        external_id=f"{channel}:{ts}",
        kind="comment",
        author=author,
        posted_at=_ts(ts),
        thread_external_id=f"{channel}:file:{file.get('id', ts)}",
        target=users.get(owner) or (AuthorRecord(PLATFORM, owner, owner) if owner else None),
        text=str(comment.get("comment") or ""),
    )
