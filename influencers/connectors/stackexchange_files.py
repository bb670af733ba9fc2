"""A Stack Exchange dump's files — ``Users.xml``, ``Posts.xml``, ``Comments.xml`` — found in a
folder, a ``.zip`` or a ``.7z``, checked, and read row by row as a stream (see stackexchange.py for
what the rows become).

- Where: at the top of the dump, or in one folder inside it (as a dump unpacked into its own folder
  is). A ``.zip`` is read in place; a ``.7z`` (solid: it cannot be streamed an entry at a time) has
  only these three files unpacked into a scratch folder, after the sizes its header declares are
  checked against LIMITS and the free disk space. Entries that would escape the dump are refused
  (archives.check_entries, as Slack exports are checked).
- How: XML is streamed with defusedxml's iterparse, each row dropped from the tree once read, so
  memory stays flat whatever the file's size. XML from the internet cannot declare entities (no
  "billion laughs") nor reach outside. Bytes that are not UTF-8 and characters XML forbids read as
  U+FFFD rather than stopping the file; a row longer than MAX_ROW_BYTES or rows holding elements end
  the file's reading. XML cannot be read past a fault: a file damaged part way keeps the rows
  before it and ends with a Skipped saying after which row.
- Progress: bytes are counted (records.count_bytes) in proportion to what is read of each file, its
  share of the source's size; what is not read (Badges.xml and the rest) counts as done at once.
"""

from __future__ import annotations

import codecs
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

import py7zr
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, iterparse

from influencers.connectors.archives import ZIP_DAMAGE, Limits, check_entries
from influencers.connectors.records import Skipped, SourceError, count_bytes

# The files read, in the order read, with the root element each must have.
ROOTS = {"Users.xml": "users", "Posts.xml": "posts", "Comments.xml": "comments"}
# Stack Overflow's Posts.xml, the largest, is about 100 GB unpacked; dumps' XML packs 5-10×.
LIMITS = Limits(entry_bytes=256 << 30, total_bytes=512 << 30, ratio=200)
SCRATCH_MARGIN_BYTES = 64 << 20  # room for the SQLite index beside a .7z's files
# Posts are at most 30,000 characters; a row far past that is not a dump's, and the XML parser
# would hold all of it.
MAX_ROW_BYTES = 16 << 20
CHUNK_BYTES = 1 << 20
ZIP_MAGIC, SEVEN_ZIP_MAGIC = b"PK", b"7z\xbc\xaf\x27\x1c"
# XML 1.0 forbids these characters even escaped (the parser would stop at them).
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class _Damaged(Exception):
    """What the stream itself finds wrong with a file (a row too long, rows nested)."""


# What ends a file's reading part way: the XML parser's faults, defusedxml's refusals (entities,
# external references), the stream's own and a damaged zip entry's.
XML_DAMAGE = (ParseError, DefusedXmlException, _Damaged, *ZIP_DAMAGE)


# --- finding the files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DumpFile:
    """One of the dump's files, ready to be read."""

    name: str  # "Posts.xml"
    open: Callable[[], BinaryIO]
    size: int  # bytes once unpacked
    weight: float  # its share of the source's bytes: counted for the progress bar as it is read


def _files_in(folder: Path) -> list[Path]:
    """The files in ``folder`` and in its folders: where a dump's files may be."""
    inner = [p for child in folder.iterdir() if child.is_dir() for p in child.iterdir()]
    return [p for p in [*folder.iterdir(), *inner] if p.is_file()]


def source_bytes(path: Path) -> int:
    """What a progress bar counts to for ``path``: a file's size; for a folder, the size of the
    files in it and in its folders; 0 (no bar) when that cannot be told."""
    try:
        if path.is_file():
            return path.stat().st_size
        return sum(p.stat().st_size for p in _files_in(path))
    except OSError:
        return 0


def _locate(names: list[str], path: Path) -> dict[str, str]:
    """The names of the dump's three files among an archive's or folder's ``names``: at the top, or
    in one folder inside (as a dump unpacked into its own folder is)."""
    folders: dict[str, dict[str, str]] = {}
    for name in names:
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if 1 <= len(parts) <= 2:
            folders.setdefault("/".join(parts[:-1]), {})[parts[-1].lower()] = name
    with_posts = sorted(folder for folder, files in folders.items() if "posts.xml" in files)
    if not with_posts:
        raise SourceError(f"{path}: not a Stack Exchange dump (no Posts.xml in it)")
    if len(with_posts) > 1:
        raise SourceError(f"{path}: holds more than one dump ({', '.join(with_posts)[:200]}): give one at a time")
    files = folders[with_posts[0]]
    missing = [name for name in ROOTS if name.lower() not in files]
    if missing:
        raise SourceError(f"{path}: not a whole Stack Exchange dump (no {' or '.join(missing)} beside Posts.xml)")
    return {name: files[name.lower()] for name in ROOTS}


def _folder(path: Path) -> dict[str, DumpFile]:
    located = _locate([p.relative_to(path).as_posix() for p in _files_in(path)], path)
    files = {}
    for name, entry in located.items():
        file = path / entry
        size = file.stat().st_size
        files[name] = DumpFile(name, lambda file=file: file.open("rb"), size, size)
    return files


@contextmanager
def _zip(path: Path) -> Iterator[dict[str, DumpFile]]:
    """A .zip read in place: its entries are streamed, nothing is written to disk."""
    try:
        archive = zipfile.ZipFile(path)
        infos = {info.filename: info for info in archive.infolist()}
    except ZIP_DAMAGE as error:
        raise SourceError(f"{path}: a damaged zip archive ({error!s:.200})") from None
    with archive:
        located = _locate(list(infos), path)
        wanted = {name: infos[entry] for name, entry in located.items()}
        check_entries(((i.filename, i.file_size, i.compress_size) for i in wanted.values()), path, LIMITS, what="dump")
        yield {
            name: DumpFile(name, lambda info=info: archive.open(info), info.file_size, info.compress_size)
            for name, info in wanted.items()
        }


@contextmanager
def _damaged_7z(path: Path) -> Iterator[None]:
    """py7zr reading a damaged archive raises whatever the damage leads its header parser or its
    decompressors into (Bad7zFile, CrcError, LZMAError, EOFError, struct.error, IndexError,
    KeyError...): there is no closed list, and each means this archive cannot be read."""
    try:
        yield
    except Exception as error:
        raise SourceError(f"{path}: a damaged 7z archive ({type(error).__name__}: {error!s:.200})") from None


def _seven_zip(path: Path, scratch: Path) -> dict[str, DumpFile]:
    """A .7z's three files, unpacked into ``scratch`` (7z archives are solid: they cannot be
    streamed an entry at a time). Refused before anything is written if the sizes the header
    declares break the limits or do not fit on the disk; py7zr writes no more than they declare."""
    archive_bytes = path.stat().st_size
    with _damaged_7z(path):
        archive = py7zr.SevenZipFile(path, mode="r")
    with archive:
        with _damaged_7z(path):
            sizes = {info.filename: info.uncompressed for info in archive.list() if not info.is_directory}
        located = _locate(list(sizes), path)
        # The header gives no compressed size per file: an entry cannot be smaller than the archive.
        check_entries(((e, sizes[e], archive_bytes) for e in located.values()), path, LIMITS, what="dump")
        needed = sum(sizes[entry] for entry in located.values()) + SCRATCH_MARGIN_BYTES
        free = shutil.disk_usage(scratch).free
        if needed > free:
            raise SourceError(
                f"{path}: unpacking needs {needed:,} bytes in {scratch.parent}, {free:,} are free "
                "(TMPDIR chooses another place)"
            )
        with _damaged_7z(path):
            archive.extract(path=scratch, targets=list(located.values()))
    total = sum(sizes.values()) or 1
    files = {}
    for name, entry in located.items():
        file = scratch / entry
        if not file.is_file():
            raise SourceError(f"{path}: a damaged 7z archive ({entry} could not be unpacked)")
        share = archive_bytes * sizes[entry] / total
        files[name] = DumpFile(name, lambda file=file: file.open("rb"), sizes[entry], share)
    return files


@contextmanager
def dump_files(path: Path, scratch: Path) -> Iterator[dict[str, DumpFile]]:
    """The dump's three files (by name, in ROOTS' order), whatever holds them; a .7z is unpacked into
    ``scratch``. SourceError if ``path`` is not a dump."""
    if path.is_dir():
        try:
            files = _folder(path)
        except OSError as error:
            raise SourceError(f"{path}: cannot be read ({error.strerror or error})") from None
        yield files
        return
    try:
        with path.open("rb") as raw:
            magic = raw.read(len(SEVEN_ZIP_MAGIC))
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file or folder") from None
    except OSError as error:
        raise SourceError(f"{path}: cannot be read ({error.strerror or error})") from None
    # By their first bytes, so that a damaged archive is called damaged rather than "not a dump".
    if magic.startswith(ZIP_MAGIC) or zipfile.is_zipfile(path):
        with _zip(path) as files:
            yield files
    elif magic == SEVEN_ZIP_MAGIC:
        yield _seven_zip(path, scratch)
    else:
        raise SourceError(f"{path}: not a Stack Exchange dump (a folder, a .zip or a .7z)")


# --- reading XML ---------------------------------------------------------------------------------


class _XmlStream:
    """A dump file's bytes as the XML parser reads them (``read`` is all it asks for): counted for the
    progress bar; bytes that are not UTF-8 and characters XML forbids turned into U+FFFD, so one bad
    byte does not lose the rest of the file; and a row longer than MAX_ROW_BYTES stopping the read
    (_Damaged) before the parser holds it whole."""

    def __init__(self, raw: BinaryIO, *, size: int, weight: float):
        self._raw, self._size, self._weight = raw, size, weight
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._read = 0
        self._counted = 0
        self._since_tag_end = 0  # bytes since the last ">": the row being read
        self._ended = False

    def read(self, _size: int = -1) -> bytes:
        while not self._ended:
            data = self._raw.read(CHUNK_BYTES)
            self._ended = not data
            self._count(len(data))
            text = self._decoder.decode(data, final=self._ended)
            out = FORBIDDEN_CHARACTERS.sub("\ufffd", text).encode()
            end = out.rfind(b">")
            self._since_tag_end = len(out) - end - 1 if end >= 0 else self._since_tag_end + len(out)
            if self._since_tag_end > MAX_ROW_BYTES:
                raise _Damaged(f"a row longer than {MAX_ROW_BYTES} bytes")
            if out:  # an empty answer would tell the parser the file has ended
                return out
        return b""

    def _count(self, amount: int) -> None:
        self._read += amount
        share = self._weight if self._ended else self._weight * min(1.0, self._read / max(self._size, 1))
        if int(share) > self._counted:
            count_bytes(int(share) - self._counted)
            self._counted = int(share)


def _events(stream: _XmlStream, events: tuple[str, ...]):
    """The parser's events for ``stream``, read as the UTF-8 the stream hands over whatever encoding
    the file declares (an unknown one would stop the parser; another would misread the text)."""
    return iterparse(stream, events, parser=DefusedXMLParser(encoding="utf-8"))


def check_root(file: DumpFile, path: Path) -> None:
    """Refuse the source unless ``file`` opens as a dump's file does (``<posts>``, ``<users>``...)."""
    expected = ROOTS[file.name]
    try:
        with file.open() as raw:
            found = next(element.tag for _, element in _events(_XmlStream(raw, size=file.size, weight=0), ("start",)))
    except (*XML_DAMAGE, StopIteration) as error:
        reason = f"{type(error).__name__}: {error!s:.200}"
        raise SourceError(f"{path}: {file.name} cannot be read ({reason})") from None
    if found != expected:
        raise SourceError(f"{path}: {file.name} is not a Stack Exchange dump's (<{found!s:.40}>, not <{expected}>)")


def rows(file: DumpFile) -> Iterator[dict | Skipped]:
    """The attributes of each ``<row>`` of ``file``, streamed: each row is dropped from the tree once
    read. A fault part way ends the file with a Skipped saying after which row."""
    last_id = None
    depth = 0
    try:
        with file.open() as raw:
            top = None
            for event, element in _events(_XmlStream(raw, size=file.size, weight=file.weight), ("start", "end")):
                if event == "start":
                    top = top if top is not None else element
                    depth += 1
                    if depth > 2:  # a dump's rows hold nothing; nesting only grows the parser's stack
                        raise _Damaged("elements nested inside a row")
                    continue
                depth -= 1
                if element.tag == "row" and depth == 1:
                    last_id = element.get("Id")
                    yield dict(element.attrib)
                top.clear()
    except XML_DAMAGE as error:
        where = f"{file.name} after Id={last_id:.40}" if last_id is not None else file.name
        yield Skipped(where, f"damaged, the rest of the file cannot be read ({type(error).__name__}: {error})")
