"""Leased requests in Redis: what scrapy-redis's queue pop leaves out.

scrapy-redis pops a request off the shared queue and forgets it: if the worker dies
before the request is done, it is lost. :class:`LeaseBook` moves it instead, in one
atomic step, from the queue (a sorted set scored by priority) into a sorted set of
leases scored by a deadline. The worker renews the deadline of its leases while it
lives and acknowledges (deletes) a lease when its request is done; any worker moves the
leases whose deadline has passed back to the queue with their priority.

Keys (``<prefix>`` is the queue key): ``<queue>`` the queue itself, ``<queue>:leases``
(member: 32-hex lease token, ``:``, the encoded request; score: deadline in Redis time)
and ``<queue>:lease-scores`` (token -> queue score, to requeue with the same priority).
Deadlines are taken from the Redis server's clock, so workers' clocks need not agree.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

TOKEN_LENGTH = 33  # 32 hex digits and ":"

_TAKE = """
local now = redis.call('TIME')
local deadline = tonumber(now[1]) + tonumber(now[2]) / 1e6 + tonumber(ARGV[1])
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #head == 0 then return false end
redis.call('ZREM', KEYS[1], head[1])
redis.call('ZADD', KEYS[2], deadline, ARGV[2] .. head[1])
redis.call('HSET', KEYS[3], ARGV[2], head[2])
return head[1]
"""

_RENEW = """
local now = redis.call('TIME')
local deadline = tonumber(now[1]) + tonumber(now[2]) / 1e6 + tonumber(ARGV[1])
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', deadline, ARGV[i])
end
return renewed
"""

_REAP = """
local now = redis.call('TIME')
local cutoff = tonumber(now[1]) + tonumber(now[2]) / 1e6
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', cutoff, 'LIMIT', 0, ARGV[1])
for _, member in ipairs(expired) do
  local token = string.sub(member, 1, 33)
  local score = redis.call('HGET', KEYS[3], token) or 0
  redis.call('ZADD', KEYS[1], score, string.sub(member, 34))
  redis.call('ZREM', KEYS[2], member)
  redis.call('HDEL', KEYS[3], token)
end
return #expired
"""

_START_RUN_IF_IDLE = """
if redis.call('ZCARD', KEYS[1]) > 0 or redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
redis.call('DEL', KEYS[3])
return 1
"""


@dataclass(frozen=True)
class Lease:
    """A request taken from the queue: ``data`` is the request as scrapy-redis encoded it."""

    member: bytes

    @property
    def token(self) -> bytes:
        return self.member[:TOKEN_LENGTH]

    @property
    def data(self) -> bytes:
        return self.member[TOKEN_LENGTH:]


class LeaseBook:
    """The leases of one queue (see the module docstring)."""

    def __init__(self, server, queue_key: str, lease_seconds: float) -> None:
        self.server = server
        self.queue_key = queue_key
        self.leases_key = f"{queue_key}:leases"
        self.scores_key = f"{queue_key}:lease-scores"
        self.lease_seconds = lease_seconds
        self._take = server.register_script(_TAKE)
        self._renew = server.register_script(_RENEW)
        self._reap = server.register_script(_REAP)
        self._start_run_if_idle = server.register_script(_START_RUN_IF_IDLE)

    @property
    def keys(self) -> list[str]:
        return [self.queue_key, self.leases_key, self.scores_key]

    def take(self) -> Lease | None:
        """Lease the request at the head of the queue (None when the queue is empty)."""
        token = uuid.uuid4().hex.encode("ascii") + b":"
        data = self._take(keys=self.keys, args=[self.lease_seconds, token])
        return Lease(token + data) if data else None

    def renew(self, leases: list[Lease]) -> int:
        """Push the deadline of ``leases`` forward; returns how many were still held."""
        if not leases:
            return 0
        return self._renew(
            keys=[self.leases_key], args=[self.lease_seconds, *(lease.member for lease in leases)]
        )

    def release(self, lease: Lease) -> None:
        """The request is done: forget its lease."""
        pipe = self.server.pipeline(transaction=True)
        pipe.zrem(self.leases_key, lease.member)
        pipe.hdel(self.scores_key, lease.token)
        pipe.execute()

    def requeue_expired(self, limit: int = 1000) -> int:
        """Move leases past their deadline back to the queue; returns how many."""
        return self._reap(keys=self.keys, args=[limit])

    def start_run_if_idle(self, seen_key: str) -> bool:
        """Clear the run's seen-set if the queue and the leases are empty (the last run
        is over), in one atomic step; True if a new run starts."""
        return bool(self._start_run_if_idle(keys=[*self.keys[:2], seen_key]))

    def count(self) -> int:
        """Leases held by any worker, live or expired."""
        return self.server.zcard(self.leases_key)

    def clear(self) -> None:
        self.server.delete(self.leases_key, self.scores_key)
