"""`news-archive export`: one dataset across runs (latest version of each story, or all),
Parquet with an explicit nested schema, and a dataset card."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from archive.export import PARQUET_SCHEMA
from tests.tools_fixtures import CrawledArchive, shared_crawl, tool  # noqa: F401 (fixture)

LATER_RUN = "29990101T000000000000Z-1"


@pytest.fixture(scope="module")
def two_runs(shared_crawl, tmp_path_factory) -> CrawledArchive:  # noqa: F811
    """A real crawl, plus a second run's JSONL in which the first story was edited (new
    title, fetched a day later: version 2) and every other story is absent."""
    archive = shared_crawl.copy(tmp_path_factory.mktemp("export") / "out")
    root = archive.root
    first, *_ = archive.articles()
    edited = dict(first, title="Edited: " + (first["title"] or ""))
    fetched = datetime.fromisoformat(first["fetched_at"]) + timedelta(days=1)
    edited["fetched_at"] = fetched.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    edited["version"] = 2
    edited["change"] = "text"
    edited["previous"] = {key: first["warc"][key] for key in ("record_id", "filename", "offset")}
    edited["previous"].update(fetched_at=first["fetched_at"], url=first["url"])
    (root / "jsonl" / f"{LATER_RUN}.jsonl").write_text(json.dumps(edited) + "\n")
    return CrawledArchive(root, [*archive.run_ids, LATER_RUN])


def export(archive, tmp_path, fmt, *extra):
    output = tmp_path / f"articles.{fmt}"
    result = tool("export", archive.root, "--format", fmt, "-o", output, *extra)
    assert result.returncode == 0, result.stderr
    return output


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_export_keeps_the_latest_version_of_each_story(two_runs, tmp_path):
    crawled = two_runs.articles(two_runs.run_ids[0])
    (edited,) = two_runs.articles(LATER_RUN)
    rows = read_jsonl(export(two_runs, tmp_path, "jsonl"))
    assert len(rows) == len({a["id"] for a in crawled}) == len(crawled)
    by_id = {row["id"]: row for row in rows}
    assert by_id[edited["id"]]["title"] == edited["title"]
    assert by_id[edited["id"]]["run_id"] == LATER_RUN
    for article in crawled[1:]:
        assert by_id[article["id"]] == {**article, "run_id": two_runs.run_ids[0]}
    assert [row["fetched_at"] for row in rows] == sorted(row["fetched_at"] for row in rows)


def test_all_versions_keeps_every_record(two_runs, tmp_path):
    rows = read_jsonl(export(two_runs, tmp_path, "jsonl", "--all-versions"))
    expected = len(two_runs.articles(two_runs.run_ids[0])) + 1
    assert len(rows) == expected
    (edited,) = two_runs.articles(LATER_RUN)
    titles = [row["title"] for row in rows if row["id"] == edited["id"]]
    assert len(titles) == 2 and edited["title"] in titles


def test_parquet_has_the_explicit_schema_and_the_same_rows(two_runs, tmp_path):
    jsonl_rows = read_jsonl(export(two_runs, tmp_path, "jsonl"))
    table = pq.read_table(export(two_runs, tmp_path, "parquet"))
    assert table.schema.equals(PARQUET_SCHEMA)
    assert pa.types.is_list(table.schema.field("related_reports").type)
    assert pa.types.is_struct(table.schema.field("related_reports").type.value_type)
    assert pa.types.is_struct(table.schema.field("warc").type)
    rows = table.to_pylist()
    assert any(row["images"] for row in rows)
    assert [row["id"] for row in rows] == [row["id"] for row in jsonl_rows]
    for row, source in zip(rows, jsonl_rows, strict=True):
        assert row["warc"] == source["warc"]
        assert row["text"] == source["text"]
        assert row["urls"] == source["urls"]
        assert row["fetched_at"] == datetime.fromisoformat(source["fetched_at"])
        published = source["published"]
        assert row["published"] == (date.fromisoformat(published) if published else None)
        assert [r["text"] for r in row["related_reports"]] == [
            r["text"] for r in source["related_reports"]
        ]
        assert row["images"] == source["images"]
        assert (row["version"], row["change"]) == (source["version"], source["change"])
        previous = source["previous"]
        assert row["previous"] == (previous and {
            **previous, "fetched_at": datetime.fromisoformat(previous["fetched_at"])})
    assert sorted(row["version"] for row in rows)[-1] == 2


def test_lines_of_older_releases_get_the_later_fields_and_the_highest_version_wins(
    two_runs, tmp_path
):
    """Lines written before every line carried ``version``/``change``/``previous`` and
    ``images`` get them in the export, so all rows have the same fields (HF datasets
    needs that; ``images`` null: not looked for, not none found); and version 2 is the
    latest even when its clock was behind version 1's."""
    archive = two_runs.copy(tmp_path / "out")
    [first_run, later_run] = (archive.jsonl(run) for run in archive.run_ids)
    later_fields = ("version", "change", "previous", "images")
    legacy = [{k: v for k, v in line.items() if k not in later_fields}
              for line in map(json.loads, first_run.read_text().splitlines())]
    first_run.write_text("".join(json.dumps(line) + "\n" for line in legacy))
    edited = json.loads(later_run.read_text())
    edited["fetched_at"] = "2000-01-01T00:00:00.000000Z"  # a worker whose clock was behind
    later_run.write_text(json.dumps(edited) + "\n")
    rows = read_jsonl(export(archive, tmp_path, "jsonl"))
    assert {(row["version"], row["change"], row["previous"], row["images"]) for row in rows
            if row["id"] != edited["id"]} == {(1, "first", None, None)}
    [latest] = [row for row in rows if row["id"] == edited["id"]]
    assert (latest["version"], latest["title"]) == (2, edited["title"])
    every = read_jsonl(export(archive, tmp_path, "jsonl", "--all-versions"))
    assert len({tuple(sorted(row)) for row in every}) == 1  # the same fields on every row


def test_export_into_a_folder_that_does_not_exist_yet(two_runs, tmp_path):
    output = tmp_path / "new" / "folder" / "articles.parquet"
    result = tool("export", two_runs.root, "--format", "parquet", "-o", output)
    assert result.returncode == 0, result.stderr
    assert pq.read_table(output).num_rows == len(two_runs.articles(two_runs.run_ids[0]))


def test_dataset_card_describes_the_export(two_runs, tmp_path):
    output = export(two_runs, tmp_path, "parquet")
    card = output.with_name("articles.parquet.md").read_text(encoding="utf-8")
    assert "pretty_name: SpaceDaily network news archive\n" in card
    assert "- config_name: current\n  data_files: articles.parquet\n" in card
    for field in PARQUET_SCHEMA:  # every column, with its type and meaning
        assert f"| `{field.name}` | {field.type} | " in card
    assert "| `extractor` | struct<name: string, version: string, profile: string, " \
        "news_archive: string> | What made the record: the extractor" in card
    assert card.count("The crawl run the row comes from") == 1
    assert "| `change` | string | Why the line was written: 'first' (version 1)" in card
    articles = two_runs.articles(two_runs.run_ids[0])
    fetched = sorted(a["fetched_at"] for a in [*articles, *two_runs.articles(LATER_RUN)])
    assert f"- Rows: {len(articles)} ({len(articles)} distinct stories" in card
    assert "from 2 crawl run(s)" in card
    assert f"Crawl window (`fetched_at` of every record read, UTC): {fetched[0]} to " in card
    assert f" to {fetched[-1]}\n" in card
    for site in {a["site"] for a in articles}:
        assert f"| {site} | " in card
    assert "robots policy `obey`" in card
    assert f"{len(two_runs.warc_files)} file(s)" in card
    extractor = articles[0]["extractor"]
    assert f"| trafilatura | {extractor['version']} | {extractor['profile']} |" in card
    assert "Schema version: `article-v1`" in card
    versions = export(two_runs, tmp_path, "jsonl", "--all-versions")
    card = versions.with_name("articles.jsonl.md").read_text(encoding="utf-8")
    assert "- config_name: versions\n" in card
    assert "| `fetched_at` | string | WARC-Date" in card
    assert "| `change` | one of `first`, `text`, `copies` | " in card


def test_bad_input_is_a_clear_error(two_runs, tmp_path):
    root = tmp_path / "out"
    shutil.copytree(two_runs.root, root)
    with (root / "jsonl" / f"{LATER_RUN}.jsonl").open("a") as jsonl:
        jsonl.write("{not json\n")
    result = tool("export", root, "--format", "parquet", "-o", tmp_path / "x.parquet")
    assert result.returncode == 1
    assert f"{LATER_RUN}.jsonl:2: not a JSON line" in result.stderr
    assert not (tmp_path / "x.parquet").exists()
    empty = tool("export", tmp_path / "empty", "--format", "jsonl", "-o", tmp_path / "y.jsonl")
    assert empty.returncode == 1 and "no JSONL files" in empty.stderr


def test_skip_damaged_leaves_out_the_damaged_lines_and_says_which(two_runs, tmp_path):
    root = tmp_path / "out"
    shutil.copytree(two_runs.root, root)
    with (root / "jsonl" / f"{LATER_RUN}.jsonl").open("a") as jsonl:
        jsonl.write("{not json\n[1, 2]\n")
    (tmp_path / "whole").mkdir()
    whole = export(two_runs, tmp_path / "whole", "jsonl")
    output = tmp_path / "x.jsonl"
    result = tool("export", root, "--format", "jsonl", "--skip-damaged", "-o", output)
    assert result.returncode == 0, result.stderr
    assert f"left out: {root}/jsonl/{LATER_RUN}.jsonl:2: not a JSON line" in result.stderr
    assert f"left out: {root}/jsonl/{LATER_RUN}.jsonl:3: not an article record" in (
        result.stderr)
    assert read_jsonl(output) == read_jsonl(whole)
    assert "2 damaged line(s) left out" in output.with_name("x.jsonl.md").read_text()


def test_a_record_that_does_not_fit_the_schema_is_a_clear_error(two_runs, tmp_path):
    archive = two_runs.copy(tmp_path / "out")
    path = archive.jsonl(LATER_RUN)
    record = json.loads(path.read_text())
    path.write_text(json.dumps({**record, "published": "24 April 2007"}) + "\n")
    result = tool("export", archive.root, "--format", "parquet", "-o", tmp_path / "x.parquet")
    assert result.returncode == 1
    assert "a record does not fit the parquet export" in result.stderr
    assert "24 April 2007" in result.stderr
    assert not (tmp_path / "x.parquet").exists()
