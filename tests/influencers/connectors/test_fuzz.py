"""Hostile and malformed input, for every connector (hypothesis).

Each property builds good records the way the connector tests do, breaks some of them (cut short,
bytes overwritten or inserted, a field dropped or given a wrong type, a huge, badly encoded or
deeply nested value) and checks the promise records.py makes: every good record still comes
through, every broken one is a record or a Skipped with a reason, and a source unusable as a whole
is one SourceError. Any other exception escaping a connector is a crash that loses the rest of the
input. Each crash this found and that was fixed is pinned by a plain regression test (named after
the input) next to its property.
"""

import copy
import io
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import zipfile
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from unittest import mock
from urllib.parse import urlparse
from xml.sax.saxutils import escape

import py7zr
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from influencers.connectors import (
    discord,
    discourse,
    open_source,
    reddit_dump,
    slack,
    stackexchange,
    stackexchange_files,
)
from influencers.connectors.records import (
    AuthorRecord,
    Checkpoint,
    CommunityRecord,
    InteractionRecord,
    Skipped,
    SourceError,
)
from influencers.connectors.reddit_things import THING_FIELDS, RedditRecordError, thing_to_record
from influencers.ingest.runs import sync_run_create
from influencers.ingest.service import run_ingest
from influencers.models import Community, Identity, Interaction, SyncStatus

# Examples are few but each is a whole file (some of several MB): the module runs in seconds.
# No example database: a fuzz run leaves nothing behind in the checkout.
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
FEW = settings(FUZZ, max_examples=15)
MANY = settings(FUZZ, max_examples=500)  # for a pure function: cheap, and the bad values are few among many

REAL = Path(__file__).resolve().parents[3].parent / "shared" / "real-data"
NO_REAL = f"{REAL} is not there: no real samples to damage"
# What the ingest service can store (it validates interaction ids itself, not account or community ids).
ACCOUNT_ID_LENGTH = Identity._meta.get_field("external_id").max_length
COMMUNITY_ID_LENGTH = Community._meta.get_field("external_id").max_length
REASON_LENGTH = 500  # a reason is a line for the operator, not a copy of the input


# --- what every item a connector yields must be -----------------------------------------------


def storable(value: str) -> bool:
    """A string a database can encode: no lone surrogates (NUL, which PostgreSQL refuses in ids, is
    checked where ids are)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_author(author: AuthorRecord) -> None:
    assert isinstance(author.external_id, str) and 0 < len(author.external_id) <= ACCOUNT_ID_LENGTH
    assert "\x00" not in author.external_id and storable(author.external_id)
    for text in (author.handle, author.display_name, author.profile_url, author.reach_kind):
        assert isinstance(text, str) and storable(text)
    assert author.reach is None or type(author.reach) is int
    assert type(author.is_bot) is bool and type(author.is_deleted) is bool


def check_item(item) -> None:
    """What the ingest service relies on: the types it reads, strings it can store, short reasons."""
    if isinstance(item, Skipped):
        assert isinstance(item.location, str) and item.location and len(item.location) <= REASON_LENGTH
        assert isinstance(item.reason, str) and item.reason and len(item.reason) <= REASON_LENGTH
        assert storable(item.location) and storable(item.reason)
    elif isinstance(item, CommunityRecord):
        assert isinstance(item.external_id, str) and 0 < len(item.external_id) <= COMMUNITY_ID_LENGTH
        assert "\x00" not in item.external_id
        for text in (item.platform, item.external_id, item.name, item.url, item.description):
            assert isinstance(text, str) and storable(text)
    elif isinstance(item, InteractionRecord):
        assert item.kind in {"post", "comment", "reaction", "mention"}
        for text in (item.community_key, item.external_id, item.parent_external_id, item.thread_external_id):
            assert isinstance(text, str) and "\x00" not in text and storable(text)
        for text in (item.title, item.text, item.url):
            assert isinstance(text, str) and storable(text)
        assert type(item.score) is int and type(item.is_removed) is bool
        assert isinstance(item.posted_at, datetime) and item.posted_at.tzinfo is not None
        assert item.edited_at is None or (isinstance(item.edited_at, datetime) and item.edited_at.tzinfo is not None)
        for person in (item.author, item.target):
            assert person is None or isinstance(person, AuthorRecord)
            if person is not None:
                check_author(person)
    elif isinstance(item, AuthorRecord):
        check_author(item)
    else:
        assert isinstance(item, Checkpoint), f"unexpected item {item!r:.200}"


def checked(items) -> list:
    """Every item of a connector's stream, checked; an exception other than SourceError fails the test."""
    found = list(items)
    for item in found:
        check_item(item)
    return found


def read_or_refuse(items) -> list | None:
    """The checked items, or None when the source was refused as a whole (with a readable message)."""
    try:
        return checked(items)
    except SourceError as error:
        assert str(error) and len(str(error)) <= 2 * REASON_LENGTH
        return None


def split(items):
    return (
        [i for i in items if isinstance(i, InteractionRecord)],
        [i for i in items if isinstance(i, Skipped)],
    )


@contextmanager
def source_file(name: str, content: bytes):
    """A file of that name and content, removed afterwards (examples run many times per test)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        yield path


# --- hostile values and damage -----------------------------------------------------------------


def json_bytes(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


# Raw JSON for a field: wrong types, edge numbers, encoding traps.
WRONG_VALUES = [
    b"null", b"true", b"false", b"0", b"-1", b"1.5", b"[]", b"{}", b'""', b'" "', b'[1, "two", null]',
    b'{"id": 1}', b'["x", {"y": []}]', b'"NaN"', b'"Infinity"', b'"1e400"', b'"-1"', b'"yesterday"',
    b"9223372036854775807", b"-9223372036854775808", b"1e308", b"-1e-320", b'"\\u0000"', b'"nul \\u0000 inside"',
    b'"\\ud800"', b'"lone low \\udfff"', b'"emoji cut in half \\ud83d"', b'"\xff\xfe not utf-8"',
    b'"\xed\xa0\x80 an encoded surrogate"', b'"\xc3"',
]  # fmt: skip
# Numbers some parsers cannot hold (msgspec and ijson refuse them, Python's json reads them).
OUT_OF_RANGE_NUMBERS = [b"1e400", b"-1e400", b"18446744073709551616", b"-9223372036854775809", b"1" * 400, b"7" * 5000]
NON_STANDARD_NUMBERS = [b"NaN", b"Infinity", b"-Infinity"]  # not JSON, but Python's json reads them


def huge_string(megabytes: int) -> bytes:
    # Random hex, not "xxxx...": that compresses 1000x, and Slack rightly refuses it as a zip bomb.
    return b'"' + random.Random(megabytes).randbytes(megabytes << 19).hex().encode() + b'"'


def nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


# 5,000 levels is past every parser's limit; deeper would cost GBs should the Discord guard break.
FIELD_VALUES = st.one_of(
    st.sampled_from(WRONG_VALUES + OUT_OF_RANGE_NUMBERS + NON_STANDARD_NUMBERS),
    st.integers().map(lambda n: str(n).encode()),
    st.text(max_size=20).map(json_bytes),
    st.integers(1, 5).map(huge_string),
    st.sampled_from([200, 5000]).map(nested),
)
# Values at which the Discord reader (ijson) stops reading the file: numbers its C parser cannot
# hold, a lone low surrogate it cannot decode, and nesting past discord.MAX_NESTING.
IJSON_STOPS = {*OUT_OF_RANGE_NUMBERS, *NON_STANDARD_NUMBERS, b'"lone low \\udfff"', nested(200), nested(5000)}


# Values that make a whole document unreadable to Python's json (Slack day files, Discourse files):
# nesting past its recursion limit, and integers past its 4,300-digit limit.
JSON_STOPS = {nested(5000), b"7" * 5000}


def ijson_stops(value: bytes | None) -> bool:
    if value in IJSON_STOPS:
        return True
    try:
        return not -(2**63) < int(value) < 2**63  # not -2**63 either: yajl checks the magnitude
    except (TypeError, ValueError):  # None (a dropped field), or not an integer
        return False


PLACEHOLDER = "\u2603fuzz\u2603"


def places(value, path=()):
    """Every place in a JSON value: keys of objects and positions in arrays, however deep."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, inner in items:
        yield (*path, key)
        yield from places(inner, (*path, key))


@st.composite
def with_wrong_field(draw, record: dict, values=FIELD_VALUES) -> tuple[bytes, tuple, bytes | None]:
    """``record`` as JSON with one field, however deep, dropped or given a hostile value:
    (the JSON, where, the raw value or None if dropped)."""
    path = draw(st.sampled_from(sorted(places(record), key=repr)))
    broken = copy.deepcopy(record)
    *parents, last = path
    container = broken
    for step in parents:
        container = container[step]
    if draw(st.booleans()):
        del container[last]
        return json_bytes(broken), path, None
    value = draw(values)
    container[last] = PLACEHOLDER
    return json_bytes(broken).replace(json_bytes(PLACEHOLDER), value), path, value


NOISE = st.one_of(
    st.binary(min_size=1, max_size=8),
    st.sampled_from([b'"', b"{", b"}", b"[", b"]", b"\\", b",", b":", b"\xff", b"\x00", b"\xe2\x82", b"\\u"]),
)


@st.composite
def damaged(draw, data: bytes, *, keep_lines: bool = False, how=("cut", "overwrite", "insert")) -> bytes:
    """``data`` cut short, or with bytes overwritten or inserted (never a newline if lines must stay lines)."""
    way = draw(st.sampled_from(how))
    at = draw(st.integers(1, len(data) - 1))
    if way == "cut":
        return data[:at]
    noise = draw(NOISE)
    if keep_lines:
        noise = noise.replace(b"\n", b" ")
    if way == "overwrite":
        return data[:at] + noise + data[at + len(noise) :]
    return data[:at] + noise + data[at:]


def broken(record: dict):
    """A record with a field gone wrong, or its JSON damaged (a line stays one line)."""
    return st.one_of(
        with_wrong_field(record).map(lambda found: found[0]),
        damaged(json_bytes(record), keep_lines=True),
    )


# --- Reddit dumps --------------------------------------------------------------------------------


def reddit_comment(number: int) -> dict:
    return {
        "id": f"k{number:05d}", "subreddit": "fountainpens", "author": f"penpal_{number}",
        "created_utc": 1704106800 + number, "body": f"Comment {number}: micromesh saved my nib.",
        "parent_id": "t3_1a2b3c", "link_id": "t3_1a2b3c", "score": number, "edited": False,
        "link_author": "nibmeister", "permalink": f"/r/fountainpens/comments/1a2b3c/_/k{number:05d}/",
    }  # fmt: skip


def reddit_submission(number: int) -> dict:
    return {
        "id": f"s{number:05d}", "subreddit": "fountainpens", "author": f"penpal_{number}",
        "created_utc": 1704103200 + number, "title": f"Nib tuning, part {number}", "selftext": "Use a loupe.",
        "is_self": True, "score": 154, "edited": 1704110000, "url": "https://www.reddit.com/r/fountainpens/",
        "removed_by_category": None,
    }  # fmt: skip


def reddit_thing(number: int) -> tuple[dict, str]:
    """A comment or a submission, and the external id it must be stored under."""
    if number % 2:
        return reddit_comment(number), f"t1_k{number:05d}"
    return reddit_submission(number), f"t3_s{number:05d}"


@FUZZ
@given(data=st.data(), good=st.lists(st.booleans(), min_size=1, max_size=6))
def test_reddit_dump_reads_every_good_line_and_counts_every_broken_one(data, good):
    lines, good_ids, broken_lines = [], set(), set()
    for number, is_good in enumerate(good, start=1):
        thing, external_id = reddit_thing(number)
        if is_good:
            lines.append(json_bytes(thing))
            good_ids.add(external_id)
        else:
            lines.append(data.draw(broken(thing), label=f"line {number}"))
            broken_lines.add(number)
    with source_file("RC_fuzz.ndjson", b"\n".join(lines) + b"\n") as path:
        records, skipped = split(checked(reddit_dump.read_dump(path)))  # fewer lines than GIVE_UP_AFTER
    assert good_ids <= {r.external_id for r in records}
    assert {s.location for s in skipped} <= {f"RC_fuzz.ndjson line {n}" for n in broken_lines}
    assert len(records) + len(skipped) == len(lines)  # one outcome a line: a record, or a reason


def compressed_dump(count: int) -> tuple[bytes, list[str]]:
    things = [reddit_thing(number) for number in range(1, count + 1)]
    # Small blocks, so a cut leaves complete lines behind.
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=20, target_length=4096)
    content = b"".join(json_bytes(thing) + b"\n" for thing, _ in things)
    return zstandard.ZstdCompressor(compression_params=params).compress(content), [i for _, i in things]


@FUZZ
@given(data=st.data())
def test_a_cut_compressed_dump_keeps_the_lines_before_the_cut_and_reports_the_damage(data):
    whole, ids = compressed_dump(300)
    cut = data.draw(damaged(whole, how=("cut",)))
    with source_file("RC_fuzz.ndjson.zst", cut) as path:
        items = read_or_refuse(reddit_dump.read_dump(path))
    assert items is not None  # a cut dump is damaged, not unreadable
    found = [r.external_id for r in split(items)[0]]
    assert found == ids[: len(found)] and len(found) < len(ids)
    assert isinstance(items[-1], Skipped)  # never silently short


@FUZZ
@given(data=st.data())
def test_damaged_compressed_bytes_are_records_reasons_or_one_clear_error(data):
    whole, _ = compressed_dump(100)
    with source_file("RC_fuzz.ndjson.zst", data.draw(damaged(whole, how=("overwrite", "insert")))) as path:
        read_or_refuse(reddit_dump.read_dump(path))


@FUZZ
@given(content=st.binary(max_size=4000))
def test_any_bytes_at_all_are_records_reasons_or_one_clear_error(content):
    with source_file("RC_fuzz.ndjson", content) as path:
        read_or_refuse(reddit_dump.read_dump(path))


# The live connector hands thing_to_record what praw built: any Python value, not only JSON's.
PYTHON_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30), st.binary(max_size=8),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from([10**400, -(10**400), 2**64, math.inf, -math.inf, math.nan, "\ud800", "1e400", "\x00", "x" * 5000]),
)  # fmt: skip


@MANY
@given(number=st.integers(1, 2), field=st.sampled_from(THING_FIELDS), value=PYTHON_VALUES, drop=st.booleans())
def test_a_reddit_thing_with_a_wrong_field_is_a_record_or_a_reason(number, field, value, drop):
    thing, _ = reddit_thing(number)
    if drop:
        thing.pop(field, None)
    else:
        thing[field] = value
    try:
        community, record = thing_to_record(thing)
    except RedditRecordError as error:
        check_item(Skipped("line 1", str(error)))  # as both Reddit connectors report it
        return
    check_item(community)
    check_item(record)


def test_regression_a_dump_line_nested_thousands_deep_is_skipped_not_a_crash(tmp_path):
    """Before the fix, {"subreddit": [[[[...]]]]} (5,000 levels) made msgspec raise RecursionError,
    which escaped read_dump and ended the import."""
    path = tmp_path / "RC_deep.ndjson"
    good = json_bytes(reddit_comment(1))
    path.write_bytes(good + b"\n" + b'{"subreddit": ' + nested(5000) + b"}\n" + json_bytes(reddit_comment(3)) + b"\n")
    records, skipped = split(checked(reddit_dump.read_dump(path)))
    assert [r.external_id for r in records] == ["t1_k00001", "t1_k00003"]
    assert [(s.location, s.reason) for s in skipped] == [("RC_deep.ndjson line 2", "nested too deeply to read")]


@pytest.mark.parametrize(
    ("field", "value"),
    [("created_utc", 10**400), ("edited", 10**400), ("score", math.inf)],
    ids=["created_utc int of 400 digits", "edited int of 400 digits", "score inf"],
)
def test_regression_numbers_too_large_for_a_float_are_a_reason_not_a_crash(field, value):
    """Before the fix, float() of a 400-digit int and int() of inf raised OverflowError, which escaped
    thing_to_record (and so read_dump and the live connector)."""
    thing = reddit_comment(1) | {field: value}
    with pytest.raises(RedditRecordError, match="bad field value"):
        thing_to_record(thing)


def test_regression_a_dump_line_with_a_400_digit_timestamp_is_skipped(tmp_path):
    """The same crash through a dump file: msgspec reads a 400-digit created_utc as an int."""
    path = tmp_path / "RC_big.ndjson"
    path.write_bytes(json_bytes(reddit_comment(1)).replace(b"1704106801", b"1" * 400) + b"\n")
    records, skipped = split(checked(reddit_dump.read_dump(path)))
    assert records == [] and [s.location for s in skipped] == ["RC_big.ndjson line 1"]
    assert skipped[0].reason.startswith("bad field value")


@pytest.mark.parametrize(
    ("field", "value"),
    [("subreddit", "s" * 300), ("author", "a" * 300), ("author", "nul\x00name"), ("id", "k\x0001"),
     ("author", "half an emoji \ud83d"), ("parent_id", "t1_\udc00")],
    ids=["subreddit of 300 characters", "author of 300 characters", "author with NUL", "id with NUL",
         "author with a lone surrogate", "parent_id with a lone surrogate"],
)  # fmt: skip
def test_regression_names_no_column_can_hold_are_a_reason_not_a_failed_import(field, value):
    """Before the fix, a subreddit or author longer than the columns storing them (255), or an id with
    NUL, became records PostgreSQL refuses, failing the whole batch (and a name of 4 MB stayed in
    the reader's name cache, 100,000 entries deep); one with a lone surrogate (praw's JSON can hold
    one) failed it on any database."""
    with pytest.raises(RedditRecordError, match="unusable"):
        thing_to_record(reddit_comment(1) | {field: value})


def test_regression_a_lone_surrogate_in_a_reddit_text_is_replaced_not_passed_on():
    """Before the fix, a body or title with a lone surrogate (from praw's JSON) reached the database,
    which cannot encode it: the whole import failed."""
    _, comment = thing_to_record(reddit_comment(1) | {"body": "nice \ud83d"})
    _, post = thing_to_record(reddit_submission(2) | {"title": "\udc00 title", "selftext": ""})
    assert (comment.text, post.title) == ("nice \ufffd", "\ufffd title")


@pytest.mark.skipif(not REAL.is_dir(), reason=NO_REAL)
@FEW
@given(data=st.data())
def test_real_reddit_dumps_damaged_anywhere(data):
    sample = data.draw(st.sampled_from(sorted(REAL.glob("reddit-dump/*.zst"))), label="sample")
    with source_file(sample.name, data.draw(damaged(sample.read_bytes()), label="damage")) as path:
        read_or_refuse(reddit_dump.read_dump(path))


# --- Discord -------------------------------------------------------------------------------------

GUILD = {"id": "704112345678901234", "name": "Sourdough Society", "iconUrl": ""}
CHANNEL = {"id": "704112345678900001", "type": "GuildTextChat", "category": "Text", "name": "general"}


def discord_member(number: int) -> dict:
    return {"id": f"1000000000000000{number:02d}", "name": f"baker_{number}", "discriminator": "0000",
            "nickname": f"Baker {number}", "isBot": False}  # fmt: skip


def discord_message(number: int) -> dict:
    message = {
        "id": f"9000000000000000{number:02d}", "type": "Reply" if number > 1 else "Default",
        "timestamp": f"2024-03-01T09:{number:02d}:00.123+00:00", "timestampEdited": "2024-03-01T10:00:00+00:00",
        "isPinned": False, "content": f"Message {number}: poke test before shaping.",
        "author": discord_member(number % 3), "attachments": [], "embeds": [],
        "reactions": [{"emoji": {"id": "", "name": "🍞"}, "count": 1, "users": [discord_member((number + 1) % 3)]}],
        "mentions": [discord_member((number + 2) % 3)],
    }  # fmt: skip
    if number > 1:
        message["reference"] = {"messageId": f"9000000000000000{number - 1:02d}", "channelId": CHANNEL["id"]}
    return message


def discord_export(messages: list[bytes], *, guild: bytes | None = None, channel: bytes | None = None) -> bytes:
    return (
        b'{\n  "guild": ' + (guild or json_bytes(GUILD)) + b',\n  "channel": ' + (channel or json_bytes(CHANNEL))
        + b',\n  "dateRange": {"after": null, "before": null},\n  "messages": [\n    '
        + b",\n    ".join(messages) + b"\n  ],\n  \"messageCount\": " + str(len(messages)).encode() + b"\n}\n"
    )  # fmt: skip


def conversation(records) -> list[str]:
    """The messages themselves, without the mentions and reactions they carry."""
    return [r.external_id for r in records if r.kind in ("post", "comment")]


@FUZZ
@given(data=st.data(), good=st.lists(st.booleans(), min_size=1, max_size=6))
def test_discord_reads_every_good_message_and_counts_every_broken_one(data, good):
    messages, good_ids, broken_numbers, may_be_system = [], set(), set(), 0
    values = FIELD_VALUES.filter(lambda value: not ijson_stops(value))
    for number, is_good in enumerate(good, start=1):
        message = discord_message(number)
        if is_good:
            messages.append(json_bytes(message))
            good_ids.add(message["id"])
            continue
        content, path, value = data.draw(with_wrong_field(message, values), label=f"message {number}")
        messages.append(content)
        broken_numbers.add(number)
        # A type that is a string but not a conversation's (a join, a pin...) is passed over, by design.
        may_be_system += path == ("type",) and value is not None and value.startswith(b'"')
    with source_file("general.json", discord_export(messages)) as path:
        records, skipped = split(checked(discord.read_export(path)))
    assert good_ids <= set(conversation(records))
    assert {s.location for s in skipped} <= {f"general.json message {n}" for n in broken_numbers}
    assert len(good) - may_be_system <= len(conversation(records)) + len(skipped) <= len(good)


@FEW
@given(data=st.data(), damaged_number=st.integers(1, 4), value=st.sampled_from(sorted(IJSON_STOPS)))
def test_a_value_ijson_cannot_read_ends_the_read_with_a_reason_keeping_what_came_before(data, damaged_number, value):
    """ijson's C parser stops at numbers outside 64-bit integers and doubles, at NaN (not JSON) and
    at a lone low surrogate; the reader refuses nesting past MAX_NESTING. One file is one JSON
    document, so the messages after it are lost: those before are kept and the stop is reported."""
    messages = [json_bytes(discord_message(number)) for number in range(1, 5)]
    numbers = st.sampled_from([("reactions", 0, "count"), ("author", "isBot"), ("isPinned",), ("content",)])
    *parents, last = data.draw(numbers, label="field")
    message = discord_message(damaged_number)
    container = message
    for step in parents:
        container = container[step]
    container[last] = PLACEHOLDER
    messages[damaged_number - 1] = json_bytes(message).replace(json_bytes(PLACEHOLDER), value)
    with source_file("general.json", discord_export(messages)) as path:
        items = checked(discord.read_export(path))
    records, skipped = split(items)
    assert conversation(records) == [f"9000000000000000{n:02d}" for n in range(1, damaged_number)]
    assert items[-1] == skipped[0] and skipped[0].location == f"general.json after message {damaged_number - 1}"


@FUZZ
@given(data=st.data())
def test_a_cut_discord_export_keeps_the_messages_before_the_cut_and_says_so(data):
    ids = [discord_message(number)["id"] for number in range(1, 6)]
    whole = discord_export([json_bytes(discord_message(number)) for number in range(1, 6)])
    cut = data.draw(st.integers(1, len(whole.rstrip()) - 1), label="cut at")  # not just the last newline
    with source_file("general.json", whole[:cut]) as path:
        items = read_or_refuse(discord.read_export(path))
    header_read = cut >= whole.index(b',\n  "dateRange"')  # the channel object is complete
    assert (items is not None) == header_read
    if items is not None:
        found = conversation(split(items)[0])
        assert found == ids[: len(found)]
        assert isinstance(items[-1], Skipped)  # the file ends early: said, never silently short


@FUZZ
@given(data=st.data())
def test_discord_export_damaged_anywhere_is_records_reasons_or_one_clear_error(data):
    whole = discord_export([json_bytes(discord_message(number)) for number in range(1, 5)])
    with source_file("general.json", data.draw(damaged(whole, how=("overwrite", "insert")))) as path:
        read_or_refuse(discord.read_export(path))


@FUZZ
@given(data=st.data(), which=st.sampled_from(["guild", "channel"]))
def test_a_discord_header_with_a_wrong_field_is_read_or_refused_in_one_line(data, which):
    header, _, value = data.draw(with_wrong_field(GUILD if which == "guild" else CHANNEL), label=which)
    messages = [json_bytes(discord_message(number)) for number in range(1, 4)]
    with source_file("general.json", discord_export(messages, **{which: header})) as path:
        items = read_or_refuse(discord.read_export(path))
    if items is not None and not ijson_stops(value):
        assert conversation(split(items)[0]) == [discord_message(n)["id"] for n in range(1, 4)]


def run_isolated(code: str, memory_gb: int = 2) -> subprocess.CompletedProcess:
    """Run ``code`` in its own Python with bounded memory: if a fix regresses, this test fails
    instead of the test run being killed (a segmentation fault, or the machine out of memory)."""
    prelude = f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({memory_gb} << 30, {memory_gb} << 30))\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
    )


def test_regression_a_discord_export_nested_100_000_deep_is_refused_without_exhausting_memory(tmp_path):
    """Before the fix, a message nested 100,000 deep made ijson's C parser (it keeps the path of every
    open level) claim tens of GB, 20,000 levels alone took 1 GB, until the kernel killed the process."""
    deep = json_bytes(discord_message(2)).replace(b'"Message 2', nested(100_000) + b', "x')
    path = tmp_path / "deep.json"
    path.write_bytes(discord_export([json_bytes(discord_message(1)), deep, json_bytes(discord_message(3))]))
    code = (
        "from influencers.connectors.discord import read_export\n"
        f"items = list(read_export({str(path)!r}))\n"
        "print([getattr(i, 'external_id', None) or getattr(i, 'reason', None) for i in items])\n"
    )
    finished = run_isolated(code)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert f"'{discord_message(1)['id']}'" in finished.stdout  # the message before is kept
    assert "nested deeper than 100 levels" in finished.stdout
    assert f"'{discord_message(3)['id']}'" not in finished.stdout  # the rest cannot be read past it


def test_regression_a_5000_digit_number_in_a_discord_header_is_one_clear_error_not_a_segfault(tmp_path):
    """Before the fix, a guild id of 5,000 digits crashed the process (SIGSEGV): the header was read
    without use_float, and ijson's C parser fails on Python's 4,300-digit int conversion limit."""
    path = tmp_path / "bigint.json"
    path.write_bytes(discord_export([json_bytes(discord_message(1))], guild=b'{"id": ' + b"7" * 5000 + b"}"))
    code = (
        "from influencers.connectors.discord import read_export\n"
        "from influencers.connectors.records import SourceError\n"
        f"try:\n    list(read_export({str(path)!r}))\nexcept SourceError as error:\n    print('refused:', error)\n"
    )
    finished = run_isolated(code)
    assert finished.returncode == 0, f"exit {finished.returncode}: {finished.stderr[-2000:]}"
    assert "refused:" in finished.stdout and "integer overflow" in finished.stdout


def test_regression_a_byte_that_is_not_utf8_spoils_one_message_not_the_rest_of_the_channel(tmp_path):
    """Before the fix, ijson stopped at the first byte that is not UTF-8 (b"\\xff\\xfe" here), so one bad
    byte in a message lost every message after it (reported as a cut-off file)."""
    messages = [json_bytes(discord_message(n)) for n in range(1, 4)]
    messages[1] = messages[1].replace(b"poke test", b"poke \xff\xfe test")
    path = tmp_path / "general.json"
    path.write_bytes(discord_export(messages))
    records, skipped = split(checked(discord.read_export(path)))
    assert conversation(records) == [discord_message(n)["id"] for n in range(1, 4)] and skipped == []
    assert "poke \ufffd\ufffd test" in records[[r.external_id for r in records].index(discord_message(2)["id"])].text


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda m: m["reactions"].__setitem__(0, "🍞"), "reactions is not a list of objects"),
        (lambda m: m.__setitem__("reactions", "🍞"), "reactions is not a list of objects"),
        (lambda m: m["reactions"][0].__setitem__("emoji", "🍞"), "emoji is not an object"),
        (lambda m: m["reactions"][0]["emoji"].__setitem__("name", {"a": 1}), "emoji name is not a string"),
        (lambda m: m.__setitem__("type", None), "type is not a string"),
        (lambda m: m["author"].__setitem__("id", "1" * 300), "unusable account id"),
    ],
    ids=[
        "reaction a string",
        "reactions a string",
        "emoji a string",
        "emoji name an object",
        "type null",
        "author id of 300 characters",
    ],  # fmt: skip
)
def test_regression_malformed_parts_of_a_discord_message_skip_that_message_once(tmp_path, change, reason):
    """Before the fix, a reaction or emoji that was not an object raised AttributeError (a crash); an
    emoji name that was an object became the text of a reaction (the ingest then failed on it); a
    message of type null vanished without a reason; an author id of 300 characters became an account
    no column holds; and a message whose reactions failed after its own record was yielded was both
    imported and reported skipped."""
    message = discord_message(2)
    change(message)
    path = tmp_path / "general.json"
    path.write_bytes(
        discord_export([json_bytes(discord_message(1)), json_bytes(message), json_bytes(discord_message(3))])
    )
    records, skipped = split(checked(discord.read_export(path)))
    assert conversation(records) == [discord_message(1)["id"], discord_message(3)["id"]]
    # Nor its mentions and reactions (message 3, a reply to it, is the only record pointing at it).
    assert not [r for r in records if r.parent_external_id == message["id"] and r.kind != "comment"]
    assert [s.location for s in skipped] == ["general.json message 2"] and reason in skipped[0].reason


def test_regression_a_channel_id_no_database_stores_refuses_the_export_once(tmp_path):
    """Before the fix, a channel id of "\\u0000" made every message's thread id unstorable: each
    message was skipped on its own, for a fault of the header."""
    path = tmp_path / "general.json"
    path.write_bytes(discord_export([json_bytes(discord_message(1))], channel=json_bytes(CHANNEL | {"id": "\x00"})))
    with pytest.raises(SourceError, match="unusable channel id"):
        list(discord.read_export(path))


def test_regression_a_channel_type_that_is_a_list_is_read_not_a_crash(tmp_path):
    """Before the fix, ``channel.type in THREAD_CHANNEL_TYPES`` raised TypeError (a list is not hashable)."""
    path = tmp_path / "general.json"
    path.write_bytes(discord_export([json_bytes(discord_message(1))], channel=json_bytes(CHANNEL | {"type": []})))
    records, _ = split(checked(discord.read_export(path)))
    assert conversation(records) == [discord_message(1)["id"]]


@pytest.mark.skipif(not REAL.is_dir(), reason=NO_REAL)
@FEW
@given(data=st.data())
def test_real_discord_exports_damaged_anywhere(data):
    sample = data.draw(st.sampled_from(sorted(REAL.glob("discord/**/*.json"))), label="sample")
    with source_file(sample.name, data.draw(damaged(sample.read_bytes()), label="damage")) as path:
        read_or_refuse(discord.read_export(path))


# --- Slack ---------------------------------------------------------------------------------------

SLACK_USERS = [
    {"id": "U01MAYA", "team_id": "T03TRAILRUN", "name": "maya", "deleted": False, "is_bot": False,
     "real_name": "Maya Verhoeven", "profile": {"display_name": "maya.vert", "real_name": "Maya Verhoeven"}},
    {"id": "U02JONAS", "team_id": "T03TRAILRUN", "name": "jonas", "deleted": False, "is_bot": False,
     "profile": {"display_name": "", "real_name": "Jonas Ultra"}},
]  # fmt: skip
SLACK_CHANNELS = [{"id": "C01GENERAL", "name": "general"}, {"id": "C02GEAR", "name": "gear"}]
DAY = "general/2024-04-02.json"
OTHER_DAY = "gear/2024-04-03.json"


def slack_message(number: int) -> dict:
    message = {
        "type": "message", "ts": f"{1712048400 + 60 * number}.000{number:03d}",
        "user": ["U01MAYA", "U02JONAS"][number % 2],
        "text": f"Message {number}: <@U02JONAS> practise fueling on long runs.",
        "reactions": [{"name": "eyes", "users": ["U01MAYA", "U02JONAS"], "count": 2}],
        "edited": {"user": "U01MAYA", "ts": f"{1712048400 + 60 * number + 30}.000000"},
        "user_profile": {"display_name": "maya.vert", "name": "maya"},
    }  # fmt: skip
    if number > 1:
        message["thread_ts"] = "1712048460.000001"
    return message


def slack_id(channel: str, number: int) -> str:
    return f"{channel}:{slack_message(number)['ts']}"


def slack_day(messages: list[bytes]) -> bytes:
    return b"[\n" + b",\n".join(messages) + b"\n]"


def slack_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def slack_export(**replace: bytes) -> dict[str, bytes]:
    """A small export's entries: users, channels, and two days of two channels."""
    entries = {
        "users.json": json_bytes(SLACK_USERS),
        "channels.json": json_bytes(SLACK_CHANNELS),
        DAY: slack_day([json_bytes(slack_message(n)) for n in range(1, 4)]),
        OTHER_DAY: slack_day([json_bytes(slack_message(n)) for n in range(4, 6)]),
    }
    return entries | replace


def slack_conversation(records) -> list[str]:
    return [r.external_id for r in records if r.kind in ("post", "comment")]


@FUZZ
@given(data=st.data(), good=st.lists(st.booleans(), min_size=1, max_size=6))
def test_slack_reads_every_good_message_and_counts_every_broken_one(data, good):
    messages, good_ids, broken_numbers, may_be_other_type, unreadable = [], set(), set(), 0, False
    for number, is_good in enumerate(good, start=1):
        message = slack_message(number)
        if is_good:
            messages.append(json_bytes(message))
            good_ids.add(slack_id("general", number))
            continue
        # A field gone wrong; damage to the file's bytes is the next property's.
        content, path, value = data.draw(with_wrong_field(message), label=f"message {number}")
        messages.append(content)
        broken_numbers.add(number)
        # Entries that are not messages (type other than "message") are passed over, by design.
        may_be_other_type += path == ("type",) and value is not None and value.startswith(b'"')
        unreadable |= value in JSON_STOPS
    entries = slack_export(**{DAY: slack_day(messages)})
    with source_file("trail-runners.zip", slack_zip(entries)) as path:
        records, skipped = split(checked(slack.read_export(path)))
    found = slack_conversation(records)
    assert {slack_id("gear", n) for n in (4, 5)} <= set(found)  # other days are never harmed
    in_day = len([i for i in found if i.startswith("general:")])
    if unreadable:  # one JSON document: the day is skipped whole, with the reason
        assert in_day == 0 and [s.location for s in skipped] == [DAY] and "not valid JSON" in skipped[0].reason
        return
    assert good_ids <= set(found)
    assert {s.location for s in skipped} <= {f"{DAY} message {n}" for n in broken_numbers}
    assert len(good) - may_be_other_type <= in_day + len(skipped) <= len(good)


@FUZZ
@given(data=st.data())
def test_a_damaged_slack_day_file_is_skipped_or_read_and_the_other_days_are_unharmed(data):
    whole_day = slack_export()[DAY]
    entries = slack_export(**{DAY: data.draw(damaged(whole_day), label="day file")})
    with source_file("trail-runners.zip", slack_zip(entries)) as path:
        records, skipped = split(checked(slack.read_export(path)))
    assert {slack_id("gear", 4), slack_id("gear", 5)} <= set(slack_conversation(records))
    assert all(s.location.startswith(DAY) for s in skipped)


@FUZZ
@given(data=st.data(), entry=st.sampled_from(["users.json", "channels.json"]))
def test_damaged_users_or_channels_are_read_or_refused_in_one_line(data, entry):
    whole = slack_export()[entry]
    document = json.loads(whole)
    damage = st.one_of(
        damaged(whole),
        with_wrong_field(document).map(lambda found: found[0]),
        st.sampled_from(WRONG_VALUES + OUT_OF_RANGE_NUMBERS + NON_STANDARD_NUMBERS + [nested(5000)]),
    )
    with source_file("trail-runners.zip", slack_zip(slack_export(**{entry: data.draw(damage, label=entry)}))) as path:
        read_or_refuse(slack.read_export(path))


@FUZZ
@given(data=st.data())
def test_a_damaged_slack_zip_is_records_reasons_or_one_clear_error(data):
    whole = slack_zip(slack_export())
    with source_file("trail-runners.zip", data.draw(damaged(whole), label="zip")) as path:
        read_or_refuse(slack.read_export(path))


HOSTILE_NAMES = st.sampled_from(
    ["/etc/cron.d/evil.json", "/general/2024-04-02.json", "..\\..\\evil.json", "\\evil.json",
     "general/../../evil.json", "general/../../../2024-04-02.json", "../users.json", "general\\..\\..\\x.json"]
)  # fmt: skip


@FUZZ
@given(name=HOSTILE_NAMES, position=st.integers(0, 4))
def test_entries_that_point_outside_the_export_are_refused_wherever_they_are(name, position):
    # The existing test covers "../../etc/cron.d/evil.json" after users.json; these are absolute
    # names, Windows separators and ".." further in, anywhere in the archive.
    entries = list(slack_export().items())
    entries.insert(position, (name, b"[]"))
    with source_file("evil.zip", slack_zip(dict(entries))) as path:
        with pytest.raises(SourceError, match="points outside the export"):
            list(slack.read_export(path))


@FUZZ
@given(sizes=st.lists(st.integers(0, 3 << 20), min_size=1, max_size=3), entry_limit=st.integers(1 << 20, 3 << 20))
def test_entries_inflating_past_the_limits_are_refused_before_anything_is_read(sizes, entry_limit):
    # The existing test covers the compression ratio; these are the per-entry and total sizes,
    # the limits made small so examples stay fast (spaces inflate about 1000x).
    total_limit = entry_limit + (1 << 20)
    extra = {f"general/2024-05-{day:02d}.json": b"[" + b" " * size + b"]" for day, size in enumerate(sizes, 1)}
    archive = slack_zip(slack_export(**extra))
    unpacked = sum(len(content) for content in slack_export(**extra).values())
    too_big = max(size + 2 for size in sizes) > entry_limit or unpacked > total_limit
    with (
        mock.patch.object(slack, "MAX_ENTRY_BYTES", entry_limit),
        mock.patch.object(slack, "MAX_TOTAL_BYTES", total_limit),
        mock.patch.object(slack, "MAX_COMPRESSION_RATIO", 10**6),  # this property is about sizes alone
        source_file("bomb.zip", archive) as path,
    ):
        if too_big:
            items = slack.read_export(path)
            with pytest.raises(SourceError, match="refused, .*(larger than|unpacks to more than)"):
                next(items)  # refused before anything is read, even the workspace
        else:
            checked(slack.read_export(path))


def lie_about_size(archive: bytes, name: str, size: int) -> bytes:
    """The archive with ``name``'s stated size (in both headers) replaced: a bomb that hides its size."""
    with zipfile.ZipFile(io.BytesIO(archive)) as reading:
        info = reading.getinfo(name)
        true_size = info.file_size.to_bytes(4, "little")
    stated = size.to_bytes(4, "little")
    out = bytearray(archive)
    local_size = info.header_offset + 22  # uncompressed size in the local header
    assert out[local_size : local_size + 4] == true_size
    out[local_size : local_size + 4] = stated
    central = archive.index(b"PK\x01\x02")
    while True:  # find the central directory entry of that name
        name_length = int.from_bytes(archive[central + 28 : central + 30], "little")
        if archive[central + 46 : central + 46 + name_length] == name.encode():
            break
        extra = int.from_bytes(archive[central + 30 : central + 32], "little")
        comment = int.from_bytes(archive[central + 32 : central + 34], "little")
        central += 46 + name_length + extra + comment
    assert out[central + 24 : central + 28] == true_size
    out[central + 24 : central + 28] = stated
    return bytes(out)


def test_regression_an_entry_that_inflates_past_its_stated_size_is_a_reason_not_a_crash(tmp_path):
    """Before the fix, an entry whose headers state 100 bytes but whose data inflates to 2 MB (it passes
    the size and ratio checks, which read the headers; zipfile stops at the stated size) raised
    BadZipFile (bad CRC), which escaped read_export."""
    day = slack_day([json_bytes(slack_message(1))] + [b" " * 1000] * 2000)
    archive = lie_about_size(slack_zip(slack_export(**{DAY: day})), DAY, 100)
    path = tmp_path / "liar.zip"
    path.write_bytes(archive)
    records, skipped = split(checked(slack.read_export(path)))
    assert {slack_id("gear", 4), slack_id("gear", 5)} <= set(slack_conversation(records))
    assert [s.location for s in skipped] == [DAY] and "damaged" in skipped[0].reason


@pytest.mark.parametrize(
    ("entry", "changes", "outcome"),
    [
        ("users.json", {6: b"\x40"}, "refused"),  # version needed to extract: 6.4
        (DAY, {9: b"\x08"}, "read"),  # the UTF-8 flag, on a name that is ASCII: harmless
        (DAY, {9: b"\x08", 46: b"\xff"}, "refused"),  # the UTF-8 flag, on a name that is not UTF-8
        (DAY, {8: b"\x01"}, "skipped"),  # the encrypted flag
    ],
    ids=["zip version 6.4 needed", "UTF-8 flag on an ASCII name", "UTF-8 flag on a name that is not",
         "a day flagged encrypted"],
)  # fmt: skip
def test_regression_damaged_zip_headers_are_one_clear_error_or_one_skipped_day(tmp_path, entry, changes, outcome):
    """Before the fix, one damaged byte in the central directory could make zipfile raise
    NotImplementedError (it asks for zip version 6.4), UnicodeDecodeError (a name flagged UTF-8 that
    is not) or RuntimeError (an entry flagged encrypted: it asks for a password): all escaped."""
    archive = bytearray(slack_zip(slack_export()))
    record = archive.index(entry.encode(), archive.index(b"PK\x01\x02")) - 46  # its name follows 46 bytes
    for offset, value in changes.items():
        archive[record + offset : record + offset + len(value)] = value
    path = tmp_path / "export.zip"
    path.write_bytes(archive)
    items = read_or_refuse(slack.read_export(path))
    if outcome == "refused":
        assert items is None
        return
    records, skipped = split(items)
    assert {slack_id("gear", 4), slack_id("gear", 5)} <= set(slack_conversation(records))
    if outcome == "read":
        assert slack_id("general", 1) in slack_conversation(records) and skipped == []
    else:
        assert [s.location for s in skipped] == [DAY] and "damaged entry" in skipped[0].reason


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda m: m.__setitem__("ts", "1e400"), "unusable message"),
        (lambda m: m["edited"].__setitem__("ts", 1e300), "unusable message"),
        (lambda m: m["reactions"][0].__setitem__("count", math.inf), "unusable message"),
        (lambda m: m.__setitem__("reactions", ["eyes"]), "reactions is not a list of objects"),
        (lambda m: m.update(user="U09GUEST", user_profile="maya"), "user_profile is not an object"),
        (lambda m: m.__setitem__("user", 17), "user is not an id"),
        (lambda m: m.__setitem__("type", None), "type is not a string"),
        (lambda m: m.__setitem__("text", "<@U" + "X" * 300 + ">"), "unusable account id"),
    ],
    ids=[
        "ts 1e400",
        "edited ts 1e300",
        "reaction count Infinity",
        "reactions of strings",
        "user_profile a string",
        "user a number",
        "type null",
        "mention of a 300-character id",
    ],  # fmt: skip
)
def test_regression_malformed_parts_of_a_slack_message_skip_that_message_once(tmp_path, change, reason):
    """Before the fix, timestamps and counts past what a float or datetime holds raised OverflowError;
    profiles and reactions that were not objects raised AttributeError (crashes); a numeric user id
    became a record the ingest stores under another key than "17"; a message of type null vanished
    without a reason; a mention of a 300-character id became an account no column holds."""
    message = slack_message(2)
    change(message)
    day = slack_day([json_bytes(slack_message(1)), json_bytes(message), json_bytes(slack_message(3))])
    path = tmp_path / "export.zip"
    path.write_bytes(slack_zip(slack_export(**{DAY: day})))
    records, skipped = split(checked(slack.read_export(path)))
    assert slack_id("general", 2) not in slack_conversation(records)
    assert {slack_id("general", 1), slack_id("general", 3)} <= set(slack_conversation(records))
    assert [s.location for s in skipped] == [f"{DAY} message 2"] and reason in skipped[0].reason


@pytest.mark.parametrize(
    ("entry", "content"),
    [
        ("users.json", json_bytes([{"id": ["U01"]}, {"id": "U02", "profile": "x"}, {"id": "U03", "team_id": {}}])),
        ("channels.json", json_bytes({"general": {"id": "C01"}})),
        ("channels.json", json_bytes([{"name": ["general"]}])),
        ("users.json", nested(5000)),
        ("users.json", b"[" + b"1" * 5000 + b"]"),
    ],
    ids=[
        "users with a list id, a string profile, an object team",
        "channels an object",
        "channel name a list",
        "users nested 5,000 deep",
        "users with a 5,000-digit number",
    ],  # fmt: skip
)
def test_regression_odd_users_and_channels_files_are_read_or_refused_not_a_crash(tmp_path, entry, content):
    """Before the fix, each of these raised TypeError, RecursionError or ValueError (Python's limit on
    integer digits) out of read_export."""
    path = tmp_path / "export.zip"
    path.write_bytes(slack_zip(slack_export(**{entry: content})))
    items = read_or_refuse(slack.read_export(path))
    if items is not None:
        assert {slack_id("general", 1), slack_id("gear", 4)} <= set(slack_conversation(split(items)[0]))


def test_regression_a_lone_surrogate_in_a_forum_answer_is_replaced_not_passed_on():
    """Before the fix, the client read answers with response.json(), which turns "\\ud800" into a
    lone surrogate no database can encode (here in the slug, so in the post's URL)."""
    topic = discourse_topic([json_bytes(discourse_post(1) | {"topic_slug": "PLACE"})]).replace(b"PLACE", b"\\ud800")
    records, _ = split(checked(read_fake_forum(forum_answers() | {"/t/42.json": topic})))
    assert records[0].url == f"{FORUM}/t/\ufffd/42/1"


def test_regression_a_lone_surrogate_in_a_slack_message_is_replaced_not_passed_on(tmp_path):
    """Before the fix, Python's json turned "\\ud83d" (half an emoji) into a lone surrogate, which no
    database can encode: the whole import failed (UnicodeEncodeError). It becomes U+FFFD, like other
    bad text."""
    day = slack_day([json_bytes(slack_message(1)).replace(b"practise", b"\\ud83d practise")])
    path = tmp_path / "export.zip"
    path.write_bytes(slack_zip(slack_export(**{DAY: day})))
    records, _ = split(checked(slack.read_export(path)))
    assert "\ufffd practise" in next(r.text for r in records if r.external_id == slack_id("general", 1))


@pytest.mark.skipif(not REAL.is_dir(), reason=NO_REAL)
@FEW
@given(data=st.data())
def test_real_slack_exports_damaged_anywhere(data):
    sample = data.draw(st.sampled_from(sorted(REAL.glob("slack/*.zip"))), label="sample")
    with source_file(sample.name, data.draw(damaged(sample.read_bytes()), label="damage")) as path:
        read_or_refuse(slack.read_export(path))


# --- Discourse -----------------------------------------------------------------------------------

FORUM = "https://forum.homebrewers.example"


def discourse_post(number: int) -> dict:
    return {
        "id": 500 + number, "username": f"brewer_{number}", "name": f"Brewer {number}", "user_id": 10 + number,
        "created_at": f"2024-05-01T{10 + number:02d}:00:00.000Z", "updated_at": "2024-05-02T08:00:00.000Z",
        "version": 2, "cooked": f"<p>Post {number}: see <a href=\"{FORUM}/t/pitch-rates/7\">pitch rates</a>.</p>",
        "post_number": number, "reply_to_post_number": number - 1 if number > 2 else None, "topic_id": 42,
        "topic_slug": "stuck-fermentation", "like_count": number,
        "actions_summary": [{"id": 2, "count": number}], "hidden": False, "user_deleted": False,
    }  # fmt: skip


def discourse_topic(posts: list[bytes]) -> bytes:
    return (
        b'{"id": 42, "title": "Stuck fermentation at 1.030", "slug": "stuck-fermentation", '
        b'"post_stream": {"posts": [' + b", ".join(posts) + b'], "stream": [501, 502, 503]}}'
    )


@FUZZ
@given(data=st.data(), good=st.lists(st.booleans(), min_size=1, max_size=6))
def test_discourse_reads_every_good_post_and_counts_every_broken_one(data, good):
    posts, good_ids, broken_numbers, unreadable = [], set(), set(), False
    for number, is_good in enumerate(good, start=1):
        post = discourse_post(number)
        if is_good:
            posts.append(json_bytes(post))
            good_ids.add(f"42/{number}")
        else:
            content, _, value = data.draw(with_wrong_field(post), label=f"post {number}")
            posts.append(content)
            broken_numbers.add(number)
            unreadable |= value in JSON_STOPS
    with source_file("topic_42.json", discourse_topic(posts)) as path:
        if unreadable:  # one JSON document, and nothing else to read: the source is refused
            with pytest.raises(SourceError, match="not a saved Discourse"):
                list(discourse.read_saved(path, forum=FORUM))
            return
        records, skipped = split(checked(discourse.read_saved(path, forum=FORUM)))
    assert good_ids <= {r.external_id for r in records}
    assert {s.location for s in skipped} <= {f"topic_42.json post {n}" for n in broken_numbers}
    assert len(records) + len(skipped) == len(good)


@FUZZ
@given(data=st.data())
def test_a_damaged_saved_file_is_skipped_or_read_and_the_other_files_are_unharmed(data):
    whole = discourse_topic([json_bytes(discourse_post(n)) for n in range(1, 4)])
    other = json_bytes({"latest_posts": [discourse_post(n) | {"topic_id": 43} for n in range(1, 3)]})
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "a_topic.json").write_bytes(data.draw(damaged(whole), label="topic file"))
        Path(folder, "b_latest.json").write_bytes(other)
        records, skipped = split(checked(discourse.read_saved(folder, forum=FORUM)))
    assert {"43/1", "43/2"} <= {r.external_id for r in records}
    assert all(s.location.startswith("a_topic.json") for s in skipped)


@FUZZ
@given(data=st.data())
def test_a_saved_document_of_the_wrong_shape_is_read_or_refused_in_one_line(data):
    document = json.loads(discourse_topic([json_bytes(discourse_post(n)) for n in range(1, 3)]))
    content = data.draw(
        st.one_of(
            with_wrong_field(document).map(lambda found: found[0]),
            st.sampled_from(WRONG_VALUES + OUT_OF_RANGE_NUMBERS + NON_STANDARD_NUMBERS + [nested(5000)]),
        )
    )
    with source_file("topic.json", content) as path:
        read_or_refuse(discourse.read_saved(path, forum=FORUM))


HTML_PIECES = st.sampled_from(
    ["<", ">", "</", "<!", "<![", "[", "]]>", "<!--", "-->", "<![CDATA[", "<a href=", '"', "'", "&", "&#", "&#x",
     ";", "p", "a", "x", " ", "\n", "\x00", "\ud800", "99999999999", "<br/>", "<![if", "<?", "=", "/"]
)  # fmt: skip


# Cooked HTML as Discourse writes it, each piece with the text it must become: words stay as written, a
# block (paragraph, list item, heading, quote, code) starts a line, inline markup adds nothing, and a link
# keeps its address when it leads off the forum (promotion is judged by where links go).
WORDS = st.text(st.characters(blacklist_characters="<&", blacklist_categories=("Cs",)), max_size=15)
ADDRESS = st.text("abcdefghijklmnopqrstuvwxyz0123456789-./?=_", min_size=1, max_size=20)
COOKED_PIECES = st.one_of(
    st.tuples(st.sampled_from(["p", "li", "h1", "h2", "h3", "blockquote", "pre"]), WORDS).map(
        lambda found: (f"<{found[0]}>{found[1]}</{found[0]}>", "\n" + found[1])
    ),
    st.tuples(st.sampled_from(["strong", "em", "code", "span", "ul", "div"]), WORDS).map(
        lambda found: (f"<{found[0]}>{found[1]}</{found[0]}>", found[1])
    ),
    st.tuples(st.sampled_from(["https://", "http://"]), ADDRESS, WORDS).map(
        lambda found: (f'<a href="{found[0]}{found[1]}">{found[2]}</a>', f" {found[0]}{found[1]} {found[2]}")
    ),
    st.tuples(st.sampled_from(["/u/", "/t/", "mailto:", "#"]), ADDRESS, WORDS).map(
        lambda found: (f'<a href="{found[0]}{found[1]}">{found[2]}</a>', found[2])
    ),
    st.just(("<br/>", "\n")),
)


@MANY
@given(pieces=st.lists(COOKED_PIECES, max_size=12))
def test_cooked_html_becomes_its_words_with_a_line_per_block_and_the_addresses_of_outside_links(pieces):
    html, text = "".join(piece[0] for piece in pieces), "".join(piece[1] for piece in pieces)
    assert discourse.html_to_text(html) == text.strip()


@MANY
@given(pieces=st.lists(COOKED_PIECES, max_size=6), junk=st.lists(HTML_PIECES, max_size=20), text=st.text(max_size=30))
def test_any_cooked_html_becomes_text_and_broken_markup_after_a_passage_leaves_the_passage_whole(pieces, junk, text):
    """Whatever follows (a lone "<![", an unclosed comment, a bad character reference), the text of
    the well-formed part before it comes through as it would alone: the post keeps its words."""
    html, before = "".join(piece[0] for piece in pieces), "".join(piece[1] for piece in pieces)
    result = discourse.html_to_text(html + "".join(junk) + text)
    assert isinstance(result, str) and result == result.strip()
    assert result.startswith(before.strip())


class FakeResponse:
    headers: dict = {}

    def __init__(self, status_code: int, content: bytes):
        self.status_code, self.content = status_code, content

    def raise_for_status(self):
        pass

    def json(self):  # as requests reads a body
        return json.loads(self.content)


class FakeSession:
    """Stands in for requests.Session under the real DiscourseClient: answers each path with the
    raw body the test gives (damaged bytes too), 404 for any other."""

    def __init__(self, answers: dict[str, bytes]):
        self.answers = answers
        self.headers: dict = {}

    def get(self, url, params=None, timeout=None):
        path = urlparse(url).path
        return FakeResponse(200, self.answers[path]) if path in self.answers else FakeResponse(404, b"{}")


def read_fake_forum(answers: dict[str, bytes]):
    return discourse.read_forum(FORUM, client=discourse.DiscourseClient(FORUM, session=FakeSession(answers)))


def forum_answers() -> dict[str, bytes]:
    return {
        "/latest.json": json_bytes({"topic_list": {"topics": [{"id": 42, "bumped_at": "2024-05-09T07:00:00.000Z"}]}}),
        "/t/42.json": discourse_topic([json_bytes(discourse_post(n)) for n in range(1, 3)]),
        "/t/42/posts.json": json_bytes({"post_stream": {"posts": [discourse_post(3)]}}),
    }


@FUZZ
@given(data=st.data(), path=st.sampled_from(["/latest.json", "/t/42.json", "/t/42/posts.json"]))
def test_a_forum_answering_documents_of_the_wrong_shape_is_read_or_refused_in_one_line(data, path):
    document = json.loads(forum_answers()[path])
    answer = data.draw(
        st.one_of(
            with_wrong_field(document).map(lambda found: found[0]),
            damaged(forum_answers()[path]),
            st.sampled_from([b"null", b"[]", b"{}", b'"x"', b"17", b'[{"id": 42}]', b"<html>busy</html>"]),
        ),
        label=path,
    )
    read_or_refuse(read_fake_forum(forum_answers() | {path: answer}))


@pytest.mark.parametrize("cooked", ["<![x[ ]]> after", "<![ ]]> after"], ids=["keyword x", "no keyword"])
def test_regression_html_with_an_odd_marked_section_keeps_its_text(cooked):
    """Before the fix, html.parser raised AssertionError on "<![" sections it does not know (CPython
    3.11), which escaped post_to_record and ended the import of the forum."""
    assert discourse.html_to_text(cooked).endswith("after")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"like_count": math.inf}, "unusable post"),
        ({"topic_id": math.inf}, "unusable post"),
        ({"like_count": None, "actions_summary": ["like"]}, "unusable post"),
        ({"username": "u" * 300}, "unusable account id"),
    ],
    ids=["like_count Infinity", "topic_id Infinity", "actions_summary of strings", "username of 300 characters"],
)
def test_regression_malformed_parts_of_a_discourse_post_skip_that_post(tmp_path, change, reason):
    """Before the fix, int() of Infinity raised OverflowError and an action that was not an object
    raised AttributeError (crashes); a 300-character username became an account no column holds."""
    post = discourse_post(2) | change
    path = tmp_path / "topic_42.json"
    path.write_bytes(discourse_topic([json_bytes(discourse_post(1)), json_bytes(post)]))
    records, skipped = split(checked(discourse.read_saved(path, forum=FORUM)))
    assert [r.external_id for r in records] == ["42/1"]
    assert [s.location for s in skipped] == ["topic_42.json post 2"] and reason in skipped[0].reason


@pytest.mark.parametrize(
    "content",
    [b'{"post_stream": {"posts": 17}}', nested(5000), b'{"post_stream": {"posts": [' + b"7" * 5000 + b"]}}"],
    ids=["posts a number", "nested 5,000 deep", "a 5,000-digit number"],
)
def test_regression_saved_documents_that_crashed_are_refused_in_one_line(tmp_path, content):
    """Before the fix, iterating a number raised TypeError; Python's json raised RecursionError and
    ValueError (its limit on integer digits), none of which read_saved expected."""
    path = tmp_path / "topic.json"
    path.write_bytes(content)
    with pytest.raises(SourceError):
        list(discourse.read_saved(path, forum=FORUM))


@pytest.mark.parametrize(
    ("path", "answer", "outcome"),
    [
        ("/latest.json", [], "refused"),
        ("/latest.json", {"topic_list": {"topics": ["42"]}}, "skipped latest.json page 0 topic 1"),
        ("/latest.json", {"topic_list": {"topics": [{"id": 42, "bumped_at": 17}]}}, "read"),
        ("/t/42.json", ["not", "a", "topic"], "skipped topic 42"),
        ("/t/42.json", {"post_stream": {"stream": [[501]], "posts": [discourse_post(1)]}}, "read"),
        ("/t/42.json", {"post_stream": {"posts": [discourse_post(1), discourse_post(2) | {"id": [502]}]}}, "read"),
    ],
    ids=["latest a list", "topic a string", "bumped_at a number", "topic a list", "stream of lists", "post id a list"],
)
def test_regression_a_forum_answering_odd_documents_is_read_or_refused_not_a_crash(path, answer, outcome):
    """Before the fix, each raised AttributeError or TypeError out of read_forum."""
    items = read_or_refuse(read_fake_forum(forum_answers() | {path: json_bytes(answer)}))
    if outcome == "refused":
        assert items is None
    elif outcome == "read":
        assert "42/1" in {r.external_id for r in split(items)[0]}
    else:
        assert [s.location for s in split(items)[1]] == [outcome.removeprefix("skipped ")]


@pytest.mark.skipif(not REAL.is_dir(), reason=NO_REAL)
@FEW
@given(data=st.data())
def test_real_discourse_responses_damaged_anywhere(data):
    sample = data.draw(st.sampled_from(sorted(REAL.glob("discourse/*.json"))), label="sample")
    with source_file(sample.name, data.draw(damaged(sample.read_bytes()), label="damage")) as path:
        read_or_refuse(discourse.read_saved(path, forum=FORUM))


# --- Stack Exchange ------------------------------------------------------------------------------

SE_SITE = "quantumcomputing.stackexchange.com"
SE_USERS = [
    {"Id": "-1", "Reputation": "1", "DisplayName": "Community"},
    {"Id": "7", "Reputation": "1200", "DisplayName": "Ada Lovelace"},
    {"Id": "8", "Reputation": "300", "DisplayName": "Blue"},
]


def se_post(number: int) -> dict:
    """Post 1 is a question; the others answer it."""
    post = {
        "Id": str(number), "PostTypeId": "1" if number == 1 else "2",
        "CreationDate": f"2018-03-12T17:{number:02d}:45.567", "Score": str(number),
        "Body": f'<p>Post {number}: see <a href="https://arxiv.org/abs/{number}">the paper</a>.</p>',
        "OwnerUserId": ["7", "8", "-1"][number % 3], "LastEditDate": "2018-03-16T15:40:38.227",
    }  # fmt: skip
    if number == 1:
        post["Title"] = "Can a Turing machine simulate a quantum computer?"
    else:
        post["ParentId"] = "1"
    return post


def se_comment(number: int) -> dict:
    return {
        "Id": str(100 + number), "PostId": str(1 + number % 2), "Score": "0",
        "Text": f"@Ada Lovelace comment {number}: which paper?", "UserId": ["8", "7"][number % 2],
        "CreationDate": f"2018-03-14T08:{number:02d}:00.000",
    }  # fmt: skip


def se_user(number: int) -> dict:
    return {"Id": str(20 + number), "Reputation": str(number), "DisplayName": f"Member {number}"}


def xml_attribute(value: str) -> bytes:
    return escape(value, {'"': "&quot;", "\n": "&#xA;", "\r": "&#xD;"}).encode()


def se_row(row: dict) -> bytes:
    attributes = b" ".join(name.encode() + b'="' + xml_attribute(value) + b'"' for name, value in row.items())
    return b"  <row " + attributes + b" />"


def se_file(root: str, rows: list[bytes]) -> bytes:
    """A dump file as Stack Exchange writes them: a BOM, one row a line."""
    head = b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>\r\n<' + root.encode() + b">\r\n"
    return head + b"".join(row + b"\r\n" for row in rows) + b"</" + root.encode() + b">\r\n"


def se_dump(*, posts=None, comments=None, users=None) -> dict[str, bytes]:
    """A small dump's files: three posts, four comments, users; any of them replaced by the test."""
    return {
        "Users.xml": users or se_file("users", [se_row(u) for u in SE_USERS + [se_user(1)]]),
        "Posts.xml": posts or se_file("posts", [se_row(se_post(n)) for n in range(1, 4)]),
        "Comments.xml": comments or se_file("comments", [se_row(se_comment(n)) for n in range(1, 5)]),
    }


@contextmanager
def se_folder(files: dict[str, bytes]):
    with tempfile.TemporaryDirectory() as folder:
        for name, content in files.items():
            Path(folder, name).write_bytes(content)
        yield Path(folder)


def se_read(files: dict[str, bytes]):
    with se_folder(files) as folder:
        return checked(stackexchange.read_dump(folder, site=SE_SITE))


# Raw attribute values (between the quotes, so the XML stays well-formed): wrong types, edge numbers
# and dates, bytes that are not UTF-8 and characters XML forbids, entities, would-be markup.
ATTRIBUTE_VALUES = st.one_of(
    st.sampled_from([
        b"", b" ", b"abc", b"1.5", b"-1", b"0", b"NaN", b"1e400", b"9223372036854775807", b"9223372036854775808",
        b"-9223372036854775809", b"7" * 5000, b"2018-13-45T99:99:99", b"yesterday", b"0001-01-01T00:00:00+14:00",
        b"9999-12-31T23:59:59-12:00", b"2018-03-12", b"\xff\xfe not utf-8", b"\xed\xa0\x80 an encoded surrogate",
        b"\xc3", b"\x00", b"nul \x00 inside", b"\x01\x1f\x7f", b"\xef\xbf\xbe", b"&amp;&lt;&gt;&quot;",
        b"&#x1F600;", b"&lt;row Id=&quot;9&quot;/&gt;", b"@", b"@ab", b"@Ada,", b"@\xe2\x80\x8b", "😀".encode(),
        b"&lt;a href=&quot;javascript:x&quot;&gt;", b"&lt;![x[ ]]&gt;",
    ]),
    st.integers().map(lambda n: str(n).encode()),
    st.text(max_size=20).map(xml_attribute),
    st.integers(1, 5).map(lambda megabytes: random.Random(megabytes).randbytes(megabytes << 19).hex().encode()),
)  # fmt: skip


@st.composite
def with_wrong_attribute(draw, row: dict) -> tuple[bytes, str, bytes | None]:
    """``row`` with one attribute dropped or given a hostile raw value: (the row, which, the value
    or None if dropped)."""
    name = draw(st.sampled_from(sorted(row)))
    if draw(st.booleans()):
        return se_row({k: v for k, v in row.items() if k != name}), name, None
    value = draw(ATTRIBUTE_VALUES)
    placeholder = "\u2603fuzz\u2603"
    return se_row(row | {name: placeholder}).replace(xml_attribute(placeholder), value), name, value


def another_post_type(value: bytes | None) -> bool:
    """A PostTypeId that is a number other than a question's or an answer's: passed over, by design."""
    try:
        return int(value) not in (1, 2) and abs(int(value)) < 2**63
    except (TypeError, ValueError):
        return False


@FUZZ
@given(data=st.data(), good=st.lists(st.booleans(), min_size=1, max_size=6))
def test_stackexchange_reads_every_good_post_and_counts_every_broken_one(data, good):
    rows, good_ids, broken, passed_over = [], set(), 0, 0
    for number, is_good in enumerate(good, start=1):
        if is_good:
            rows.append(se_row(se_post(number)))
            good_ids.add(f"p{number}")
            continue
        row, name, value = data.draw(with_wrong_attribute(se_post(number)), label=f"post {number}")
        rows.append(row)
        broken += 1
        passed_over += name == "PostTypeId" and another_post_type(value)
    items = se_read(se_dump(posts=se_file("posts", rows), comments=se_file("comments", [])))
    records, skipped = split(items)
    assert good_ids <= {r.external_id for r in records}
    assert all(s.location.startswith("Posts.xml") for s in skipped) and len(skipped) <= broken
    assert len(good) - passed_over <= len(records) + len(skipped) <= len(good)  # one outcome a row


@FUZZ
@given(data=st.data(), good=st.lists(st.booleans(), min_size=1, max_size=6))
def test_stackexchange_reads_every_good_comment_and_counts_every_broken_one(data, good):
    rows, good_ids, broken = [], set(), 0
    for number, is_good in enumerate(good, start=1):
        if is_good:
            rows.append(se_row(se_comment(number)))
            good_ids.add(f"c{100 + number}")
            continue
        rows.append(data.draw(with_wrong_attribute(se_comment(number)), label=f"comment {number}")[0])
        broken += 1
    records, skipped = split(se_read(se_dump(comments=se_file("comments", rows))))
    comments = [r for r in records if r.external_id.startswith("c")]
    assert good_ids <= {r.external_id for r in comments}
    assert all(s.location.startswith("Comments.xml") for s in skipped) and len(skipped) <= broken
    assert len(comments) + len(skipped) == len(good)  # the posts are all there: no comment is passed over


@FUZZ
@given(data=st.data(), good=st.lists(st.booleans(), min_size=1, max_size=6))
def test_a_broken_member_costs_at_most_their_name_never_what_they_wrote(data, good):
    rows, broken = [se_row(user) for user in SE_USERS], 0
    for number, is_good in enumerate(good, start=1):
        if is_good:
            rows.append(se_row(se_user(number)))
        else:
            rows.append(data.draw(with_wrong_attribute(se_user(number)), label=f"user {number}")[0])
            broken += 1
    records, skipped = split(se_read(se_dump(users=se_file("users", rows))))
    assert len(records) == 3 + 4 and all(s.location.startswith("Users.xml") for s in skipped)
    assert len(skipped) <= broken


@FUZZ
@given(data=st.data(), which=st.sampled_from(["Users.xml", "Posts.xml", "Comments.xml"]))
def test_a_stackexchange_file_damaged_anywhere_is_records_reasons_or_one_clear_error(data, which):
    files = se_dump()
    files[which] = data.draw(damaged(files[which]), label=which)
    with se_folder(files) as folder:
        read_or_refuse(stackexchange.read_dump(folder, site=SE_SITE))


@FUZZ
@given(data=st.data())
def test_a_cut_posts_file_keeps_the_posts_before_the_cut_and_says_so(data):
    whole = se_file("posts", [se_row(se_post(number)) for number in range(1, 7)])
    cut = data.draw(st.integers(1, len(whole.rstrip()) - 1), label="cut at")  # </posts> is never whole
    with se_folder(se_dump(posts=whole[:cut])) as folder:
        items = read_or_refuse(stackexchange.read_dump(folder, site=SE_SITE))
    root_read = cut >= whole.index(b"<posts>") + len(b"<posts>")
    assert (items is not None) == root_read  # before that, the file is not a dump's at all
    if items is not None:
        records, skipped = split(items)
        found = [r.external_id for r in records if r.external_id.startswith("p")]
        assert found == [f"p{n}" for n in range(1, len(found) + 1)]
        stops = [s.location for s in skipped if s.location.startswith("Posts.xml")]
        assert stops == [f"Posts.xml after Id={len(found)}" if found else "Posts.xml"]  # never silently short


@cache  # made once: a 7z records when it was written, and hypothesis needs the same bytes each run
def se_archive(kind: str) -> bytes:
    """The small dump as a .zip or a .7z."""
    files = se_dump()
    buffer = io.BytesIO()
    if kind == "zip":
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in files.items():
                archive.writestr(name, content)
    else:
        with py7zr.SevenZipFile(buffer, "w") as archive:
            for name, content in files.items():
                archive.writestr(content, name)
    return buffer.getvalue()


@FUZZ
@given(data=st.data(), kind=st.sampled_from(["zip", "7z"]))
def test_a_damaged_stackexchange_archive_is_records_reasons_or_one_clear_error(data, kind):
    whole = se_archive(kind)
    with source_file(f"{SE_SITE}.{kind}", data.draw(damaged(whole), label="archive")) as path:
        read_or_refuse(stackexchange.read_dump(path))


@pytest.mark.parametrize("encoding", [b"u-f-8", b"latin-1", b"utf-16"])
def test_regression_the_encoding_a_file_declares_does_not_stop_or_garble_it(encoding):
    """Before the fix, a declaration naming an encoding Python does not know ("u-f-8", one damaged
    byte away from "utf-8") raised LookupError out of read_dump; one it knows would have misread
    the UTF-8 the stream hands over."""
    users = se_dump()["Users.xml"].replace(b'encoding="utf-8"', b'encoding="' + encoding + b'"')
    users = users.replace(b"Ada Lovelace", "Ada Lövelace".encode())
    records, skipped = split(se_read(se_dump(users=users)))
    assert next(r for r in records if r.external_id == "p3").author.handle == "Ada Lövelace" and not skipped


def test_regression_a_row_longer_than_the_limit_ends_its_file_with_a_reason(tmp_path, monkeypatch):
    """A row is held whole by the XML parser: one longer than MAX_ROW_BYTES stops the file's reading
    there (said, with the rows before kept) instead of growing without bound."""
    monkeypatch.setattr(stackexchange_files, "MAX_ROW_BYTES", 1 << 20)
    long_row = se_row(se_post(2) | {"Body": "x" * (3 << 20)})
    posts = se_file("posts", [se_row(se_post(1)), long_row, se_row(se_post(3))])
    records, skipped = split(se_read(se_dump(posts=posts)))
    assert [r.external_id for r in records if r.external_id.startswith("p")] == ["p1"]
    assert [(s.location, s.reason.split(" (")[0]) for s in skipped if s.location.startswith("Posts.xml")] == [
        ("Posts.xml after Id=1", "damaged, the rest of the file cannot be read")
    ]


def test_regression_elements_nested_inside_rows_end_the_file_instead_of_filling_memory():
    nesting = b'<row Id="2">' + b"<a>" * 10_000 + b"</a>" * 10_000 + b"</row>"
    posts = se_file("posts", [se_row(se_post(1)), nesting, se_row(se_post(3))])
    records, skipped = split(se_read(se_dump(posts=posts)))
    assert [r.external_id for r in records if r.external_id.startswith("p")] == ["p1"]
    assert any(s.location == "Posts.xml after Id=1" and "nested inside a row" in s.reason for s in skipped)


# --- through the ingest --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_hostile_slack_export_imports_its_good_messages_and_counts_the_rest(tmp_path):
    """End to end: half an emoji, a 2 MB text, a thread id too long to store and a user that is an
    object in one day; the run completes, good messages are stored, every other item is counted."""
    half_emoji = json_bytes(slack_message(1)).replace(b"practise", b"\\ud83d practise")
    huge = json_bytes(slack_message(2) | {"text": random.Random(8).randbytes(1 << 20).hex()})  # 2 MB, not a bomb
    long_thread = json_bytes(slack_message(3) | {"thread_ts": "9" * 200})  # an id the ingest refuses
    bad_user = json_bytes(slack_message(4) | {"user": {"id": "U01MAYA"}})
    day = slack_day([half_emoji, huge, long_thread, bad_user, json_bytes(slack_message(5))])
    path = tmp_path / "trail-runners.zip"
    path.write_bytes(slack_zip(slack_export(**{DAY: day})))
    run = sync_run_create(source="slack", arguments={"path": str(path)})
    records, skipped = split(checked(open_source("slack", run.arguments)))
    summary = run_ingest(sync_run=run, items=open_source("slack", run.arguments))
    run.refresh_from_db()
    assert run.status == SyncStatus.COMPLETED
    stored = set(Interaction.objects.filter(community__platform="slack").values_list("external_id", flat=True))
    assert {slack_id("general", n) for n in (1, 2, 5)} <= stored
    assert slack_id("general", 3) not in stored and slack_id("general", 4) not in stored
    # Every item is accounted for: stored, or counted skipped (the connector's, and those the ingest
    # refuses: the message with a thread id too long to store, and its reaction).
    assert summary.read == len(records) + len(skipped)
    assert summary.created + summary.skipped == summary.read and summary.skipped > len(skipped)
    assert "\ufffd practise" in Interaction.objects.get(external_id=slack_id("general", 1)).text


@pytest.mark.django_db
def test_a_hostile_discord_export_imports_its_good_messages_and_counts_the_rest(tmp_path):
    """End to end: half an emoji and a bad byte, a 3 MB message and an author id no column holds."""
    messages = [json_bytes(discord_message(n)) for n in range(1, 5)]
    messages[0] = messages[0].replace(b"poke test", b"poke \\ud83d \xff test")
    messages[1] = json_bytes(discord_message(2) | {"content": "y" * (3 << 20)})
    messages[2] = json_bytes(discord_message(3) | {"author": {"id": "1" * 300, "name": "long"}})
    path = tmp_path / "general.json"
    path.write_bytes(discord_export(messages))
    run = sync_run_create(source="discord", arguments={"paths": [str(path)]})
    summary = run_ingest(sync_run=run, items=open_source("discord", run.arguments))
    run.refresh_from_db()
    assert run.status == SyncStatus.COMPLETED
    stored = set(Interaction.objects.filter(community__platform="discord").values_list("external_id", flat=True))
    assert {discord_message(n)["id"] for n in (1, 2, 4)} <= stored and discord_message(3)["id"] not in stored
    assert summary.skipped == 1 and "unusable account id" in run.skipped_examples[0]["reason"]


@pytest.mark.django_db
def test_a_hostile_stackexchange_dump_imports_its_good_rows_and_counts_the_rest(tmp_path):
    """End to end, from a .7z: bad bytes and a forbidden character in a body, a 2 MB comment, a
    deleted owner whose name no account id column holds, and a comment on a post the dump lacks."""
    posts = [se_row(se_post(n)) for n in range(1, 4)]
    posts[0] = posts[0].replace(b"the paper", b"the \xff\x01 paper")
    posts[2] = se_row({k: v for k, v in se_post(3).items() if k != "OwnerUserId"} | {"OwnerDisplayName": "n" * 300})
    comments = [se_row(se_comment(n)) for n in range(1, 5)]
    comments[1] = se_row(se_comment(2) | {"Text": random.Random(8).randbytes(1 << 20).hex()})
    comments[3] = se_row(se_comment(4) | {"PostId": "404"})
    files = se_dump(posts=se_file("posts", posts), comments=se_file("comments", comments))
    path = tmp_path / f"{SE_SITE}.7z"
    with py7zr.SevenZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(content, name)
    run = sync_run_create(source="stackexchange", arguments={"path": str(path)})
    summary = run_ingest(sync_run=run, items=open_source("stackexchange", run.arguments))
    run.refresh_from_db()
    assert run.status == SyncStatus.COMPLETED
    stored = set(Interaction.objects.filter(community__platform="stackexchange").values_list("external_id", flat=True))
    assert stored == {"p1", "p2", "c101", "c102", "c103"}
    assert summary.read == 7 and summary.created == 5 and summary.skipped == 2
    reasons = {example["where"]: example["reason"] for example in run.skipped_examples}
    assert "unusable account id" in reasons["Posts.xml Id=3"] and "PostId 404" in reasons["Comments.xml Id=104"]
    assert "the \ufffd\ufffd paper" in Interaction.objects.get(external_id="p1").text
