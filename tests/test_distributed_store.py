"""The Redis parts of a distributed crawl, against a real Redis server: leases on the
shared queue, and the shared state store (same behaviour as the SQLite one)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import redis

from archive.state import SqliteStateStore, StoryState, UrlState
from crawler.distributed.leases import LeaseBook
from crawler.distributed.state import RedisStateStore
from tests.redis_fixtures import redis_server_fixture, redis_url_fixture  # noqa: F401

QUEUE = "test:network:requests"


@pytest.fixture
def server(redis_url) -> redis.Redis:
    return redis.Redis.from_url(redis_url)


def test_a_lease_takes_the_best_request_and_expires_back_to_the_queue(server):
    server.zadd(QUEUE, {b"story": -20, b"hub": 0})
    book = LeaseBook(server, QUEUE, lease_seconds=0.3)
    lease = book.take()
    assert lease.data == b"story"
    assert server.zrange(QUEUE, 0, -1) == [b"hub"]
    assert book.count() == 1
    assert book.requeue_expired() == 0  # still live
    time.sleep(0.4)
    assert book.requeue_expired() == 1
    assert book.count() == 0
    assert server.zrange(QUEUE, 0, -1, withscores=True) == [(b"story", -20.0), (b"hub", 0.0)]


def test_renewed_leases_live_and_released_leases_are_gone(server):
    server.zadd(QUEUE, {b"a": 0, b"b": 0})
    book = LeaseBook(server, QUEUE, lease_seconds=0.5)
    first, second = book.take(), book.take()
    assert book.take() is None
    for _ in range(3):
        time.sleep(0.25)
        assert book.renew([first]) == 1
        book.requeue_expired()
    assert server.zrange(QUEUE, 0, -1) == [second.data]  # only the unrenewed came back
    book.release(first)
    assert book.count() == 0
    assert book.renew([first]) == 0


def test_a_new_run_starts_only_when_queue_and_leases_are_empty(server):
    seen = "test:network:seen"
    server.sadd(seen, "fingerprint")
    book = LeaseBook(server, QUEUE, lease_seconds=10)
    server.zadd(QUEUE, {b"a": 0})
    assert not book.start_run_if_idle(seen)
    lease = book.take()
    assert not book.start_run_if_idle(seen)  # leased, not done
    assert server.scard(seen) == 1
    book.release(lease)
    assert book.start_run_if_idle(seen)
    assert server.scard(seen) == 0


@pytest.fixture(params=["sqlite", "redis"])
def store(request, redis_url, tmp_path):
    if request.param == "sqlite":
        made = SqliteStateStore(tmp_path / "state.sqlite3")
    else:
        made = RedisStateStore.from_url(redis_url, prefix="test")
    yield made
    made.close()


def url_state(url: str, filename: str, offset: int) -> UrlState:
    moment = datetime(2026, 11, 28, 1, 2, 3, 456789, tzinfo=UTC)
    return UrlState(
        url=url, fetched_at=moment, status=200, etag='"abc"', last_modified=None,
        payload_digest="sha1:XYZ", filename=filename, offset=offset, length=100,
        record_id="<urn:uuid:1>", record_date=moment, target_uri=url,
    )


def test_state_stores_agree(store):
    """The Redis store behaves as the SQLite one the single-machine crawl uses."""
    first = url_state("http://www.spacewar.com/a.html", "w1.warc.gz", 0)
    second = url_state("http://www.spacewar.com/b.html", "w1.warc.gz", 500)
    other = url_state("http://www.spacewar.com/c.html", "w2.warc.gz", 900)
    for state in (first, second, other):
        store.save_url(state)
    assert store.url_state(first.url) == first
    assert store.url_state("http://www.spacewar.com/none.html") is None
    assert store.forget_records("w1.warc.gz", 400) == 1
    assert store.url_state(second.url) is None
    assert store.url_state(first.url) == first
    assert store.url_state(other.url) == other
    story = StoryState(
        story_id="s1", version=2, text_digest="d", url=first.url, record_id="<urn:uuid:1>",
        filename="w1.warc.gz", offset=0, fetched_at="2026-11-28T01:02:03Z", run_id="r-w1",
        previous='{"record_id": "<urn:uuid:0>"}',
    )
    assert store.story("s1") is None
    store.save_story(story)
    assert store.story("s1") == story
    assert not store.is_learned("w1.warc.gz")
    store.mark_learned("w1.warc.gz")
    assert store.is_learned("w1.warc.gz")
    assert not store.is_learned("w2.warc.gz")


def test_redis_store_has_every_method_of_the_state_store_interface():
    from archive.state import StateStore

    wanted = {name for name in vars(StateStore) if not name.startswith("_")}
    assert wanted and wanted <= set(dir(RedisStateStore))
