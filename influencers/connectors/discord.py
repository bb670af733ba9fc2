"""Discord: DiscordChatExporter JSON exports (one channel or thread per file).

The guild is the community (for group DMs, which have no guild, the channel is). Messages are
streamed with ijson, so a channel of millions of messages is never held in memory. Replies point
at their parent through ``reference``; mentions and per-user reactions become interactions of
their own (who mentioned or reacted to whom). Messages in a thread export belong to that thread;
in a channel, the channel is the conversation. System messages (joins, pins, renames) are not
interactions. ``isBot`` authors are flagged, and so is Discord's "Deleted User".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import ijson

from influencers.connectors.records import (
    AuthorRecord,
    CommunityRecord,
    InteractionRecord,
    Skipped,
    SourceError,
    count_bytes,
    directed_records,
    utc_from_iso,
)

PLATFORM = "discord"
CONVERSATION_TYPES = {"Default", "Reply", "ThreadStarterMessage"}
THREAD_CHANNEL_TYPES = {"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread"}


def _author(data) -> AuthorRecord:
    if not isinstance(data, dict) or not data.get("id"):
        raise ValueError("message without an author id")
    name = str(data.get("name") or data["id"])
    deleted = name == "Deleted User" or (name.startswith("Deleted User") and data.get("discriminator") == "0000")
    return AuthorRecord(
        platform=PLATFORM,
        external_id=str(data["id"]),
        handle=name,
        display_name=str(data.get("nickname") or name),
        is_bot=bool(data.get("isBot")),
        is_deleted=deleted,
    )


def _header(path: Path, prefix: str) -> dict:
    """Read the small ``guild`` or ``channel`` object at the top of the file."""
    with path.open("rb") as handle:
        try:
            return next(ijson.items(handle, prefix), None)
        except ijson.JSONError as error:
            raise SourceError(f"{path}: not valid JSON ({error})") from None


def read_export(path: str | Path) -> Iterator:
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    guild, channel = _header(path, "guild"), _header(path, "channel")
    if not isinstance(guild, dict) or not isinstance(channel, dict) or "id" not in channel:
        raise SourceError(f"{path}: not a DiscordChatExporter JSON export (no guild and channel at the top)")
    guild_id = str(guild.get("id") or "0")
    if guild_id == "0":  # direct messages: the channel is the community
        community = CommunityRecord(PLATFORM, f"channel-{channel['id']}", str(channel.get("name") or "Direct messages"))
    else:
        community = CommunityRecord(
            PLATFORM, guild_id, str(guild.get("name") or guild_id), url=f"https://discord.com/channels/{guild_id}"
        )
    yield community
    channel_id = str(channel["id"])
    in_thread = channel.get("type") in THREAD_CHANNEL_TYPES
    conversation = f"thread-{channel_id}" if in_thread else f"channel-{channel_id}"

    with path.open("rb") as handle:
        index = 0
        try:
            for index, message in enumerate(ijson.items(handle, "messages.item", use_float=True), start=1):
                try:
                    yield from _message(message, community, conversation, guild_id, channel_id)
                except (KeyError, TypeError, ValueError) as error:
                    yield Skipped(f"{path.name} message {index}", f"unusable message ({error})")
        except ijson.JSONError as error:
            yield Skipped(f"{path.name} after message {index}", f"file is cut off or damaged ({error})")
    count_bytes(path.stat().st_size)


def _message(message, community: CommunityRecord, conversation: str, guild_id: str, channel_id: str) -> Iterator:
    if not isinstance(message, dict):
        raise ValueError("not an object")
    if message.get("type", "Default") not in CONVERSATION_TYPES:
        return  # joins, pins, calls, renames: not conversation
    message_id = str(message["id"])
    author = _author(message.get("author"))
    posted_at = utc_from_iso(message["timestamp"])
    reference = message.get("reference") or {}
    parent = str(reference.get("messageId") or "") if isinstance(reference, dict) else ""
    edited = message.get("timestampEdited")
    url = f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}" if guild_id != "0" else ""
    record = InteractionRecord(
        community_key=community.key,
        external_id=message_id,
        kind="comment" if parent else "post",
        author=author,
        posted_at=posted_at,
        parent_external_id=parent,
        thread_external_id=conversation,
        text=str(message.get("content") or ""),
        url=url,
        score=sum(int(r.get("count") or 0) for r in message.get("reactions") or [] if isinstance(r, dict)),
        edited_at=utc_from_iso(edited) if edited else None,
    )
    yield record
    # Newer exports list who reacted; older ones only a count (kept in the message's score).
    reactions = [
        ((reaction.get("emoji") or {}).get("name") or "?", _author(user))
        for reaction in message.get("reactions") or []
        for user in reaction.get("users") or []
    ]
    yield from directed_records(
        record, mentioned=[_author(m) for m in message.get("mentions") or []], reactions=reactions
    )
