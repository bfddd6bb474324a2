"""`news-archive crawl` options and `scrapy crawl network`, each run for real."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scrapy.utils.test import get_crawler

from archive.warcinfo import read_warcinfo, run_id
from crawler.process import project_settings
from crawler.runs import OutputLock
from crawler.spiders.network import SiteSelectionError, canonical_url, resolve_sites
from tests.crawl_fixtures import REPLICA_SETTINGS, read_warc, run_crawl_cli

REPO = Path(__file__).resolve().parents[1]


def test_unknown_site_is_a_usage_error(tmp_path):
    run = run_crawl_cli(tmp_path / "out", "--site", "example.org")
    assert run.result.returncode == 64
    assert "unknown site 'example.org'" in run.result.stderr
    assert "spacewar.com" in run.result.stderr
    assert not (tmp_path / "out" / "warc").exists()


def test_malformed_setting_is_a_usage_error(tmp_path):
    run = run_crawl_cli(tmp_path / "out", "-s", "DOWNLOAD_DELAY")
    assert run.result.returncode == 64
    assert "NAME=VALUE" in run.result.stderr


@pytest.mark.parametrize(("pair", "expected"), [
    ("DOWNLOAD_DELAY=abc", "DOWNLOAD_DELAY takes a number"),
    ("HUB_BARREN_LIMIT=many", "HUB_BARREN_LIMIT takes a number"),
    ("ROBOTSTXT_OBEY=maybe", "ROBOTSTXT_OBEY takes true or false"),
])
def test_a_setting_value_of_the_wrong_type_is_a_usage_error(pair, expected, tmp_path):
    run = run_crawl_cli(tmp_path / "out", "-s", pair)
    assert run.result.returncode == 64
    assert run.result.stderr.strip() == f"news-archive crawl: -s {pair}: {expected} " + (
        f"(default: {_project_default(pair.partition('=')[0])!r})")
    assert not (tmp_path / "out").exists()


def test_a_setting_name_that_is_no_setting_gets_a_warning(mirror, tmp_path):
    run = run_crawl_cli(tmp_path / "out", "--proxy", mirror.proxy, "--site", "spacewar",
                        "--max-pages", "2", *REPLICA_SETTINGS, "-s", "DOWNLOAD_DELY=5")
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    assert ("news-archive crawl: warning: -s DOWNLOAD_DELY: not a setting of Scrapy or of "
            "this project (misspelt?)") in run.result.stderr
    assert "-s DOWNLOAD_DELAY" not in run.result.stderr  # REPLICA_SETTINGS' are known


def _project_default(name: str):
    from crawler.process import project_settings

    return project_settings().get(name)


@pytest.mark.parametrize("proxy", ["http://127.0.0.1:", "http://127.0.0.1:port",
                                   "127.0.0.1:8080", "ftp://127.0.0.1:21"])
def test_a_malformed_proxy_is_a_usage_error(proxy, tmp_path):
    run = run_crawl_cli(tmp_path / "out", "--proxy", proxy)
    assert run.result.returncode == 64
    assert "--proxy" in run.result.stderr
    assert not (tmp_path / "out").exists()


def test_a_run_that_got_no_response_at_all_fails_loudly_even_when_quiet(tmp_path):
    """A dead proxy (or site) must not look like a quiet night to cron: exit 1, and
    the summary that --quiet otherwise keeps back."""
    with socket.socket() as closed:  # a port with nothing listening on it
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    run = run_crawl_cli(tmp_path / "out", "--proxy", f"http://127.0.0.1:{port}",
                        "--site", "spacewar", "--quiet", *REPLICA_SETTINGS,
                        "-s", "RETRY_TIMES=0")
    assert run.result.returncode == 1
    assert "NOTHING ARCHIVED: no download got a response" in run.result.stdout
    assert "ended: finished (exit code 1)" in run.result.stdout
    assert "Traceback" not in run.result.stderr  # one line per failure, for cron's mail
    assert len(run.result.stderr.splitlines()) < 30


def test_no_requisites_and_max_pages(mirror, tmp_path):
    run = run_crawl_cli(
        tmp_path / "out", "--proxy", mirror.proxy, "--site", "terradaily",
        "--no-requisites", "--max-pages", "6", *REPLICA_SETTINGS,
        "-s", "CONCURRENT_REQUESTS=1",
    )
    assert run.result.returncode == 0, run.result.stderr[-2000:]
    responses = run.of_type("response")
    assert responses
    # stopped early (a full crawl of the site takes ~40): the one in flight may still land
    assert len(responses) <= 6 + 2
    hosts = {urlsplit(r.uri).hostname for r in responses}
    assert "www.spxdaily.com" not in hosts
    assert not any(urlsplit(r.uri).path.endswith(".css") for r in responses)


def test_scrapy_crawl_network_works_from_the_repo_root(mirror, tmp_path):
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "network", "-a", "sites=terradaily.com",
         "-s", f"ARCHIVE_DIR={out}", "-s", f"PROXY_URL={mirror.proxy}",
         "-s", "CLOSESPIDER_PAGECOUNT=5", *REPLICA_SETTINGS],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    [warc] = (out / "warc").glob("*.warc.gz")
    uris = {r.headers.get("WARC-Target-URI") for r in read_warc(warc)}
    assert "http://www.terradaily.com/robots.txt" in uris
    assert "http://www.terradaily.com/index.html" in uris
    assert "Traceback" not in result.stderr
    assert re.fullmatch(r"\d{8}T\d{12}Z-\d+", run_id(read_warcinfo(warc)) or "")


def test_each_crawl_of_a_process_gets_a_run_id_of_its_own(tmp_path):
    """The run id is made as a crawl starts (an add-on), not when the settings module is
    imported: two crawls in one process are two runs."""
    settings = {**project_settings().copy_to_dict(), "TWISTED_REACTOR_ENABLED": False,
                "ARCHIVE_DIR": str(tmp_path / "out")}
    first, second = get_crawler(settings_dict=settings), get_crawler(settings_dict=settings)
    ids = {first.settings.get("ARCHIVE_RUN_ID"), second.settings.get("ARCHIVE_RUN_ID")}
    assert len(ids) == 2 and "" not in ids
    given = get_crawler(settings_dict={**settings, "ARCHIVE_RUN_ID": "nightly-1"})
    assert given.settings.get("ARCHIVE_RUN_ID") == "nightly-1"


def test_scrapy_crawl_leaves_a_directory_in_use_alone(mirror, tmp_path):
    """`scrapy crawl` takes the output directory's lock as `news-archive crawl` does:
    it must not mend the open WARC file of a crawl that is still writing it."""
    out = tmp_path / "out"
    open_warc = out / "warc" / "news-archive-20260101000000-00000-host.warc.gz.open"
    open_warc.parent.mkdir(parents=True)
    open_warc.write_bytes(b"\x1f\x8b half a gzip member of the running crawl")
    with OutputLock(out / ".lock"):
        result = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "network", "-a", "sites=terradaily.com",
             "-s", f"ARCHIVE_DIR={out}", "-s", f"PROXY_URL={mirror.proxy}", *REPLICA_SETTINGS],
            cwd=REPO, capture_output=True, text=True, timeout=120,
        )
    assert result.returncode != 0
    assert "in use by another crawl" in result.stderr
    assert open_warc.read_bytes() == b"\x1f\x8b half a gzip member of the running crawl"
    assert [p.name for p in (out / "warc").iterdir()] == [open_warc.name]


def test_site_names_and_canonical_urls():
    assert resolve_sites(["spacewar", "www.spacedaily.com", "http://terradaily.com/"]) == [
        "spacewar.com", "spacedaily.com", "terradaily.com",
    ]
    with pytest.raises(SiteSelectionError):
        resolve_sites(["spxdaily.com"])  # serves images only: not a site to crawl
    assert canonical_url("http://spacewar.com/reports/A_999.html#top") == (
        "http://www.spacewar.com/reports/A_999.html"
    )
    assert canonical_url("http://SpaceWar.com:80/x.html?p=2") == "http://www.spacewar.com/x.html?p=2"
    assert canonical_url("http://example.org/reports/A_999.html") is None
    assert canonical_url("mailto:editor@spacewar.com") is None


def test_a_module_in_the_working_directory_does_not_shadow_the_workers_imports(
    mirror, tmp_path
):
    """cron runs in $HOME: a stray `inspect.py` there must not kill the extraction
    workers (they start with `python -P`)."""
    (tmp_path / "inspect.py").write_text("raise ImportError('the shadowing module ran')\n")
    out = tmp_path / "out"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "news-archive"), "crawl", "--out", str(out),
         "--proxy", mirror.proxy, "--site", "spacewar", "--max-pages", "12", "--quiet",
         *REPLICA_SETTINGS],
        cwd=tmp_path, capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "the shadowing module ran" not in result.stderr
    [stats] = (out / "runs").glob("*.json")
    assert json.loads(stats.read_text()).get("extraction/article", 0) > 0


def test_a_run_whose_workers_cannot_extract_anything_exits_1_and_says_so(mirror, tmp_path):
    """Workers that die on start (a broken trafilatura: only they import it) leave the
    pages archived but no record: that is not a quiet night for cron."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "trafilatura.py").write_text("raise ImportError('broken trafilatura')\n")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "--out", str(out), "--proxy",
         mirror.proxy, "--site", "spacewar", "--max-pages", "12", "--quiet",
         *REPLICA_SETTINGS],
        capture_output=True, text=True, timeout=240,
        env={**os.environ, "PYTHONPATH": str(shadow)},
    )
    assert result.returncode == 1, result.stderr[-2000:]
    [line] = [x for x in result.stdout.splitlines() if "EXTRACTION FAILED" in x]
    [stats] = (out / "runs").glob("*.json")
    errors = json.loads(stats.read_text())["summary"]["errors"]["extraction"]
    assert errors > 0 and f": {errors} page(s) archived but not extracted" in line
    assert list((out / "warc").glob("*.warc.gz"))  # the archive has the pages


@pytest.mark.parametrize("state", [True, False], ids=["state-store", "no-state-store"])
def test_crawl_mends_what_a_killed_run_left_open(mirror, tmp_path, state):
    from archive.exchange import HttpExchange
    from archive.writer import WarcFileWriter

    scratch = tmp_path / "scratch"
    writer = WarcFileWriter(scratch, hostname="killed")
    writer.write_exchange(HttpExchange(
        url="http://www.spacewar.com/index.html", method="GET", request_target="/index.html",
        request_headers=[("Host", "www.spacewar.com")], protocol="HTTP/1.1", status=200,
        reason="OK", response_headers=[("Content-Type", "text/html")], payload=b"<html></html>",
    ))
    [left_open] = scratch.glob("*.open")
    warc_dir = tmp_path / "out" / "warc"
    warc_dir.mkdir(parents=True)
    (warc_dir / left_open.name).write_bytes(left_open.read_bytes() + b"\x1f\x8b\x08\x00cut")
    writer.close()
    jsonl_dir = tmp_path / "out" / "jsonl"
    jsonl_dir.mkdir()
    (jsonl_dir / "20200101T000000000000Z-1.jsonl.open").write_bytes(b'{"id": "torn')

    run = run_crawl_cli(
        tmp_path / "out", "--proxy", mirror.proxy, "--site", "spacewar", "--max-pages", "2",
        *REPLICA_SETTINGS, "-s", "CONCURRENT_REQUESTS=1", "-s", f"ARCHIVE_STATE_ENABLED={state}",
    )
    assert run.result.returncode == 0, run.result.stderr[-2000:]
    assert run.result.stderr.count("left open by an earlier run") == 1
    assert run.result.stderr.count("Finished the JSONL of an interrupted run") == 1
    assert not list(warc_dir.glob("*.open")) and not list(jsonl_dir.glob("*.open"))
    assert (jsonl_dir / "20200101T000000000000Z-1.jsonl").read_bytes() == b""
    [stats] = (tmp_path / "out" / "runs").glob("*.json")
    assert json.loads(stats.read_text())["summary"]["mended"] == {
        "warc_files": 1, "jsonl_files": 1}
    mended = warc_dir / left_open.name.removesuffix(".open")
    assert [r.type for r in read_warc(mended)] == ["warcinfo", "response", "request"]
    assert subprocess.run(["gzip", "-t", str(mended)]).returncode == 0


def test_a_full_disk_stops_the_crawl_and_keeps_what_was_written(mirror, tmp_path):
    """RLIMIT_FSIZE stands in for a full disk: a write past it fails with EFBIG."""
    import resource
    import signal

    limit = 150_000

    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "crawl", "--out", str(out), "--proxy",
         mirror.proxy, *REPLICA_SETTINGS, "-s", "EXTRACTION_ENABLED=False"],
        capture_output=True, text=True, timeout=240, preexec_fn=limit_file_size,
    )
    assert result.returncode == 1
    assert "Stopping the crawl" in result.stderr
    [warc] = (out / "warc").glob("*.warc.gz")
    assert warc.stat().st_size <= limit
    assert subprocess.run(["gzip", "-t", str(warc)]).returncode == 0
    records = read_warc(warc)
    assert records[0].type == "warcinfo" and len(records) > 3
    assert len(records) % 2 == 1  # whole request/response pairs only
