"""A run stopped before its end leaves links it found but never requested, some of them
on story pages only (copies of cross-posted stories). The next run does not fetch those
pages again, so it follows the links of every page the stopped run archived: the two
runs together archive what one uninterrupted run does."""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import replace

import pytest

from archive.state import SqliteStateStore
from tests.crawl_fixtures import REPLICA_SETTINGS, CrawlRun, run_crawl_cli
from tests.cron_fixtures import archived_urls, latest_story_urls, run_crawl, run_stats


def last_stats(run: CrawlRun) -> dict:
    newest = sorted((run.out / "runs").glob("*.json"))[-1]
    return json.loads(newest.read_text())


@pytest.fixture(scope="module")
def uninterrupted(mirror, tmp_path_factory) -> CrawlRun:
    out = tmp_path_factory.mktemp("uninterrupted") / "archive"
    run = run_crawl_cli(out, "--proxy", mirror.proxy, *REPLICA_SETTINGS)
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    return run


#: Where the first run stops, as a share of an uninterrupted run's responses. Well below
#: the end: the requests in flight when it stops (up to CONCURRENT_REQUESTS) are answered
#: and archived too, and at 0.7 they sometimes finished the crawl.
@pytest.mark.parametrize("share", [0.4, 0.6])
def test_the_run_after_one_stopped_early_archives_what_an_uninterrupted_run_does(
    share, mirror, uninterrupted, tmp_path
):
    expected = archived_urls(uninterrupted.out)
    out = tmp_path / "archive"
    pages = int(share * len(uninterrupted.of_type("response")))
    stopped = run_crawl_cli(out, "--proxy", mirror.proxy, *REPLICA_SETTINGS,
                            "--max-pages", str(pages))
    assert stopped.result.returncode == 0, stopped.result.stderr[-3000:]
    assert last_stats(stopped)["finish_reason"] == "closespider_pagecount"
    assert expected - archived_urls(stopped.out)  # there is something left to do
    stopped_files = len(stopped.warc_files)

    resumed = run_crawl_cli(out, "--proxy", mirror.proxy, *REPLICA_SETTINGS)
    assert resumed.result.returncode == 0, resumed.result.stderr[-3000:]
    assert sorted(expected - archived_urls(resumed.out)) == []
    # The dataset too: a copy the resumed run captured of a story the stopped run
    # recorded is listed by a new version of that story's line.
    assert latest_story_urls(out) == latest_story_urls(uninterrupted.out)
    stats = last_stats(resumed)
    [resumed_lines] = [p for p in (out / "jsonl").glob("*.jsonl") if p.stem == stats["run_id"]]
    versions = [json.loads(line) for line in resumed_lines.read_text().splitlines()]
    new_copies = stats["summary"]["stories"]["new_copies"]
    assert new_copies == sum(line["change"] == "copies" for line in versions)
    assert all(line["version"] == 1 for line in versions if line["change"] == "first")
    assert stats["state/followed_again/files"] == stopped_files
    assert stats["state/followed_again/pages"] > 0
    again = stats["summary"]["followed_again"]
    assert again == {"files": stopped_files, "pages": stats["state/followed_again/pages"]}
    assert (f"links left by runs that stopped early: read from {again['pages']} page(s) "
            f"in {stopped_files} WARC file(s)\n") in resumed.result.stdout

    # The resumed run ended with nothing left: the run after it reads no page again.
    again = run_crawl_cli(out, "--proxy", mirror.proxy, *REPLICA_SETTINGS)
    assert again.result.returncode == 0, again.result.stderr[-3000:]
    assert "state/followed_again/files" not in last_stats(again)


def test_a_damaged_file_of_a_stopped_run_is_reported_and_read_again_next_time(
    mirror, uninterrupted, tmp_path
):
    out = tmp_path / "archive"
    pages = len(uninterrupted.of_type("response")) // 2
    stopped = run_crawl_cli(out, "--proxy", mirror.proxy, *REPLICA_SETTINGS,
                            "--max-pages", str(pages))
    assert stopped.result.returncode == 0, stopped.result.stderr[-3000:]
    [damaged] = stopped.warc_files
    story = [r for r in stopped.records if r.type == "response"
             and r.status == 200 and "/reports/" in r.uri][-1]
    with damaged.open("r+b") as stream:  # garbage in the middle of a story's record
        stream.seek(story.offset + 300)
        stream.write(b"\0" * 200)

    for _ in range(2):  # not marked followed: the next run reads it again
        run = run_crawl(out, mirror.proxy, "--quiet")
        assert run.returncode == 0, run.stderr[-3000:]
        assert f"WARC file damaged: {damaged}" in run.stderr
        stats = run_stats(out)[-1]
        assert stats["state/followed_again/unreadable_files"] == 1
        assert stats["state/followed_again/pages"] > 0  # those before the damage
        assert stats["summary"]["followed_again"]["unreadable_files"] == 1


def test_a_copy_archived_but_missing_from_its_story_line_is_fetched_again_and_listed(
    mirror, uninterrupted, tmp_path
):
    """What a kill between a copy's WARC record and its JSONL line leaves: the story has
    a line, the copy a record, but the line does not list it, and the run's files are
    not marked followed. The next run finds the copy's link on the archived story page,
    fetches it again (its body is needed: no conditional request), and the story's new
    line lists it."""
    out = tmp_path / "archive"
    shutil.copytree(uninterrupted.out, out)
    [jsonl] = (out / "jsonl").glob("*.jsonl")
    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    shared = next(line for line in lines if len(line["urls"]) > 1)
    kept, *dropped = shared["urls"]
    jsonl.write_text("".join(
        json.dumps({**line, "urls": [kept]} if line is shared else line) + "\n" for line in lines
    ))
    store = SqliteStateStore(out / "state.sqlite3")
    store.save_story(replace(store.story(shared["id"]), urls=json.dumps([kept])))
    store.close()
    with sqlite3.connect(out / "state.sqlite3") as db:  # a killed run marks no file followed
        db.execute("DELETE FROM followed")

    again = run_crawl_cli(out, "--proxy", mirror.proxy, *REPLICA_SETTINGS)
    assert again.result.returncode == 0, again.result.stderr[-3000:]
    assert latest_story_urls(out)[shared["id"]] == set(shared["urls"])
    stats = last_stats(again)
    refetched = [r.uri for r in again.records if r.type == "revisit"
                 and r.headers["WARC-Profile"].endswith("identical-payload-digest")
                 and r.uri in dropped]
    assert sorted(refetched) == sorted(dropped)
    assert stats["summary"]["stories"]["new_copies"] == 1
