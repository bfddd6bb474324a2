"""Read WARC records back: iterate a file, or jump to one record by offset.

A thin layer over warcio's ``ArchiveIterator`` that gives each record as a plain
:class:`RecordRef` (where it is, what it is) with methods to load its HTTP headers, its
payload as stored (still content-encoded) or its content (content-encoding removed).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParserException

from archive.layout import OPEN_SUFFIX
from archive.records import parse_warc_date

#: What reading a damaged WARC file raises (warcio, gzip, zlib): a cut or corrupt gzip
#: member, a record or HTTP head that does not parse (warcio's loader raises an
#: AttributeError on a record whose WARC-Target-URI header is garbled).
DAMAGE_ERRORS = (ArchiveLoadFailed, StatusAndHeadersParserException, EOFError, zlib.error,
                 AttributeError)

DAMAGE_TEXT_MAX_CHARS = 160

GZIP_MAGIC = b"\x1f\x8b"
WARC_MAGIC = b"WARC/"


class RecordNotFound(LookupError):
    """No WARC record starts at the given offset."""


@dataclass(frozen=True)
class RecordRef:
    """One record of a WARC file: location, main WARC fields and all WARC headers.

    ``filename`` is the path the record was read from, ``offset``/``length`` locate its
    gzip member. With ``iter_records(path, load=True)`` the HTTP headers and payload are
    loaded during iteration; otherwise each read seeks to the record again.
    """

    filename: str
    offset: int
    length: int
    rec_type: str
    record_id: str
    target_uri: str | None
    date: datetime | None
    payload_digest: str | None
    headers: list[tuple[str, str]]
    _loaded: _LoadedRecord | None = field(default=None, repr=False, compare=False)

    def header(self, name: str) -> str | None:
        """The first value of a WARC header (case-insensitive), or None."""
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def read_http_headers(self) -> StatusAndHeaders | None:
        """The record's HTTP status line and headers (None for non-HTTP records)."""
        return self._load().http_headers

    def read_payload(self) -> bytes:
        """The payload exactly as stored: content-encoded bytes for an HTTP response."""
        return self._load().payload

    def read_content(self) -> bytes:
        """The payload with its HTTP ``Content-Encoding`` (gzip, br...) removed."""
        return self._load().content

    def _load(self) -> _LoadedRecord:
        if self._loaded is not None:
            return self._loaded
        with open(self.filename, "rb") as stream:
            stream.seek(self.offset)
            record = next(iter(ArchiveIterator(stream)))
            return _LoadedRecord.of(record)


@dataclass(frozen=True)
class _LoadedRecord:
    http_headers: StatusAndHeaders | None
    payload: bytes
    content: bytes

    @classmethod
    def of(cls, record: ArcWarcRecord) -> _LoadedRecord:
        payload = record.raw_stream.read()
        content = payload
        if record.http_headers and record.http_headers.get_header("Content-Encoding"):
            content = _decode_content(record, payload)
        return cls(record.http_headers, payload, content)


def damage_text(error: BaseException) -> str:
    """What a damage error says, for a log line: shortened, unprintable characters
    escaped (warcio quotes the damaged bytes it met)."""
    text = str(error)
    if len(text) > DAMAGE_TEXT_MAX_CHARS:
        text = text[:DAMAGE_TEXT_MAX_CHARS] + "..."
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


def iter_records(path: str | os.PathLike, load: bool = False) -> Iterator[RecordRef]:
    """Each record of the WARC file at ``path`` in order (``.open`` files too)."""
    with open(path, "rb") as stream:
        iterator = ArchiveIterator(stream)
        for record in iterator:
            loaded = _LoadedRecord.of(record) if load else None
            iterator.read_to_end()
            yield _ref(
                str(path),
                iterator.get_record_offset(),
                iterator.get_record_length(),
                record,
                loaded,
            )


def read_record(path: str | os.PathLike, offset: int) -> RecordRef:
    """The record whose gzip member starts at ``offset`` (a JSONL line's ``warc`` pointer),
    with its headers and payload loaded."""
    with open(path, "rb") as stream:
        stream.seek(offset)
        start = stream.read(len(WARC_MAGIC))
        if not (start.startswith(GZIP_MAGIC) or start == WARC_MAGIC):
            raise RecordNotFound(f"no WARC record at offset {offset} of {path}: {start!r}")
        stream.seek(offset)
        iterator = ArchiveIterator(stream)
        try:
            record = next(iter(iterator))
        except (StopIteration, *DAMAGE_ERRORS, ValueError, OSError) as error:
            raise RecordNotFound(f"no WARC record at offset {offset} of {path}: {error}") from error
        loaded = _LoadedRecord.of(record)
        iterator.read_to_end()
        return _ref(str(path), offset, iterator.get_record_length(), record, loaded)


def _ref(
    path: str, offset: int, length: int, record: ArcWarcRecord, loaded: _LoadedRecord | None
) -> RecordRef:
    headers = record.rec_headers
    date = headers.get_header("WARC-Date")
    return RecordRef(
        filename=path,
        offset=offset,
        length=length,
        rec_type=record.rec_type,
        record_id=headers.get_header("WARC-Record-ID"),
        target_uri=headers.get_header("WARC-Target-URI"),
        date=parse_warc_date(date) if date else None,
        payload_digest=headers.get_header("WARC-Payload-Digest"),
        headers=list(headers.headers),
        _loaded=loaded,
    )


def _decode_content(record: ArcWarcRecord, payload: bytes) -> bytes:
    """Undo Content-Encoding as warcio's ``content_stream()`` (and so pywb) does: a body
    in a coding it does not know, or that does not decode, is returned as it is, a
    truncated one decodes as far as it goes."""
    encoding = record.http_headers.get_header("Content-Encoding").strip().lower()
    encoding = {"x-gzip": "gzip", "identity": ""}.get(encoding, encoding)
    if encoding not in BufferedReader.get_supported_decompressors():
        return payload
    return BufferedReader(BytesIO(payload), decomp_type=encoding).read()


def warc_path(directory: str | os.PathLike, filename: str) -> Path:
    """Where a record pointer's file lives: its final name, or the ``.open`` name while the
    file is still being written."""
    final = Path(directory) / filename
    if final.exists():
        return final
    open_name = final.with_name(final.name + OPEN_SUFFIX)
    return open_name if open_name.exists() else final
