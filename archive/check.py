"""Check a WARC file the way this project writes them, beyond what ``warcio check`` does.

``warcio check`` verifies digests only and passes a file cut in the middle of a record.
:func:`check_warc` also checks that every gzip member is whole and holds one record, that
the file opens with a warcinfo record every other record names, that records are
WARC/1.1, that no response stores a ``Transfer-Encoding`` header over its de-chunked
payload, and that requests and responses come in pairs (``WARC-Concurrent-To``).

:func:`check_jsonl` checks a JSONL file of article records: every line parses, is valid
against the JSON Schema (``archive/schema/article-v1.json``) and points (``warc``) at a
response or revisit record that exists at that offset, with the stated id, length, URL
and payload digest. :func:`check_paths` checks archive directories and single files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator
from warcio.archiveiterator import ArchiveIterator
from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord

from archive.articles import article_schema
from archive.layout import OPEN_WARC_SUFFIX, WARC_SUFFIXES, ArchiveDir
from archive.mend import iter_gzip_members
from archive.reader import DAMAGE_ERRORS, RecordNotFound, damage_text, read_record
from archive.records import payload_digest

WARC_VERSION = "WARC/1.1"
HTTP_RECORD_TYPES = frozenset({"response", "revisit"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: in a WARC file ``offset`` is the record's (None: the
    whole file); in a JSONL file ``line`` is the line number (1-based)."""

    path: str
    offset: int | None
    record_id: str | None
    message: str
    line: int | None = None

    def __str__(self) -> str:
        if self.line is not None:
            where = f"line {self.line}"
        else:
            where = f"offset {self.offset}" if self.offset is not None else "file"
        return f"{self.path}: {where}: {self.message}"


def check_paths(paths: Iterable[str | os.PathLike]) -> Iterator[tuple[Path, list[Problem]]]:
    """Check archive directories (every closed WARC file, then every finished JSONL file
    in them) and single WARC or JSONL files; yields each file checked with its problems."""
    for given in map(Path, paths):
        if given.is_dir():
            archive = ArchiveDir(given)
            warcs, jsonls = archive.warc_files(), archive.jsonl_files()
            if not warcs and not jsonls:
                yield given, [Problem(str(given), None, None, _why_empty(archive))]
            for warc in warcs:
                yield warc, check_warc(warc)
            for jsonl in jsonls:
                yield jsonl, check_jsonl(jsonl, archive)
        elif not given.is_file():
            yield given, [Problem(str(given), None, None, "no such file or directory")]
        elif given.name.endswith((*WARC_SUFFIXES, OPEN_WARC_SUFFIX)):
            yield given, check_warc(given)
        elif given.name.endswith(".jsonl"):
            yield given, check_jsonl(given)
        else:
            message = "neither a WARC (.warc.gz) nor a JSONL (.jsonl) file"
            yield given, [Problem(str(given), None, None, message)]


def left_open(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The files of the archive directories among ``paths`` that a crawl left open
    (not checked: still being written, or mended by the next crawl)."""
    return [path for given in map(Path, paths) if given.is_dir()
            for path in ArchiveDir(given).open_files()]


def _why_empty(archive: ArchiveDir) -> str:
    left_open = archive.open_warc_files()
    if left_open:
        return (f"no closed WARC or JSONL files in it, only {len(left_open)} WARC file(s) a "
                "run left open (still running, or killed: the next crawl into it mends them)")
    return "no WARC or JSONL files in it"


def check_warc(path: str | os.PathLike) -> list[Problem]:
    """Every problem found in the gzipped WARC file at ``path`` (empty list: all good)."""
    path = str(path)
    problems, whole_end = _check_members(path)
    return problems + _check_records(path, whole_end, cut=bool(problems))


def damaged_offset(path: str | os.PathLike) -> int | None:
    """Where the first gzip member that is not one whole record starts, or None: damage
    that warcio may read past quietly (it writes a zlib error to stderr and goes on)."""
    problems, _ = _check_members(str(path))
    return problems[0].offset if problems else None


def _check_members(path: str) -> tuple[list[Problem], int]:
    """Problems with the gzip members, and where the leading whole records end."""
    size = Path(path).stat().st_size
    end = 0
    with open(path, "rb") as stream:
        for member_end, whole in iter_gzip_members(stream):
            if not whole:
                return [Problem(path, end, None, "gzip member does not hold one whole record")], end
            end = member_end
    if end < size:
        message = f"{size - end} bytes at the end are not a whole gzip member"
        return [Problem(path, end, None, message)], end
    return [], end


def _check_records(path: str, whole_end: int, cut: bool = False) -> list[Problem]:
    """Problems in the records before ``whole_end`` (``cut``: the file goes on after it
    with a broken gzip member)."""
    problems: list[Problem] = []
    seen = _SeenRecords()
    with open(path, "rb") as stream:
        # Only the whole members: a broken one after them is reported already.
        iterator = ArchiveIterator(LimitReader(stream, whole_end), check_digests=True)
        try:
            for record in iterator:
                offset = iterator.get_record_offset()
                record.raw_stream.read()  # to its end: warcio checks the digests
                record_id = record.rec_headers.get_header("WARC-Record-ID")
                problems += [Problem(path, offset, record_id, message)
                             for message in _record_problems(record, seen)]
                seen.add(record, offset)
        except (*DAMAGE_ERRORS, ValueError) as error:
            problems.append(Problem(path, None, None,
                                    f"record does not parse: {damage_text(error)}"))
    return sorted(problems + _pairing_problems(path, seen, cut), key=_by_offset)


@dataclass
class _SeenRecords:
    """What one pass over a WARC file keeps for the checks that span records."""

    record_ids: set[str] = field(default_factory=set)
    warcinfo_id: str | None = None
    #: (offset, record id, record type) of each response and revisit
    http_records: list[tuple[int, str, str]] = field(default_factory=list)
    #: (offset, record id, WARC-Concurrent-To) of each request
    requests: list[tuple[int, str, str | None]] = field(default_factory=list)
    last_offset: int = -1

    def add(self, record: ArcWarcRecord, offset: int) -> None:
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        if self.last_offset < 0:
            self.warcinfo_id = record_id
        self.last_offset = offset
        self.record_ids.add(record_id)
        if record.rec_type in HTTP_RECORD_TYPES:
            self.http_records.append((offset, record_id, record.rec_type))
        elif record.rec_type == "request":
            concurrent_to = record.rec_headers.get_header("WARC-Concurrent-To")
            self.requests.append((offset, record_id, concurrent_to))


def _record_problems(record: ArcWarcRecord, seen: _SeenRecords) -> Iterator[str]:
    """What is wrong with one record (its payload read), given the records before it."""
    headers = record.rec_headers
    if headers.get_header("WARC-Record-ID") in seen.record_ids:
        yield "duplicate WARC-Record-ID"
    if headers.protocol != WARC_VERSION:
        yield f"record is {headers.protocol}, not {WARC_VERSION}"
    if record.digest_checker.passed is False:
        yield from (f"digest: {problem}" for problem in record.digest_checker.problems)
    if seen.last_offset < 0:
        if record.rec_type != "warcinfo":
            yield f"first record is {record.rec_type}, not warcinfo"
    elif headers.get_header("WARC-Warcinfo-ID") != seen.warcinfo_id:
        yield "WARC-Warcinfo-ID does not name the file's warcinfo record"
    if (record.rec_type in HTTP_RECORD_TYPES and record.http_headers
            and record.http_headers.get_header("Transfer-Encoding")):
        yield "stored Transfer-Encoding header over a de-chunked payload"


def _pairing_problems(path: str, seen: _SeenRecords, cut: bool) -> list[Problem]:
    """Requests without their response, responses without their request."""
    problems = []
    http_ids = {record_id for _, record_id, _ in seen.http_records}
    answered = set()
    for offset, record_id, concurrent_to in seen.requests:
        answered.add(concurrent_to)
        if concurrent_to not in http_ids:
            problems.append(
                Problem(path, offset, record_id, "request has no response (WARC-Concurrent-To)")
            )
    http_records = seen.http_records
    if cut and http_records and http_records[-1][0] == seen.last_offset:
        http_records = http_records[:-1]  # its request was in the part cut off, reported already
    for offset, record_id, rec_type in http_records:
        if record_id not in answered:
            message = f"{rec_type} has no request record (none names it in WARC-Concurrent-To)"
            problems.append(Problem(path, offset, record_id, message))
    return problems


def _by_offset(problem: Problem) -> int:
    return -1 if problem.offset is None else problem.offset


def check_jsonl(path: str | os.PathLike, archive: ArchiveDir | None = None) -> list[Problem]:
    """Every problem of the JSONL article file at ``path``. Record pointers are looked up
    in ``archive`` (default: the archive directory whose ``jsonl/`` folder holds ``path``;
    a file in none has its pointers left unchecked: see :func:`outside_archives`)."""
    path = Path(path)
    archive = archive or ArchiveDir.of_jsonl(path)
    warcs = _warcs_by_name(archive) if archive is not None else None
    problems: list[Problem] = []
    first_line_of: dict[tuple[str, object], int] = {}
    with open(path, "rb") as lines:
        for number, raw in enumerate(lines, 1):

            def report(message: str, number: int = number) -> None:
                problems.append(Problem(str(path), None, None, message, line=number))

            if not raw.endswith(b"\n"):
                report("last line is not terminated (partial write?)")
            try:
                article = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                report(f"not a JSON line: {error}")
                continue
            errors = _schema_errors(article)
            for error in errors:
                report(f"schema: {error}")
            if not isinstance(article, dict):
                continue
            story = article.get("id")
            if isinstance(story, str):  # one line per version of a story
                key = (story, article.get("version", 1))
                if key in first_line_of:
                    report(f"id {story} version {key[1]} already on line {first_line_of[key]}")
                first_line_of.setdefault(key, number)
            pointer = article.get("warc")
            if warcs is not None and _is_pointer(pointer):
                for message in _pointer_problems(article, pointer, warcs, archive):
                    report(message)
    return problems


def _schema_errors(article: object) -> list[str]:
    """Schema violations of one record, each as ``at /json/pointer: message``."""
    validator = _article_validator()
    messages = []
    for error in sorted(validator.iter_errors(article), key=lambda e: list(e.absolute_path)):
        where = "/" + "/".join(str(part) for part in error.absolute_path)
        messages.append(f"at {where}: {error.message}")
    return messages


@cache
def _article_validator() -> Draft202012Validator:
    return Draft202012Validator(article_schema())


def _is_pointer(pointer: object) -> bool:
    return (
        isinstance(pointer, dict)
        and isinstance(pointer.get("filename"), str)
        and isinstance(pointer.get("offset"), int)
    )


def outside_archives(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The JSONL files among ``paths`` that are in no archive directory: their lines are
    checked, their ``warc`` pointers cannot be."""
    return [Path(p) for p in paths if str(p).endswith(".jsonl") and Path(p).is_file()
            and ArchiveDir.of_jsonl(Path(p)) is None]


def _warcs_by_name(archive: ArchiveDir) -> dict[str, Path]:
    """Every WARC file of the archive by the names a pointer may use: its path below the
    WARC folder, and its file name (read once, not per line)."""
    warcs = {}
    for path in archive.warc_files():
        warcs.setdefault(path.name, path)
        warcs[archive.warc_name(path)] = path
    return warcs


def _pointer_problems(
    article: dict, pointer: dict, warcs: dict[str, Path], archive: ArchiveDir
) -> list[str]:
    """What does not match between a record's ``warc`` pointer and the WARC record."""
    name, offset = pointer["filename"], pointer["offset"]
    warc = warcs.get(name)
    if warc is None:
        return [f"warc: file {name} not found in {archive.warc_dir}"]
    try:
        record = read_record(warc, offset)
    except RecordNotFound:
        return [f"warc: no WARC record at offset {offset} of {name}"]
    where = f"warc: record at offset {offset} of {name}"
    problems = []
    if record.rec_type not in HTTP_RECORD_TYPES:
        problems.append(f"{where} is a {record.rec_type} record, not a response or revisit")
    expected = {"record_id": record.record_id, "length": record.length}
    if record.payload_digest is not None:  # a server-not-modified revisit states none
        expected["payload_digest"] = record.payload_digest
    for key, actual in expected.items():
        if key in pointer and pointer[key] != actual:
            problems.append(f"{where} has {key} {actual}, the line says {pointer[key]}")
    if record.rec_type == "response":
        digest = payload_digest(record.read_payload())
        if digest != record.payload_digest:
            problems.append(f"{where}: its payload has digest {digest}, "
                            f"not the {record.payload_digest} it states")
    url = article.get("url")
    if url is not None and record.target_uri != url:
        problems.append(f"{where} is for {record.target_uri}, the line's url is {url}")
    return problems
