"""Records from WARC files alone: what ``news-archive extract`` runs.

The crawl and this module send the same :class:`~crawler.extraction.pool.Capture` of
each response record to the same :func:`~crawler.extraction.pool.process_capture`,
version the stories by the same rule (:mod:`crawler.extraction.versions`, the runs told
apart by each WARC file's warcinfo) and merge copies into one line the same way, so
re-extracting a crawl's WARC files gives the crawl's lines, every run's in one file
(with the extractor of the day: archives outlive extractors).
"""

from __future__ import annotations

import io
import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.jsonl import JsonlWriter
from archive.reader import DAMAGE_ERRORS, damage_text
from archive.records import parse_warc_date, payload_digest
from archive.warcinfo import read_warcinfo, run_id
from crawler.extraction.outcomes import ARTICLE_OUTCOMES, DRIFT_OUTCOMES, NOT_ARTICLE
from crawler.extraction.pool import (
    Capture,
    Outcome,
    is_candidate,
    is_candidate_url,
    make_pool,
    process_capture,
)
from crawler.extraction.records import finalize_spool, spool_path
from crawler.extraction.versions import version_captures


@dataclass
class ExtractSummary:
    responses: int = 0
    outcomes: Counter = field(default_factory=Counter)
    records: int = 0

    @property
    def article_pages(self) -> int:
        return sum(self.outcomes[outcome] for outcome in ARTICLE_OUTCOMES)

    @property
    def drift(self) -> int:
        return sum(self.outcomes[outcome] for outcome in DRIFT_OUTCOMES)


class WarcReadError(ValueError):
    """A file is not a readable WARC file (or is damaged part-way)."""


def iter_captures(paths: Iterable[str | os.PathLike], summary: ExtractSummary) -> Iterator[Capture]:
    """Article candidates among the response records of ``paths``, in file order."""
    for path in sorted(paths, key=lambda p: os.path.basename(p)):
        with _reading(path):
            yield from _captures_of(path, summary)


@contextmanager
def _reading(path: str | os.PathLike):
    """Errors of a damaged or foreign file, reported with its name."""
    try:
        yield
    except (*DAMAGE_ERRORS, WarcReadError) as error:
        raise WarcReadError(f"{path}: not a readable WARC file ({damage_text(error)})") from error


def _captures_of(path: str | os.PathLike, summary: ExtractSummary) -> Iterator[Capture]:
    """warcio directly: the payload as stored (content-encoded) is all we need, so no
    record is decompressed twice."""
    name = os.path.basename(path)
    with open(path, "rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            is_response = record.rec_type == "response" and record.http_headers is not None
            capture = _capture(record, name) if is_response else None
            records.read_to_end()
            if not is_response:
                continue
            summary.responses += 1
            if capture is None:
                summary.outcomes["not_article"] += 1
                continue
            yield _placed(capture, records.get_record_offset(), records.get_record_length())


def _placed(capture: Capture, offset: int, length: int) -> Capture:
    return replace(capture, warc={**capture.warc, "offset": offset, "length": length})


def _capture(record, name: str) -> Capture | None:
    """The capture of a response record, or None when it cannot be an article."""
    status = int(record.http_headers.get_statuscode() or 0)
    headers = list(record.http_headers.headers)
    warc_headers = record.rec_headers
    url = warc_headers.get_header("WARC-Target-URI") or ""
    if not is_candidate(url, status, headers, warc_headers.get_header("WARC-Truncated")):
        return None
    payload = record.raw_stream.read()
    digest = warc_headers.get_header("WARC-Payload-Digest")
    if digest and digest.lower().startswith("sha1:") and payload_digest(payload) != digest:
        raise WarcReadError(f"{name}: the response record for {url} is damaged "
                            "(its payload does not match WARC-Payload-Digest; cut short?)")
    date = warc_headers.get_header("WARC-Date")
    return Capture(
        url=url, status=status, headers=headers, payload=payload,
        fetched_at=parse_warc_date(date),
        warc={
            "filename": name,
            "record_id": warc_headers.get_header("WARC-Record-ID"),
            "payload_digest": warc_headers.get_header("WARC-Payload-Digest"),
        },
    )


def extract_warcs(paths: Iterable[str | os.PathLike], output: str | os.PathLike,
                  jobs: int = 1) -> ExtractSummary:
    """Extract every article of ``paths`` into the JSONL file ``output`` (replaced)."""
    output = Path(output)
    paths = sorted(paths, key=lambda p: os.path.basename(p))
    runs = _runs_of(paths)
    summary = ExtractSummary()
    captures, versions = spool_path(output), spool_path(output.with_name(output.name + ".v"))
    for leftover in (captures, versions):  # of an extract that was killed: start afresh
        leftover.unlink(missing_ok=True)
    try:
        with JsonlWriter(captures) as writer:
            for outcome in _outcomes(paths, summary, jobs):
                summary.outcomes[outcome.outcome] += 1
                if outcome.record is not None:
                    writer.write(outcome.record)
        version_captures(captures, versions, runs.__getitem__)
        finalize_spool(versions, output)
    finally:
        captures.unlink(missing_ok=True)
        versions.unlink(missing_ok=True)
    with open(output, "rb") as lines:
        summary.records = sum(1 for _ in lines)
    return summary


def _runs_of(paths: list[str | os.PathLike]) -> dict[str, str]:
    """WARC file name -> the crawl run that wrote it (its warcinfo's ``isPartOf``), or ""
    for files that name none (another tool's: taken as one run)."""
    runs = {}
    for path in paths:
        with _reading(path):
            runs[os.path.basename(path)] = run_id(read_warcinfo(path)) or ""
    return runs


def _outcomes(paths: Iterable[str | os.PathLike], summary: ExtractSummary,
              jobs: int) -> Iterator[Outcome]:
    """In this process for one job. Otherwise this process only finds the response
    records that may be articles (WARC headers, no HTTP parsing) and sends their places
    in batches to the pool, whose workers read, check and extract them: this process
    stays light, so ``jobs`` workers keep ``jobs`` cores busy. Outcomes come in order."""
    if jobs <= 1:
        yield from map(process_capture, iter_captures(paths, summary))
        return
    with make_pool(jobs) as pool:
        pending: deque[Future] = deque()
        for batch in _batches(_candidate_places(paths, summary), BATCH_SIZE):
            pending.append(pool.submit(process_places, batch))
            if len(pending) >= 4 * jobs:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


BATCH_SIZE = 16
Place = tuple[str, int, int]  # WARC file, offset and length of a response record


def _candidate_places(paths: Iterable[str | os.PathLike],
                      summary: ExtractSummary) -> Iterator[Place]:
    for path in sorted(paths, key=lambda p: os.path.basename(p)):
        with _reading(path), open(path, "rb") as stream:
            records = ArchiveIterator(stream, no_record_parse=True)
            for record in records:
                is_response = record.rec_type == "response"
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                records.read_to_end()
                if not is_response:
                    continue
                summary.responses += 1
                if not is_candidate_url(url):
                    summary.outcomes["not_article"] += 1
                    continue
                yield str(path), records.get_record_offset(), records.get_record_length()


def _batches(places: Iterator[Place], size: int) -> Iterator[list[Place]]:
    batch: list[Place] = []
    for place in places:
        batch.append(place)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def process_places(places: list[Place]) -> list[Outcome]:
    """Read, check and extract the response records at ``places`` (in a worker)."""
    outcomes = []
    for path, same_file in groupby(places, key=lambda place: place[0]):
        name = os.path.basename(path)
        with _reading(path), open(path, "rb") as stream:
            for _, offset, length in same_file:
                stream.seek(offset)
                record = next(iter(ArchiveIterator(io.BytesIO(stream.read(length)))))
                capture = _capture(record, name) if record.http_headers is not None else None
                outcomes.append(_outcome(record, capture, offset, length))
    return outcomes


def _outcome(record, capture: Capture | None, offset: int, length: int) -> Outcome:
    if capture is None:
        url = record.rec_headers.get_header("WARC-Target-URI") or ""
        return Outcome(url, NOT_ARTICLE, None, "not an article candidate")
    return process_capture(_placed(capture, offset, length))
