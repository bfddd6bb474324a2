"""CDXJ indexes of an archive directory: one per WARC file, and one merged for them all.

An archive directory (a crawl's ``--out``, see :mod:`archive.layout`) is ONE archive
however many runs and workers wrote into it: ``DIR/indexes/warc/<name>.cdxj`` indexes
every capture record of one WARC file, ``DIR/indexes/index.cdxj`` merges the replayable
ones (see :func:`replayable`) of them all, sorted (SURT key, timestamp). The ``filename``
field of every line is the WARC's path below the WARC folder, so pywb
(``archive_paths: DIR/warc/``) and other CDXJ readers find the records.

Indexing is incremental, for cron: a per-file index is rebuilt only when missing or older
than its WARC, indexes of vanished WARCs are dropped, and the merged index is rewritten
from the per-file indexes. ``.warc.gz.open`` files (still being written) are skipped, and
so is a damaged WARC file (reported; its old index dropped: its offsets may not hold).
Every index is written to a temporary name and renamed, so readers never see half an index.
"""

from __future__ import annotations

import heapq
import json
import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from cdxj_indexer.main import CDXJIndexer

from archive.layout import CDXJ_SUFFIX, PER_WARC_DIR, ArchiveDir
from archive.reader import DAMAGE_ERRORS, damage_text

TMP_SUFFIX = ".tmp"


@dataclass
class IndexReport:
    """What :func:`index_archive` did."""

    merged: Path
    indexed: list[Path] = field(default_factory=list)
    up_to_date: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    skipped_open: list[Path] = field(default_factory=list)
    damaged: dict[Path, str] = field(default_factory=dict)
    lines: int = 0


def index_archive(root: str | os.PathLike, rebuild: bool = False) -> IndexReport:
    """Bring the per-WARC indexes and the merged index of ``root`` up to date."""
    archive = ArchiveDir(Path(root))
    if not archive.root.is_dir():
        raise FileNotFoundError(f"no such archive directory: {archive.root}")
    report = IndexReport(merged=archive.merged_index, skipped_open=archive.open_warc_files())
    wanted = []
    for warc in archive.warc_files():
        index = archive.per_warc_index(warc)
        if not (rebuild or _is_stale(index, warc)):
            report.up_to_date.append(warc)
        else:
            try:
                index_warc(warc, index, warc_root=archive.warc_dir)
            except DAMAGE_ERRORS as error:  # left out of the merged index, reported
                report.damaged[warc] = damage_text(error)
                continue
            report.indexed.append(warc)
        wanted.append(index)
    report.removed = _remove_orphans(archive.index_dir / PER_WARC_DIR, set(wanted))
    report.lines = merge_indexes(wanted, archive.merged_index)
    return report


def index_warc(warc: Path, output: Path, warc_root: Path | None = None) -> None:
    """Write the sorted CDXJ index of one WARC file to ``output`` (atomically).

    cdxj-indexer indexes response, revisit, resource and metadata records (not the
    ``application/warc-fields`` metadata), with the fields pywb needs: url, mime, status,
    digest, length, offset, filename; POST bodies go into the key (``post_append``).
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + TMP_SUFFIX)
    try:
        CDXJIndexer(
            str(tmp),
            [str(warc)],
            sort=True,
            post_append=True,
            dir_root=str(warc_root) if warc_root else None,
        ).process_all()
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)


def replayable(status: str | None) -> bool:
    """Whether replay can show a capture of this HTTP status.

    A ``304`` (a server-not-modified revisit, or a 304 response) holds no page: pywb
    serves a revisit's own HTTP status, so a replay that lands on it shows an empty 304,
    and a nightly crawl's conditional GETs make such captures the newest of most URLs.
    Left out of the replay index, replay lands on the nearest capture with content, which
    the 304 vouches is the same. The Internet Archive's CDX-Writer leaves them out too.
    """
    return status != "304"


def merge_indexes(indexes: list[Path], output: Path) -> int:
    """Merge sorted CDXJ files into one sorted file of their :func:`replayable` lines
    (duplicates dropped); returns its number of lines."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + TMP_SUFFIX)
    lines = 0
    try:
        with ExitStack() as stack, open(tmp, "w", encoding="utf-8") as out:
            sources = [stack.enter_context(open(p, encoding="utf-8")) for p in indexes]
            previous = None
            for line in heapq.merge(*sources):
                if line != previous and line.strip() and replayable(_fields(line).get("status")):
                    out.write(line)
                    lines += 1
                previous = line
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    return lines


def iter_cdxj(path: str | os.PathLike) -> Iterator[tuple[str, str, dict]]:
    """Each line of a CDXJ file as (SURT key, 14-digit timestamp, JSON fields)."""
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if not line.strip() or line.startswith("!"):
                continue
            key, timestamp, _ = line.split(" ", 2)
            yield key, timestamp, _fields(line)


def _fields(line: str) -> dict:
    """The JSON fields of a CDXJ line (after its key and timestamp)."""
    return json.loads(line.split(" ", 2)[2])


def _is_stale(index: Path, warc: Path) -> bool:
    try:
        return index.stat().st_mtime_ns < warc.stat().st_mtime_ns
    except FileNotFoundError:
        return True


def _remove_orphans(per_warc_dir: Path, wanted: set[Path]) -> list[Path]:
    """Delete per-WARC indexes whose WARC file is gone."""
    if not per_warc_dir.is_dir():
        return []
    removed = []
    for index in per_warc_dir.rglob("*" + CDXJ_SUFFIX):
        if index not in wanted:
            index.unlink()
            removed.append(index)
    return sorted(removed)
