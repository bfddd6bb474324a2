"""Pool worker processes that end when the process that started them dies.

``news-archive extract`` killed with SIGKILL cannot stop the workers of its
``ProcessPoolExecutor``: each one holds both ends of its task queue, so it never sees
end-of-file and would wait forever, holding a core's worth of memory and the parent's
stdout/stderr (which keeps cron, or a test, waiting for output that never ends).
:func:`exit_with_parent` makes a worker notice. (The crawl's own workers need no such
watch: they read their captures from a pipe whose only writer is the crawl, see
:mod:`crawler.extraction.processes`.)
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

POLL_SECONDS = 1.0


def exit_with_parent(poll_seconds: float = POLL_SECONDS) -> None:
    """Exit this process (at once, without cleanup) as soon as its parent is gone.

    A daemon thread compares ``os.getppid()`` with the pid of the process that started
    this one (known to multiprocessing, so a parent killed while this process was still
    starting is noticed too): an orphan is re-parented (to init or a subreaper), so the
    id changes. Polling works whichever thread of the parent started the process
    (``PR_SET_PDEATHSIG`` would fire when that thread ends, not the process).
    """
    starter = multiprocessing.parent_process()
    parent = starter.pid if starter is not None else os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
