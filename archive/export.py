"""Export every run's article records as one dataset (JSONL or Parquet) with a dataset card.

Input: every ``DIR/jsonl/**/<run-id>.jsonl`` file of an archive directory (one line per
story per run, :file:`archive/schema/article-v1.json`). Output: by default the latest
version of each story (same ``id``; highest ``version``, then latest ``fetched_at``, a
later run winning a tie), with ``all_versions`` every record. Lines of older releases
get the fields they lack: ``version`` 1, ``previous`` null, ``change`` null (``"first"``
on a version 1), ``images`` null, so every row has the same fields. Rows are ordered by
``fetched_at``, then ``id``; each gets a ``run_id`` column (the name of the JSONL file
it came from).

Memory stays flat: the first pass keeps only (id, time, file, byte offset) per line, the
second reads the chosen lines back and streams them out.

Parquet is written with pyarrow and the explicit :data:`PARQUET_SCHEMA`: ``fetched_at``
as a UTC timestamp, ``published`` as a date, ``related_reports`` as list<struct>,
``warc`` and ``extractor`` as structs; fields outside the JSON Schema are not exported.

The dataset card is written next to the output as ``<FILE>.md`` (``articles.parquet`` →
``articles.parquet.md``, so a JSONL and a Parquet export can share a folder): crawl
window, sites, counts, robots policy and operator (from the WARC files' warcinfo
records), extractor versions and the schema version.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from archive.articles import SCHEMA_VERSION, article_schema
from archive.jsonl import iter_lines
from archive.layout import ArchiveDir
from archive.warcinfo import read_warcinfo

FORMATS = ("jsonl", "parquet")
BATCH_ROWS = 1000
CARD_SUFFIX = ".md"

_IMAGE = pa.struct([
    pa.field("url", pa.string(), nullable=False),
    ("caption", pa.string()),
])
_REPORT = pa.struct([
    ("title", pa.string()),
    ("place", pa.string()),
    ("agency", pa.string()),
    ("published", pa.date32()),
    ("source", pa.string()),
    ("text", pa.string()),
    ("images", pa.list_(_IMAGE)),
])
_WARC_POINTER = pa.struct([
    pa.field("filename", pa.string(), nullable=False),
    pa.field("offset", pa.int64(), nullable=False),
    pa.field("length", pa.int64(), nullable=False),
    pa.field("record_id", pa.string(), nullable=False),
    ("payload_digest", pa.string()),
])
_EXTRACTOR = pa.struct([
    ("name", pa.string()),
    ("version", pa.string()),
    ("profile", pa.string()),
    ("news_archive", pa.string()),
])
_PREVIOUS = pa.struct([
    pa.field("record_id", pa.string(), nullable=False),
    pa.field("filename", pa.string(), nullable=False),
    pa.field("offset", pa.int64(), nullable=False),
    pa.field("fetched_at", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("url", pa.string(), nullable=False),
])
FIRST_VERSION = 1

#: The Parquet schema of an export: the JSON Schema's fields in order, plus ``run_id``.
PARQUET_SCHEMA = pa.schema([
    pa.field("id", pa.string(), nullable=False),
    pa.field("url", pa.string(), nullable=False),
    pa.field("urls", pa.list_(pa.string()), nullable=False),
    pa.field("site", pa.string(), nullable=False),
    pa.field("fetched_at", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("status", pa.int16(), nullable=False),
    ("title", pa.string()),
    ("byline", pa.string()),
    ("place", pa.string()),
    ("agency", pa.string()),
    ("published", pa.date32()),
    ("source", pa.string()),
    ("language", pa.string()),
    pa.field("text", pa.string(), nullable=False),
    ("images", pa.list_(_IMAGE)),
    pa.field("related_reports", pa.list_(_REPORT), nullable=False),
    pa.field("encoding", pa.string(), nullable=False),
    pa.field("warc", _WARC_POINTER, nullable=False),
    pa.field("extractor", _EXTRACTOR, nullable=False),
    pa.field("version", pa.int32(), nullable=False),
    ("change", pa.string()),
    ("previous", _PREVIOUS),
    pa.field("run_id", pa.string(), nullable=False),
])


class ExportError(ValueError):
    """The archive cannot be exported (no records, a line that is not JSON...)."""


@dataclass(frozen=True, order=True)
class _LineRef:
    """Where one record is, and what decides which version of a story is the latest."""

    version: int
    fetched_at: datetime
    file_index: int
    offset: int
    story: str = field(compare=False)


@dataclass
class ExportReport:
    output: Path
    card: Path
    rows: int = 0
    stories: int = 0
    runs: int = 0
    records_read: int = 0
    skipped: list[str] = field(default_factory=list)


def export_archive(
    root: str | os.PathLike,
    output: str | os.PathLike,
    fmt: str = "parquet",
    all_versions: bool = False,
    title: str = "News archive",
    skip_damaged: bool = False,
) -> ExportReport:
    """Export the archive at ``root`` to ``output`` (``fmt``: jsonl or parquet) and write
    its dataset card, headed ``title``, to ``output + ".md"``. A damaged line is an
    error, or with ``skip_damaged`` left out and named in the report and the card."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    archive = ArchiveDir(Path(root))
    files = archive.jsonl_files()
    if not files:
        raise ExportError(f"no JSONL files in {archive.jsonl_dir}")
    skipped: list[str] | None = [] if skip_damaged else None
    refs = _scan(files, skipped)
    if not refs:
        raise ExportError(f"no records in the JSONL files of {archive.jsonl_dir}")
    chosen = refs if all_versions else _latest_versions(refs)
    chosen.sort(key=lambda ref: (ref.fetched_at, ref.story))
    summary = _Summary(
        records_read=len(refs),
        runs_scanned=len(files),
        lines_skipped=len(skipped or ()),
        first_fetch=min(ref.fetched_at for ref in refs),
        last_fetch=max(ref.fetched_at for ref in refs),
    )
    output = Path(output)
    _write_whole(output, fmt, summary.observe(_read_rows(files, chosen)))
    card = output.with_name(output.name + CARD_SUFFIX)
    card.write_text(
        dataset_card(summary, _CardScope(title, output.name, fmt, all_versions),
                     _warcinfo_summary(archive)),
        encoding="utf-8",
    )
    return ExportReport(
        output=output,
        card=card,
        rows=summary.rows,
        stories=len(summary.stories),
        runs=len(summary.runs),
        records_read=len(refs),
        skipped=skipped or [],
    )


def _write_whole(output: Path, fmt: str, rows: Iterator[dict]) -> None:
    """Write ``rows`` to ``output`` through a temporary file: an export that fails leaves
    the previous one in place, never half a file."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    try:
        if fmt == "jsonl":
            _write_jsonl(tmp, rows)
        else:
            _write_parquet(tmp, rows)
        os.replace(tmp, output)
    except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError, TypeError) as error:
        raise ExportError(
            f"a record does not fit the {fmt} export ({error}); see `news-archive check`"
        ) from error
    finally:
        tmp.unlink(missing_ok=True)


def _scan(files: list[Path], skipped: list[str] | None = None) -> list[_LineRef]:
    """A reference to every record of every file (first pass); a damaged line raises,
    or is said in ``skipped`` and left out when it is a list."""
    refs = []
    for index, path in enumerate(files):
        for number, offset, raw in iter_lines(path):
            try:
                record = _parse(raw, path, number)
            except ExportError as error:
                if skipped is None:
                    raise
                skipped.append(str(error))
                continue
            refs.append(_LineRef(
                record.get("version", FIRST_VERSION), record["fetched_at"], index, offset,
                record["id"],
            ))
    return refs


def _parse(raw: bytes, path: Path, number: int) -> dict:
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ExportError(
            f"{path}:{number}: not a JSON line ({error}); see `news-archive check`"
        ) from error
    if not isinstance(record, dict) or not {"id", "fetched_at"} <= record.keys():
        raise ExportError(f"{path}:{number}: not an article record (no id or fetched_at)")
    try:
        record["fetched_at"] = datetime.fromisoformat(record["fetched_at"])
    except (TypeError, ValueError) as error:
        raise ExportError(f"{path}:{number}: bad fetched_at ({error})") from error
    if record["fetched_at"].tzinfo is None:
        raise ExportError(f"{path}:{number}: fetched_at has no time zone (UTC 'Z' expected)")
    return record


def _latest_versions(refs: list[_LineRef]) -> list[_LineRef]:
    latest: dict[str, _LineRef] = {}
    for ref in refs:
        current = latest.get(ref.story)
        if current is None or ref > current:
            latest[ref.story] = ref
    return list(latest.values())


def _read_rows(files: list[Path], chosen: list[_LineRef]) -> Iterator[dict]:
    """The chosen records, in order, each with its ``run_id`` (second pass)."""
    handles = {}
    try:
        for ref in chosen:
            handle = handles.get(ref.file_index)
            if handle is None:
                handle = handles[ref.file_index] = open(files[ref.file_index], "rb")  # noqa: SIM115
            handle.seek(ref.offset)
            record = with_later_fields(json.loads(handle.readline()))
            record["run_id"] = files[ref.file_index].stem
            yield record
    finally:
        for handle in handles.values():
            handle.close()


def with_later_fields(record: dict) -> dict:
    """``record`` with ``version``, ``change``, ``previous`` and ``images`` (older lines
    lack them; their photos were not looked for, so ``images`` is null, not empty)."""
    version = record.setdefault("version", FIRST_VERSION)
    record.setdefault("change", "first" if version == FIRST_VERSION else None)
    record.setdefault("previous", None)
    record.setdefault("images", None)
    return record


def _write_jsonl(path: Path, rows: Iterator[dict]) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_parquet(path: Path, rows: Iterator[dict]) -> None:
    with pq.ParquetWriter(path, PARQUET_SCHEMA, compression="zstd") as writer:
        batch: list[dict] = []
        for row in rows:
            batch.append(parquet_row(row))
            if len(batch) == BATCH_ROWS:
                writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA))
                batch = []
        if batch or writer.schema is None:
            writer.write_table(pa.Table.from_pylist(batch, schema=PARQUET_SCHEMA))


def parquet_row(record: dict) -> dict:
    """A JSONL record with its times and dates as Python values, for pyarrow."""
    row = dict(record)
    row["fetched_at"] = datetime.fromisoformat(record["fetched_at"])
    row["published"] = _date(record.get("published"))
    row["related_reports"] = [
        {**report, "published": _date(report.get("published"))}
        for report in record.get("related_reports") or []
    ]
    previous = record.get("previous")
    if previous:
        row["previous"] = {**previous, "fetched_at": datetime.fromisoformat(previous["fetched_at"])}
    return row


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass
class _Summary:
    """What the dataset card says about the exported rows."""

    records_read: int = 0
    runs_scanned: int = 0
    lines_skipped: int = 0
    rows: int = 0
    stories: set[str] = field(default_factory=set)
    runs: set[str] = field(default_factory=set)
    sites: Counter = field(default_factory=Counter)
    extractors: Counter = field(default_factory=Counter)
    first_fetch: datetime | None = None
    last_fetch: datetime | None = None
    first_published: str | None = None
    last_published: str | None = None

    def observe(self, rows: Iterator[dict]) -> Iterator[dict]:
        for row in rows:
            self.rows += 1
            self.stories.add(row["id"])
            self.runs.add(row["run_id"])
            self.sites[row.get("site")] += 1
            extractor = row.get("extractor") or {}
            self.extractors[
                (extractor.get("name"), extractor.get("version"), extractor.get("profile"),
                 extractor.get("news_archive"))
            ] += 1
            if row.get("published"):
                self.first_published = min(filter(None, (self.first_published, row["published"])))
                self.last_published = max(filter(None, (self.last_published, row["published"])))
            yield row


@dataclass
class _WarcinfoSummary:
    files: int = 0
    robots: Counter = field(default_factory=Counter)
    operators: Counter = field(default_factory=Counter)
    software: Counter = field(default_factory=Counter)


def _warcinfo_summary(archive: ArchiveDir) -> _WarcinfoSummary:
    summary = _WarcinfoSummary()
    for warc in archive.warc_files():
        fields = read_warcinfo(warc)
        summary.files += 1
        summary.robots[fields.get("robots", "not stated")] += 1
        summary.operators[fields.get("operator", "not stated")] += 1
        summary.software[fields.get("software", "not stated")] += 1
    return summary


ROBOTS_MEANING = {
    "obey": "robots.txt obeyed: disallowed URLs were not requested",
    "ignore": "robots.txt NOT obeyed",
}


@dataclass(frozen=True)
class _CardScope:
    """What an export is: its title, file, format, and whether it holds every version."""

    title: str
    data_file: str
    fmt: str
    all_versions: bool


VERSIONS_NOTE = (
    "A story gets a new version (`version` n+1, `previous` pointing at the record of "
    "version n) when a later crawl fetched it again and its title, byline or text had "
    "changed (`change` = `text`), or when it was captured at a URL no earlier line "
    "listed, its text unchanged (`change` = `copies`: a copy on a sister site; `url` and "
    "`site` are then that copy's, and `urls` lists every copy). A crawl fetches an "
    "archived story again only when it is due: by default often while it is new and "
    "rarely once it has long gone unchanged, or on a schedule the crawl was given "
    "(`--refresh-after DAYS`). An edit made between two checks is seen only in its last "
    "state, and a story with one version may simply not have been checked since it "
    "changed."
)


def dataset_card(summary: _Summary, scope: _CardScope, info: _WarcinfoSummary) -> str:
    """The Markdown dataset card of an export (Hugging Face's format: publish it as the
    dataset's ``README.md``)."""
    sections = [
        _card_head(scope),
        _card_contents(summary),
        ["## Versions", "", VERSIONS_NOTE],
        ["## Fields", "", *field_table(scope.fmt)],
        ["## Sites", "", "| site | rows |", "|---|---|",
         *(f"| {site} | {count} |" for site, count in sorted(summary.sites.items()))],
        _card_policy(info),
        _card_extractors(summary),
        _card_loading(scope),
    ]
    return "\n\n".join("\n".join(section) for section in sections) + "\n"


def _card_head(scope: _CardScope) -> list[str]:
    versions = "every version of each story" if scope.all_versions else (
        "the latest version of each story (highest `version`)")
    return [
        "---",
        f"pretty_name: {scope.title}",
        "configs:",
        f"- config_name: {'versions' if scope.all_versions else 'current'}",
        f"  data_files: {scope.data_file}",
        "---",
        "",
        f"# {scope.title}",
        "",
        f"`{scope.data_file}` ({scope.fmt}) holds {versions}, extracted from web archive "
        "(WARC) captures made by news-archive. Each row points (`warc`) at the WARC "
        "response record its text was extracted from. To publish it on the Hugging Face "
        "Hub, upload this card as the dataset's `README.md`.",
    ]


def _card_contents(summary: _Summary) -> list[str]:
    return [
        "## Contents",
        "",
        f"- Rows: {summary.rows} ({len(summary.stories)} distinct stories, by `id`)",
        f"- Records read: {summary.records_read} from {summary.runs_scanned} crawl run(s); "
        f"rows come from {len(summary.runs)} run(s)"
        + (f"; {summary.lines_skipped} damaged line(s) left out (`--skip-damaged`)"
           if summary.lines_skipped else ""),
        f"- Crawl window (`fetched_at` of every record read, UTC): "
        f"{_iso(summary.first_fetch)} to {_iso(summary.last_fetch)}",
        f"- Publication dates (`published`): {summary.first_published} to "
        f"{summary.last_published}",
        f"- Schema version: `{SCHEMA_VERSION}` (JSON Schema `archive/schema/"
        f"{SCHEMA_VERSION}.json`), plus a `run_id` column (the crawl run of the row)",
    ]


def _card_policy(info: _WarcinfoSummary) -> list[str]:
    return [
        "## Crawl policy",
        "",
        f"From the warcinfo records of the archive's {info.files} WARC file(s):",
        "",
        *(f"- robots policy `{value}` ({ROBOTS_MEANING.get(value, 'as stated')}): "
          f"{count} file(s)" for value, count in sorted(info.robots.items())),
        *(f"- operator: {value} ({count} file(s))" for value, count in
          sorted(info.operators.items())),
        *(f"- software: {value} ({count} file(s))" for value, count in
          sorted(info.software.items())),
    ]


def _card_extractors(summary: _Summary) -> list[str]:
    return [
        "## Extractor versions",
        "",
        "| extractor | version | site profile | news-archive | rows |",
        "|---|---|---|---|---|",
        *(f"| {name} | {version} | {profile} | {ours} | {count} |"
          for (name, version, profile, ours), count in sorted(
              summary.extractors.items(), key=lambda item: tuple(map(str, item[0])))),
    ]


def _card_loading(scope: _CardScope) -> list[str]:
    data_file, parquet = scope.data_file, scope.fmt == "parquet"
    return [
        "## Loading",
        "",
        "```python",
        "import pandas as pd",
        f"df = pd.read_{'parquet' if parquet else 'json'}("
        f"'{data_file}'{'' if parquet else ', lines=True'})",
        "",
        "import duckdb",
        f"duckdb.sql(\"SELECT site, count(*) FROM '{data_file}' GROUP BY site\").show()",
        "",
        "from datasets import load_dataset",
        f"ds = load_dataset('{'parquet' if parquet else 'json'}', data_files='{data_file}', "
        "split='train')",
        "```",
    ]


RUN_ID_MEANING = "The crawl run the row comes from (the name of its JSONL file)."


def field_table(fmt: str) -> list[str]:
    """A Markdown table of the export's fields: type in this format, and meaning (from
    the JSON Schema's descriptions)."""
    properties = {**article_schema()["properties"], "run_id": {"description": RUN_ID_MEANING}}
    rows = ["| field | type | meaning |", "|---|---|---|"]
    for field_ in PARQUET_SCHEMA:
        meaning = properties[field_.name]["description"]
        kind = str(field_.type) if fmt == "parquet" else _json_type(properties.get(field_.name))
        rows.append(f"| `{field_.name}` | {kind} | {_cell(meaning)} |")
    return rows


def _json_type(spec: dict | None) -> str:
    if spec is None:
        return "string"
    if "enum" in spec:
        return "one of " + ", ".join(f"`{value}`" for value in spec["enum"])
    kinds = spec.get("type", "object")
    return " or ".join(kinds) if isinstance(kinds, list) else kinds


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _iso(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment else "none"
