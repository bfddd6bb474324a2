"""The `network` spider: every story of the SpaceDaily network sites it is given.

Where it looks (all URL knowledge comes from :mod:`crawler.sites.spacedaily`):

- entry points: each site's home page and feed;
- hubs: every HTML page of a selected site that is not a story (home pages, section
  listings and their pagination, whatever the URL scheme): all network links are
  followed, stories on any network site, other pages only on the selected sites;
- feeds: the item links (CDATA or not; items often point at sister sites);
- stories: only links to other stories of the selected sites (headline lists, teasers:
  some copies of a cross-posted story are linked from nowhere else) and page requisites
  (images, stylesheets). No hubs are taken from stories, and links are screened by a
  cheap URL test and the seen-set before any request is built, which keeps the cost
  per story page to two XPaths.

Across runs (the state store, :mod:`crawler.state`): home pages, listings and feeds are
fetched again every run, with a conditional request when they were archived before;
stories and requisites already archived are not fetched again unless a refresh is due
(``REFRESH_AFTER_DAYS``); a story archived but never recorded in JSONL is fetched again.

Each URL is requested once per run: links are made canonical (``www.`` host, no
fragment) and checked against a seen-set before a request is even built, which is far
cheaper than letting Scrapy's scheduler drop duplicates. Claimed URLs wait in a compact
:class:`crawler.frontier.Frontier`; only ``FRONTIER_WINDOW`` requests are out in Scrapy
at a time, so memory follows the work in flight, not the size of the site. A crawl trap
ends because a path of hubs is only followed while it keeps leading to new stories:
after ``HUB_BARREN_LIMIT`` hubs in a row without one, its hub links are dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import suppress
from functools import lru_cache
from urllib.parse import urljoin, urlsplit, urlunsplit

import scrapy
from lxml import etree
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spidermiddlewares.referer import RefererMiddleware, ReferrerPolicy
from scrapy.utils.log import failure_to_exc_info
from twisted.internet import task
from twisted.internet.defer import Deferred, succeed
from twisted.python.failure import Failure

from archive.state import UrlState
from crawler.frontier import Frontier, FrontierEntry
from crawler.incremental import (
    ARCHIVED_KEY,
    CONDITIONAL_KEY,
    LOOKED_UP_KEY,
    archived_response,
)
from crawler.sites import spacedaily as profile
from crawler.state import CrawlState

logger = logging.getLogger(__name__)

HTML_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
XML_PARSER = etree.XMLParser(
    recover=True, resolve_entities=False, no_network=True, remove_comments=True
)
LINKS = etree.XPath("//a/@href | //area/@href")
BASE_HREF = etree.XPath("//base/@href")
REQUISITES = etree.XPath(
    " | ".join(f"//{tag}/@{name}" for tag in profile.IMAGE_TAGS
               for name in profile.IMAGE_SOURCE_ATTRIBUTES)
    + " | //script/@src | //input[@type='image']/@src"
    " | //link[contains(translate(@rel, 'SIYLETCHO', 'siyletcho'), 'stylesheet')"
    " or contains(translate(@rel, 'ICON', 'icon'), 'icon')]/@href"
)
#: Candidate images (``srcset``: "address width-or-density, ...") a browser picks from.
SOURCE_SETS = etree.XPath(
    "//img/@srcset | //img/@data-srcset | //picture//source/@srcset"
    " | //picture//source/@data-srcset"
)
FEED_LINKS = etree.XPath(
    "//*[local-name()='item' or local-name()='entry']/*[local-name()='link']"
    "/text() | //*[local-name()='entry']/*[local-name()='link']/@href"
)
#: Links that are never hub pages (files, not HTML).
NOT_HTML = re.compile(
    r"\.(?:jpe?g|png|gif|webp|svg|ico|bmp|tiff?|css|js|pdf|zip|gz|mp[34]|m4v|mov|avi|wmv"
    r"|flv|swf|docx?|xlsx?|pptx?|exe|dmg|tar)$",
    re.IGNORECASE,
)
FEED_PATH = re.compile(r"\.(?:xml|rss|atom)$", re.IGNORECASE)
CSS_REFERENCES = re.compile(
    rb"""url\(\s*['"]?([^'")\s]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]""", re.IGNORECASE
)
ABSOLUTE_URL = re.compile(r"https?://[^/?#\s]+(?:[/?#]|$)", re.IGNORECASE)

STORY_PRIORITY = 20
REQUISITE_PRIORITY = 30
FEED_PRIORITY = 10
HUB_PRIORITY = 0
#: Hosts that only serve requisites: never stories or hubs.
REQUISITE_HOSTS = frozenset(profile.canonical_host(d) for d in profile.REQUISITE_DOMAINS)


class SiteSelectionError(ValueError):
    """A --site name that is not a site of the network."""


def resolve_sites(names: Iterable[str]) -> list[str]:
    """Registered domains of the named sites; ``spacewar``, ``spacewar.com`` and
    ``www.spacewar.com`` all name the same site. Unknown names raise SiteSelectionError."""
    selectable = sorted(profile.NETWORK_DOMAINS - profile.REQUISITE_DOMAINS)
    sites = []
    for name in names:
        host = urlsplit(name).hostname if "//" in name else name.strip().strip("/")
        domain = profile.registered_domain(host or "")
        matches = [d for d in selectable if domain in (d, d.split(".")[0])]
        if not matches:
            raise SiteSelectionError(
                f"unknown site {name!r}; sites of the network: {', '.join(selectable)}"
            )
        sites.extend(m for m in matches if m not in sites)
    return sites


def absolute_url(base: str, href: str) -> str:
    """``urljoin``, skipped for hrefs that are already absolute (most on these sites)."""
    href = href.strip()
    return href if ABSOLUTE_URL.match(href) else urljoin(base, href)


@lru_cache(maxsize=4096)
def canonical_url(url: str) -> str | None:
    """The form a network URL is requested in (``www.`` host, no fragment), or None
    when the URL is not an http(s) URL on a network host."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # malformed netloc or port
        return None
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host or not profile.is_network_host(host):
        return None
    netloc = profile.canonical_host(host)
    if port and port != (443 if parts.scheme == "https" else 80):
        netloc += f":{port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def seen_key(url: str) -> int:
    """One key for the http and https forms of a canonical URL: the 64-bit hash of the
    URL without its scheme, which costs a third of the memory of the string (a seen-set
    of a million URLs would wrongly hold one with a chance of about 3 in 100 million)."""
    return hash(url.split("://", 1)[1])


def _referrer_policy(crawler) -> ReferrerPolicy | None:
    """The referrer policy the crawl's settings name (``REFERRER_POLICY``), as Scrapy's
    RefererMiddleware reads it; None when ``REFERER_ENABLED`` is off."""
    try:
        return RefererMiddleware.from_crawler(crawler).default_policy()
    except NotConfigured:
        return None


class NetworkSpider(scrapy.Spider):
    name = "network"
    allowed_domains = sorted(profile.NETWORK_DOMAINS)

    def __init__(self, sites: str | None = None, start_url: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self._site_args = [s for s in (sites or "").split(",") if s.strip()]
        self._start_url_args = [u for u in (start_url or "").split(",") if u.strip()]
        self.seen: set[int] = set()
        self.archive_state: CrawlState | None = None
        #: Fires when the links of pages archived by runs that stopped early are read.
        self.archived_links: Deferred | None = None
        self._reading: task.CooperativeTask | None = None
        # Bound once and shared by every request: Scrapy parses a generator callback's
        # source to look for `return value`, caching the answer per callable object, so
        # a fresh bound method per request cost an AST parse of it per response.
        self._page_callback = self.parse
        self._requisite_callback = self.parse_requisite
        self._errback = self.download_failed

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs) -> NetworkSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.sites = resolve_sites(
            spider._site_args or settings.getlist("ARCHIVE_SITES") or profile.SITES
        )
        spider.site_hosts = frozenset(profile.canonical_host(s) for s in spider.sites)
        spider.extra_start_urls = spider._start_url_args or settings.getlist("ARCHIVE_START_URLS")
        spider.requisites = settings.getbool("ARCHIVE_REQUISITES", True)
        spider.barren_limit = settings.getint("HUB_BARREN_LIMIT", 10)
        spider.frontier = Frontier(settings.getint("FRONTIER_WINDOW", 128))
        spider.referrer_policy = _referrer_policy(crawler)
        crawler.signals.connect(spider.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        return spider

    # -- entry points --------------------------------------------------------------

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.archive_state = CrawlState.of(self.crawler)
        for url in self.extra_start_urls:
            canonical = canonical_url(url)
            if canonical is None:
                logger.warning("Ignoring start URL outside the network: %s", url)
                continue
            self.seen.add(seen_key(canonical))
            kind = self._kind_of(canonical) or "hub"
            known = self.archive_state.archived(canonical) if self.archive_state else None
            yield self._request(url, kind, barren=0, dont_filter=True,
                                meta=self._archive_meta(canonical, kind, known))
        for site in self.sites:
            home, feed = profile.start_urls(site)
            for url, kind in ((home, "hub"), (feed, "feed")):
                if self._claim(url):
                    self._enqueue(url, kind)
        for request in self._release():
            yield request

    def spider_idle(self) -> None:
        """Nothing is in flight. Keep the spider open when:

        - the frontier still holds URLs: a safety net; requests counted out ended
          without a callback, errback or drop signal and are still held somewhere (no
          Scrapy component is known to do that), so the window is freed and what fits
          given out (skipping the spider middlewares);
        - earlier runs that stopped early left pages whose links were not all followed:
          their links are read from the archive (:meth:`read_archived_links`), once,
          after everything else, so that these claims do not make this run's hubs
          look barren.
        """
        if len(self.frontier):
            logger.info("Engine idle with %d requests counted out and %d URLs in the "
                        "frontier: freeing the window", self.frontier.out, len(self.frontier))
            self.crawler.stats.inc_value("frontier/idle_releases")
            self.frontier.reset_out()
            self._crawl_released()
            raise DontCloseSpider
        if self.archived_links is None:
            self.archived_links = self._start_reading_archived_links()
        if not self.archived_links.called:
            raise DontCloseSpider

    def _start_reading_archived_links(self) -> Deferred:
        """Read the links of the pages that runs which stopped early archived, a page at
        a time between the reactor's other work (a large run's pages take a while, and
        a stop signal must still be heard); fires when done."""
        state = self.archive_state
        if state is None or not state.unfollowed:
            return succeed(None)
        logger.info("Reading the links of the pages in %d WARC file(s) of runs that "
                    "stopped early", len(state.unfollowed))
        self._reading = task.cooperate(self.read_archived_links(state))
        done = self._reading.whenDone()
        done.addErrback(self._reading_failed, state)
        return done

    def read_archived_links(self, state: CrawlState) -> Iterator[None]:
        """Put the links of each page of ``state.unfollowed`` (stories and stylesheets;
        listings are fetched again anyway) in the frontier, as if the page had just been
        fetched, and give out what fits; yields after each archived 200 response."""
        for ref in state.pages_to_follow_again():
            if self._read_links(archived_response(ref, ref.target_uri)):
                self.crawler.stats.inc_value("state/followed_again/pages")
                self._crawl_released()
            yield

    def _read_links(self, response: Response) -> bool:
        """Queue the links of an archived story page or stylesheet; False for anything
        else (listings, images)."""
        if self._kind_of(response.url) == "story" and isinstance(response, TextResponse):
            self.parse_story(response)
        elif self.requisites and _is_stylesheet(response):
            self._enqueue_stylesheet_references(response)
        else:
            return False
        return True

    def _reading_failed(self, failure: Failure, state: CrawlState) -> None:
        if failure.check(task.TaskStopped):  # the spider closed first
            return
        logger.error("Reading the links of archived pages failed; the next run reads them "
                     "again", exc_info=failure_to_exc_info(failure))
        state.unreadable.update(path.name for path in state.unfollowed)

    def closed(self, reason: str) -> None:
        if self._reading is not None:
            with suppress(task.TaskDone):
                self._reading.stop()

    def _crawl_released(self) -> None:
        for request in self._release():
            self.crawler.engine.crawl(request)

    def request_dropped(self, request: scrapy.Request) -> None:
        """Scrapy's scheduler refused a request (a redirect to a URL it has seen): given
        up on when the redirect leads back into its own chain (a loop; every hop is
        archived)."""
        self.frontier.ended(request.meta)
        chain = request.meta.get("redirect_urls") or []
        if request.url in chain:
            self._gave_up(chain[0], "redirect_loop", f"redirect loop ({_hops(request)})")

    # -- callbacks -----------------------------------------------------------------

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        self.frontier.ended(response.meta)
        if isinstance(response, TextResponse) and response.body:
            kind = response.meta.get("page_kind")
            if kind == "feed" or self._looks_like_feed(response):
                self.parse_feed(response)
            elif kind == "story" or profile.is_article_path(urlsplit(response.url).path):
                self.parse_story(response)
            else:
                self.parse_hub(response)
        yield from self._release()

    def parse_story(self, response: Response) -> None:
        """From a story page only two things are taken: links to other stories of the
        selected sites (its headline lists and teasers; some copies of a cross-posted
        story are linked nowhere else) and what the page needs to display."""
        tree = _html_tree(response.body)
        if tree is None:
            return
        base = _base_url(tree, response.url)
        for href in LINKS(tree):
            if not profile.ARTICLE_URL_HINT.search(href):
                continue
            url = canonical_url(absolute_url(base, href))
            if url is None or seen_key(url) in self.seen:  # most: the sidebar's headlines
                continue
            if (
                urlsplit(url).hostname in self.site_hosts
                and self._kind_of(url) == "story"
                and self._claim(url)
            ):
                self._enqueue(url, "story", source=response.url)
        self._enqueue_requisites(tree, base, response.url)

    def parse_hub(self, response: Response) -> None:
        tree = _html_tree(response.body)
        if tree is None:
            return
        base = _base_url(tree, response.url)
        links = (absolute_url(base, href) for href in LINKS(tree))
        self._follow(links, response.meta.get("barren", 0), response.url)
        self._enqueue_requisites(tree, base, response.url)

    def parse_feed(self, response: Response) -> None:
        try:
            root = etree.fromstring(response.body, XML_PARSER)
        except etree.XMLSyntaxError:
            root = None
        if root is None:
            logger.warning("Feed %s is not XML; no links taken from it", response.url)
            return
        links = (urljoin(response.url, str(link).strip()) for link in FEED_LINKS(root))
        self._follow(links, response.meta.get("barren", 0), response.url)

    def parse_requisite(self, response: Response) -> Iterator[scrapy.Request]:
        """Requisites are fetched to be archived; stylesheets may need more of them
        (their ``url(...)`` and ``@import`` references on network hosts)."""
        self.frontier.ended(response.meta)
        if _is_stylesheet(response):
            self._enqueue_stylesheet_references(response)
        yield from self._release()

    def download_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        """The last word on a request that got no usable response (after retries);
        each failed attempt was already logged by DownloadFailureLogger. Error statuses
        (archived like any response) and requests robots.txt forbids are not failures."""
        request = failure.request
        self.frontier.ended(request.meta)
        if self._too_many_redirects(failure):
            self._gave_up(request.meta["redirect_urls"][0], "too_many_redirects",
                          f"too many redirects ({_hops(request)})")
        elif not failure.check(HttpError, IgnoreRequest):
            self._gave_up(request.url, failure.type.__name__, failure.getErrorMessage())
        yield from self._release()

    def _too_many_redirects(self, failure: Failure) -> bool:
        """Scrapy's redirect middleware ignores a request past ``REDIRECT_MAX_TIMES``."""
        limit = self.crawler.settings.getint("REDIRECT_MAX_TIMES")
        redirects = failure.request.meta.get("redirect_times", 0)
        return failure.check(IgnoreRequest) is not None and redirects >= limit > 0

    def _gave_up(self, url: str, kind: str, why: str) -> None:
        self.crawler.stats.inc_value("spider/gave_up")
        self.crawler.stats.inc_value(f"spider/gave_up/{kind}")
        logger.warning("Gave up on %s: %s", url, why)

    # -- link following ------------------------------------------------------------

    def _follow(self, links: Iterable[str], barren: int, source: str) -> None:
        """Queue the new stories, feeds and hubs among ``links``.

        Hub links are followed while the path keeps finding new stories: ``barren``
        counts hubs in a row without one. Stories archived by earlier runs count as
        found (a trap has none), so every run walks the listings far enough to find
        every story not archived yet.
        """
        others: list[tuple[str, str]] = []
        found = False
        for link in links:
            url = canonical_url(link)
            if url is None or seen_key(url) in self.seen:
                continue
            kind = self._kind_of(url)
            if kind == "story":
                if self._claim(url):
                    found = True
                    self._enqueue(url, "story", source=source)
            elif kind is not None:
                others.append((url, kind))
        next_barren = 0 if found else barren + 1
        if next_barren > self.barren_limit:
            if others:
                self.crawler.stats.inc_value("spider/hub_paths_ended")
            return
        for url, kind in others:
            if self._claim(url):
                self._enqueue(url, kind, barren=next_barren, source=source)

    def _enqueue_requisites(self, tree, base: str, page_url: str) -> None:
        if not self.requisites:
            return
        candidates = (src.split()[0] for srcset in SOURCE_SETS(tree)
                      for src in srcset.split(",") if src.strip())
        for src in [*REQUISITES(tree), *candidates]:
            url = canonical_url(absolute_url(base, src))
            if url is not None and self._claim(url):
                self._enqueue(url, "requisite", source=page_url)

    def _enqueue_stylesheet_references(self, response: Response) -> None:
        for match in CSS_REFERENCES.finditer(response.body):
            reference = (match[1] or match[2]).decode("latin-1")
            url = canonical_url(absolute_url(response.url, reference))
            if url is not None and self._claim(url):
                self._enqueue(url, "requisite", source=response.url)

    def _kind_of(self, url: str) -> str | None:
        """``story``, ``feed`` or ``hub`` for a canonical URL worth following, else None."""
        parts = urlsplit(url)
        path = parts.path
        if parts.hostname in REQUISITE_HOSTS:
            return None
        if profile.is_article_path(path):
            return "story"
        if parts.hostname not in self.site_hosts or NOT_HTML.search(path):
            return None
        return "feed" if FEED_PATH.search(path) else "hub"

    def _claim(self, url: str) -> bool:
        """True the first time a URL is seen in this run: every request the spider makes
        (start URLs aside) is claimed here first. What earlier runs archived is consulted
        when the request is released (:meth:`_release`)."""
        key = seen_key(url)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def _enqueue(
        self, url: str, kind: str, barren: int = 0, source: str | None = None
    ) -> None:
        """Put a claimed URL in the frontier, to be requested when there is room;
        ``source`` is the page it was found on."""
        self.frontier.push(_PRIORITIES[kind], FrontierEntry(url, kind, barren, source))

    def _release(self) -> Iterator[scrapy.Request]:
        """Requests for frontier URLs, as many as the frontier's window has room for;
        URLs an earlier run archived for good are skipped (looked up only now, so the
        look-up is as fresh as can be)."""
        while (entry := self.frontier.pop()) is not None:
            url, kind, barren, source = entry
            state = self.archive_state
            known = state.archived(url) if state is not None else None
            if known is not None and state.is_kept(url, kind, known):
                self.crawler.stats.inc_value(f"state/kept/{kind}")
                continue
            request = self._request(url, kind, barren, meta=self._archive_meta(url, kind, known))
            if source is not None and self.referrer_policy is not None:
                # The page the link was found on, as a browser sends it (Scrapy's
                # RefererMiddleware would name the page whose callback released it).
                referrer = self.referrer_policy.referrer(source, request.url)
                if referrer is not None:
                    request.headers.setdefault(b"Referer", referrer)
            self.frontier.give_out(request.meta)
            yield request

    def _archive_meta(self, url: str, kind: str, known: UrlState | None) -> dict:
        """What the capture and conditional requests need to know of an archived URL:
        its state, and whether to ask the server only for a changed copy (not for a story
        that still lacks its JSONL line: it must be extracted, so its body is needed)."""
        state = self.archive_state
        if state is None:
            return {}
        if known is None:
            return {LOOKED_UP_KEY: url}
        conditional = known.status == 200 and (kind != "story" or state.is_recorded(url))
        return {ARCHIVED_KEY: known, CONDITIONAL_KEY: conditional, LOOKED_UP_KEY: url}

    def _request(
        self, url: str, kind: str, barren: int = 0, dont_filter: bool = False,
        meta: dict | None = None,
    ) -> scrapy.Request:
        requisite = kind == "requisite"
        return scrapy.Request(
            url,
            callback=self._requisite_callback if requisite else self._page_callback,
            priority=_PRIORITIES[kind],
            meta={"page_kind": kind, "barren": barren, **(meta or {})},
            dont_filter=dont_filter,
            errback=self._errback,
        )

    @staticmethod
    def _looks_like_feed(response: Response) -> bool:
        content_type = response.headers.get(b"Content-Type", b"").lower()
        return b"xml" in content_type and b"html" not in content_type


_PRIORITIES = {
    "story": STORY_PRIORITY,
    "requisite": REQUISITE_PRIORITY,
    "feed": FEED_PRIORITY,
    "hub": HUB_PRIORITY,
}


def _is_stylesheet(response: Response) -> bool:
    return b"css" in response.headers.get(b"Content-Type", b"").lower()


def _html_tree(body: bytes):
    try:
        return etree.fromstring(body, HTML_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None


def _base_url(tree, url: str) -> str:
    base = BASE_HREF(tree)
    return urljoin(url, str(base[0]).strip()) if base else url


def _hops(request: scrapy.Request) -> str:
    """A redirected request's way: ``a -> b -> a``."""
    return " -> ".join([*request.meta.get("redirect_urls", []), request.url])
