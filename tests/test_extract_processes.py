"""Extraction worker processes: the crawl's, driven by a real reactor in a subprocess,
and the pool of `news-archive extract`, whose workers must not outlive it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from archive.writer import WarcFileWriter
from tests.archive_fixtures import make_exchange

# Runs in a fresh interpreter: Twisted's reactor runs once per process.
DRIVER = textwrap.dedent('''
    import json, os, signal, sys
    from datetime import UTC, datetime
    from twisted.internet import defer, reactor, task
    from crawler.extraction.pool import Capture, process_capture
    from crawler.extraction.processes import WorkerProcesses
    from mirror.network import Network

    network = Network(seed=1, articles_per_site=12)
    stories = [s for s in network.truth() if s.get("kind") == "story"][:6]

    def capture(url, payload):
        return Capture(url=url, status=200, headers=[("Content-Type", "text/html")],
                       payload=payload, fetched_at=datetime(2026, 1, 1, tzinfo=UTC),
                       warc={"filename": "x.warc.gz", "offset": 0, "length": 1,
                             "record_id": "<urn:uuid:0>", "payload_digest": None})

    def page(story):
        host, _, path = story["urls"][0].removeprefix("http://").partition("/")
        return capture(story["urls"][0], network.resolve(host, "/" + path).body)

    def settle(deferreds):
        return defer.DeferredList(deferreds, consumeErrors=True)

    async def scenario(name):
        restarts = []
        pool = WorkerProcesses(2, on_restart=lambda: restarts.append(1))
        if name == "broken":
            pool.worker_args = ("-m", "no_such_module_here")
            for worker in list(pool.workers):
                worker.transport.signalProcess("KILL")
            while pool.workers:
                await task.deferLater(reactor, 0.05, lambda: None)
            results = await settle([pool.submit(page(stories[0]))])
            return {"restarts": len(restarts), "failed": [not ok for ok, _ in results],
                    "error": str(results[0][1].value)}
        if name == "answers":
            captures = [page(s) for s in stories] + [capture(stories[0]["urls"][0], None)]
            results = await settle([pool.submit(c) for c in captures])
            expected = [process_capture(c).record for c in captures[:-1]]
            got = [r.record for ok, r in results[:-1] if ok]
            ok, failure = results[-1]
            after = await pool.submit(page(stories[1]))
            await pool.close()
            return {"same_records": got == expected, "n": len(got), "last_ok": ok,
                    "error": str(failure.value), "after": after.outcome,
                    "workers_left": len(pool.workers), "restarts": len(restarts)}
        if name == "killed":
            pending = [pool.submit(page(s)) for s in stories * 3]
            victim = max(pool.workers, key=lambda w: len(w.pending))
            held = len(victim.pending)
            victim.transport.signalProcess("KILL")
            results = await settle(pending)
            after = await pool.submit(page(stories[2]))
            await pool.close()
            return {"held": held, "failed": sum(not ok for ok, _ in results),
                    "restarts": len(restarts), "after": after.outcome,
                    "errors": sorted({str(r.value) for ok, r in results if not ok})}

    def run():
        d = defer.ensureDeferred(scenario(sys.argv[1]))
        d.addCallback(lambda result: print(json.dumps(result)))
        d.addErrback(lambda failure: print(failure.getTraceback(), file=sys.stderr))
        d.addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(run)
    reactor.run()
''')


def drive(scenario: str) -> dict:
    done = subprocess.run([sys.executable, "-c", DRIVER, scenario], capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.strip(), done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_workers_answer_each_capture_as_extraction_in_process_does():
    result = drive("answers")
    assert result["n"] == 6 and result["same_records"]
    # Extraction that raises comes back as an error holding the worker's traceback,
    # and the worker goes on serving.
    assert result["last_ok"] is False and "Traceback" in result["error"]
    assert result["after"] == "article"
    assert result["restarts"] == 0
    assert result["workers_left"] == 0  # close() waited for every worker to exit


def test_a_killed_worker_fails_what_it_held_and_is_replaced():
    result = drive("killed")
    assert result["held"] > 0
    assert result["failed"] <= result["held"]  # only what the killed worker held
    assert result["failed"] > 0
    assert all(error.startswith("extraction worker ended") for error in result["errors"])
    assert result["restarts"] == 1
    assert result["after"] == "article"


def test_workers_that_cannot_start_are_given_up_and_captures_fail_at_once():
    result = drive("broken")
    # Two workers killed, then replacements that cannot start: three failed starts in a
    # row end the restarts (with no answer ever given, nothing counts as working).
    assert result["failed"] == [True]
    assert "no extraction worker could be started" in result["error"]
    assert 2 <= result["restarts"] <= 3


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(child) for task in tasks
                for child in (task / "children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_extract_workers_exit_when_extract_is_killed(tmp_path):
    with WarcFileWriter(tmp_path / "warc") as writer:  # enough pages for a few seconds
        for number in range(2000):
            writer.write_exchange(make_exchange(f"/reports/Story_{number}.html"))
    [warc] = (tmp_path / "warc").glob("*.warc.gz")
    extract = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "extract", str(warc), "--jobs", "2",
         "-o", str(tmp_path / "out.jsonl")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ},
    )
    deadline = time.monotonic() + 60
    while len(workers := _children(extract.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(workers) >= 2, "the pool's workers did not start"
    time.sleep(2)  # past their start-up: they wait for work or extract
    assert extract.poll() is None, "extract ended before it could be killed"
    extract.send_signal(signal.SIGKILL)
    # Workers that outlived it would hold its stdout and stderr open.
    extract.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(_alive, workers))
