"""Home pages, section listings, robots.txt and stylesheets of the replica.

Listing URLs (newest story first, `PAGE_SIZE` a page, pagination back to the
oldest story of the section; they match neither article pattern):

    /archive/<section>/index.html       page 1
    /archive/<section>/page-<n>.html    page n >= 2
"""

from __future__ import annotations

import re
from functools import cache

from mirror.layouts import GDPR, IMAGES, NEWSLETTER_BOX, e, footer_text
from mirror.layouts import a as attr
from mirror.stories import SITE_INFO, SITES, Catalogue, Link, SiteInfo, StoryBuilder

PAGE_SIZE = 20
HOME_LATEST = 15
LISTING_PATH = re.compile(r"^/archive/([a-z-]+)/(?:index|page-(\d+))\.html$")


def listing_path(section: str, page: int) -> str:
    return f"/archive/{section}/index.html" if page == 1 else f"/archive/{section}/page-{page}.html"


@cache
def nav_links(site: SiteInfo) -> list[Link]:
    """The site menu (the same list every call: do not change it)."""
    links = [Link(f"{site.brand} Home", "/index.html")]
    links += [Link(label, listing_path(slug, 1)) for slug, label in site.sections]
    links += [Link("Free Newsletters", "/newsletters.html"),
              Link("Advertise With Us", "/advertising.html"),
              Link("About Space Media Network", "/about.html")]
    return links


def _frame(site: SiteInfo, title: str, content: str, year: int) -> str:
    menu = " | ".join(f'<a href="{attr(link.url)}">{e(link.text)}</a>' for link in nav_links(site))
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)}</title>\n"
        f'<link rel="stylesheet" href="/css/{site.name}.css">\n'
        f'<link rel="alternate" type="application/rss+xml" title="{attr(site.banner)}" '
        f'href="/{site.name}.xml">\n</head>\n<body>\n'
        f'<div class="topbar"><a href="/newsletters.html">{NEWSLETTER_BOX}</a></div>\n'
        f'<div class="masthead"><a href="/index.html">{e(site.brand)}</a> '
        f'<span class="tagline">{e(site.banner)}</span></div>\n'
        f'<div class="menu">{menu}</div>\n{content}\n'
        f'<div class="footer"><p>{e(footer_text(year))}</p><p>{e(GDPR)}</p></div>\n'
        "</body>\n</html>\n"
    )


def home_page(catalogue: Catalogue, builder: StoryBuilder, site: str,
              extra_links: list[Link]) -> str:
    """The latest headlines with their leads, sister sites' latest, the sections."""
    info = SITE_INFO[site]
    newest = catalogue.count - 1
    items = []
    for index in range(newest, max(-1, newest - HOME_LATEST), -1):
        story = builder.story(site, index)
        lead = story.blocks[0].text if story.blocks else ""
        thumb = (f'<img src="{IMAGES}/images-ss/{attr(story.image)}" width="90" align="left">'
                 if story.image else "")
        items.append(
            f'<div class="item"><h3><a href="{attr(builder.url(site, index))}">'
            f"{e(story.title)}</a></h3>\n<p class=\"dl\">{e(story.dateline)}</p>\n"
            f"<p>{thumb}{e(_cut(lead, 220))}</p></div>\n")
    sisters = []
    for other in SITES:
        if other == site:
            continue
        links = "".join(
            f'<li><a href="{attr(builder.url(other, i))}">{e(builder.title(other, i))}</a></li>'
            for i in range(newest, max(-1, newest - 5), -1))
        sisters.append(f"<h4>{e(SITE_INFO[other].brand)}</h4>\n<ul>{links}</ul>\n")
    sections = "".join(
        f'<li><a href="{listing_path(slug, 1)}">{e(label)} archive</a></li>'
        for slug, label in info.sections)
    extras = "".join(f'<li><a href="{attr(link.url)}">{e(link.text)}</a></li>'
                     for link in extra_links)
    content = (
        f'<div class="main"><h2>Latest News</h2>\n{"".join(items)}</div>\n'
        f'<div class="side"><h4>Sections</h4><ul>{sections}</ul>\n{"".join(sisters)}'
        f'<p><a href="/{info.name}.xml">RSS feed</a></p>\n'
        + (f"<h4>Test pages</h4><ul>{extras}</ul>\n" if extras else "")
        + "</div>"
    )
    year = catalogue.published_on(newest).year
    return _frame(info, f"{info.brand} - {info.banner}", content, year)


def listing_page(catalogue: Catalogue, builder: StoryBuilder, site: str, path: str) -> str | None:
    """A page of a section listing, or None when the path names no such page."""
    match = LISTING_PATH.match(path)
    if not match:
        return None
    info = SITE_INFO[site]
    slugs = [slug for slug, _ in info.sections]
    if match[1] not in slugs:
        return None
    section = slugs.index(match[1])
    page = int(match[2]) if match[2] else 1
    if match[2] and (page < 2 or match[2] != str(page)):
        return None
    size = catalogue.section_size(site, section)
    pages = max(1, -(-size // PAGE_SIZE))
    if page > pages:
        return None
    top = size - 1 - (page - 1) * PAGE_SIZE
    rows = []
    for k in range(top, max(-1, top - PAGE_SIZE), -1):
        index = catalogue.section_member(site, section, k)
        day = catalogue.published_on(index)
        rows.append(
            f'<li><a href="{attr(builder.url(site, index))}">{e(builder.title(site, index))}</a>'
            f' <span class="date">{day:%b %d, %Y}</span></li>\n')
    label = info.sections[section][1]
    content = (f'<div class="main"><h2>{e(label)}</h2>\n<ul class="listing">\n'
               f'{"".join(rows)}</ul>\n{_pager(match[1], page, pages)}</div>')
    year = catalogue.published_on(catalogue.count - 1).year
    return _frame(info, f"{label} - {info.brand} - page {page}", content, year)


def _pager(section: str, page: int, pages: int) -> str:
    links: list[str] = []
    if page > 1:
        links.append(f'<a href="{listing_path(section, 1)}">Newest</a>')
        links.append(f'<a href="{listing_path(section, page - 1)}" rel="prev">&laquo; Newer</a>')
    for number in range(max(1, page - 3), min(pages, page + 3) + 1):
        links.append(str(number) if number == page
                     else f'<a href="{listing_path(section, number)}">{number}</a>')
    if page < pages:
        links.append(f'<a href="{listing_path(section, page + 1)}" rel="next">Older &raquo;</a>')
        links.append(f'<a href="{listing_path(section, pages)}">Oldest</a>')
    return '<div class="pager">' + " | ".join(links) + "</div>"


#: The small pages every page links to, so that crawls do not drown in 404s.
STATIC_PAGES = {
    "/newsletters.html": ("Free Newsletters",
                          "Subscribe to our free daily newsletters: the day's headlines from "
                          "every site of the network, delivered each morning."),
    "/advertising.html": ("Advertise With Us",
                          "Reach engineers, scientists and decision makers across the "
                          "Space Media Network."),
    "/about.html": ("About Space Media Network",
                    "Space Media Network publishes daily news on space, defence, the "
                    "environment and energy since 1995."),
    "/privacy.html": ("Privacy Statement",
                      "We collect no personal data beyond the cookies needed to run this "
                      "site and count visits."),
    "/support.html": ("Support Us",
                      "Our news network relies on advertising and reader support."),
}


def static_page(catalogue: Catalogue, site: str, path: str) -> str | None:
    if path not in STATIC_PAGES:
        return None
    title, text = STATIC_PAGES[path]
    year = catalogue.published_on(catalogue.count - 1).year
    return _frame(SITE_INFO[site], title, f'<div class="main"><h2>{e(title)}</h2>\n'
                  f"<p>{e(text)}</p></div>", year)


def _cut(text: str, limit: int) -> str:
    """Cut mid-word, as the network's teasers are."""
    return text if len(text) <= limit else text[:limit]


def robots_txt() -> str:
    return "User-agent: *\nDisallow: /cgi-bin/\nDisallow: /search/\n"


def stylesheet(site: str) -> str:
    colour = {"spacewar": "#7a1010", "spacedaily": "#10307a", "terradaily": "#1f6b20"}
    accent = colour.get(site.split(".")[0], "#333333")
    return (
        "body { font-family: Verdana, Arial, sans-serif; font-size: 13px; margin: 0; }\n"
        f".BH, .headline, .bhl, h1 {{ font-size: 20px; font-weight: bold; color: {accent}; }}\n"
        ".BL, .byline, .bbl, .byl, .auth { font-style: italic; }\n"
        ".BD, .BHS, .dateline, .bdl { font-weight: bold; font-size: 12px; }\n"
        ".PC, .imgcap, .cap, .caption, figcaption { font-size: 11px; color: #555555; }\n"
        ".sl, .hl, .sidebar, .card { font-size: 11px; }\n"
        ".copy, .footer, footer { font-size: 10px; color: #666666; }\n"
        f".menu a, .nav a, .navbar a {{ color: {accent}; text-decoration: none; }}\n"
    )

