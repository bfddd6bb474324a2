"""``news-archive crawl --redis URL [--worker-id ID]``: the settings of a worker.

Without ``--redis`` nothing is added. With it, the crawl uses scrapy-redis's shared
queue and seen-set through :class:`crawler.distributed.scheduler.LeasedScheduler`,
books every request against the shared per-host rate
(:class:`crawler.distributed.ratelimit.SharedHostRateLimit`), and names its files
after the worker: WARC files ``<WARC_PREFIX>-<worker id>-<stamp>-<serial>-<host>.warc.gz``,
JSONL and run files ``<run id>-<worker id>``. Each worker needs its own ``--out`` (the
crawl locks it); copied together (e.g. ``warc/<worker>/`` and ``jsonl/<worker>/``
subfolders of one folder) they make one archive for ``check``, ``index`` and ``export``.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
from typing import Any

from crawler.runs import new_run_id

WORKER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis", metavar="URL",
        help="run as one worker of a shared crawl: queue, seen-set and host rate limit in "
             "this Redis (redis://HOST:PORT/DB); see the README, 'Several workers'",
    )
    parser.add_argument(
        "--worker-id", metavar="ID",
        help="name of this worker in file names and logs (default: HOST-PID)",
    )


def distributed_settings(args: argparse.Namespace, given: dict[str, str]) -> dict[str, Any]:
    """The settings overlay for ``--redis``/``--worker-id`` ({} without ``--redis``);
    ``given``: the ``-s`` settings (``DISTRIBUTED_KEY_PREFIX`` may be among them).

    Raises ValueError for a malformed URL or worker id.
    """
    url = getattr(args, "redis", None)
    worker_id = getattr(args, "worker_id", None)
    if not url:
        if worker_id:
            raise ValueError("--worker-id needs --redis")
        return {}
    if not url.startswith(REDIS_SCHEMES):
        raise ValueError(f"--redis expects redis://HOST:PORT/DB, got {url!r}")
    worker_id = worker_id or default_worker_id()
    if not WORKER_ID.fullmatch(worker_id):
        raise ValueError(
            f"--worker-id {worker_id!r}: use letters, digits, '.', '_' or '-' (64 at most)"
        )
    check_reachable(url)
    return worker_overlay(url, worker_id, given.get("DISTRIBUTED_KEY_PREFIX"))


class RedisUnavailable(RuntimeError):
    """The Redis server does not answer: a temporary failure, not a usage error."""


def check_reachable(url: str, timeout: float = 5.0) -> None:
    """Fail at once, with a clear message, when the Redis server does not answer
    (instead of a crawl that starts and dies in the engine)."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),
        )
        client.ping()
        client.close()
    except ValueError as error:
        raise ValueError(f"--redis {url}: {error}") from None
    except redis.RedisError as error:
        raise RedisUnavailable(f"--redis {url}: cannot use this Redis server: {error}") from None


def worker_overlay(url: str, worker_id: str, prefix: str | None = None) -> dict[str, Any]:
    """The settings of a worker; Redis keys start with ``prefix`` (setting
    ``DISTRIBUTED_KEY_PREFIX``, default ``news-archive``: one prefix per crawl)."""
    from crawler.process import project_settings

    project = project_settings()
    prefix = prefix or project.get("DISTRIBUTED_KEY_PREFIX", "news-archive")
    return {
        "REDIS_URL": url,
        "DISTRIBUTED_KEY_PREFIX": prefix,
        "DISTRIBUTED_WORKER_ID": worker_id,
        "ARCHIVE_STATE_STORE": "crawler.distributed.state.store_from_settings",
        "SCHEDULER": "crawler.distributed.scheduler.LeasedScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,
        # Every request goes to the shared queue at once: a killed worker holds none back.
        "FRONTIER_WINDOW": 0,
        "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:seen",
        "DOWNLOADER_MIDDLEWARES": {
            **project.getdict("DOWNLOADER_MIDDLEWARES"),
            "crawler.distributed.ratelimit.SharedHostRateLimit": 960,
        },
        "WARC_PREFIX": f"{project.get('WARC_PREFIX', 'news-archive')}-{worker_id}",
        "ARCHIVE_RUN_ID": f"{project.get('ARCHIVE_RUN_ID') or new_run_id()}-{worker_id}",
    }


def default_worker_id() -> str:
    host = re.sub(r"[^A-Za-z0-9_.-]", "-", socket.gethostname().split(".")[0]) or "worker"
    return f"{host}-{os.getpid()}"
