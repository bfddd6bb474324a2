"""Records from WARC files alone: what ``news-archive extract`` runs.

The crawl and this module send the same :class:`~crawler.extraction.pool.Capture` of
each response record to the same :func:`~crawler.extraction.pool.process_capture`,
and merge captures into one record per story the same way, so re-extracting a crawl's
WARC files gives the crawl's records (with the extractor of the day: archives outlive
extractors).
"""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeadersParserException

from archive.jsonl import JsonlWriter
from crawler.extraction.pool import Capture, Outcome, is_candidate, make_pool, process_capture
from crawler.extraction.records import finalize_spool, spool_path


@dataclass
class ExtractSummary:
    responses: int = 0
    outcomes: Counter = field(default_factory=Counter)
    records: int = 0

    @property
    def drift(self) -> int:
        return self.outcomes["fallback"] + self.outcomes["no_body"]


class WarcReadError(ValueError):
    """A file is not a readable WARC file (or is damaged part-way)."""


def iter_captures(paths: Iterable[str | os.PathLike], summary: ExtractSummary) -> Iterator[Capture]:
    """Article candidates among the response records of ``paths``, in file order."""
    for path in sorted(paths, key=lambda p: os.path.basename(p)):
        try:
            yield from _captures_of(path, summary)
        except (ArchiveLoadFailed, StatusAndHeadersParserException, EOFError,
                zlib.error, WarcReadError) as error:
            raise WarcReadError(f"{path}: not a readable WARC file ({error})") from error


def _captures_of(path: str | os.PathLike, summary: ExtractSummary) -> Iterator[Capture]:
    """warcio directly: the payload as stored (content-encoded) is all we need, so no
    record is decompressed twice."""
    name = os.path.basename(path)
    with open(path, "rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            capture = _capture(record, name, summary)
            records.read_to_end()
            if capture is None:
                continue
            yield replace(capture, warc={**capture.warc, "offset": records.get_record_offset(),
                                         "length": records.get_record_length()})


def _capture(record, name: str, summary: ExtractSummary) -> Capture | None:
    if record.rec_type != "response" or record.http_headers is None:
        return None
    summary.responses += 1
    status = int(record.http_headers.get_statuscode() or 0)
    headers = list(record.http_headers.headers)
    warc_headers = record.rec_headers
    url = warc_headers.get_header("WARC-Target-URI") or ""
    if not is_candidate(url, status, headers, warc_headers.get_header("WARC-Truncated")):
        summary.outcomes["not_article"] += 1
        return None
    payload = record.raw_stream.read()
    digest = warc_headers.get_header("WARC-Payload-Digest")
    if digest and not _digest_matches(digest, payload):
        raise WarcReadError(f"{name}: the response record for {url} is damaged "
                            "(its payload does not match WARC-Payload-Digest; cut short?)")
    date = warc_headers.get_header("WARC-Date")
    return Capture(
        url=url, status=status, headers=headers, payload=payload,
        fetched_at=datetime.fromisoformat(date.replace("Z", "+00:00")),
        warc={
            "filename": name,
            "record_id": warc_headers.get_header("WARC-Record-ID"),
            "payload_digest": warc_headers.get_header("WARC-Payload-Digest"),
        },
    )


def _digest_matches(digest: str, payload: bytes) -> bool:
    algorithm, _, value = digest.partition(":")
    if algorithm.lower() != "sha1":
        return True  # only SHA-1 is checked (what warcio writes)
    return base64.b32encode(hashlib.sha1(payload).digest()).decode() == value.upper()


def extract_warcs(paths: Iterable[str | os.PathLike], output: str | os.PathLike,
                  jobs: int = 1) -> ExtractSummary:
    """Extract every article of ``paths`` into the JSONL file ``output`` (replaced)."""
    output = Path(output)
    summary = ExtractSummary()
    spool = spool_path(output)
    spool.unlink(missing_ok=True)
    try:
        with JsonlWriter(spool) as writer:
            for outcome in _outcomes(iter_captures(paths, summary), jobs):
                summary.outcomes[outcome.outcome] += 1
                if outcome.record is not None:
                    writer.write(outcome.record)
    except BaseException:
        spool.unlink(missing_ok=True)
        raise
    finalize_spool(spool, output)
    with open(output, "rb") as lines:
        summary.records = sum(1 for _ in lines)
    return summary


def _outcomes(captures: Iterator[Capture], jobs: int) -> Iterator[Outcome]:
    """In this process for one job; otherwise a pool with a bounded queue, in order."""
    if jobs <= 1:
        yield from map(process_capture, captures)
        return
    with make_pool(jobs) as pool:
        pending: deque[Future] = deque()
        for capture in captures:
            pending.append(pool.submit(process_capture, capture))
            if len(pending) >= 4 * jobs:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
