"""Several workers, one crawl: the request queue, the seen-set and the per-host rate
limit shared in Redis through scrapy-redis (``news-archive crawl --redis URL``).

- :mod:`.options`: the ``--redis`` / ``--worker-id`` options and the settings overlay
  they apply (nothing changes without ``--redis``).
- :mod:`.leases`: requests taken from the queue are leased, not popped: a worker that
  dies loses nothing, its leases expire and go back to the queue.
- :mod:`.scheduler`: scrapy-redis's scheduler with those leases, a shared run (a new
  run starts when the queue is drained), and a bounded idle.
- :mod:`.ratelimit`: the per-host request rate shared by all workers.
"""
