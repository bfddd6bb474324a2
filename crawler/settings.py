"""Scrapy settings of the news-archive crawler: polite by default.

Every value can be overridden per run with ``-s NAME=VALUE`` (``news-archive crawl`` and
``scrapy crawl`` alike). The demo and the tests lift the politeness limits for the local
replica that way; the defaults below are what a cron job against the real network gets.

Settings of our own components (besides Scrapy's):

- ``ARCHIVE_DIR``: output directory; WARC files go to ``ARCHIVE_DIR/warc/``.
- ``ARCHIVE_RUN_ID``: unique id of this run (UTC timestamp based), made as the crawl
  starts when empty.
- ``WARC_PREFIX``: WARC file name prefix. ``WARC_MAX_SIZE``: rotate files at this size.
- ``ARCHIVE_OPERATOR``, ``CONTACT_URL``: who runs the crawl; both go into every
  warcinfo record, and ``CONTACT_URL`` into the User-Agent.
- ``ARCHIVE_REQUISITES``: fetch page requisites (images, stylesheets) on network hosts.
- ``ARCHIVE_SITES``: sites to crawl (empty: the profile's default sites).
- ``ARCHIVE_START_URLS``: extra entry points, requested exactly as given.
- ``HUB_BARREN_LIMIT``: how many hub pages in a row may lead to no new story before the
  spider stops following hub links down that path (ends crawl traps).
- ``FRONTIER_WINDOW``: how many requests the spider has out in Scrapy at a time; the other
  URLs it found wait in its frontier (:mod:`crawler.frontier`), which costs far less memory.
- ``PROXY_URL``: send every request through this HTTP proxy.
- ``ROBOTSTXT_CRAWL_DELAY_MAX``: the longest robots.txt ``Crawl-delay`` honoured
  (:mod:`crawler.crawl_delay`); ``DOWNLOAD_STALL_TIMEOUT``: when a stalled body is cut
  and archived as received (:mod:`crawler.handlers`).
- ``ARCHIVE_STATE_ENABLED``, ``REFRESH_AFTER_DAYS``, ``ARCHIVE_STATE_COMMIT_INTERVAL``: the
  state store and incremental runs (:mod:`crawler.state`); ``PROGRESS_INTERVAL``,
  ``PROGRESS_BAR``: progress lines (:mod:`crawler.progress`); ``RETRY_BACKOFF_BASE``,
  ``RETRY_BACKOFF_MAX``, ``RETRY_AFTER_MAX``: pauses before retries
  (:class:`crawler.middlewares.BackoffRetryMiddleware`); ``SHUTDOWN_TIMEOUT``: seconds a
  graceful stop (first SIGTERM/SIGINT) may take before it is forced (``news-archive crawl``
  only).
- ``EXTRACTION_*``: the extraction workers (:mod:`crawler.extraction.extension`);
  ``REDIS_URL`` and ``DISTRIBUTED_*``: crawls shared by several workers
  (:mod:`crawler.distributed`, set by ``--redis``).

Every setting has its default here: ``news-archive crawl`` warns about a ``-s`` name that
is neither here nor in Scrapy's defaults, and checks a value against its default's type.
"""

from __future__ import annotations

from importlib.metadata import version

BOT_NAME = "news-archive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

TOOL_VERSION = version("news-archive")

# --- who we are -------------------------------------------------------------------
CONTACT_URL = "https://github.com/news-archive/news-archive"
ARCHIVE_OPERATOR = "news-archive operator (set ARCHIVE_OPERATOR)"
#: ``{version}`` and ``{contact_url}`` are filled in by ContactUserAgentMiddleware.
USER_AGENT = "news-archive/{version} (+{contact_url})"
ROBOTSTXT_USER_AGENT = "news-archive"

# --- politeness ---------------------------------------------------------------------
ROBOTSTXT_OBEY = True
#: A robots.txt Crawl-delay above this many seconds is capped here (crawler.crawl_delay).
ROBOTSTXT_CRAWL_DELAY_MAX = 60.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
#: A body that stalls (nothing for this many seconds after its head came) is cut and
#: archived as received, WARC-Truncated: time (crawler.handlers; so is a body still
#: coming at 90% of DOWNLOAD_TIMEOUT, which drops a response whole). 0: off.
DOWNLOAD_STALL_TIMEOUT = 30.0

# --- retries: Scrapy's RetryMiddleware with a pause that doubles, Retry-After honoured ---
RETRY_TIMES = 2
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 120.0

# The capture counts every response, status and payload byte (archive/*); Scrapy's
# DownloaderStats would count each again, serialising every request and response to do so.
DOWNLOADER_STATS = False

# Scrapy starts CONCURRENT_ITEMS tasks for every callback's output (scrapy#5182); our
# callbacks yield a few requests and no items, so one at a time is cheaper per page.
CONCURRENT_ITEMS = 1

# --- what a download may be -------------------------------------------------------------
#: Scrapy's default headers, but only the content codings every WARC reader and replay
#: tool decodes. Scrapy would also offer br and zstd, and a server that sends them makes
#: records that warcio reads only with brotlipy (which breaks Scrapy's own brotli),
#: that ReplayWeb.page does not decode, and (zstd) that no WARC tool reads.
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
    "Accept-Encoding": "gzip, deflate",
}
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
#: Keep bodies cut short by the server, so they are archived (marked WARC-Truncated).
DOWNLOAD_FAIL_ON_DATALOSS = False

# --- archive ------------------------------------------------------------------------
ARCHIVE_DIR = "archive-out"
#: Empty: each crawl makes its own (crawler.addons.RunIdentity).
ARCHIVE_RUN_ID = ""
WARC_PREFIX = "news-archive"
WARC_MAX_SIZE = 1_000_000_000
ARCHIVE_REQUISITES = True
ARCHIVE_SITES: list[str] = []
ARCHIVE_START_URLS: list[str] = []
HUB_BARREN_LIMIT = 10
#: First found, first fetched within a priority (Scrapy's default is LIFO), as in the
#: spider's frontier: pages are fetched in the order their links appear.
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
#: Requests the spider has out in Scrapy (scheduled or downloading) at most; the URLs it
#: found beyond that wait in its compact frontier (crawler.frontier). 0: no limit.
FRONTIER_WINDOW = 128
PROXY_URL = ""

# --- cron runs -------------------------------------------------------------------------
ARCHIVE_STATE_ENABLED = True
#: When an archived story is fetched again, conditionally (crawler.refresh): -1: adaptive,
#: HTTP's heuristic freshness kept between REFRESH_MIN_DAYS and REFRESH_MAX_DAYS; N: after
#: N days (0: every run); inf: never.
REFRESH_AFTER_DAYS = -1.0
REFRESH_MIN_DAYS = 1.0
REFRESH_MAX_DAYS = 180.0
#: Seconds of state-store changes grouped into one SQLite commit (0: commit each change).
ARCHIVE_STATE_COMMIT_INTERVAL = 1.0
PROGRESS_INTERVAL = 5.0
PROGRESS_BAR = True
SHUTDOWN_TIMEOUT = 90
#: Import path of a factory(settings) -> StateStore ("": SQLite in ARCHIVE_DIR).
ARCHIVE_STATE_STORE = ""

# --- extraction (crawler.extraction.extension) ----------------------------------------
EXTRACTION_ENABLED = True
#: Worker processes (0: one per core beyond the first, at most two).
EXTRACTION_JOBS = 0
#: Pages queued for the workers before the crawl pauses for them (0: 32 per worker).
EXTRACTION_MAX_IN_FLIGHT = 0

# --- distributed crawls (--redis sets these; crawler.distributed) ----------------------
REDIS_URL = ""
DISTRIBUTED_KEY_PREFIX = "news-archive"
DISTRIBUTED_WORKER_ID = ""
#: Requests per second per host, shared by all workers (0: no shared limit).
DISTRIBUTED_HOST_RATE = 1.0
DISTRIBUTED_LEASE_SECONDS = 60.0
DISTRIBUTED_POLL_SECONDS = 1.0

# Scrapy's HTTP cache would answer from disk without firing response_downloaded, so a
# cached page would never reach the WARC files: it stays off.
HTTPCACHE_ENABLED = False
# Unattended runs open no control port: neither the telnet console nor Scrapy's remote
# control server (a code-execution endpoint that also writes job files).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Scrapy's HTTP/1.1 handler, keeping each response's status line and header lines as
# they came for the WARC records (crawler.handlers).
DOWNLOAD_HANDLERS = {
    "http": "crawler.handlers.RawHeadDownloadHandler",
    "https": "crawler.handlers.RawHeadDownloadHandler",
}

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "crawler.middlewares.ContactUserAgentMiddleware": 500,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    # Below the retries: a robots.txt still failing after them disallows everything.
    "crawler.middlewares.UnreachableRobotsTxt": 540,
    "crawler.middlewares.PlainCompressedResponse": 595,  # just before HttpCompression (590)
    # Below HttpCompressionMiddleware (590): a 304 is replaced by the decoded archived copy.
    "crawler.incremental.ConditionalRequests": 580,
    "crawler.middlewares.FixedProxyMiddleware": 740,
    "crawler.middlewares.DownloadFailureLogger": 990,
}

EXTENSIONS = {
    "crawler.capture.WarcCapture": 100,
    "crawler.capture.OversizeTruncation": 110,
    # Listens to crawler.signals.response_archived; EXTRACTION_ENABLED=False turns it off.
    # The versioned subclass writes JSONL lines for new and changed stories only.
    "crawler.incremental.VersionedExtraction": 200,
    "crawler.progress.ProgressReport": 300,
    # After AutoThrottle (0), so it lays robots.txt's Crawl-delay over what that sets.
    "crawler.crawl_delay.RobotsCrawlDelay": 400,
}

ADDONS = {
    "crawler.addons.RunIdentity": 0,
    "crawler.addons.QuietLibraries": 0,
}

LOG_LEVEL = "INFO"
