"""Replay in pywb: two real crawls of the replica, our merged CDXJ index, and pywb's
`wayback` (in its own virtualenv, `make .venv-pywb/.installed`) serving them on 127.0.0.1.

Every archived capture of both runs (stories, listings, home pages, feeds, requisites) is
fetched through replay in ``id_`` mode (the original bytes) and compared with what the
replica serves for that URL (it is deterministic). The second run's revisit records are
replayed the same way: an identical-payload-digest revisit gives the original payload;
a server-not-modified one (a 304, left out of the merged index) the page it vouches for,
from the nearest capture with content. Revisits of both profiles written by archive/'s
writer from real re-fetches are replayed by a test of their own.
"""

from __future__ import annotations

import gzip
import http.client
import re
import shutil
import socket
import subprocess
import time
import zlib
from collections import Counter
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.exchange import HttpExchange
from archive.index import iter_cdxj
from archive.reader import read_record
from archive.records import RefersTo, RevisitProfile
from archive.warcinfo import read_warcinfo, run_id
from archive.writer import WarcFileWriter
from tests.tools_fixtures import CrawledArchive, crawl, shared_crawl, tool  # noqa: F401

REPO = Path(__file__).resolve().parent.parent
PYWB_BIN = REPO / ".venv-pywb" / "bin"
COLLECTION = "news"
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Wayback:
    """pywb's `wayback` serving one collection from a config.yaml in ``workdir``."""

    def __init__(self, workdir: Path, archive_root: Path) -> None:
        (workdir / "config.yaml").write_text(
            "collections:\n"
            f"  {COLLECTION}:\n"
            f"    index_paths: {archive_root / 'indexes' / 'index.cdxj'}\n"
            f"    archive_paths: {archive_root / 'warc'}/\n"
        )
        self.port = free_port()
        self.log = (workdir / "wayback.log").open("wb")
        self.process = subprocess.Popen(
            [str(PYWB_BIN / "wayback"), "--bind", "127.0.0.1", "--port", str(self.port)],
            cwd=workdir, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "wayback exited"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("wayback did not start listening")

    def replay(
        self, timestamp: str, url: str, mode: str = "id_"
    ) -> tuple[int, dict[str, str], bytes]:
        """pywb's answer for ``url`` at ``timestamp``: ``id_`` the archived bytes, ``mp_``
        the page rewritten for browsing, as its UI shows it."""
        return self.get(f"/{COLLECTION}/{timestamp}{mode}/{url}")

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            headers = {name.lower(): value for name, value in response.getheaders()}
            return response.status, headers, decoded(headers, response.read())
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def decoded(headers: dict[str, str], body: bytes) -> bytes:
    encoding = headers.get("content-encoding", "").lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    assert encoding in ("", "identity"), encoding
    return body


def fetch_from_replica(mirror, url: str) -> tuple[int, bytes]:
    """What the replica serves for ``url`` now, through it as a proxy, unencoded."""
    connection = http.client.HTTPConnection("127.0.0.1", mirror.port, timeout=30)
    try:
        connection.request("GET", url, headers={"Accept-Encoding": "identity"})
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        return response.status, decoded(headers, response.read())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def two_runs(shared_crawl, mirror, tmp_path_factory) -> CrawledArchive:  # noqa: F811
    """The shared crawl, a second crawl of the same replica into the same directory, and
    the merged index of both."""
    first = shared_crawl.copy(tmp_path_factory.mktemp("replay") / "out")
    second = crawl(first.root, mirror.proxy)
    indexed = tool("index", first.root)
    assert indexed.returncode == 0, indexed.stderr
    return CrawledArchive(first.root, [*first.run_ids, second])


@pytest.fixture(scope="module")
def wayback(two_runs, tmp_path_factory):
    assert (PYWB_BIN / "wayback").is_file(), "pywb missing: run `make .venv-pywb/.installed`"
    server = Wayback(tmp_path_factory.mktemp("pywb"), two_runs.root)
    yield server
    server.stop()


def index_lines(archive: CrawledArchive) -> list[tuple[str, dict]]:
    return [(ts, fields) for _, ts, fields in iter_cdxj(archive.root / "indexes" / "index.cdxj")]


def captures_of_run(archive: CrawledArchive, run_index: int) -> list[tuple[str, dict]]:
    """Index lines of the WARC files the run wrote (their warcinfo names the run)."""
    run = archive.run_ids[run_index]
    files = {w.name for w in archive.warc_files if run_id(read_warcinfo(w)) == run}
    assert files, f"no WARC file names run {run}"
    return [(ts, fields) for ts, fields in index_lines(archive) if fields["filename"] in files]


def assert_replays_as_served(wayback, mirror, timestamp: str, url: str) -> str:
    """Replay of ``url`` at ``timestamp`` is a 200 with the bytes the replica serves now;
    returns the timestamp of the capture pywb replayed (its Memento-Datetime)."""
    status, headers, body = wayback.replay(timestamp, url)
    assert status == 200, (url, status)
    expected_status, expected = fetch_from_replica(mirror, url)
    assert expected_status == 200, url
    assert body == expected, url
    return parsedate_to_datetime(headers["memento-datetime"]).strftime("%Y%m%d%H%M%S")


def not_modified_captures(archive: CrawledArchive | Path) -> list[tuple[str, str]]:
    """(timestamp, url) of every 304 capture, from the per-WARC indexes (which index every
    record; the merged one leaves 304s out)."""
    root = archive if isinstance(archive, Path) else archive.root
    return [
        (timestamp, fields["url"])
        for index in (root / "indexes" / "warc").rglob("*.cdxj")
        for _, timestamp, fields in iter_cdxj(index)
        if fields["status"] == "304"
    ]


@pytest.mark.parametrize("run_index", [0, 1], ids=["first-run", "second-run"])
def test_every_archived_capture_replays_as_the_replica_served_it(
    two_runs, wayback, mirror, run_index
):
    captures = [
        (ts, fields) for ts, fields in captures_of_run(two_runs, run_index)
        if fields.get("status") == "200" or fields["mime"] == "warc/revisit"
    ]
    stories = {article["url"] for article in two_runs.articles(two_runs.run_ids[run_index])}
    replayed = {fields["url"] for _, fields in captures}
    assert stories <= replayed
    if run_index == 0:  # the second run's home pages are 304s: the test below
        assert any(urlsplit(url).path == "/index.html" for url in replayed), "no home page"
    for timestamp, fields in captures:
        assert assert_replays_as_served(wayback, mirror, timestamp, fields["url"]) == timestamp


def test_a_304_capture_replays_as_the_page_it_vouches_for(two_runs, wayback, mirror):
    """The second run's conditional GETs of unchanged listings and feeds were answered
    304 and archived as server-not-modified revisits. pywb would replay such a capture as
    an empty 304 (it serves a revisit's own HTTP status), so the merged index leaves them
    out and replay at their time gives the page from the nearest capture with content."""
    not_modified = not_modified_captures(two_runs)
    assert len(not_modified) >= 10, "the second run got no 304s"
    assert any(urlsplit(url).path == "/index.html" for _, url in not_modified), "no home page"
    assert all(fields["status"] != "304" for _, fields in index_lines(two_runs))
    for timestamp, url in not_modified:
        replayed_from = assert_replays_as_served(wayback, mirror, timestamp, url)
        assert replayed_from != timestamp, url


#: A link pywb's rewriting gave an image or stylesheet of a page: ``.../<ts>im_/<url>``.
REWRITTEN_REQUISITE = re.compile(r'(?:src|href)="([^"]*/[0-9]+(?:im|cs)_/[^"]+)"')


def test_pages_replay_for_browsing_with_their_images_and_stylesheets(two_runs, wayback):
    """Browsing after the second run (pywb's rewritten ``mp_`` mode, as its UI shows a
    page): every HTML page either run archived loads, and so does every image and
    stylesheet it uses, from whichever run archived them (the second fetched no image
    again, and its unchanged pages are 304s)."""
    after_both = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    pages = sorted({
        fields["url"] for _, fields in index_lines(two_runs)
        if fields["mime"] == "text/html" and fields["status"] == "200"
    })
    requisites = set()
    for url in pages:
        status, _, body = wayback.replay(after_both, url, mode="mp_")
        assert status == 200, url
        requisites |= set(REWRITTEN_REQUISITE.findall(body.decode("utf-8", "replace")))
    assert any("im_/" in link for link in requisites), "no image on any page"
    assert any("cs_/" in link for link in requisites), "no stylesheet on any page"
    for link in sorted(requisites):
        status, _, body = wayback.get(urlsplit(link).path)
        assert status == 200 and body, link


@pytest.fixture(scope="module")
def revisited(two_runs, mirror, tmp_path_factory) -> tuple[Path, list[tuple[str, str, int]]]:
    """A copy of the archive plus revisit records of both profiles, written by
    :class:`archive.writer.WarcFileWriter` from real re-fetches of the first run's HTML
    captures: a conditional GET answered 304 (server-not-modified), then, a second later,
    a plain GET with the identical payload (identical-payload-digest). Returns the
    archive root and (timestamp, url, HTTP status) of each revisit."""
    root = tmp_path_factory.mktemp("revisits") / "out"
    shutil.copytree(two_runs.root, root)
    originals = [
        (fields["url"], read_record(root / "warc" / fields["filename"], int(fields["offset"])))
        for _, fields in captures_of_run(two_runs, 0)
        if fields["mime"] == "text/html" and fields["status"] == "200"
    ]
    written = []
    warcinfo = {"isPartOf": "news-archive replay test revisits"}
    with WarcFileWriter(root / "warc", prefix="revisits", warcinfo=warcinfo) as writer:
        for profile in RevisitProfile:
            next_second()  # one capture per URL and second: replay picks exactly this one
            for url, original in originals:
                refers_to = RefersTo(
                    original.record_id, url, original.date, original.payload_digest
                )
                if profile is RevisitProfile.SERVER_NOT_MODIFIED:
                    etag = original.read_http_headers().get_header("ETag")
                    exchange = refetch(mirror, url, {"If-None-Match": etag})
                    assert exchange.status == 304, url
                else:
                    exchange = refetch(mirror, url, {})
                record = writer.write_revisit(exchange, profile, refers_to)
                written.append((record.date.strftime("%Y%m%d%H%M%S"), url, exchange.status))
    assert written
    indexed = tool("index", root)
    assert indexed.returncode == 0, indexed.stderr
    return root, written


def next_second() -> None:
    time.sleep(1 - time.time() % 1 + 0.01)


def refetch(mirror, url: str, extra_headers: dict[str, str]) -> HttpExchange:
    """GET ``url`` through the replica as the crawler does (gzip accepted), recorded as
    an :class:`HttpExchange`."""
    host = urlsplit(url).hostname
    headers = [("Host", host), ("Accept-Encoding", "gzip, deflate"), *extra_headers.items()]
    connection = http.client.HTTPConnection("127.0.0.1", mirror.port, timeout=30)
    try:
        connection.putrequest("GET", url, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        payload = response.read()
        return HttpExchange(
            url=url, method="GET", request_target=url, request_headers=headers,
            protocol="HTTP/1.1", status=response.status, reason=response.reason,
            response_headers=[(k, v) for k, v in response.getheaders()
                              if k.lower() != "transfer-encoding"],
            payload=payload, ip_address="127.0.0.1", date=datetime.now(UTC),
        )
    finally:
        connection.close()


def test_revisit_records_of_both_profiles_replay(revisited, mirror, tmp_path):
    """pywb finds our revisit records through our merged index: an identical-payload-digest
    revisit replays the original payload (200, same bytes, at its own time); replay at a
    server-not-modified one's time gives the page too, from the nearest capture with
    content. These revisits come from archive/'s writer; the tests above replay the
    crawler's own (its second run's)."""
    root, written = revisited
    lines = list(iter_cdxj(root / "indexes" / "index.cdxj"))
    revisit_lines = [f for _, _, f in lines if f["mime"] == "warc/revisit"
                     and f["filename"].startswith("revisits-")]  # not the crawler's own
    assert len(revisit_lines) == sum(status == 200 for _, _, status in written)
    assert {(ts, url) for ts, url, status in written if status == 304} <= set(
        not_modified_captures(root))
    captures_at = Counter((f["url"], ts) for _, ts, f in lines)
    assert all(captures_at[(url, ts)] == 1 for ts, url, status in written if status == 200)
    assert {status for _, _, status in written} == {200, 304}
    server = Wayback(tmp_path, root)
    try:
        for timestamp, url, status in written:
            replayed_from = assert_replays_as_served(server, mirror, timestamp, url)
            assert (replayed_from == timestamp) == (status == 200), (url, status)
    finally:
        server.stop()
