"""Mend WARC files left open by a crash: cut each back to its last whole record, close it.

A ``.warc.gz.open`` file is what :class:`archive.writer.WarcFileWriter` was writing when
the process died. Records are appended whole, but a kill (or power loss) in the middle
of a write can leave part of a gzip member at the end. ``warcio check`` does not notice
that; ``gzip -t`` and replay tools do. Mending walks the gzip members from the start,
keeps every member that decompresses completely (CRC checked by zlib) and holds exactly
one whole WARC record, truncates the file after the last such member and renames it to
its final ``.warc.gz`` name. The writer appends each exchange as a response (or revisit)
followed by its request, so a response left without its request is cut too: a mended file
holds whole exchanges only. Run it before a crawl starts writing into the directory.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from archive.layout import OPEN_SUFFIX, OPEN_WARC_SUFFIX

READ_SIZE = 1 << 20
HEADER_LIMIT = 1 << 16
CONTENT_LENGTH = re.compile(rb"^content-length:[ \t]*(\d+)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
WARC_TYPE = re.compile(rb"^warc-type:[ \t]*(\w+)", re.IGNORECASE | re.MULTILINE)
#: Record types the writer always follows with their request record.
OPENS_EXCHANGE = frozenset({b"response", b"revisit"})


@dataclass(frozen=True)
class MendReport:
    """What mending did to one ``.open`` file.

    ``path`` is the file's new name (the ``.open`` name if it was deleted), ``records``
    the whole records kept, ``removed_bytes`` what was cut off the end, ``deleted`` true
    when no whole record was left and the file was removed, ``note`` says why in words.
    """

    open_path: Path
    path: Path
    records: int
    kept_bytes: int
    removed_bytes: int
    deleted: bool
    note: str


def mend_open_files(directory: str | os.PathLike) -> list[MendReport]:
    """Mend every ``*.warc.gz.open`` in ``directory`` (not recursive), oldest name first.

    Only call it while no writer is using the directory (the crawl holds a lock). A file
    whose final name is already taken is left as it is, with a note, rather than stopping
    every later run.
    """
    reports = []
    for path in sorted(Path(directory).glob("*" + OPEN_WARC_SUFFIX)):
        try:
            reports.append(mend_file(path))
        except FileExistsError as error:
            records, kept = last_whole_record_end(path)
            note = f"left as it is: {error}"
            reports.append(MendReport(path, path, records, kept, 0, False, note))
    return reports


def mend_file(open_path: str | os.PathLike) -> MendReport:
    """Cut one ``.open`` WARC file after its last whole record and rename it (or delete it
    if no record is whole)."""
    open_path = Path(open_path)
    final = open_path.with_name(open_path.name.removesuffix(OPEN_SUFFIX))
    if final == open_path:
        raise ValueError(f"{open_path} is not a .open file")
    if final.exists():
        raise FileExistsError(f"cannot mend {open_path}: {final} already exists")
    records, kept = last_whole_record_end(open_path)
    size = open_path.stat().st_size
    if records == 0:
        open_path.unlink()
        return MendReport(open_path, open_path, 0, 0, size, True, "no whole record: deleted")
    if kept < size:
        os.truncate(open_path, kept)
    os.rename(open_path, final)
    note = (
        f"cut {size - kept} bytes of a partial record after {records} whole records"
        if kept < size
        else f"all {records} records whole; closed"
    )
    return MendReport(open_path, final, records, kept, size - kept, False, note)


def last_whole_record_end(path: str | os.PathLike) -> tuple[int, int]:
    """Count the leading whole records of a gzipped WARC file that end on a whole exchange,
    and where the last one ends: ``(records, end_offset)``."""
    records = end = 0
    pending_exchange = False
    with open(path, "rb") as stream:
        for member_end, record_type in iter_gzip_members(stream):
            if record_type is None:
                break
            if record_type in OPENS_EXCHANGE:
                pending_exchange = True
                continue
            records += 2 if pending_exchange else 1
            end, pending_exchange = member_end, False
    return records, end


def iter_gzip_members(stream) -> Iterator[tuple[int, bytes | None]]:
    """Walk gzip members: yield ``(end_offset, warc_type)`` for each member that
    decompresses completely, ``warc_type`` (lower case) being None unless the member holds
    exactly one whole WARC record; stop at the first member that does not decompress."""
    offset = 0
    pending = b""
    while True:
        checker = _RecordChecker()
        decompressor = zlib.decompressobj(zlib.MAX_WBITS + 16)
        consumed = 0
        data = pending or stream.read(READ_SIZE)
        if not data:
            return
        while True:
            try:
                checker.feed(decompressor.decompress(data))
            except zlib.error:
                return
            if decompressor.eof:
                consumed += len(data) - len(decompressor.unused_data)
                pending = decompressor.unused_data
                break
            consumed += len(data)
            data = stream.read(READ_SIZE)
            if not data:
                return
        offset += consumed
        yield offset, checker.whole_record_type()


class _RecordChecker:
    """Streams one member's decompressed bytes and tells whether they are exactly one WARC
    record: a ``WARC/`` header block, ``Content-Length`` bytes of block, then CRLF CRLF."""

    def __init__(self) -> None:
        self.head = b""
        self.total = 0
        self.tail = b""

    def feed(self, data: bytes) -> None:
        if len(self.head) < HEADER_LIMIT:
            self.head += data[: HEADER_LIMIT - len(self.head)]
        self.total += len(data)
        self.tail = (self.tail + data)[-4:]

    def whole_record_type(self) -> bytes | None:
        """The record's WARC-Type if the member held exactly one whole record, else None."""
        if not self.head.startswith(b"WARC/"):
            return None
        header_end = self.head.find(b"\r\n\r\n")
        if header_end < 0:
            return None
        length = CONTENT_LENGTH.search(self.head[:header_end])
        record_type = WARC_TYPE.search(self.head[:header_end])
        if not length or not record_type:
            return None
        expected = header_end + 4 + int(length.group(1)) + 4
        whole = self.total == expected and self.tail == b"\r\n\r\n"
        return record_type.group(1).lower() if whole else None
