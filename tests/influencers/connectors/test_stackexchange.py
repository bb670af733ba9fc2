import json
import tarfile
import zipfile
from io import StringIO
from pathlib import Path
from xml.sax.saxutils import quoteattr

import py7zr
import pytest
from django.core.management import call_command

from influencers.connectors.records import (
    ReadProgress,
    SourceError,
    read_progress,
)
from influencers.connectors.stackexchange import read_dump
from influencers.connectors.stackexchange_files import source_bytes
from influencers.models import Identity, Interaction
from tests.influencers.connectors import split

SITE = "quantumcomputing.stackexchange.com"
REAL_DUMP = Path(__file__).resolve().parents[3].parent / "shared" / "real-communities" / "qc_se.tar.xz"

USERS = [
    {"Id": -1, "Reputation": 1, "DisplayName": "Community"},
    {"Id": 7, "Reputation": 1200, "DisplayName": "Ada Lovelace"},
    {"Id": 8, "Reputation": 300, "DisplayName": "Blue"},
    {"Id": 9, "Reputation": 50, "DisplayName": "Bob Smith"},
    {"Id": 10, "Reputation": 10, "DisplayName": "Carol"},
    {"Id": 11, "DisplayName": "Bobby"},  # no reputation: reach unknown
    {"DisplayName": "no id"},
]
BODY = '<p>See <a href="https://arxiv.org/abs/quant-ph/0701108">Deutsch\'s paper</a> &amp; its proof.</p>'
POSTS = [
    {"Id": 1, "PostTypeId": 1, "CreationDate": "2018-03-12T17:00:45.567", "Score": 52, "Body": BODY,
     "OwnerUserId": 7, "LastEditDate": "2018-03-16T15:40:38.227", "Title": "Can a Turing machine simulate a QC?"},
    {"Id": 2, "PostTypeId": 2, "ParentId": 1, "CreationDate": "2018-03-12T17:20:00.000", "Score": 3,
     "Body": "<p>Yes, with exponential slowdown.</p>", "OwnerUserId": 8},
    {"Id": 3, "PostTypeId": 2, "ParentId": 1, "CreationDate": "2018-03-12T18:00:00.000", "Score": 0,
     "Body": "<p>Community wiki.</p>", "OwnerUserId": -1},
    {"Id": 4, "PostTypeId": 4, "CreationDate": "2018-03-12T18:00:00.000", "Body": "<p>Tag excerpt</p>",
     "OwnerUserId": -1},
    {"Id": 5, "PostTypeId": 5, "CreationDate": "2018-03-12T18:00:00.000", "Body": "<p>Tag wiki</p>",
     "OwnerUserId": -1},
    {"Id": 6, "PostTypeId": 1, "CreationDate": "2018-03-13T09:00:00.000", "Score": 1, "Body": "<p>Gone</p>",
     "OwnerDisplayName": "user306", "Title": "Asked by a deleted account"},
    {"Id": 7, "PostTypeId": 2, "ParentId": 6, "CreationDate": "2018-03-13T10:00:00.000", "Body": "<p>Hi</p>",
     "OwnerUserId": 999},  # an account Users.xml no longer holds
    {"Id": 8, "PostTypeId": 6, "CreationDate": "2018-03-13T10:00:00.000", "Body": "<p>Nomination</p>",
     "OwnerUserId": 9},
    {"Id": 9, "PostTypeId": 8, "CreationDate": "2018-03-13T10:00:00.000", "Body": "<p>Privilege</p>"},
    {"Id": 10, "PostTypeId": 1, "Score": 1, "Body": "<p>When?</p>", "OwnerUserId": 9, "Title": "No date"},
    {"Id": 11, "PostTypeId": 2, "CreationDate": "2018-03-13T10:00:00.000", "Body": "<p>To what?</p>",
     "OwnerUserId": 9},
    {"Id": 12, "PostTypeId": "question", "CreationDate": "2018-03-13T10:00:00.000", "OwnerUserId": 9},
    {"Id": 13, "PostTypeId": 1, "CreationDate": "2018-03-13T10:00:00.000", "Score": "many", "OwnerUserId": 9},
]  # fmt: skip
COMMENTS = [
    {"Id": 101, "PostId": 1, "Text": "What have you tried?", "UserId": 9},
    {"Id": 102, "PostId": 1, "Text": "@BobSmith I read the paper.", "UserId": 7},
    {"Id": 103, "PostId": 1, "Text": "@bob, the paper is hard going", "UserId": 8},
    {"Id": 104, "PostId": 1, "Text": "@Ada thanks, that helps", "UserId": 9},
    {"Id": 105, "PostId": 1, "Text": "@Zed who is that?", "UserId": 10},
    {"Id": 106, "PostId": 1, "Text": "@Bo see above", "UserId": 10},
    {"Id": 107, "PostId": 2, "Text": "Nice answer, though slow.", "UserId": 7},
    {"Id": 108, "PostId": 2, "Text": "@ADALOVELACE: slow but finite", "UserId": 9},
    {"Id": 109, "PostId": 1, "Text": "@Carol I meant Bob", "UserId": 10},  # naming yourself answers the post
    {"Id": 110, "PostId": 4, "Text": "Typo in the excerpt", "UserId": 9},  # on a tag excerpt: passed over
    {"Id": 111, "PostId": 6, "Text": "Unclear question", "UserDisplayName": "user1683"},
    {"Id": 112, "PostId": 404, "Text": "On a post the dump lacks", "UserId": 9},
    {"Id": 113, "PostId": 1, "Text": "Undated", "UserId": 9, "CreationDate": "last tuesday"},
    {"Id": 114, "PostId": 1, "Text": "@Bob Smith, did you see it?", "UserId": 10},  # the name ends at the space
]
for comment in COMMENTS:
    comment.setdefault("CreationDate", f"2018-03-14T08:{comment['Id'] - 100:02d}:00.000")
    comment.setdefault("Score", 0)


def dump_xml(root: str, rows: list[dict]) -> bytes:
    """A dump file as Stack Exchange writes them: a BOM, one row per line, attributes escaped."""
    lines = ['\ufeff<?xml version="1.0" encoding="utf-8"?>', f"<{root}>"]
    lines += ["  <row " + " ".join(f"{name}={quoteattr(str(value))}" for name, value in row.items()) + " />"
              for row in rows]  # fmt: skip
    lines.append(f"</{root}>")
    return "\r\n".join(lines).encode()


def dump_files(posts=POSTS, comments=COMMENTS, users=USERS) -> dict[str, bytes]:
    return {
        "Posts.xml": dump_xml("posts", posts),
        "Comments.xml": dump_xml("comments", comments),
        "Users.xml": dump_xml("users", users),
        "Badges.xml": dump_xml("badges", [{"Id": 1, "UserId": 7, "Name": "Enthusiast"}]),
    }


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def write_zip(path: Path, files: dict[str, bytes], *, inside: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(inside + name, content)
    return path


def write_7z(path: Path, files: dict[str, bytes]) -> Path:
    with py7zr.SevenZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(content, name)
    return path


@pytest.fixture
def folder(tmp_path):
    return write_folder(tmp_path / SITE, dump_files())


def read(path, **options):
    return split(read_dump(path, **options))


def test_questions_are_posts_answers_reply_to_them_and_comments_to_their_post(folder):
    communities, records, _ = read(folder)
    assert [(c.key, c.name, c.url) for c in communities] == [(f"stackexchange:{SITE}", SITE, f"https://{SITE}")]
    question, answer, comment = records["p1"], records["p2"], records["c107"]
    assert (question.kind, question.title, question.score) == ("post", "Can a Turing machine simulate a QC?", 52)
    assert question.thread_external_id == "p1" and question.parent_external_id == ""
    assert "https://arxiv.org/abs/quant-ph/0701108" in question.text and "& its proof" in question.text
    assert "<a" not in question.text
    assert question.posted_at.isoformat() == "2018-03-12T17:00:45.567000+00:00"  # the dump's dates are UTC
    assert question.edited_at.isoformat() == "2018-03-16T15:40:38.227000+00:00" and answer.edited_at is None
    assert (answer.kind, answer.parent_external_id, answer.thread_external_id) == ("comment", "p1", "p1")
    assert (comment.kind, comment.parent_external_id, comment.thread_external_id) == ("comment", "p2", "p1")
    assert comment.text == "Nice answer, though slow." and records["c101"].parent_external_id == "p1"
    assert question.url == f"https://{SITE}/q/1" and answer.url == f"https://{SITE}/a/2"
    assert comment.url == f"https://{SITE}/posts/comments/107"


@pytest.mark.parametrize(
    ("comment", "parent", "why"),
    [
        ("c102", "c101", "@BobSmith names Bob Smith, who commented before: spaces removed"),
        ("c103", "c101", "@bob, is a prefix of three characters, any case, the comma dropped"),
        ("c104", "p1", "@Ada names the question's owner, who is told of every comment anyway"),
        ("c105", "p1", "@Zed matches nobody who commented before"),
        ("c106", "p1", "@Bo is shorter than three characters"),
        ("c108", "c107", "@ADALOVELACE: on the answer, where Ada commented and does not own it"),
        ("c109", "p1", "@Carol is the comment's own author"),
        ("c114", "c104", "@Bob Smith, the name ends at the space: Bob, whose latest comment is c104"),
    ],
)
def test_a_comment_opening_with_a_name_answers_that_commenters_comment(folder, comment, parent, why):
    _, records, _ = read(folder)
    assert records[comment].parent_external_id == parent, why
    assert records[comment].thread_external_id == "p1"


def test_when_several_earlier_commenters_match_the_latest_is_answered(tmp_path):
    comments = [
        {"Id": 1, "PostId": 1, "Text": "First", "UserId": 9, "CreationDate": "2018-03-14T08:00:00"},
        {"Id": 2, "PostId": 1, "Text": "Second", "UserId": 11, "CreationDate": "2018-03-14T08:01:00"},
        {"Id": 3, "PostId": 1, "Text": "@Bob which of you?", "UserId": 10, "CreationDate": "2018-03-14T08:02:00"},
        {"Id": 4, "PostId": 1, "Text": "@bobs the first", "UserId": 10, "CreationDate": "2018-03-14T08:03:00"},
    ]
    _, records, _ = read(write_folder(tmp_path / "qc", dump_files(comments=comments)))
    assert records["c3"].parent_external_id == "c2"  # Bobby (11) commented after Bob Smith (9)
    assert records["c4"].parent_external_id == "c1"  # "bobs" is Bob Smith's name, not Bobby's


def test_members_carry_their_site_name_and_reputation_and_the_gone_are_flagged(folder, tmp_path):
    _, records, _ = read(folder)
    ada = records["p1"].author
    assert (ada.external_id, ada.handle) == (f"{SITE}/users/7", "Ada Lovelace")
    assert (ada.reach, ada.reach_kind, ada.profile_url) == (1200, "reputation", f"https://{SITE}/users/7")
    assert not ada.is_bot and not ada.is_deleted
    assert records["p3"].author.is_bot and records["p3"].author.handle == "Community"
    gone = records["p6"].author  # only OwnerDisplayName: the account was deleted
    assert (gone.handle, gone.is_deleted, gone.reach) == ("user306", True, None)
    missing = records["p7"].author  # an id Users.xml does not hold
    assert (missing.external_id, missing.is_deleted) == (f"{SITE}/users/999", True)
    assert records["c111"].author.is_deleted and records["c111"].author.handle == "user1683"
    # The same numbers on another site are other people.
    _, other, _ = read(folder, site="ai.stackexchange.com")
    assert other["p1"].author.external_id == "ai.stackexchange.com/users/7" != ada.external_id


def test_tag_wikis_nominations_and_privilege_wikis_are_passed_over_without_complaint(folder):
    _, records, skipped = read(folder)
    assert not {"p4", "p5", "p8", "p9", "c110"} & set(records)
    assert not [s for s in skipped if s.location.endswith(("Id=4", "Id=5", "Id=8", "Id=9", "Id=110"))]


def test_malformed_rows_are_skipped_with_their_file_id_and_reason_and_the_rest_imported(folder):
    _, records, skipped = read(folder)
    assert {s.location: s.reason for s in skipped} == {
        "Users.xml row 7 (no Id)": "unusable row (no Id)",
        "Posts.xml Id=10": "unusable row (no CreationDate)",
        "Posts.xml Id=11": "unusable row (no ParentId)",
        "Posts.xml Id=12": "unusable row (invalid literal for int() with base 10: 'question')",
        "Posts.xml Id=13": "unusable row (invalid literal for int() with base 10: 'many')",
        "Comments.xml Id=112": "unusable row (its post (PostId 404) is not among Posts.xml's questions and answers)",
        "Comments.xml Id=113": "unusable row (Invalid isoformat string: 'last tuesday')",
    }
    comments = {f"c{n}" for n in range(101, 115)} - {"c110", "c112", "c113"}
    assert set(records) == {"p1", "p2", "p3", "p6", "p7"} | comments


@pytest.mark.parametrize("form", ["zip", "zip with a folder inside", "7z"])
def test_zip_and_7z_dumps_read_as_the_folder_does(folder, tmp_path, form):
    files = dump_files()
    if form == "7z":
        archive = write_7z(tmp_path / f"{SITE}.7z", files)
    else:
        archive = write_zip(tmp_path / f"{SITE}.zip", files, inside="qc/" if "folder" in form else "")
    communities, records, skipped = read(archive)
    _, from_folder, skipped_in_folder = read(folder)
    assert communities[0].key == f"stackexchange:{SITE}"  # named after the archive
    assert records == from_folder and skipped == skipped_in_folder


@pytest.mark.parametrize("form", ["folder", "zip", "7z"])
def test_the_progress_bar_ends_at_the_size_of_the_source(tmp_path, form):
    files = dump_files()
    if form == "folder":
        path = write_folder(tmp_path / "qc_se", files)
    elif form == "zip":
        path = write_zip(tmp_path / "qc_se.zip", files)
    else:
        path = write_7z(tmp_path / "qc_se.7z", files)
    progress = ReadProgress()
    token = read_progress.set(progress)
    try:
        list(read_dump(path))
    finally:
        read_progress.reset(token)
    assert source_bytes(path) - 4 < progress.bytes <= source_bytes(path)


@pytest.mark.parametrize(
    ("name", "site", "expected_site", "expected_url"),
    [
        (f"{SITE}.7z", None, SITE, f"https://{SITE}"),
        (f"meta.{SITE}.7z", None, f"meta.{SITE}", f"https://meta.{SITE}"),
        ("Qc_Se.zip", None, "qc_se", ""),  # not a host: no address to tell its own links by
        ("qc_se.zip", "QuantumComputing.StackExchange.com", SITE, f"https://{SITE}"),
        ("qc_se.zip", f"https://{SITE}/", SITE, f"https://{SITE}"),
    ],
)
def test_the_community_is_the_site_named_by_site_or_by_the_dump(tmp_path, name, site, expected_site, expected_url):
    path = write_zip(tmp_path / name, dump_files())
    communities, records, _ = read(path, site=site)
    assert [(c.external_id, c.name, c.url) for c in communities] == [(expected_site, expected_site, expected_url)]
    assert records["p1"].author.external_id == f"{expected_site}/users/7"
    assert records["p1"].url == (f"{expected_url}/q/1" if expected_url else "")


def test_a_folder_is_named_as_it_is_called(folder):
    communities, _, _ = read(folder)
    assert communities[0].external_id == SITE


def test_unusable_sources_are_one_clear_error(tmp_path):
    cases = {}
    cases["no such file or folder"] = tmp_path / "missing.7z"
    (tmp_path / "notes.txt").write_text("hello")
    cases["not a Stack Exchange dump \\(a folder"] = tmp_path / "notes.txt"
    files = dump_files()
    cases["no Posts.xml in it"] = write_zip(tmp_path / "photos.zip", {"cat.jpg": b"\xff\xd8"})
    without_users = {name: content for name, content in files.items() if name != "Users.xml"}
    cases["no Users.xml beside Posts.xml"] = write_folder(tmp_path / "partial", without_users)
    whole = write_7z(tmp_path / "whole.7z", files).read_bytes()
    (tmp_path / "cut.7z").write_bytes(whole[: len(whole) // 2])
    cases["a damaged 7z archive"] = tmp_path / "cut.7z"
    zipped = write_zip(tmp_path / "whole.zip", files).read_bytes()
    (tmp_path / "cut.zip").write_bytes(zipped[: len(zipped) // 3])
    cases["a damaged zip archive"] = tmp_path / "cut.zip"
    cases["Posts.xml cannot be read"] = write_folder(tmp_path / "html", files | {"Posts.xml": b"<html"})
    cases["Comments.xml is not a Stack Exchange dump's \\(<html>"] = write_folder(
        tmp_path / "other", files | {"Comments.xml": b"<html><body/></html>"}
    )
    cases["holds more than one dump"] = write_zip(
        tmp_path / "two.zip", {f"a/{n}": c for n, c in files.items()} | {f"b/{n}": c for n, c in files.items()}
    )
    for message, path in cases.items():
        with pytest.raises(SourceError, match=message):
            read(path)


def test_xml_that_declares_entities_is_refused_not_expanded(tmp_path):
    """A "billion laughs": ten levels of ten references would be 10^10 copies of "lol"."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    )
    laughs = f'<?xml version="1.0"?><!DOCTYPE posts [{entities}]><posts><row Id="1" Body="&lol9;"/></posts>'
    path = write_folder(tmp_path / "laughs", dump_files() | {"Posts.xml": laughs.encode()})
    with pytest.raises(SourceError, match="Posts.xml cannot be read \\(EntitiesForbidden"):
        read(path)


def test_archive_entries_outside_the_dump_or_inflating_like_a_bomb_are_refused(tmp_path):
    files = dump_files()
    escaping = write_zip(tmp_path / "evil.zip", {f"../{n}": c for n, c in files.items()})
    with pytest.raises(SourceError, match="points outside the dump"):
        read(escaping)
    bomb = write_7z(tmp_path / "bomb.7z", files | {"Posts.xml": files["Posts.xml"] + b" " * (8 << 20)})
    with pytest.raises(SourceError, match="inflates 200× or more"):
        read(bomb)


def test_a_file_damaged_part_way_keeps_the_rows_before_and_says_where_it_stopped(tmp_path):
    files = dump_files()
    posts = files["Posts.xml"]
    cut = posts[: posts.index(b'<row Id="6"') + 20]
    _, records, skipped = read(write_folder(tmp_path / "qc", files | {"Posts.xml": cut}))
    assert {"p1", "p2", "p3"} <= set(records) and "p6" not in records
    stopped = [s for s in skipped if s.location.startswith("Posts.xml")]
    assert [s.location for s in stopped] == ["Posts.xml after Id=5"]
    assert "the rest of the file cannot be read" in stopped[0].reason
    assert "c101" in records  # the other files are read all the same


def test_bytes_that_are_not_utf8_and_characters_xml_forbids_spoil_nothing(tmp_path):
    files = dump_files()
    comments = files["Comments.xml"].replace(b"What have you tried?", b"What \xff\xfe have \x01 you tried?")
    _, records, skipped = read(write_folder(tmp_path / "qc", files | {"Comments.xml": comments}))
    assert records["c101"].text == "What \ufffd\ufffd have \ufffd you tried?"
    assert "c114" in records  # nor the rows after them
    skipped_comments = {s.location for s in skipped if s.location.startswith("Comments.xml")}
    assert skipped_comments == {"Comments.xml Id=112", "Comments.xml Id=113"}  # as before: no more


# --- through the command ------------------------------------------------------------------------


def ingest(*arguments) -> dict:
    out = StringIO()
    call_command("ingest", "stackexchange", *map(str, arguments), "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_importing_the_same_dump_again_creates_nothing(tmp_path):
    path = write_7z(tmp_path / f"{SITE}.7z", dump_files())
    first = ingest(path)
    assert first["communities"] == [f"stackexchange:{SITE}"]
    assert (first["read"], first["created"], first["skipped"]) == (23, 16, 7)
    again = ingest(path)
    assert (again["read"], again["created"], again["updated"], again["skipped"]) == (23, 0, 0, 7)
    assert Interaction.objects.filter(community__external_id=SITE).count() == 16
    reply = Interaction.objects.get(external_id="c102")
    assert reply.parent.external_id == "c101" and reply.target.handle == "Bob Smith"
    assert Identity.objects.get(external_id=f"{SITE}/users/-1").is_bot


@pytest.mark.django_db
def test_the_command_takes_a_folder_and_names_the_site(tmp_path):
    path = write_folder(tmp_path / "qc_se", dump_files())
    summary = ingest(path, "--site", SITE)
    assert summary["communities"] == [f"stackexchange:{SITE}"] and summary["created"] == 16


@pytest.mark.django_db
def test_the_command_refuses_a_path_that_is_not_there_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        ingest(tmp_path / "nothing-here")
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == f"ingest: {tmp_path / 'nothing-here'}: no such file or folder"


# --- the real dump ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_dump(tmp_path_factory):
    if not REAL_DUMP.is_file():
        pytest.skip(f"{REAL_DUMP} is not there: no real Stack Exchange dump to read")
    folder = tmp_path_factory.mktemp("real")
    with tarfile.open(REAL_DUMP) as archive:
        archive.extractall(folder, filter="data")
    return folder / "qc_se"


def test_the_real_dump_reads_every_question_answer_and_comment(real_dump):
    communities, records, skipped = read(real_dump, site=SITE)
    kinds = {
        "questions": sum(r.kind == "post" for r in records.values()),
        "answers": sum(r.kind == "comment" and r.external_id.startswith("p") for r in records.values()),
        "comments": sum(r.external_id.startswith("c") for r in records.values()),
    }
    assert kinds == {"questions": 612, "answers": 1060, "comments": 3413} and skipped == []
    # Three rows whose owner deleted their account since: two posts and a comment.
    assert sorted(r.external_id for r in records.values() if r.author.is_deleted) == ["c1202", "p1200", "p1808"]
    # Most comments opening with @name answer an earlier comment rather than the post.
    assert sum(r.parent_external_id.startswith("c") for r in records.values()) > 800


@pytest.mark.django_db
def test_the_real_dump_imports_and_imports_again_without_creating_anything(real_dump):
    first = ingest(real_dump, "--site", SITE)
    assert (first["read"], first["created"], first["skipped"]) == (5085, 5085, 0), first["skipped_examples"]
    again = ingest(real_dump, "--site", SITE)
    assert (again["created"], again["updated"], again["skipped"]) == (0, 0, 0)
