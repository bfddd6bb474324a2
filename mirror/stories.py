"""The story catalogue of the replica: which stories exist, where, and what they say.

Stories of a site are numbered from 0 (the oldest) upwards; everything about a
story is a function of (seed, site, index), so any one story is built on
demand in O(1) and `articles_per_site` can reach tens of thousands:

- dates spread evenly from 1999 to 2025 (`published_on`); each epoch adds
  `NEW_PER_EPOCH` stories per site after the newest one;
- sections come in groups of `len(sections)` consecutive stories, one of each
  section per group in a seeded order, so "the k-th story of section s" is
  arithmetic (`section_member`);
- 1999-2005 stories live at `/news/<topic>-<yy><letters>.html`, where the
  letters count the site's stories of that year (base 26, `a` = first);
  later ones at `/reports/<Title_Words>_999.html`;
- titles of `/reports/` stories must be unique across the network (their slug
  is their address), so they are collected once, lazily, into `SlugIndex`.

The seed article (a real 2007 spacewar.com page, in `data/seed_story.json`)
takes the place of the spacewar.com story published on or just before
2007-04-24.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache
from importlib import resources

from mirror import prose

START = date(1999, 3, 1)
END = date(2025, 3, 17)
SPAN_DAYS = (END - START).days
REPORTS_FROM = date(2006, 1, 1)  # earlier stories have /news/ URLs
CURRENT_FROM = date(2014, 1, 1)  # the current layout; earlier ones the table layout
SEED_DATE = date(2007, 4, 24)
NEW_PER_EPOCH = 3
RECENT_STORIES = 64
EDITS_PER_EPOCH = 2
LINK_CACHE = 16384  # entries of each of the path and link caches (a few MB)

SITES = ("spacewar.com", "spacedaily.com", "terradaily.com")


@dataclass(frozen=True)
class SiteInfo:
    domain: str
    banner: str
    sections: tuple[tuple[str, str], ...]  # (beat/slug, label)
    #: old `/news/` topics per section (a few hyphenated, as on the real site)
    topics: tuple[tuple[str, ...], ...]

    # cached: pages ask for these dozens of times (frozen dataclasses allow cached_property)
    @cached_property
    def name(self) -> str:
        return self.domain.split(".")[0]

    @cached_property
    def host(self) -> str:
        return "www." + self.domain

    @cached_property
    def brand(self) -> str:
        return {"spacewar": "SpaceWar", "spacedaily": "SpaceDaily",
                "terradaily": "TerraDaily"}[self.name] + ".com"


SITE_INFO: dict[str, SiteInfo] = {
    "spacewar.com": SiteInfo(
        "spacewar.com", "Military Space News",
        (("missile-defense", "Missile Defense"), ("military-space", "Military Space"),
         ("nuclear", "Nuclear Weapons")),
        (("missiles", "abm"), ("milspace", "drones"), ("nuclear", "nuclear-blackmarket"))),
    "spacedaily.com": SiteInfo(
        "spacedaily.com", "Space Industry and Business News",
        (("launchers", "Launch Pad"), ("satellites", "Satellite Industry"),
         ("exploration", "Space Exploration")),
        (("launchers", "rocketscience"), ("satellites", "eo"), ("mars", "lunar-base"))),
    "terradaily.com": SiteInfo(
        "terradaily.com", "Earth Science News",
        (("climate", "Climate Science"), ("earthquakes", "Quake News"),
         ("energy", "Energy News")),
        (("climate", "global-warming"), ("quake", "volcano"), ("energy", "oil"))),
}

MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                "Dec")
AGENCY_SOURCES = {"AFP": "Agence France-Presse", "UPI": "United Press International",
                  "RIA Novosti": "RIA Novosti"}

TABLE_LAYOUTS = ("table/bullets", "table/lists", "table/linktable", "table/wire")
#: The 1999-2005 `/news/` pages: half in the oldest layout, half in the later table
#: ones (the sites moved to newer templates at different times).
NEWS_LAYOUTS = ("table/early",) * len(TABLE_LAYOUTS) + TABLE_LAYOUTS
CURRENT_LAYOUTS = ("current/classic", "current/cards", "current/compact", "current/social")
LAYOUTS = tuple(dict.fromkeys(NEWS_LAYOUTS + CURRENT_LAYOUTS))
_LAYOUTS_OF_ERA = {"news": NEWS_LAYOUTS, "table": TABLE_LAYOUTS, "current": CURRENT_LAYOUTS}

#: How a page's bytes are encoded and declared (see `mirror.layouts.encode_page`).
TABLE_ENCODINGS = ("latin1-meta", "cp1252-header", "latin1-both-entities")
CURRENT_ENCODINGS = ("utf8-both", "utf8-meta", "utf8-header-entities")


_blake2b = hashlib.blake2b


def key(*parts: object) -> int:
    """A stable 64-bit number for any tuple of parts (never the salted `hash()`)."""
    text = "\x1f".join(map(str, parts)).encode()
    return int.from_bytes(_blake2b(text, digest_size=8).digest(), "big")


def rng_for(*parts: object) -> random.Random:
    return random.Random(key(*parts))


def letters(number: int) -> str:
    """0 -> a, 25 -> z, 26 -> ba: a base-26 count in letters, as old URLs have."""
    out = ""
    while True:
        number, digit = divmod(number, 26)
        out = chr(ord("a") + digit) + out
        if number == 0:
            return out


def letters_value(text: str) -> int:
    value = 0
    for char in text:
        value = value * 26 + ord(char) - ord("a")
    return value


@lru_cache(maxsize=1)
def seed_story_data() -> dict:
    ref = resources.files("mirror") / "data" / "seed_story.json"
    return json.loads(ref.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Block:
    """A piece of an article body: a paragraph, a list or a table."""

    kind: str  # "p", "list", "table"
    text: str = ""
    items: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    def lines(self) -> list[str]:
        """What a perfect extractor yields: one line per paragraph, item or row."""
        if self.kind == "list":
            return list(self.items)
        if self.kind == "table":
            return [" | ".join(row) for row in self.rows]
        return [self.text]


@dataclass(frozen=True)
class RelatedReport:
    title: str
    place: str | None
    agency: str | None
    published: date
    date_text: str  # "April 24" in the inline dateline form
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclass
class Story:
    """Everything one article page shows, plus where it is served."""

    site: str
    index: int
    title: str
    section: str
    published_at: datetime
    layout: str
    encoding: str
    typeset: bool
    byline: str | None  # without "by"
    byline_form: str | None  # as printed: "by Staff Writers", "By Issam AHMED"
    place: str | None
    agency: str | None
    dateline: str
    caption: str | None
    image: str | None
    blocks: list[Block]
    related: list[RelatedReport]
    source: str | None
    related_links: list[Link]
    paths: dict[str, str]  # host -> path
    epoch_published: int
    epoch_modified: int
    last_modified: datetime
    is_seed: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{SITE_INFO[self.site].name}-{self.index:06d}"

    @property
    def urls(self) -> list[str]:
        return [f"http://{host}{path}" for host, path in self.paths.items()]

    def text_lines(self) -> list[str]:
        return [line for block in self.blocks for line in block.lines()]


@dataclass(frozen=True)
class Opening:
    """What a page shows of another story it teases."""

    site: str
    index: int
    title: str
    dateline: str
    lead: str


@dataclass(frozen=True)
class _Start:
    """A story's first random draws, in order: enough for its `Opening`."""

    rng: random.Random
    writer: prose.Writer
    era: str
    beat: str
    published_at: datetime
    agency: str | None
    place: str | None
    dateline: str
    byline: str | None
    byline_form: str | None
    typeset: bool
    count: int  # paragraphs in the body, lead included
    lead: str


class Catalogue:
    """Story arithmetic for one (seed, articles_per_site, epoch)."""

    def __init__(self, seed: int, articles_per_site: int, epoch: int) -> None:
        if articles_per_site < 1 or epoch < 0:
            raise ValueError("articles_per_site must be >= 1 and epoch >= 0")
        self.seed = seed
        self.base = articles_per_site
        self.epoch = epoch
        self.count = articles_per_site + NEW_PER_EPOCH * epoch
        self.seed_index = self._seed_index()
        self._reports_first = min(self.first_index_on_or_after(REPORTS_FROM), self.base)
        self._current_first = min(self.first_index_on_or_after(CURRENT_FROM), self.base)

    # -- dates -------------------------------------------------------------
    def published_on(self, index: int) -> date:
        if index >= self.base:
            return END + timedelta(days=self.epoch_of(index))
        if index == self.seed_index:
            return SEED_DATE
        return START + timedelta(days=index * SPAN_DAYS // max(self.base - 1, 1))

    def published_at(self, site: str, index: int) -> datetime:
        day = self.published_on(index)
        hours = key(self.seed, site, index, "time") % (14 * 60)
        return datetime(day.year, day.month, day.day, 6, tzinfo=UTC) + timedelta(minutes=hours)

    def epoch_of(self, index: int) -> int:
        return 0 if index < self.base else (index - self.base) // NEW_PER_EPOCH + 1

    def first_index_on_or_after(self, day: date) -> int:
        days = (day - START).days
        if days <= 0:
            return 0
        return -(-days * max(self.base - 1, 1) // SPAN_DAYS)

    def _seed_index(self) -> int:
        days = (SEED_DATE - START).days
        index = ((days + 1) * max(self.base - 1, 1) - 1) // SPAN_DAYS
        return max(0, min(index, self.base - 1))

    # -- sections ----------------------------------------------------------
    def section_order(self, site: str, group: int) -> tuple[int, ...]:
        """Which section each story of a group of consecutive stories belongs to."""
        return _section_order(self.seed, site, group, self.seed_index)

    def section_of(self, site: str, index: int) -> int:
        width = len(SITE_INFO[site].sections)
        return self.section_order(site, index // width)[index % width]

    def section_size(self, site: str, section: int) -> int:
        width = len(SITE_INFO[site].sections)
        full, rest = divmod(self.count, width)
        partial = self.section_order(site, full).index(section) < rest if rest else False
        return full + int(partial)

    def section_member(self, site: str, section: int, k: int) -> int:
        """The index of the k-th (0 = oldest) story of a section."""
        width = len(SITE_INFO[site].sections)
        return k * width + self.section_order(site, k).index(section)

    # -- addresses -----------------------------------------------------------
    def era(self, index: int) -> str:
        if index == self.seed_index:
            return self._era_of(SEED_DATE)
        if index < self._reports_first:
            return "news"
        return "table" if index < self._current_first else "current"

    @staticmethod
    def _era_of(day: date) -> str:
        if day < REPORTS_FROM:
            return "news"
        return "table" if day < CURRENT_FROM else "current"

    def news_topic(self, site: str, index: int) -> str:
        topics = SITE_INFO[site].topics[self.section_of(site, index)]
        return topics[key(self.seed, site, index, "topic") % len(topics)]

    def news_path(self, site: str, index: int) -> str:
        day = self.published_on(index)
        k = index - self.first_index_on_or_after(date(day.year, 1, 1))
        return f"/news/{self.news_topic(site, index)}-{day.year % 100:02d}{letters(k)}.html"

    def news_index(self, site: str, topic: str, yy: int, code: str) -> int | None:
        """Inverse of `news_path`, or None when no story has that address."""
        year = (1900 if yy >= 90 else 2000) + yy
        index = self.first_index_on_or_after(date(year, 1, 1)) + letters_value(code)
        if not 0 <= index < self.count or self.era(index) != "news":
            return None
        if self.news_path(site, index) != f"/news/{topic}-{yy:02d}{code}.html":
            return None
        return index

    def shared_site(self, site: str, index: int) -> str | None:
        """The sister site that also publishes this story under the same slug."""
        if self.era(index) == "news" or index == self.seed_index and site == "spacewar.com":
            return None
        if key(self.seed, site, index, "shared") % 7 != 0:
            return None
        return "spacedaily.com" if site != "spacedaily.com" else "spacewar.com"

    def edits(self) -> dict[tuple[str, int], list[int]]:
        """(site, index) -> the epochs in which that story was edited."""
        return _edits(self.seed, self.base, self.epoch, self.seed_index)


@lru_cache(maxsize=4096)
def _section_order(seed: int, site: str, group: int, seed_index: int) -> tuple[int, ...]:
    width = len(SITE_INFO[site].sections)
    order = list(range(width))
    rng_for(seed, site, "sections", group).shuffle(order)
    if site == "spacewar.com" and group == seed_index // width:
        position = seed_index % width
        other = order.index(0)  # the seed is a missile-defense story
        order[position], order[other] = order[other], order[position]
    return tuple(order)


@lru_cache(maxsize=16)
def _edits(seed: int, base: int, epoch: int, seed_index: int) -> dict[tuple[str, int], list[int]]:
    out: dict[tuple[str, int], list[int]] = {}
    for e in range(1, epoch + 1):
        existing = base + NEW_PER_EPOCH * (e - 1)
        for site in SITES:
            rng = rng_for(seed, "edits", e, site)
            for index in rng.sample(range(existing), min(EDITS_PER_EPOCH, existing)):
                if site == "spacewar.com" and index == seed_index:
                    continue
                out.setdefault((site, index), []).append(e)
    return out


class SlugIndex:
    """Titles of `/reports/` stories, unique across the network, and their slugs.

    Built once per catalogue on first use, in (index, site) order so that stories
    added by later epochs never change an earlier story's title.
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.by_slug: dict[str, tuple[str, int]] = {}
        self.titles: dict[tuple[str, int], str] = {}
        self.slugs: dict[tuple[str, int], str] = {}
        seed_slug = seed_story_data()["slug"].removesuffix("_999")
        self.by_slug[seed_slug] = ("spacewar.com", catalogue.seed_index)
        self.slugs[("spacewar.com", catalogue.seed_index)] = seed_slug
        self.titles[("spacewar.com", catalogue.seed_index)] = seed_story_data()["title"]
        for index in range(catalogue.count):
            if catalogue.era(index) == "news":
                continue
            for site in SITES:
                if (site, index) not in self.titles:
                    self._add(site, index)

    def _add(self, site: str, index: int) -> None:
        for attempt in range(50):
            title = headline_for(self.catalogue, site, index, attempt)
            slug = prose.slugify(title)
            if slug not in self.by_slug:
                self.by_slug[slug] = (site, index)
                self.titles[(site, index)] = title
                self.slugs[(site, index)] = slug
                return
        raise RuntimeError(f"no unique title for {site} story {index}")


def headline_for(catalogue: Catalogue, site: str, index: int, attempt: int = 0) -> str:
    """The headline of a story; later attempts add endings until the slug is unique."""
    beat = SITE_INFO[site].sections[catalogue.section_of(site, index)][0]
    number = int.from_bytes(hashlib.blake2b(
        f"{catalogue.seed}|{site}|{index}|{attempt}".encode(), digest_size=16).digest(), "big")
    headline = prose.headline_maker(beat).make(number)
    if attempt >= 3:
        headline += " " + prose.HEADLINE_ENDINGS[number % len(prose.HEADLINE_ENDINGS)]
    if attempt >= 12:
        year = catalogue.published_on(index).year
        headline += f" In {prose.MONTH_NAMES[number % 12]} {year}"
    if attempt >= 40:
        headline += f" ({index})"
    return headline


class StoryBuilder:
    """Builds `Story` objects on demand for one catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._recent: OrderedDict[tuple[str, int], Story] = OrderedDict()
        #: stories begun for a teaser: building the story itself carries on from there
        self._begun: OrderedDict[tuple[str, int], _Start] = OrderedDict()
        # bounded caches: neighbouring pages link mostly the same stories
        self.path = lru_cache(maxsize=LINK_CACHE)(self._path)
        self.link = lru_cache(maxsize=LINK_CACHE)(self._link)

    @cached_property
    def slugs(self) -> SlugIndex:
        return SlugIndex(self.catalogue)

    def title(self, site: str, index: int) -> str:
        if self.catalogue.era(index) == "news":
            return headline_for(self.catalogue, site, index)
        return self.slugs.titles[(site, index)]

    def _path(self, site: str, index: int) -> str:
        """Where a story is served on its own site (cached as `path`)."""
        c = self.catalogue
        if c.era(index) == "news":
            return c.news_path(site, index)
        slug = self.slugs.slugs[(site, index)]
        no_999 = key(c.seed, site, index, "no999") % 23 == 0 and not self._is_seed(site, index)
        return f"/reports/{slug}.html" if no_999 else f"/reports/{slug}_999.html"

    def url(self, site: str, index: int) -> str:
        return f"http://{SITE_INFO[site].host}{self.path(site, index)}"

    def _link(self, site: str, index: int) -> Link:
        """A link to a story with its headline as text (cached as `link`)."""
        return Link(self.title(site, index), self.url(site, index))

    def paths(self, site: str, index: int) -> dict[str, str]:
        path = self.path(site, index)
        paths = {SITE_INFO[site].host: path}
        sister = self.catalogue.shared_site(site, index)
        if sister:
            paths[SITE_INFO[sister].host] = path
        return paths

    def find(self, host: str, path: str) -> tuple[str, int] | None:
        """The (site, index) of the story served at host+path, if any."""
        if path.startswith("/reports/") and path.endswith(".html"):
            slug = path[len("/reports/"):-len(".html")].removesuffix("_999")
            found = self.slugs.by_slug.get(slug)
        elif path.startswith("/news/") and path.endswith(".html"):
            found = self._find_news(host, path)
        else:
            return None
        if found is None:
            return None
        site, index = found
        return found if self.paths(site, index).get(host) == path else None

    def _find_news(self, host: str, path: str) -> tuple[str, int] | None:
        name = path[len("/news/"):-len(".html")]
        topic, _, code = name.rpartition("-")
        digits = code[:2]
        if not topic or not digits.isdigit() or not code[2:].isalpha() or not code[2:].islower():
            return None
        site = host.removeprefix("www.")
        if site not in SITE_INFO:
            return None
        index = self.catalogue.news_index(site, topic, int(digits), code[2:])
        return None if index is None else (site, index)

    def _is_seed(self, site: str, index: int) -> bool:
        return site == "spacewar.com" and index == self.catalogue.seed_index

    # -- the story itself -----------------------------------------------------
    def story(self, site: str, index: int) -> Story:
        """The story (cached: a page also shows its neighbour's headline and lead)."""
        cached = self._recent.get((site, index))
        if cached is None:
            cached = self._recent[(site, index)] = self._build(site, index)
            if len(self._recent) > RECENT_STORIES:
                self._recent.popitem(last=False)
        return cached

    def _start(self, site: str, index: int) -> _Start:
        """The story's first draws, up to its lead paragraph (all a teaser shows)."""
        c = self.catalogue
        rng = rng_for(c.seed, site, index, "story")
        era = c.era(index)
        beat = SITE_INFO[site].sections[c.section_of(site, index)][0]
        published_at = c.published_at(site, index)
        writer = prose.Writer(rng, beat, published_at.year)
        agency = _pick_agency(rng, era, site)
        place, dateline = _dateline(rng, era, agency, writer, published_at.date())
        byline, byline_form = _byline(rng, agency)
        typeset = rng.random() < 0.45
        roll = rng.random()
        count = rng.randint(2, 4) if roll < 0.3 else (
            rng.randint(5, 10) if roll < 0.8 else rng.randint(12, 22))
        lead = writer.lead(prose.WEEKDAYS[published_at.weekday()])
        return _Start(rng, writer, era, beat, published_at, agency, place, dateline, byline,
                      byline_form, typeset, count, lead)

    def opening(self, site: str, index: int) -> Opening:
        """Headline, dateline and lead of a story, without building all of it."""
        cached = self._recent.get((site, index))
        if cached is None and not self._is_seed(site, index):
            start = self._begun.get((site, index))
            if start is None:
                start = self._begun[(site, index)] = self._start(site, index)
                if len(self._begun) > RECENT_STORIES:
                    self._begun.popitem(last=False)
            lead = prose.typeset(start.lead) if start.typeset else start.lead
            return Opening(site, index, self.title(site, index), start.dateline, lead)
        story = cached or self.story(site, index)
        lead = story.blocks[0].text if story.blocks else ""
        return Opening(site, index, story.title, story.dateline, lead)

    def _build(self, site: str, index: int) -> Story:
        if self._is_seed(site, index):
            return self._seed_story()
        c = self.catalogue
        # a begun story's random state is used up by this build: take it out first
        start = self._begun.pop((site, index), None) or self._start(site, index)
        rng, writer, era, beat = start.rng, start.writer, start.era, start.beat
        published_at, agency, place = start.published_at, start.agency, start.place
        typeset = start.typeset
        layouts = _LAYOUTS_OF_ERA[era]
        encodings = CURRENT_ENCODINGS if era == "current" else TABLE_ENCODINGS
        layout = layouts[key(c.seed, site, index, "layout") % len(layouts)]
        encoding = encodings[key(c.seed, site, index, "encoding") % len(encodings)]
        blocks = self._blocks(start)
        related = self._related(rng, beat, agency, place, published_at, typeset)
        source = _source(rng, agency, era)
        has_image = rng.random() < 0.75
        caption = writer.caption() if has_image and rng.random() < 0.85 else None
        image = f"{beat}-{index % 97:02d}-{key(site, index) % 9973:04d}.jpg" if has_image else None
        links = [Link(text, f"http://{SITE_INFO[site].host}/")
                 for text in writer.related_link_texts(rng.randint(1, 3))]
        edits = c.edits().get((site, index), [])
        for e in edits:
            edit_rng = rng_for(c.seed, site, index, "edit", e)
            edit_writer = prose.Writer(edit_rng, beat, published_at.year)
            text = edit_writer.background_paragraph()
            blocks.append(Block("p", prose.typeset(text) if typeset else text))
        epoch_published = c.epoch_of(index)
        last_modified = published_at + timedelta(minutes=17)
        if edits:
            stamp = END + timedelta(days=edits[-1])
            last_modified = datetime(stamp.year, stamp.month, stamp.day, 22, tzinfo=UTC)
        return Story(
            site=site, index=index, title=self.title(site, index), section=beat,
            published_at=published_at, layout=layout, encoding=encoding, typeset=typeset,
            byline=start.byline, byline_form=start.byline_form, place=place, agency=agency,
            dateline=start.dateline, caption=caption, image=image, blocks=blocks, related=related,
            source=source, related_links=links, paths=self.paths(site, index),
            epoch_published=epoch_published,
            epoch_modified=edits[-1] if edits else epoch_published,
            last_modified=last_modified,
        )

    @staticmethod
    def _blocks(start: _Start) -> list[Block]:
        rng, writer = start.rng, start.writer
        paragraphs = writer.more_paragraphs([start.lead], start.count)
        typeset = start.typeset
        blocks = [Block("p", prose.typeset(p) if typeset else p) for p in paragraphs]
        extra = rng.random()
        position = rng.randint(1, len(blocks))
        if extra < 0.12:
            intro, items = writer.body_list()
            blocks[position:position] = [Block("p", intro), Block("list", items=tuple(items))]
        elif extra < 0.22:
            rows = writer.body_table()
            blocks[position:position] = [Block("table", rows=tuple(tuple(r) for r in rows))]
        return blocks

    def _related(self, rng: random.Random, beat: str, agency: str | None, place: str | None,
                 published_at: datetime, typeset: bool) -> list[RelatedReport]:
        if agency not in ("AFP", "UPI"):
            return []
        roll = rng.random()
        count = 0 if roll < 0.55 else 1 if roll < 0.78 else 2 if roll < 0.92 else 3
        out = []
        for _ in range(count):
            writer = prose.Writer(rng, beat, published_at.year)
            day = published_at.date() - timedelta(days=rng.randint(0, 1))
            paragraphs = writer.paragraphs(rng.randint(2, 7), prose.WEEKDAYS[day.weekday()])
            if typeset:
                paragraphs = [prose.typeset(p) for p in paragraphs]
            out.append(RelatedReport(
                title=_sentence_case_title(writer.headline()), place=writer.city,
                agency=agency, published=day,
                date_text=f"{prose.MONTH_NAMES[day.month - 1]} {day.day}",
                paragraphs=tuple(paragraphs)))
        return out

    def teaser_of(self, site: str, index: int) -> Opening | None:
        """The neighbouring story a page teases (the previous one, or the next)."""
        other = index - 1 if index > 0 else index + 1
        if other >= self.catalogue.count:
            return None
        return self.opening(site, other)

    def _seed_story(self) -> Story:
        data = seed_story_data()
        c = self.catalogue
        published_at = datetime(2007, 4, 24, 14, 12, tzinfo=UTC)
        related = [
            RelatedReport(r["title"], r["place"], r["agency"], date.fromisoformat(r["published"]),
                          r["date_text"], tuple(r["paragraphs"]))
            for r in data["related_reports"]
        ]
        links = [Link(text, "http://www.spacewar.com/") for text in data["related_links"]]
        return Story(
            site="spacewar.com", index=c.seed_index, title=data["title"],
            section="missile-defense", published_at=published_at, layout="table/bullets",
            encoding="latin1-meta", typeset=False, byline=data["byline"],
            byline_form="by " + data["byline"], place=data["place"], agency=data["agency"],
            dateline=f"{data['place']} ({data['agency']}) {data['date_text']}",
            caption=data["caption"], image=data["image"],
            blocks=[Block("p", p) for p in data["paragraphs"]], related=related,
            source=data["source"], related_links=links,
            paths={"www.spacewar.com": f"/reports/{data['slug']}.html"},
            epoch_published=0, epoch_modified=0,
            last_modified=published_at + timedelta(minutes=17), is_seed=True,
            extra={"teaser": data["teaser"], "sidebar_lists": data["sidebar_lists"],
                   "footer": data["footer"], "banner": data["banner"],
                   "newsletter": data["newsletter"]},
        )


def _sentence_case_title(title: str) -> str:
    """Related reports carry wire-style headlines: 'US tries to reassure Russia'."""
    words = title.split()
    out = [words[0]]
    for word in words[1:]:
        out.append(word if word[:1].isupper() and _proper(word) else word.lower())
    return " ".join(out)


_PROPER_WORDS = frozenset(
    word for place in prose.PLACES for name in place for word in name.split())


def _proper(word: str) -> bool:
    bare = word.strip(".,:;'\"")
    return bare in _PROPER_WORDS or bare.isupper()


def _pick_agency(rng: random.Random, era: str, site: str) -> str | None:
    roll = rng.random()
    if era == "current":
        return "AFP" if roll < 0.4 else "UPI" if roll < 0.55 else "SPX"
    ria = 0.12 if site == "spacewar.com" else 0.04
    if roll < 0.45:
        return "AFP"
    if roll < 0.65:
        return "UPI"
    return "RIA Novosti" if roll < 0.65 + ria else "SPX"


def _dateline(rng: random.Random, era: str, agency: str | None, writer: prose.Writer,
              day: date) -> tuple[str | None, str]:
    long_month = prose.MONTH_NAMES[day.month - 1]
    short_month = MONTHS_SHORT[day.month - 1]
    if agency == "AFP":
        place = writer.city if era != "current" or rng.random() < 0.6 else None
        dd = f"{day.day:02d}" if era == "current" else str(day.day)
        stamp = f"({agency}) {long_month} {dd}, {day.year}"
    elif agency == "UPI":
        place = writer.city if rng.random() < 0.5 else None
        stamp = f"(UPI) {short_month} {day.day}, {day.year}"
    elif agency == "RIA Novosti":
        place = "Moscow" if rng.random() < 0.8 else writer.city
        stamp = f"(RIA Novosti) {short_month} {day.day:02d}, {day.year}"
    else:
        place = rng.choice(prose.SPX_PLACES) if rng.random() < 0.75 else None
        stamp = f"(SPX) {short_month} {day.day:02d}, {day.year}"
    return place, f"{place} {stamp}" if place else stamp


def _byline(rng: random.Random, agency: str | None) -> tuple[str | None, str | None]:
    roll = rng.random()
    if roll < 0.1:
        return None, None
    if agency == "AFP":
        if roll < 0.3:
            name = rng.choice(prose.AFP_WRITERS)
            return name, f"By {name}"
        name = "AFP Staff Writers" if roll < 0.45 else "Staff Writers"
        return name, f"by {name}"
    if roll < 0.4:
        name = rng.choice(prose.NAMED_WRITERS)
        return name, f"by {name}"
    return "Staff Writers", "by Staff Writers"


def _source(rng: random.Random, agency: str | None, era: str) -> str | None:
    source = AGENCY_SOURCES.get(agency or "")
    if source is None:
        return None
    chance = 0.75 if era != "current" else 0.4
    return source if rng.random() < chance else None
