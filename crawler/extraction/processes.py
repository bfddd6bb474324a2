"""The crawl's extraction workers, driven by its reactor: no threads in the crawl.

Each worker is a child process running :mod:`crawler.extraction.worker`, started with
``reactor.spawnProcess``. The reactor writes captures to its stdin and reads outcomes
from its stdout as it does a socket's data, so handing a page over costs the crawl one
pickle and one write (a ``ProcessPoolExecutor`` adds two threads that contend with the
reactor for the GIL, and a wake-up of the reactor per outcome).

A capture goes to the worker with the fewest captures pending. A worker that dies
(killed, out of memory) fails the captures it held and is replaced at once; when
``MAX_FAILED_STARTS`` workers in a row end before answering anything (they cannot
start: a broken installation), no more are started and every capture fails at once,
so the crawl goes on archiving and ``news-archive extract`` can extract later.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
from collections import deque
from collections.abc import Callable

from twisted.internet import defer, protocol
from twisted.python.failure import Failure

from crawler.extraction.pool import Capture
from crawler.extraction.worker import HEADER, encode_frame

logger = logging.getLogger(__name__)

#: Seconds workers get to exit after their input is closed, before they are killed.
EXIT_GRACE_SECONDS = 10.0
#: Workers in a row that may end before their first answer before none is started.
MAX_FAILED_STARTS = 3


class WorkerError(Exception):
    """Extraction raised in a worker (the message holds its traceback), or the worker
    ended with captures pending."""


class _Worker(protocol.ProcessProtocol):
    def __init__(self, on_ended: Callable[[_Worker], None]) -> None:
        self.pending: deque[defer.Deferred] = deque()
        self.buffer = bytearray()
        self.answered = 0
        self.on_ended = on_ended
        self.ended = defer.Deferred()

    def send(self, capture: Capture) -> defer.Deferred:
        answer = defer.Deferred()
        self.pending.append(answer)
        self.transport.write(encode_frame(capture))
        return answer

    def outReceived(self, data: bytes) -> None:
        self.buffer += data
        while len(self.buffer) >= HEADER.size:
            (length,) = HEADER.unpack_from(self.buffer)
            end = HEADER.size + length
            if len(self.buffer) < end:
                return
            ok, result = pickle.loads(self.buffer[HEADER.size:end])
            del self.buffer[:end]
            self.answered += 1
            answer = self.pending.popleft()
            if ok:
                answer.callback(result)
            else:
                answer.errback(WorkerError(result))

    def processEnded(self, reason: Failure) -> None:
        pending, self.pending = self.pending, deque()
        for answer in pending:
            answer.errback(WorkerError(f"extraction worker ended: {reason.getErrorMessage()}"))
        self.on_ended(self)
        self.ended.callback(None)


class WorkerProcesses:
    """``jobs`` extraction workers, started now; :meth:`submit` a capture, get a
    Deferred of its :class:`~crawler.extraction.pool.Outcome`."""

    #: The worker's command line after the interpreter. ``-P``: the working directory is
    #: not put on the import path (cron runs in $HOME, where a stray ``inspect.py`` would
    #: shadow the standard library's and kill every worker).
    worker_args: tuple[str, ...] = ("-P", "-m", "crawler.extraction.worker")

    def __init__(self, jobs: int, on_restart: Callable[[], None] = lambda: None) -> None:
        self.on_restart = on_restart
        self.closing = False
        self.failed_starts = 0
        self.workers: list[_Worker] = [self._start() for _ in range(jobs)]

    def _start(self) -> _Worker:
        from twisted.internet import reactor

        worker = _Worker(self._ended)
        command = [sys.executable, *self.worker_args]
        reactor.spawnProcess(worker, sys.executable, command, env=os.environ,
                             childFDs={0: "w", 1: "r", 2: 2})
        return worker

    def submit(self, capture: Capture) -> defer.Deferred:
        if not self.workers:
            return defer.fail(WorkerError("no extraction worker could be started"))
        worker = min(self.workers, key=lambda w: len(w.pending))
        return worker.send(capture)

    def _ended(self, worker: _Worker) -> None:
        self.workers.remove(worker)
        if self.closing:
            return
        self.failed_starts = 0 if worker.answered else self.failed_starts + 1
        if self.failed_starts >= MAX_FAILED_STARTS:
            if not self.workers:
                logger.error("extraction workers cannot start (their errors are on stderr): "
                             "this run archives without extracting; run news-archive "
                             "extract on its WARC files later")
            return
        logger.error("an extraction worker ended unexpectedly; starting another")
        self.on_restart()
        self.workers.append(self._start())

    def close(self) -> defer.Deferred:
        """Close the workers' input (they finish what they hold, then exit); the
        Deferred fires once every worker has exited. A worker that has not exited after
        ``EXIT_GRACE_SECONDS`` is killed."""
        from twisted.internet import reactor

        self.closing = True
        workers = list(self.workers)
        for worker in workers:
            worker.transport.closeStdin()
        kill = reactor.callLater(EXIT_GRACE_SECONDS, self._kill, workers)

        def all_exited(result):
            if kill.active():
                kill.cancel()
            return result

        return defer.DeferredList([worker.ended for worker in workers]).addBoth(all_exited)

    @staticmethod
    def _kill(workers: list[_Worker]) -> None:
        for worker in workers:
            if not worker.ended.called:
                logger.warning("an extraction worker did not exit in time: killing it")
                worker.transport.signalProcess("KILL")
