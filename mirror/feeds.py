"""The site feeds (`/spacewar.xml` ...), with the quirks of the real 2013 feed.

RSS 2.0 with 15 items, no `<guid>`, no `<author>`, every item carrying the
same non-RFC-822 pubDate in Australian Eastern time with an upper-case month
(`Thu, 04 APR 2013 20:37:27 AEST`), links wrapped in CDATA, some items
pointing at sister sites, and a description made of the dateline, `<br/>`, a
thumbnail and a teaser cut mid-word.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mirror.layouts import IMAGES, e
from mirror.stories import SITE_INFO, SITES, Catalogue, StoryBuilder, key

FEED_ITEMS = 15
TEASER_CHARS = 180
SISTER_EVERY = 4  # every 4th item is the newest story of a sister site
AEST = timedelta(hours=10)


def feed_date(moment: datetime) -> str:
    """`Thu, 04 APR 2013 20:37:27 AEST`: the real feed's own date format."""
    local = moment + AEST
    return local.strftime("%a, %d ") + local.strftime("%b").upper() + local.strftime(
        " %Y %H:%M:%S AEST")


def feed_xml(catalogue: Catalogue, builder: StoryBuilder, site: str) -> str:
    info = SITE_INFO[site]
    sisters = [s for s in SITES if s != site]
    newest = catalogue.count - 1
    own = newest
    sister_turn = 0
    items = []
    for number in range(FEED_ITEMS):
        if number % SISTER_EVERY == SISTER_EVERY - 1:
            item_site = sisters[sister_turn % len(sisters)]
            item_index = newest - sister_turn // len(sisters)
            sister_turn += 1
        else:
            item_site, item_index = site, own
            own -= 1
        if item_index < 0:
            continue
        items.append((item_site, item_index))
    stamp = feed_date(catalogue.published_at(site, newest) + timedelta(minutes=41))
    body = "".join(_item(builder, s, i, stamp) for s, i in items)
    return (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<rss version="2.0">\n<channel>\n'
        f"<title>{e(info.banner)}</title>\n<link>http://{info.host}/</link>\n"
        f"<description>{e(info.banner)} from {e(info.brand)}</description>\n"
        f"<language>en-us</language>\n<copyright>Space Media Network</copyright>\n"
        f"{body}</channel>\n</rss>\n"
    )


def _item(builder: StoryBuilder, site: str, index: int, stamp: str) -> str:
    story = builder.story(site, index)
    lead = story.blocks[0].text if story.blocks else ""
    thumb = (f'<img src="{IMAGES}/images-ss/{story.image}" align="left" hspace="3">'
             if story.image else "")
    cut = min(TEASER_CHARS - key(site, index, "teaser") % 80, max(len(lead) - 6, 1))
    description = f"{story.dateline}<br/>{thumb}{lead[:cut]}"
    return (
        f"<item>\n<title>{e(story.title)}</title>\n"
        f"<link><![CDATA[{builder.url(site, index)}]]></link>\n"
        f"<description>{e(description)}</description>\n"
        f"<pubDate>{stamp}</pubDate>\n</item>\n"
    )
