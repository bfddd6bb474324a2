"""The offline replica of the SpaceDaily network, as data (the HTTP server is `mirror.server`).

`Network.resolve(host, path)` answers one request with a `Resource`, or None
for a 404; `Network.truth()` yields what a perfect crawl and extraction of
the replica would produce. Everything is generated on demand from
(seed, articles_per_site, epoch): the same arguments give byte-identical
answers in any process, and one article costs well under a few milliseconds
however large the sites are.

What is served (per site www.spacewar.com, www.spacedaily.com, www.terradaily.com):
`/index.html` (and `/`), `/robots.txt`, the feed `/<name>.xml`, the stylesheet
`/css/<name>.css`, section listings `/archive/<section>/index.html` and
`/archive/<section>/page-<n>.html`, articles `/reports/<Title_Words>_999.html`
(a few without `_999`) and, for 1999-2005, `/news/<topic>-<yy><letters>.html`,
plus the small pages every page links to (`/newsletters.html`, `/about.html` ...).
Bare hosts answer 301 to www; `www.spxdaily.com` serves the images.

Truth `text` convention: the body's paragraphs, one per line, joined by "\\n",
whitespace-normalised and entities decoded; a list in the body gives one line
per item (its introducing sentence is a paragraph of its own); a table in the
body gives one line per row (header row included), cells joined by " | ".
The headline, byline, dateline, photo caption, source line and the "earlier
related report" sub-articles are not part of `text`; the sub-articles are in
`related_reports`, each with its own `text` in the same convention (without
its inline dateline "Warsaw (AFP) April 24 - ").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property

from mirror import feeds, layouts, listings
from mirror.stories import SITE_INFO, SITES, Catalogue, Link, Story, StoryBuilder, key

IMAGE_HOST = "www.spxdaily.com"
IMAGE_PATH = re.compile(r"^/images(?:-[a-z]+)?/[A-Za-z0-9_.-]+\.(jpg|gif)$")
HTML_UTF8 = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Resource:
    """One HTTP answer as the server should send it (ETag is computed by the server)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    last_modified: datetime | None = None
    chunked: bool = False
    fault: str | None = None


class Network:
    """Sites of the network generated on demand from (seed, articles_per_site, epoch)."""

    def __init__(self, seed: int = 1, articles_per_site: int = 40, epoch: int = 0,
                 faults: bool = False) -> None:
        self.seed = seed
        self.articles_per_site = articles_per_site
        self.epoch = epoch
        self.faults = faults
        self.catalogue = Catalogue(seed, articles_per_site, epoch)
        self.stories = StoryBuilder(self.catalogue)

    def warm(self) -> None:
        """Build the headline index now rather than on the first `/reports/` request.

        It takes about a second for 20,000 stories a site; after it an article page
        is built in well under a millisecond.
        """
        _ = self.stories.slugs

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset({*(SITE_INFO[s].host for s in SITES), *SITES, IMAGE_HOST})

    # -- requests ------------------------------------------------------------
    def resolve(self, host: str, path: str) -> Resource | None:
        host = host.lower().partition(":")[0].rstrip(".")
        if host in SITES:
            return _redirect(f"http://www.{host}{path}")
        fault = _fault(host, path)
        if fault is not None:
            return fault
        path = path.split("?", 1)[0].split("#", 1)[0] or "/"
        if host == IMAGE_HOST:
            return _image(path)
        site = host.removeprefix("www.")
        if not host.startswith("www.") or site not in SITE_INFO:
            return None
        return self._site_resource(site, path)

    def _site_resource(self, site: str, path: str) -> Resource | None:
        info = SITE_INFO[site]
        now = self._now
        if path in ("/", "/index.html"):
            page = listings.home_page(self.catalogue, self.stories, site, self._fault_links(site))
            return self._html(page, path, now, cookie_domain=site)
        if path == "/robots.txt":
            return _resource(listings.robots_txt().encode(), "text/plain", path, now)
        if path == f"/{info.name}.xml":
            xml = feeds.feed_xml(self.catalogue, self.stories, site)
            return _resource(xml.encode("latin-1", "xmlcharrefreplace"), "text/xml", path, now)
        if path == f"/css/{info.name}.css":
            return _resource(listings.stylesheet(site).encode(), "text/css", path, _EPOCHLESS)
        if path.startswith("/archive/"):
            page = listings.listing_page(self.catalogue, self.stories, site, path)
            return None if page is None else self._html(page, path, now)
        static = listings.static_page(self.catalogue, site, path)
        if static is not None:
            return self._html(static, path, now)
        found = self.stories.find(info.host, path)
        if found is None:
            return None
        story = self.stories.story(*found)
        page = layouts.render_article(self._context(story, info.host, path))
        body, content_type = layouts.encode_page(page, story.encoding)
        return _resource(body, content_type, path, story.last_modified)

    def _html(self, page: str, path: str, now: datetime,
              cookie_domain: str | None = None) -> Resource:
        """A UTF-8 page; home pages set two cookies, as the real ones do."""
        extra: tuple[tuple[str, str], ...] = ()
        if cookie_domain:
            token = hashlib.sha1(f"{self.seed}/{path}/{self.epoch}".encode()).hexdigest()[:26]
            extra = (("Set-Cookie", f"PHPSESSID={token}; path=/"),
                     ("Set-Cookie", "smn_visit=1; expires=Fri, 31-Dec-2037 23:59:59 GMT; "
                                    f"path=/; domain=.{cookie_domain}"))
        return _resource(page.encode("utf-8"), HTML_UTF8, path, now, extra)

    @cached_property
    def _now(self) -> datetime:
        """When the newest page of the replica was last changed."""
        newest = self.catalogue.published_at("spacewar.com", self.catalogue.count - 1)
        return newest + timedelta(minutes=41)

    def _fault_links(self, site: str) -> list[Link]:
        if not self.faults or site != "spacewar.com":
            return []
        from mirror import faults  # imported late: mirror.faults imports this module

        return [Link(f.name, f.path) for f in faults.FAULTS]

    # -- article pages ---------------------------------------------------------
    def _context(self, story: Story, host: str, path: str) -> layouts.PageContext:
        return layouts.PageContext(
            story=story, site=layouts.site_of(host), path=path,
            teaser=self._teaser(story), sidebar=self._sidebar(story, host),
            nav=listings.nav_links(layouts.site_of(host)),
        )

    def _teaser(self, story: Story) -> layouts.Teaser | None:
        if story.is_seed:
            data = story.extra["teaser"]
            url = self.stories.url(story.site, max(story.index - 1, 0))
            return layouts.Teaser(data["title"], data["dateline"], data["text"], url)
        other = self.stories.teaser_of(story.site, story.index)
        if other is None:
            return None
        return layouts.Teaser(other.title, other.dateline, other.lead,
                              self.stories.url(other.site, other.index))

    def _sidebar(self, story: Story, host: str) -> list[tuple[str, list[Link]]]:
        """Headline lists, one per site of the network, plus older ones of the story's site."""
        if story.is_seed:
            return self._seed_sidebar(story)
        lists = []
        for site in SITES:
            links = []
            sister = SITE_INFO[site].host
            if host != sister and sister in story.paths:
                links.append(Link(story.title, f"http://{sister}{story.paths[sister]}"))
            links += self._headlines(site, story.index - 1, 4 - len(links))
            if links:
                lists.append((SITE_INFO[site].brand, links))
        extra = key(self.seed, story.site, story.index, "lists") % 3
        for number in range(extra):
            newest = story.index - 5 - 4 * number
            links = self._headlines(story.site, newest, 4) if newest >= 0 else []
            if links:
                lists.append((f"More {SITE_INFO[story.site].banner}", links))
        return lists

    def _headlines(self, site: str, newest: int, count: int) -> list[Link]:
        """Headlines from `newest` back; the oldest stories of a site borrow newer ones."""
        indices = list(range(newest, max(-1, newest - count), -1))
        following = newest + 2  # skip the story whose page this is
        while len(indices) < count and following < self.catalogue.count:
            indices.append(following)
            following += 1
        return [self.stories.link(site, i) for i in indices]

    def _seed_sidebar(self, story: Story) -> list[tuple[str, list[Link]]]:
        """The seed's lists verbatim; their links lead to older spacewar.com stories."""
        lists = []
        target = story.index - 1
        for titles in story.extra["sidebar_lists"]:
            links = []
            for title in titles:
                index = max(target, 0) if target >= 0 else min(story.index + 1,
                                                              self.catalogue.count - 1)
                links.append(Link(title, self.stories.url("spacewar.com", index)))
                target -= 1
            lists.append(("", links))
        return lists

    # -- ground truth ------------------------------------------------------------
    def truth(self) -> Iterator[dict]:
        for site in SITES:
            for index in range(self.catalogue.count):
                yield self.story_truth(site, index)
        yield from fault_truth()

    def story_truth(self, site: str, index: int) -> dict:
        story = self.stories.story(site, index)
        text = "\n".join(_normalise(line) for line in story.text_lines())
        boilerplate: list[str] = []
        for host, path in story.paths.items():
            boilerplate += layouts.page_boilerplate(self._context(story, host, path))
        # strings that also belong to the story (its text, title, related reports) are no
        # boilerplate, even when the page shows them elsewhere too
        own = "\n".join([text, story.title, *(r.title for r in story.related),
                          *(_normalise(p) for r in story.related for p in r.paragraphs)])
        must_not = []
        seen = set()
        for item in map(_normalise, boilerplate):
            if item and item not in seen and item not in own:
                must_not.append(item)
            seen.add(item)
        return {
            "kind": "story", "id": story.id, "site": site, "urls": story.urls,
            "title": story.title, "byline": story.byline, "place": story.place,
            "agency": story.agency, "published": story.published_at.date().isoformat(),
            "source": story.source, "text": text,
            "images": [{"url": layouts.image_url(story),
                        "caption": _normalise(story.caption) if story.caption else None}]
            if story.image else [],
            "related_reports": [
                {"title": r.title, "place": r.place, "agency": r.agency,
                 "published": r.published.isoformat(),
                 "text": "\n".join(_normalise(p) for p in r.paragraphs)}
                for r in story.related],
            "must_not_contain": must_not, "layout": story.layout,
            "encoding": layouts.charset_of(story.encoding),
            "epoch_published": story.epoch_published, "epoch_modified": story.epoch_modified,
        }


_EPOCHLESS = datetime(2024, 6, 1, 8, 0, tzinfo=UTC)  # stylesheets and images never change


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _resource(body: bytes, content_type: str, path: str, last_modified: datetime | None,
              extra: tuple[tuple[str, str], ...] = ()) -> Resource:
    chunked = key("chunked", path) % 3 == 0
    return Resource(200, (("Content-Type", content_type), *extra), body, last_modified, chunked)


def _redirect(location: str) -> Resource:
    body = (f'<html><head><title>301 Moved Permanently</title></head><body><h1>Moved '
            f'Permanently</h1><p>The document has moved <a href="{layouts.a(location)}">here'
            "</a>.</p></body></html>\n").encode()
    headers = (("Location", location), ("Content-Type", "text/html; charset=iso-8859-1"))
    return Resource(301, headers, body)


def _fault(host: str, path: str) -> Resource | None:
    try:
        from mirror import faults
    except ImportError:
        return None
    return faults.resolve(host, path)


def fault_truth() -> list[dict]:
    try:
        from mirror import faults
    except ImportError:
        return []
    return faults.truth_records()


def _image(path: str) -> Resource | None:
    match = IMAGE_PATH.match(path)
    if not match:
        return None
    if match[1] == "gif":
        return Resource(200, (("Content-Type", "image/gif"),), tiny_gif(path), _EPOCHLESS)
    return Resource(200, (("Content-Type", "image/jpeg"),), tiny_jpeg(path), _EPOCHLESS)


def tiny_gif(name: str) -> bytes:
    """A valid 1x1 GIF whose single colour depends on the name."""
    r, g, b = hashlib.sha1(name.encode()).digest()[:3]
    return (b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes((r, g, b)) + b"\xff\xff\xff"
            b"!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def tiny_jpeg(name: str, width: int = 64, height: int = 48) -> bytes:
    """A valid baseline greyscale JPEG of flat grey, with the name in a comment segment.

    Every 8x8 block codes DC difference 0 and end-of-block, each a 1-bit Huffman code.
    """
    def segment(marker: int, payload: bytes) -> bytes:
        return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2, "big") + payload

    blocks = -(-width // 8) * -(-height // 8)
    bits = "00" * blocks
    bits += "1" * (-len(bits) % 8)
    scan = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
    return b"".join((
        b"\xff\xd8",
        segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
        segment(0xFE, name.encode("ascii", "replace")[:200]),
        segment(0xDB, b"\x00" + bytes([1] * 64)),
        segment(0xC0, b"\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big")
                + b"\x01\x01\x11\x00"),
        segment(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00"),
        segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00"),
        segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
        scan,
        b"\xff\xd9",
    ))
