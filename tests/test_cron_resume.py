"""A run stopped before its end leaves links it found but never requested, some of them
on story pages only (copies of cross-posted stories). The next run does not fetch those
pages again, so it follows the links of every page the stopped run archived: the two
runs together archive what one uninterrupted run does."""

from __future__ import annotations

import json

import pytest

from tests.crawl_fixtures import REPLICA_SETTINGS, CrawlRun, run_crawl_cli
from tests.cron_fixtures import archived_urls


def last_stats(run: CrawlRun) -> dict:
    newest = sorted((run.out / "runs").glob("*.json"))[-1]
    return json.loads(newest.read_text())


@pytest.fixture(scope="module")
def uninterrupted(mirror, tmp_path_factory) -> CrawlRun:
    out = tmp_path_factory.mktemp("uninterrupted") / "archive"
    run = run_crawl_cli(out, "--proxy", mirror.proxy, *REPLICA_SETTINGS)
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    return run


@pytest.mark.parametrize("share", [0.4, 0.7])
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
    assert expected - archived_urls(resumed.out) == set()
    stats = last_stats(resumed)
    assert stats["state/followed_again/files"] == stopped_files
    assert stats["state/followed_again/pages"] > 0

    # The resumed run ended with nothing left: the run after it reads no page again.
    again = run_crawl_cli(out, "--proxy", mirror.proxy, *REPLICA_SETTINGS)
    assert again.result.returncode == 0, again.result.stderr[-3000:]
    assert "state/followed_again/files" not in last_stats(again)
