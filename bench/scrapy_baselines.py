"""Two plain Scrapy spiders to measure the crawl against, on the same replica.

    python bench/scrapy_baselines.py naive --proxy URL --stats FILE --domains D,D...
                                     [--max-pages N] START_URL...
    python bench/scrapy_baselines.py floor --proxy URL --stats FILE --urls FILE

- ``naive``: the spider one writes first. It requests every link and image on every
  page (Scrapy's duplicate filter drops the repeats), staying on ``--domains``, and runs
  ``trafilatura.extract`` with metadata and JSON output inline on every HTML page.
  No WARC.
- ``floor``: it requests a known list of URLs (``--urls``, one per line: what the crawl
  fetched) and does nothing with the answers: no parsing, no link discovery, no WARC,
  no extraction, with Scrapy set up for speed (:data:`LEAN`: no cookies, no download
  stats, warnings-only log, one item at a time) and the crawl's request headers. Its
  CPU per response is what Scrapy's request machinery alone costs on this machine; no
  crawl built on it goes below that.

Both start from Scrapy's defaults (no project settings), with the politeness lifted as
for the crawl and robots.txt obeyed. Every request, robots.txt included, goes through
``--proxy`` (set as the process's ``http_proxy``, which Scrapy's HttpProxyMiddleware
reads): they never reach anything but the replica. At the end they write Scrapy's
stats as JSON to ``--stats``.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from crawl_vs_wget import REPLICA_CRAWL_SETTINGS
from scrapy.crawler import CrawlerProcess
from scrapy.http import TextResponse

from crawler import settings as crawl_settings

LINKS = "//a/@href | //img/@src"
#: The politeness lifted for the replica exactly as for the crawl (``crawl_vs_wget`` is
#: importable: this script's folder is first on ``sys.path`` when it runs).
SETTINGS = {**REPLICA_CRAWL_SETTINGS, "TELNETCONSOLE_ENABLED": False}
#: What the floor changes from Scrapy's defaults to cost less per request, and the
#: crawl's request headers, so the replica sends it the same bytes (gzip, not brotli).
LEAN = {
    "COOKIES_ENABLED": False,
    "DOWNLOADER_STATS": False,
    "LOG_LEVEL": "WARNING",
    "CONCURRENT_ITEMS": 1,
    "DEFAULT_REQUEST_HEADERS": crawl_settings.DEFAULT_REQUEST_HEADERS,
}
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class _StatsToFile(scrapy.Spider):
    """Writes Scrapy's stats to ``stats_path`` when the spider closes."""

    stats_path = ""

    def closed(self, reason: str) -> None:
        stats = {name: value for name, value in self.crawler.stats.get_stats().items()
                 if isinstance(value, int | float | str)}
        Path(self.stats_path).write_text(json.dumps({**stats, "finish_reason": reason}))


class NaiveSpider(_StatsToFile):
    name = "naive"

    def parse(self, response):
        if not isinstance(response, TextResponse):  # an image
            return
        yield {"url": response.url, "article": _extract(response)}
        for link in response.xpath(LINKS).getall():
            url = response.urljoin(link)
            if url.startswith("http"):
                yield scrapy.Request(url)


class FloorSpider(_StatsToFile):
    name = "floor"
    urls_path = ""

    async def start(self):
        with open(self.urls_path) as urls:
            for line in urls:
                yield scrapy.Request(line.strip(), callback=self.ignore)

    def ignore(self, response) -> None:
        return None


def _extract(response: TextResponse) -> str | None:
    import trafilatura

    return trafilatura.extract(response.text, url=response.url, with_metadata=True,
                               output_format="json")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=("naive", "floor"))
    parser.add_argument("--proxy", required=True, help="the replica, e.g. http://127.0.0.1:8765")
    parser.add_argument("--stats", required=True, help="write Scrapy's stats here (JSON)")
    parser.add_argument("--domains", default="", help="naive: stay on these (comma-separated)")
    parser.add_argument("--max-pages", type=int, default=0,
                        help="naive: stop after this many responses (default 0: all)")
    parser.add_argument("--urls", help="floor: file of URLs to request, one per line")
    parser.add_argument("-s", "--setting", action="append", default=[], metavar="NAME=VALUE",
                        help="override a Scrapy setting (repeatable; e.g. the floor with "
                             "Scrapy's defaults: -s COOKIES_ENABLED=True ...)")
    parser.add_argument("start", nargs="*", help="naive: where to start")
    args = parser.parse_intermixed_args(argv)
    if urlsplit(args.proxy).hostname not in LOCAL_HOSTS:
        parser.error("--proxy must be the local replica (127.0.0.1)")
    if args.mode == "naive" and not (args.start and args.domains):
        parser.error("naive needs --domains and start URLs")
    if args.mode == "floor" and not args.urls:
        parser.error("floor needs --urls")
    if any("=" not in pair for pair in args.setting):
        parser.error("-s expects NAME=VALUE")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for name in ("no_proxy", "NO_PROXY"):
        os.environ.pop(name, None)
    os.environ["http_proxy"] = os.environ["https_proxy"] = args.proxy
    overrides = dict(pair.split("=", 1) for pair in args.setting)
    lean = LEAN if args.mode == "floor" else {}
    process = CrawlerProcess(
        {**SETTINGS, **lean, "CLOSESPIDER_PAGECOUNT": args.max_pages, **overrides})
    if args.mode == "naive":
        process.crawl(NaiveSpider, stats_path=args.stats, start_urls=args.start,
                      allowed_domains=args.domains.split(","))
    else:
        process.crawl(FloorSpider, stats_path=args.stats, urls_path=args.urls)
    process.start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
