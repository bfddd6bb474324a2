"""Check a WARC file the way this project writes them, beyond what ``warcio check`` does.

``warcio check`` verifies digests only and passes a file cut in the middle of a record.
:func:`check_warc` also checks that every gzip member is whole and holds one record, that
the file opens with a warcinfo record every other record names, that records are
WARC/1.1, that no response stores a ``Transfer-Encoding`` header over its de-chunked
payload, and that every request record has its response (``WARC-Concurrent-To``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archive.mend import iter_gzip_members

WARC_VERSION = "WARC/1.1"
HTTP_RECORD_TYPES = frozenset({"response", "revisit"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a WARC file; ``offset`` is the record's (None: whole file)."""

    path: str
    offset: int | None
    record_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"offset {self.offset}" if self.offset is not None else "file"
        return f"{self.path}: {where}: {self.message}"


def check_warc(path: str | os.PathLike) -> list[Problem]:
    """Every problem found in the gzipped WARC file at ``path`` (empty list: all good)."""
    path = str(path)
    problems, whole_end = _check_members(path)
    return problems + _check_records(path, whole_end)


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


def _check_records(path: str, whole_end: int) -> list[Problem]:
    """Problems in the records before ``whole_end``."""
    problems: list[Problem] = []
    record_ids: set[str] = set()
    http_ids: set[str] = set()
    requests: list[tuple[int, str, str | None]] = []
    warcinfo_id = None
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream, check_digests=True)
        try:
            for index, record in enumerate(iterator):
                offset = iterator.get_record_offset()
                if offset >= whole_end:
                    break
                record.content_stream().read()
                headers = record.rec_headers
                record_id = headers.get_header("WARC-Record-ID")

                def report(message: str, offset=offset, record_id=record_id) -> None:
                    problems.append(Problem(path, offset, record_id, message))

                if record_id in record_ids:
                    report("duplicate WARC-Record-ID")
                record_ids.add(record_id)
                if headers.protocol != WARC_VERSION:
                    report(f"record is {headers.protocol}, not {WARC_VERSION}")
                if record.digest_checker.passed is False:
                    for problem in record.digest_checker.problems:
                        report(f"digest: {problem}")
                if index == 0:
                    if record.rec_type != "warcinfo":
                        report(f"first record is {record.rec_type}, not warcinfo")
                    warcinfo_id = record_id
                elif headers.get_header("WARC-Warcinfo-ID") != warcinfo_id:
                    report("WARC-Warcinfo-ID does not name the file's warcinfo record")
                if record.rec_type in HTTP_RECORD_TYPES:
                    http_ids.add(record_id)
                    if record.http_headers and record.http_headers.get_header("Transfer-Encoding"):
                        report("stored Transfer-Encoding header over a de-chunked payload")
                if record.rec_type == "request":
                    requests.append((offset, record_id, headers.get_header("WARC-Concurrent-To")))
        except (ArchiveLoadFailed, ValueError, EOFError) as error:
            problems.append(Problem(path, None, None, f"record does not parse: {error}"))
    for offset, record_id, concurrent_to in requests:
        if concurrent_to not in http_ids:
            problems.append(
                Problem(path, offset, record_id, "request has no response (WARC-Concurrent-To)")
            )
    return problems
