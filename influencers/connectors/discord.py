"""Discord: DiscordChatExporter JSON exports (one channel or thread per file).

The guild (server) is the community, named by the server's name. A direct message or group chat
is no community: its file is skipped, saying so, and an import of nothing else is refused. A zip,
or an HTML, text or CSV export, is refused with what to give instead. Messages are
streamed with ijson, so a channel of millions of messages is never held in memory. Replies point
at their parent through ``reference``; mentions and per-user reactions become interactions of
their own (who mentioned or reacted to whom). Messages in a thread export belong to that thread;
in a channel, the channel is the conversation. System messages (joins, pins, renames) are not
interactions. ``isBot`` authors are flagged, and so is Discord's "Deleted User".
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

import ijson

from influencers.connectors.records import (
    AuthorRecord,
    CommunityRecord,
    InteractionRecord,
    Skipped,
    SourceError,
    check_id,
    count_bytes,
    directed_records,
    utc_from_iso,
)

PLATFORM = "discord"
CONVERSATION_TYPES = {"Default", "Reply", "ThreadStarterMessage"}
THREAD_CHANNEL_TYPES = {"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread"}
PRIVATE_CHANNEL_TYPES = {"DirectTextChat", "DirectGroupTextChat"}
PRIVATE_CHAT = "a direct message or group chat, not a community"
# ijson's C parser keeps the path of every open level ("messages.item.reactions.item...") as a
# string, so its memory grows with the square of the nesting depth: a 100 KB file of "[[[[..."
# takes many GB. Exports nest about 7 levels; anything deeper is refused before the parser sees it.
MAX_NESTING = 100
_NOT_STRUCTURE = bytes(range(256)).translate(None, b'"[]{}')  # every byte but quotes and brackets
_BRACKETS_ALIKE = bytes.maketrans(b"{}", b"[]")


class _TooDeep(ijson.JSONError):
    pass


def _nesting_after(state: tuple[int, bool, bytes], data: bytes) -> tuple[int, bool, bytes] | None:
    """(levels open, inside a string, pending backslash) after ``data``; None if it may go deeper
    than MAX_NESTING. Bytes operations over the chunk, not a loop per character (that would cost
    more than the parsing): escapes and string contents are dropped, then the bracket pairs closed
    within the chunk, level by level; what is left closes levels, then opens levels."""
    depth, in_string, backslash = state
    text = (backslash + data).replace(b"\\\\", b"").replace(b'\\"', b"")
    backslash = b"\\" if text.endswith(b"\\") else b""  # it escapes the next chunk's first byte
    # Quotes and brackets only; an empty string ("") changes nothing, and most strings are empty now.
    parts = text.translate(_BRACKETS_ALIKE, _NOT_STRUCTURE).replace(b'""', b"").split(b'"')
    brackets = b"".join(parts[1::2] if in_string else parts[0::2])
    if len(parts) % 2 == 0:
        in_string = not in_string
    inner = 0  # how deep the levels opened and closed within the chunk go
    while b"[]" in brackets and inner <= MAX_NESTING:
        brackets = brackets.replace(b"[]", b"")
        inner += 1
    closed = brackets.count(b"]")
    opened = len(brackets) - closed
    if depth + opened + inner > MAX_NESTING:
        return None
    return max(0, depth - closed + opened), in_string, backslash


class _GuardedFile:
    """An export as ijson should read it: bytes that are not UTF-8 become U+FFFD (otherwise one bad
    byte ends the read of the whole channel), and nesting deeper than MAX_NESTING is refused."""

    def __init__(self, raw):
        self.raw = raw
        self.utf8 = codecs.getincrementaldecoder("utf-8")("replace")
        self.nesting = (0, False, b"")
        self.too_deep = False

    def read(self, size: int = -1) -> bytes:
        if self.too_deep:
            raise _TooDeep(f"nested deeper than {MAX_NESTING} levels")
        data = self.raw.read(size)
        data = self.utf8.decode(data, final=not data).encode()
        nesting = _nesting_after(self.nesting, data)
        if nesting is not None:
            self.nesting = nesting
            return data
        # Hand over the part of the chunk before the excess, so the messages there are still read;
        # the next read refuses.
        self.too_deep = True
        safe, unsafe = 0, len(data)
        while unsafe - safe > 1:
            middle = (safe + unsafe) // 2
            if _nesting_after(self.nesting, data[:middle]) is None:
                unsafe = middle
            else:
                safe = middle
        if not safe:
            raise _TooDeep(f"nested deeper than {MAX_NESTING} levels")
        return data[:safe]


def _author(data) -> AuthorRecord:
    if not isinstance(data, dict) or not data.get("id") or not isinstance(data["id"], (str, int)):
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
            # use_float, as for the messages: without it ijson's C parser turns an integer of more
            # than 4,300 digits into a Python int, fails, and crashes the process (segmentation fault).
            return next(ijson.items(_GuardedFile(handle), prefix, use_float=True), None)
        # UnicodeDecodeError: ijson's C parser turns a lone "\\udfff" escape into bytes it cannot decode.
        except (ijson.JSONError, UnicodeDecodeError) as error:
            raise SourceError(f"{path}: not valid JSON ({error})") from None


def read_exports(paths) -> Iterator:
    """Each export in turn. When none of them is a server's (all direct messages or group chats),
    the import is refused with the reason, having stored nothing."""
    communities = 0
    skipped_chats = []
    for path in paths:
        for item in read_export(path):
            if isinstance(item, CommunityRecord):
                communities += 1
            elif isinstance(item, Skipped) and item.reason.startswith(PRIVATE_CHAT):
                skipped_chats.append(item.location)
            yield item
    if skipped_chats and not communities:
        which = f"{skipped_chats[0]} is {PRIVATE_CHAT}" if len(skipped_chats) == 1 else (
            f"all {len(skipped_chats)} files are direct messages or group chats, not communities"
        )  # fmt: skip
        raise SourceError(f"nothing imported: {which}; export a server's channels instead")


def _sniff(path: Path) -> None:
    """Refuse, with what to do, a file that is plainly not a JSON export: a zip of exports (the
    JSON parser would say "lexical error"), or DiscordChatExporter's HTML, text or CSV formats."""
    with path.open("rb") as handle:
        start = handle.read(512)
    text = start.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"PK\x03\x04") or start.startswith(b"PK\x05\x06"):
        raise SourceError(
            f"{path}: a zip archive, not a DiscordChatExporter JSON export; unzip it and give the .json files "
            "inside (ingest discord FOLDER/*.json)"
        )
    if text[:1] in (b"{", b"") or text[:1] == b"[":
        return
    if text[:15].lower().startswith((b"<!doctype html", b"<html")):
        raise SourceError(
            f"{path}: an HTML export; export the channel again as JSON (DiscordChatExporter --format Json)"
        )
    raise SourceError(
        f"{path}: not valid JSON (it does not start with '{{'), so not a DiscordChatExporter JSON export; "
        "export the channel as JSON (DiscordChatExporter --format Json)"
    )


def _is_private_chat(guild: dict, channel: dict) -> bool:
    """A direct message or group chat: DiscordChatExporter says so in the channel's type, and
    older exports by the "Direct Messages" guild of id 0."""
    if str(channel.get("type")) in PRIVATE_CHANNEL_TYPES:
        return True
    return str(guild.get("id")) == "0" and guild.get("name") == "Direct Messages"


def read_export(path: str | Path) -> Iterator:
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    _sniff(path)
    guild, channel = _header(path, "guild"), _header(path, "channel")
    if not isinstance(guild, dict) or not isinstance(channel, dict) or "id" not in channel:
        raise SourceError(f"{path}: not a DiscordChatExporter JSON export (no guild and channel at the top)")
    if _is_private_chat(guild, channel):
        # People talking privately are not a community, and their words were not said in public.
        yield Skipped(path.name, PRIVATE_CHAT)
        count_bytes(path.stat().st_size)
        return
    guild_id = str(guild.get("id") or "0")
    channel_id = str(channel["id"])
    # str(): a type that is a list or an object is not hashable (and not a thread).
    in_thread = str(channel.get("type")) in THREAD_CHANNEL_TYPES
    conversation = f"thread-{channel_id}" if in_thread else f"channel-{channel_id}"
    try:
        # Every message's thread: an id no database stores (NUL) is refused once, here.
        check_id(conversation, "channel id", max_length=None)
        if guild_id == "0":  # no server named: the channel is the community
            name = str(channel.get("name") or "Discord channel")
            community = CommunityRecord(PLATFORM, f"channel-{channel_id}", name)
        else:
            community = CommunityRecord(
                PLATFORM, guild_id, str(guild.get("name") or guild_id), url=f"https://discord.com/channels/{guild_id}"
            )
    except ValueError as error:  # an id no database column holds (records.check_id)
        raise SourceError(f"{path}: not a usable DiscordChatExporter export ({error})") from None
    yield community

    with path.open("rb") as handle:
        index = 0
        try:
            for index, message in enumerate(
                ijson.items(_GuardedFile(handle), "messages.item", use_float=True), start=1
            ):
                try:
                    yield from _message(message, community, conversation, guild_id, channel_id)
                except (KeyError, TypeError, ValueError) as error:
                    yield Skipped(f"{path.name} message {index}", f"unusable message ({error})")
        except (ijson.JSONError, UnicodeDecodeError) as error:  # see _header
            yield Skipped(f"{path.name} after message {index}", f"file is cut off or damaged ({error})")
    count_bytes(path.stat().st_size)


def _objects(value, what: str) -> list[dict]:
    """A list of objects (absent or empty: none); anything else makes the message unusable."""
    if not value:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"{what} is not a list of objects")
    return value


def _message(message, community: CommunityRecord, conversation: str, guild_id: str, channel_id: str) -> list:
    """The message's records, itself then its mentions and reactions, all built before any is
    yielded: a message is imported whole or skipped whole, never both."""
    if not isinstance(message, dict):
        raise ValueError("not an object")
    kind = message.get("type", "Default")
    if not isinstance(kind, str):
        raise ValueError("type is not a string")
    if kind not in CONVERSATION_TYPES:
        return []  # joins, pins, calls, renames: not conversation
    message_id = str(message["id"])
    author = _author(message.get("author"))
    posted_at = utc_from_iso(message["timestamp"])
    reference = message.get("reference") or {}
    parent = str(reference.get("messageId") or "") if isinstance(reference, dict) else ""
    edited = message.get("timestampEdited")
    url = f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}" if guild_id != "0" else ""
    reactions_json = _objects(message.get("reactions"), "reactions")
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
        score=sum(int(r.get("count") or 0) for r in reactions_json),
        edited_at=utc_from_iso(edited) if edited else None,
    )
    # Newer exports list who reacted; older ones only a count (kept in the message's score).
    reactions = []
    for reaction in reactions_json:
        emoji = reaction.get("emoji") or {}
        if not isinstance(emoji, dict):
            raise ValueError("emoji is not an object")
        name = emoji.get("name") or "?"
        if not isinstance(name, str):  # it becomes the reaction's text
            raise ValueError("emoji name is not a string")
        reactions += [(name, _author(user)) for user in _objects(reaction.get("users"), "reaction users")]
    mentioned = [_author(m) for m in _objects(message.get("mentions"), "mentions")]
    return [record, *directed_records(record, mentioned=mentioned, reactions=reactions)]
