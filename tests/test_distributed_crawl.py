"""Several workers, one crawl (`news-archive crawl --redis`): real Redis server, real
CLI subprocesses, the real replica. The union of the workers' files is checked like a
single-machine archive (`news-archive check`, `index`, `export`)."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from tests.conftest import load_truth
from tests.crawl_fixtures import REPLICA_SETTINGS, read_warc
from tests.cron_fixtures import assert_versions_in_order
from tests.redis_fixtures import redis_server_fixture, redis_url_fixture  # noqa: F401

WORKER_TIMEOUT_SECONDS = 120
SITE = "spacewar.com"
QUEUE_KEY = "news-archive:network:requests"
#: Short leases and polls, so a killed worker's requests come back within seconds.
FAST_LEASES = (
    "-s", "DISTRIBUTED_HOST_RATE=0",
    "-s", "DISTRIBUTED_LEASE_SECONDS=3",
    "-s", "DISTRIBUTED_POLL_SECONDS=0.3",
)


class Worker:
    """One `news-archive crawl --redis` subprocess writing to ``root/<worker id>``."""

    def __init__(self, root: Path, worker_id: str, redis: str, proxy: str, *args: str):
        self.worker_id = worker_id
        self.out = root / worker_id
        self.out.mkdir(parents=True, exist_ok=True)
        self.log = open(root / f"{worker_id}.log", "ab")  # noqa: SIM115 (closed in wait)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "crawl", "--out", str(self.out),
             "--proxy", proxy, "--site", SITE, "--redis", redis, "--worker-id", worker_id,
             *REPLICA_SETTINGS, *args],
            stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait(self) -> int:
        try:
            return self.process.wait(WORKER_TIMEOUT_SECONDS)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.log.close()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.log.close()

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    @property
    def log_path(self) -> Path:
        return Path(self.log.name)

    def spooled_lines(self) -> int:
        return sum(p.read_bytes().count(b"\n") for p in (self.out / "jsonl").glob("*.open"))

    def run_stats(self) -> list[dict]:
        return [json.loads(p.read_text()) for p in sorted((self.out / "runs").glob("*.json"))]


def union_archive(target: Path, *outs: Path) -> Path:
    """The workers' files copied into one archive folder, a subfolder per worker."""
    for out in outs:
        for kind, pattern in (("warc", "*.warc.gz"), ("jsonl", "*.jsonl")):
            folder = target / kind / out.name
            folder.mkdir(parents=True, exist_ok=True)
            for path in (out / kind).glob(pattern):
                shutil.copy2(path, folder / path.name)
    return target


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True,
        timeout=WORKER_TIMEOUT_SECONDS,
    )


def jsonl_records(archive: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted((archive / "jsonl").rglob("*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ]


def responses(archive: Path) -> list:
    return [
        record
        for path in sorted((archive / "warc").rglob("*.warc.gz"))
        for record in read_warc(path)
        if record.type == "response"
    ]


def assert_one_archive(archive: Path, stories: list[dict]) -> list[dict]:
    """`check` passes on the union; every story of the site is in its JSONL, once or
    again only as a new version (a copy another worker recorded after it); `index` and
    `export` read it as one archive."""
    check = cli("check", str(archive))
    assert check.returncode == 0, check.stdout[-3000:] + check.stderr[-3000:]
    records = jsonl_records(archive)
    assert_versions_in_order(records)
    ids = {record["id"] for record in records}
    by_url = {url: record["id"] for record in records for url in record["urls"]}
    missing = [s["urls"][0] for s in stories if not any(u in by_url for u in s["urls"])]
    assert missing == []
    index = cli("index", str(archive))
    assert index.returncode == 0, index.stderr[-3000:]
    indexed = (archive / "indexes" / "index.cdxj").read_text().splitlines()
    assert len([line for line in indexed if '"status": "200"' in line]) >= len(stories)
    exported = archive / "export.jsonl"
    export = cli("export", str(archive), "--format", "jsonl", "-o", str(exported))
    assert export.returncode == 0, export.stderr[-3000:]
    assert len(exported.read_text().splitlines()) == len(ids)
    return records


def site_stories(**mirror_options) -> list[dict]:
    return [
        t for t in load_truth(**mirror_options) if t["kind"] == "story" and t["site"] == SITE
    ]


def test_two_workers_archive_every_story_exactly_once(mirror, redis_url, tmp_path):
    workers = [
        # a shared rate slow enough that the crawl outlasts either worker's start-up
        Worker(tmp_path, name, redis_url, mirror.proxy, "-s", "DISTRIBUTED_HOST_RATE=12")
        for name in ("w1", "w2")
    ]
    for worker in workers:
        assert worker.wait() == 0, worker.log_tail()
    archive = union_archive(tmp_path / "union", *(w.out for w in workers))
    assert_one_archive(archive, site_stories())
    # the work was shared, and nothing but robots.txt was fetched by both
    for worker in workers:
        names = [p.name for p in (worker.out / "warc").glob("*.warc.gz")]
        assert names and all(n.startswith(f"news-archive-{worker.worker_id}-") for n in names)
        assert any(r.uri.endswith(".html") for r in responses(worker.out))
    fetched = Counter(r.uri for r in responses(archive) if not r.uri.endswith("/robots.txt"))
    assert [uri for uri, n in fetched.items() if n > 1] == []


def test_killed_worker_loses_nothing(start_mirror, redis_url, tmp_path):
    mirror = start_mirror(articles_per_site=20)
    # w1 starts alone, at a shared rate slow enough that it is still busy when it is
    # killed; w2 joins the run just before
    slow = (*FAST_LEASES, "-s", "DISTRIBUTED_HOST_RATE=10")
    w1 = Worker(tmp_path, "w1", redis_url, mirror.proxy, *slow)
    deadline = time.monotonic() + 60
    while w1.spooled_lines() < 4 and time.monotonic() < deadline and w1.process.poll() is None:
        time.sleep(0.02)
    w2 = Worker(tmp_path, "w2", redis_url, mirror.proxy, *slow)
    assert w1.process.poll() is None, "w1 ended before it could be killed midway"
    w1.kill()
    assert w2.wait() == 0, w2.log_tail()
    [w2_run] = w2.run_stats()
    assert w2_run.get("distributed/leases/requeued", 0) >= 1  # w1's leases came back
    # w1 restarted: mends its files, then finds the run over and everything kept
    w1 = Worker(tmp_path, "w1", redis_url, mirror.proxy, *FAST_LEASES)
    assert w1.wait() == 0, w1.log_tail()
    archive = union_archive(tmp_path / "union", w1.out, w2.out)
    assert_one_archive(archive, site_stories(articles_per_site=20))


def test_a_stopped_crawl_leaves_its_queue_to_the_next_worker(mirror, redis_url, tmp_path):
    queue = redis.Redis.from_url(redis_url)
    first = Worker(tmp_path, "w1", redis_url, mirror.proxy, "--max-pages", "8",
                   "-s", "DISTRIBUTED_HOST_RATE=0")
    assert first.wait() == 0, first.log_tail()
    assert queue.zcard(QUEUE_KEY) > 0
    assert queue.zcard(QUEUE_KEY + ":leases") == 0  # what it took, it finished
    second = Worker(tmp_path, "w2", redis_url, mirror.proxy, "-s", "DISTRIBUTED_HOST_RATE=0")
    assert second.wait() == 0, second.log_tail()
    assert "joins the run" in second.log_path.read_text()
    assert queue.zcard(QUEUE_KEY) == 0
    archive = union_archive(tmp_path / "union", first.out, second.out)
    assert_one_archive(archive, site_stories())


def test_two_workers_share_the_host_rate_limit(mirror, redis_url, tmp_path):
    """Unlimited, these two workers send 15-20 requests a second to the image host."""
    rate = 6.0
    workers = [
        # a few requests at a time each, so neither worker can lease all the work
        Worker(tmp_path, name, redis_url, mirror.proxy,
               "-s", f"DISTRIBUTED_HOST_RATE={rate}", "-s", "CONCURRENT_REQUESTS=4")
        for name in ("w1", "w2")
    ]
    for worker in workers:
        assert worker.wait() == 0, worker.log_tail()
    by_host: dict[str, dict[str, list[float]]] = {}
    for worker in workers:
        for record in responses(worker.out):
            host = by_host.setdefault(urlsplit(record.uri).hostname, {})
            host.setdefault(worker.worker_id, []).append(_warc_date(record.headers["WARC-Date"]))
    busy_hosts = {h: w for h, w in by_host.items() if sum(map(len, w.values())) >= 20}
    assert {f"www.{SITE}", "www.spxdaily.com"} <= set(busy_hosts)
    for host, times_by_worker in busy_hosts.items():
        assert all(len(times) >= 3 for times in times_by_worker.values()), host
        times = sorted(t for worker_times in times_by_worker.values() for t in worker_times)
        assert (len(times) - 1) / (times[-1] - times[0]) <= rate * 1.1, host
        busiest_second = max(
            sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times)
        )
        assert busiest_second <= rate + 2, host  # slot boundaries, response-time jitter


def test_worker_id_without_redis_is_a_usage_error(tmp_path):
    result = cli("crawl", "--out", str(tmp_path / "out"), "--worker-id", "w1")
    assert result.returncode == 64
    assert "--worker-id needs --redis" in result.stderr


@pytest.mark.parametrize("option", [["--redis", "http://127.0.0.1:1/"],
                                    ["--redis", "redis://127.0.0.1:1/0", "--worker-id", "a b"]])
def test_bad_redis_options_are_usage_errors(tmp_path, option):
    result = cli("crawl", "--out", str(tmp_path / "out"), *option)
    assert result.returncode == 64, result.stderr[-2000:]
    assert not (tmp_path / "out" / "warc").exists()


def test_unreachable_redis_is_a_temporary_failure(tmp_path):
    result = cli("crawl", "--out", str(tmp_path / "out"), "--redis", "redis://127.0.0.1:1/0")
    assert result.returncode == 75, result.stderr[-2000:]
    assert "cannot use this Redis server" in result.stderr
    assert not (tmp_path / "out" / "warc").exists()


def _warc_date(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

