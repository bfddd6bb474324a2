"""Article page markup of the replica: two eras, four variants each.

The variants differ the way real pages of the network differ: class names,
nesting, where the photo and its caption sit, byline before or after the
dateline, sidebar headline lists as bullet runs, `<ul>` lists or link tables,
and where the teaser, newsletter boxes and ads go. An extractor must find the
story by structure, not by memorising one template.

Table era (2006-2013, also the 1999-2005 `/news/` pages):

- `table/bullets`: the seed page's layout. Newsletter line, `. Banner .`
  text, image-only navigation, `<span class="BH">` headline, photo table with
  `<span class="PC">` caption, `<span class="BL">` byline, `<span class="BD">`
  dateline, first paragraph bare after the dateline then unclosed `<p>`s;
  related reports after `<p><b>earlier related report</b>`; Related Links with
  logo links; teaser table; sidebar lists as raw `•` bullet runs in cells
  after the story; copyright footer.
- `table/lists`: three-column table; left column `<ul class="sl">` headline
  lists with `<div class="slh">` headings, text navigation separated by `|`;
  paragraphs separated by `<br><br>` instead of `<p>`;
  `<span class="headline">`, `<span class="byline">`, `<span class="dateline">`;
  photo with `<div class="imgcap">` caption after the dateline; related reports
  after `<span class="relrep">`; `<i>Source: ...</i>`; newsletter form box and
  teaser `<div class="tease">` below the story; right column with more lists.
- `table/wire`: narrow table, headline in `<font size=+1><b>` broken over two lines
  by a `<br>`, byline in `<i>`, the dateline run into the first paragraph
  (`<p><b>Place (AFP) date</b> – text`), a photo as `<p><img></p>` with its caption
  in an italic paragraph below, a sharing box (Digg, Reddit, ... links passing the
  page's address) after the first paragraph, related reports with their dateline on
  a line of its own, AFP's rights notice closing the story; sidebar `<ul>` lists.
- `table/linktable`: photo table first, then `<span class="bhl">` headline,
  dateline before byline, body wrapped in `<font size=2>` with closed `<p>`s;
  sidebar lists as link tables (`&#149;` in its own cell); Related Links to
  the bare host (`http://spacewar.com/`, answered with a 301); related marker
  `<b><u>earlier related report</u></b>`; teaser in the right column.

- `table/early` (1999-2005 `/news/` pages only): upper-case tags, a text logo,
  headline lists in a left column before the story, `<BR><BR>` paragraphs, related
  reports in the same `<BR>` runs, AFP's rights notice and a "Back To ... | More News"
  line closing the story, and no end landmark unless the story has a `Source:` line
  (no "Email This Article", no Related Links).

Current era (2014-):

- `current/classic`: `<h1>Title<br></h1>`, `<span class="BL">` byline, then
  `<span class="BHS">` dateline; body between `<!--body-2-incontainer.php-->`
  and `<!--RELATED LINKS-->` with an iframe ad and an empty `<center>` among
  the paragraphs; sidebar `<h4>` + `<ul>` lists; GDPR footer line.
- `current/cards`: dateline `<span class="BHS">` before the byline
  `<span class="byl">`; photo `<figure>`/`<figcaption>`, loaded lazily (a `data:`
  placeholder in `src`, the photo in `data-src` and a `<noscript>` copy); sidebar cards of
  `<a class="hl">` runs; "Thanks for being here" support box; teaser card.
- `current/compact`: byline as `<p class="auth">`; "Advertisement" labelled
  ad inside the body; the photo with a `srcset` of two sizes; sidebar headline table;
  related links as a `<ul>`.
- `current/social`: byline and dateline on one line joined by a comma ("by Staff
  Writers, Paris, France (SPX) ..."); a sharing table with a Tweet button between the
  dateline and the body; an "Advertisement" label in a block of its own beside an
  `<ins>` ad; related reports with their dateline on a line of its own; a comment
  box after the Related Links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from mirror.stories import SITE_INFO, Block, Link, RelatedReport, SiteInfo, Story

IMAGES = "http://www.spxdaily.com"
NEWSLETTER = "Subscribe to our free daily newsletters"
NEWSLETTER_BOX = "Subscribe Free To Our Daily Newsletters"
EMAIL = "Email This Article"
RELATED_LINKS = "Related Links"
MARKER = "earlier related report"
AD_LABEL = "Advertisement"
GDPR = ("We use cookies to give you the best experience on our websites. By continuing "
        "you consent to our use of cookies, in accordance with the EU General Data "
        "Protection Regulation (GDPR).")
SUPPORT = ("Thanks for being here; We need your help. The news network continues to grow "
           "but revenues have never been harder to maintain.")
CHARSET_SLOT = "<!--CHARSET-->"
SHARE = "Share this article via these popular social media networks"
COMMENT = "Comment on this article using your Facebook, Yahoo, AOL, Hotmail login"


def rights_notice(year: int) -> str:
    """The notice AFP stories of the table era close with."""
    return (f"All rights reserved. Copyright {year} Agence France-Presse. Sections of the "
            "information displayed on this page (dispatches, photographs, logos) are "
            "protected by intellectual property rights owned by Agence France-Presse.")


def footer_text(year: int) -> str:
    return (
        "The content herein, unless otherwise known to be public domain, are Copyright "
        f"1995-{year} - Space Media Network. AFP, UPI and IANS news wire stories are copyright "
        "Agence France-Presse, United Press International and Indo-Asia News Service. "
        "ESA Portal Reports are copyright European Space Agency. All NASA sourced material is "
        "public domain. Additional copyrights may apply in whole or part to other bona fide "
        "parties. Advertising does not imply endorsement, agreement or approval of any opinions, "
        "statements or information provided by Space Media Network on any Web page published "
        "or hosted by Space Media Network."
    )


@dataclass(frozen=True)
class Teaser:
    """Another story teased at the foot of a page: headline, dateline, first paragraph."""

    title: str
    dateline: str
    lead: str
    url: str


@dataclass
class PageContext:
    """What an article page shows besides the story itself."""

    story: Story
    site: SiteInfo  # the site serving this copy
    path: str
    teaser: Teaser | None
    sidebar: list[tuple[str, list[Link]]]
    nav: list[Link]
    boilerplate: list[str] = field(default_factory=list)

    def keep(self, *texts: str) -> None:
        """Remember visible boilerplate strings for the truth's `must_not_contain`."""
        self.boilerplate.extend(t for t in texts if t)

    @property
    def year(self) -> int:
        return self.story.published_at.year



def e(text: str) -> str:
    """`html.escape(text, quote=False)`, inlined: pages call it hundreds of times."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def a(text: str) -> str:
    """`html.escape(text, quote=True)`, inlined."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


def render_article(ctx: PageContext) -> str:
    """The page's HTML (what it shows as boilerplate: `page_boilerplate`)."""
    return _LAYOUTS[ctx.story.layout][1](ctx)


def page_boilerplate(ctx: PageContext) -> list[str]:
    """The boilerplate strings `render_article(ctx)` would show, without building the page."""
    _LAYOUTS[ctx.story.layout][0](ctx)
    return ctx.boilerplate


# -- shared pieces ---------------------------------------------------------------

def _inline_dateline(report: RelatedReport) -> str:
    stamp = f"({report.agency}) {report.date_text}"
    return f"{report.place} {stamp}" if report.place else stamp


def _full_dateline(report: RelatedReport) -> str:
    day = report.published
    stamp = f"({report.agency}) {day.strftime('%b')} {day.day:02d}, {day.year}"
    return f"{report.place} {stamp}" if report.place else stamp


def _table_blocks(blocks: list[Block], first_bare: bool, close: bool,
                  breaks: bool = False) -> str:
    """Body blocks of the table era: unclosed `<p>`s unless `close`, or `<br><br>` runs."""
    out = []
    for number, block in enumerate(blocks):
        if block.kind == "list":
            items = "\n".join(f"<li>{e(item)}" for item in block.items)
            out.append(f"<ul>\n{items}\n</ul>")
        elif block.kind == "table":
            out.append(_data_table(block, 'border=1 cellpadding=3 cellspacing=0 class="dt"'))
        elif number == 0 and first_bare:
            out.append(e(block.text))
        elif breaks:
            out.append(f"{e(block.text)}<br><br>")
        else:
            out.append(f"<p>{e(block.text)}</p>" if close else f"<p>{e(block.text)}")
    return "\n".join(out)


def _data_table(block: Block, attributes: str) -> str:
    rows = []
    for number, row in enumerate(block.rows):
        cells = "".join(
            f"<td><b>{e(c)}</b></td>" if number == 0 else f"<td>{e(c)}</td>" for c in row)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table {attributes}>\n" + "\n".join(rows) + "\n</table>"


def _modern_blocks(blocks: list[Block], ads: list[str]) -> str:
    """Closed `<p>`s with ad snippets after the 2nd and 5th block."""
    out = []
    for number, block in enumerate(blocks):
        if block.kind == "list":
            items = "".join(f"<li>{e(item)}</li>" for item in block.items)
            out.append(f"<ul>{items}</ul>")
        elif block.kind == "table":
            out.append(_data_table(block, 'class="table table-striped"'))
        else:
            out.append(f"<p>{e(block.text)}</p>")
        if number == 1 and ads:
            out.append(ads[0])
        if number == 4 and len(ads) > 1:
            out.append(ads[1])
    return "\n".join(out)


def _bare_host(url: str) -> str:
    """Some pages link the network without `www.` (the server answers 301)."""
    return url.replace("://www.", "://", 1)


def image_url(story: Story, size: str = "images-lg") -> str:
    return f"{IMAGES}/{size}/{story.image}"


#: The placeholder a lazily loaded photo shows until a script swaps its data-src in.
_BLANK_GIF = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw=="


def _lazy_image(story: Story) -> str:
    """A lazily loaded photo: a placeholder src, the photo in data-src, and a copy for
    browsers without scripts."""
    return (f'<img src="{_BLANK_GIF}" data-src="{image_url(story)}" class="lazyload" alt="">'
            f'<noscript><img src="{image_url(story)}" alt=""></noscript>')


def _head_table(ctx: PageContext, title: str) -> str:
    return (
        f"<html>\n<head>\n<title>{e(title)}</title>\n{CHARSET_SLOT}\n"
        f'<link rel="stylesheet" href="/css/{ctx.site.name}.css" type="text/css">\n'
        f'<meta name="keywords" content="{a(ctx.story.section)}, {a(ctx.site.brand)}">\n'
        "</head>\n"
    )


def _head_current(ctx: PageContext) -> str:
    story = ctx.story
    lead = story.blocks[0].text[:160] if story.blocks else ""
    image = image_url(story).replace("http://", "https://") if story.image else ""
    og_image = f'<meta property="og:image" content="{a(image)}">\n' if image else ""
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n{CHARSET_SLOT}\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(story.title)}</title>\n"
        f'<meta property="og:title" content="{a(story.title)}">\n'
        f'<meta property="og:url" content="https://{ctx.site.host}{a(ctx.path)}">\n'
        f"{og_image}"
        f'<meta property="og:description" content="{a(lead)}">\n'
        f'<link rel="stylesheet" href="/css/{ctx.site.name}.css">\n</head>\n'
    )


def _keep_story_boilerplate(ctx: PageContext, headings: bool = True) -> None:
    story = ctx.story
    ctx.keep(*(link.text for link in story.related_links), RELATED_LINKS)
    if story.related:
        ctx.keep(MARKER)
    if ctx.teaser:
        ctx.keep(ctx.teaser.title, ctx.teaser.lead)
    for heading, links in ctx.sidebar:
        ctx.keep(heading if headings else "", *(link.text for link in links))


# -- table era ---------------------------------------------------------------

def _bullets_texts(ctx: PageContext) -> tuple[str, str, str]:
    """Newsletter line, banner and footer of a `table/bullets` page (the seed has its own)."""
    extra = ctx.story.extra
    return (extra.get("newsletter", NEWSLETTER), extra.get("banner", f". {ctx.site.banner} ."),
            extra.get("footer", footer_text(ctx.year)))


def _keep_table_bullets(ctx: PageContext) -> None:
    newsletter, banner, footer = _bullets_texts(ctx)
    ctx.keep(newsletter, banner, EMAIL, footer)
    _keep_story_boilerplate(ctx, headings=False)


def _table_bullets(ctx: PageContext) -> str:
    story = ctx.story
    newsletter, banner, footer = _bullets_texts(ctx)
    nav = "".join(
        f'<a href="{a(link.url)}"><img src="{IMAGES}/images/nav-{i}.gif" alt="{a(link.text)}" '
        'border=0 width=150 height=18></a><br>\n' for i, link in enumerate(ctx.nav))
    parts = [
        _head_table(ctx, story.title),
        '<body bgcolor="#FFFFFF" topmargin=0 leftmargin=0 marginheight=0 marginwidth=0>\n',
        '<table width="100%" border=0 cellpadding=0 cellspacing=0><tr>'
        f'<td align=center class="nl"><a href="/newsletters.html">{e(newsletter)}</a></td>'
        "</tr></table>\n",
        '<table width=970 border=0 cellpadding=0 cellspacing=0 align=center><tr>'
        f'<td class="banner"><a href="/index.html"><font face="Arial" size=5 color="#000000">'
        f"{e(banner)}</font></a></td></tr></table>\n",
        '<table width=970 border=0 cellpadding=0 cellspacing=0 align=center><tr>\n'
        f'<td width=160 valign=top bgcolor="#E0E0E0">\n{nav}</td>\n'
        '<td width=10>&nbsp;</td>\n<td width=640 valign=top>\n',
        '<table width="100%" cellpadding=2><tr><td class="nl2">'
        f'<a href="/newsletters.html">{e(newsletter)}</a></td></tr></table>\n',
        f'<p><span class="BH">{e(story.title)}</span><br><br>\n',
    ]
    if story.image:
        caption = f'<br><span class="PC">{e(story.caption)}</span>' if story.caption else ""
        parts.append(
            '<table align=right width=300 cellpadding=5 cellspacing=0 border=0><tr><td>'
            f'<img src="{image_url(story)}" width=300 height=200 border=0>{caption}'
            "</td></tr></table>\n")
    if story.byline_form:
        parts.append(f'<span class="BL">{e(story.byline_form)}</span><br>\n')
    parts.append(f'<span class="BD">{e(story.dateline)}</span><br>\n')
    parts.append(_table_blocks(story.blocks, first_bare=True, close=False) + "\n")
    for report in story.related:
        first, *rest = report.paragraphs
        parts.append(
            f"<p><b>{MARKER}</b><br>\n<span class=\"BH\">{e(report.title)}</span><br>\n"
            f"{e(_inline_dateline(report))} - {e(first)}\n"
            + "".join(f"<p>{e(p)}\n" for p in rest))
    if story.source:
        parts.append(f"<p>Source: {e(story.source)}\n")
    parts.append(f'<p><a href="mailto:?subject={a(story.title)}">{EMAIL}</a>\n')
    links = "".join(
        f'{e(link.text)} <a href="{a(link.url)}"><img src="{IMAGES}/images/logo-{i}.gif" '
        f'alt="{a(ctx.site.brand)}" border=0></a><br>\n'
        for i, link in enumerate(story.related_links))
    parts.append(f"<p><b>{RELATED_LINKS}</b><br>\n{links}</td></tr></table>\n")
    if ctx.teaser:
        parts.append(
            '<table width=970 align=center cellpadding=4><tr><td>'
            f'<span class="BH"><a href="{a(ctx.teaser.url)}">{e(ctx.teaser.title)}</a></span><br>'
            f'\n<span class="BD">{e(ctx.teaser.dateline)}</span><br>\n{e(ctx.teaser.lead)}'
            "</td></tr></table>\n")
    parts.append('<table width=970 align=center cellpadding=3 cellspacing=0 border=0>\n')
    for _heading, links_ in ctx.sidebar:
        bullets = "".join(
            f'\u2022 <a href="{a(link.url)}">{e(link.text)}</a><br>\n' for link in links_)
        parts.append(f'<tr><td class="sl">\n{bullets}</td></tr>\n')
    parts.append("</table>\n")
    parts.append(
        '<table width=970 align=center><tr><td class="copy"><font size=1>'
        f'{e(footer.removesuffix("Privacy Statement").rstrip())} '
        '<a href="/privacy.html">Privacy Statement</a></font></td></tr></table>\n'
        "</body>\n</html>\n")
    return "".join(parts)


def _keep_table_lists(ctx: PageContext) -> None:
    ctx.keep(NEWSLETTER_BOX, ctx.site.banner, footer_text(ctx.year), "Print Article",
             "read more")
    ctx.keep(*(link.text for link in ctx.nav))
    _keep_story_boilerplate(ctx)
    ctx.keep(EMAIL)
    ctx.keep("Privacy Statement")


def _table_lists(ctx: PageContext) -> str:
    story = ctx.story
    banner = ctx.site.banner
    footer = footer_text(ctx.year)
    menu = " | ".join(f'<a href="{a(link.url)}">{e(link.text)}</a>' for link in ctx.nav)
    half = (len(ctx.sidebar) + 1) // 2
    left = _ul_lists(ctx.sidebar[:half])
    right = _ul_lists(ctx.sidebar[half:])
    parts = [
        _head_table(ctx, f"{ctx.site.brand} - {story.title}"),
        '<body>\n<div id="top"><table width="100%"><tr>'
        f'<td class="nltop"><a href="/newsletters.html">{NEWSLETTER_BOX}</a></td>'
        f'<td align=right><a href="/{ctx.site.name}.xml"><img src="{IMAGES}/images/rss.gif" '
        'alt="RSS" border=0></a></td></tr></table></div>\n',
        '<table width=990 align=center border=0 cellpadding=0 cellspacing=0>\n'
        f'<tr><td colspan=3 class="masthead"><a href="/index.html"><img src="{IMAGES}/images/'
        f'{ctx.site.name}-head.jpg" alt="{a(ctx.site.brand)}" border=0></a> <b>{e(banner)}</b>'
        "</td></tr>\n",
        f'<tr><td colspan=3 class="menu">{menu}</td></tr>\n',
        f'<tr><td width=180 valign=top class="lcol">\n{left}</td>\n',
        '<td width=600 valign=top class="maincol">\n',
        f'<span class="headline">{e(story.title)}</span><br>\n',
    ]
    if story.byline_form:
        parts.append(f'<span class="byline">{e(story.byline_form)}</span><br>\n')
    parts.append(f'<span class="dateline">{e(story.dateline)}</span><br><br>\n')
    if story.image:
        parts.append(f'<img src="{image_url(story)}" width=400 height=260><br>\n')
        if story.caption:
            parts.append(f'<div class="imgcap">{e(story.caption)}</div><br>\n')
    parts.append(_table_blocks(story.blocks, first_bare=False, close=False, breaks=True) + "\n")
    for report in story.related:
        first, *rest = report.paragraphs
        parts.append(
            f'<br><hr size=1><span class="relrep">{MARKER}</span><br>\n'
            f'<span class="headline2">{e(report.title)}</span><br>\n'
            f"<p>{e(_inline_dateline(report))} - {e(first)}\n"
            + "".join(f"<p>{e(p)}\n" for p in rest))
    if story.source:
        parts.append(f"<p><i>Source: {e(story.source)}</i>\n")
    parts.append(
        f'<p><a href="mailto:?subject={a(story.title)}">{EMAIL}</a> | '
        '<a href="javascript:window.print()">Print Article</a>\n')
    links = "".join(f'{e(link.text)} <a href="{a(link.url)}">{e(ctx.site.brand)}</a><br>\n'
                    for link in story.related_links)
    parts.append(f'<br><br><table class="rl" width="100%"><tr><td><b>{RELATED_LINKS}</b><br>\n'
                 f"{links}</td></tr></table>\n")
    parts.append(
        f'<table width="100%"><tr><td class="newsbox"><b>{NEWSLETTER_BOX}</b>'
        '<form action="/cgi-bin/subscribe" method="post">Email: <input name="email">'
        '<input type="submit" value="Go"></form></td></tr></table>\n')
    if ctx.teaser:
        parts.append(
            f'<div class="tease"><a class="thd" href="{a(ctx.teaser.url)}">'
            f'{e(ctx.teaser.title)}</a><br>\n<span class="dateline">{e(ctx.teaser.dateline)}'
            f'</span><br>\n{e(ctx.teaser.lead)}<br><a href="{a(ctx.teaser.url)}">read more</a>'
            "</div>\n")
    parts.append(f'</td>\n<td width=180 valign=top class="rcol">\n{right}</td></tr>\n')
    parts.append(f'<tr><td colspan=3 class="footer">{e(footer)}<br>'
                 '<a href="/privacy.html">Privacy Statement</a></td></tr>\n</table>\n'
                 "</body>\n</html>\n")
    return "".join(parts)


def _ul_lists(lists: list[tuple[str, list[Link]]]) -> str:
    out = []
    for heading, links in lists:
        items = "".join(f'<li><a href="{a(link.url)}">{e(link.text)}</a></li>\n'
                        for link in links)
        out.append(f'<div class="slh">{e(heading)}</div>\n<ul class="sl">\n{items}</ul>\n')
    return "".join(out)


def _keep_table_linktable(ctx: PageContext) -> None:
    ctx.keep(NEWSLETTER, ctx.site.banner, footer_text(ctx.year), EMAIL)
    ctx.keep(*(link.text for link in ctx.nav))
    _keep_story_boilerplate(ctx)


def _table_linktable(ctx: PageContext) -> str:
    story = ctx.story
    footer = footer_text(ctx.year)
    nav = "".join(f'<tr><td class="nv"><a href="{a(link.url)}">{e(link.text)}</a></td></tr>\n'
                  for link in ctx.nav)
    tables = []
    for heading, links in ctx.sidebar:
        rows = "".join(
            f'<tr><td class="hlb" valign=top>&#149;</td><td class="hlt">'
            f'<a href="{a(link.url)}">{e(link.text)}</a></td></tr>\n' for link in links)
        tables.append(f'<table class="hl" cellspacing=0 cellpadding=2 width="100%">\n'
                      f'<tr><td colspan=2 class="hlh">{e(heading)}</td></tr>\n{rows}</table>\n')
    parts = [
        _head_table(ctx, story.title),
        '<body bgcolor="white">\n<center><table width=980 cellspacing=0 cellpadding=0>\n'
        f'<tr><td colspan=2><a href="/index.html"><img src="{IMAGES}/images/{ctx.site.name}'
        f'-banner.gif" alt="{a(ctx.site.banner)}" border=0></a></td>'
        f'<td class="nl"><a href="/newsletters.html">{NEWSLETTER}</a></td></tr>\n'
        f'<tr><td width=150 valign=top><table class="nav">\n{nav}</table>\n'
        f"<b>{e(ctx.site.banner)}</b></td>\n"
        '<td width=620 valign=top class="storycell">\n',
    ]
    if story.image:
        caption = f'<tr><td class="cap">{e(story.caption)}</td></tr>' if story.caption else ""
        parts.append(f'<table width=620 cellpadding=0><tr><td><img src="{image_url(story)}" '
                     f'width=620 height=300></td></tr>{caption}</table>\n')
    parts.append(f'<span class="bhl">{e(story.title)}</span><br>\n'
                 f'<span class="bdl">{e(story.dateline)}</span><br>\n')
    if story.byline_form:
        parts.append(f'<span class="bbl">{e(story.byline_form)}</span><br>\n')
    parts.append("<font size=2>\n" + _table_blocks(story.blocks, first_bare=False, close=True))
    for report in story.related:
        first, *rest = report.paragraphs
        parts.append(
            f"\n<p><b><u>{MARKER}</u></b></p>\n<p><b>{e(report.title)}</b><br>\n"
            f"{e(_inline_dateline(report))} - {e(first)}</p>\n"
            + "".join(f"<p>{e(p)}</p>\n" for p in rest))
    if story.source:
        parts.append(f"<p>Source: {e(story.source)}</p>\n")
    parts.append("</font>\n")
    parts.append(f'<p class="mail"><a href="mailto:?subject={a(story.title)}">{EMAIL}</a></p>\n')
    links = "".join(f'<tr><td>{e(link.text)}</td><td><a href="{a(_bare_host(link.url))}">'
                    f"{e(ctx.site.brand)}</a></td></tr>\n" for link in story.related_links)
    parts.append(f'<table class="rl"><tr><td colspan=2><b>{RELATED_LINKS}</b></td></tr>\n'
                 f"{links}</table>\n</td>\n")
    parts.append('<td width=210 valign=top class="side">\n')
    if ctx.teaser:
        parts.append(
            f'<table class="tz" width="100%"><tr><td><a href="{a(ctx.teaser.url)}"><b>'
            f'{e(ctx.teaser.title)}</b></a><br><font size=1>{e(ctx.teaser.dateline)}</font><br>'
            f"{e(ctx.teaser.lead)}</td></tr></table>\n")
    parts.append("".join(tables))
    parts.append(f'</td></tr>\n<tr><td colspan=3 class="copy">{e(footer)}</td></tr>\n'
                 "</table></center>\n</body>\n</html>\n")
    return "".join(parts)


def _share_links(ctx: PageContext) -> str:
    """A sharing box's links: other sites, each passed the page's address."""
    page = f"http://{ctx.site.host}{ctx.path}"
    services = (("del.icio.us", "http://del.icio.us/post?url="),
                ("Digg", "http://digg.com/submit?phase=2&url="),
                ("Reddit", "http://reddit.com/submit?url="))
    return " ".join(f'<a href="{a(prefix + page)}">{name}</a>' for name, prefix in services)


def _photo_paragraphs(story: Story) -> str:
    """A photo in a paragraph of its own, its caption in an italic one below."""
    if not story.image:
        return ""
    caption = f"<p><i>{e(story.caption)}</i></p>\n" if story.caption else ""
    return f'<p><img src="{image_url(story)}" width=400></p>\n{caption}'


def _report_own_dateline_line(report: RelatedReport) -> str:
    first, *rest = report.paragraphs
    return (f"<p><b>{MARKER}</b><br>\n<b>{e(report.title)}</b><br>\n"
            f"{e(_full_dateline(report))}<br>\n{e(first)}</p>\n"
            + "".join(f"<p>{e(p)}</p>\n" for p in rest))


def _keep_table_wire(ctx: PageContext) -> None:
    ctx.keep(NEWSLETTER, ctx.site.banner, footer_text(ctx.year), EMAIL, SHARE, "del.icio.us")
    ctx.keep(*(link.text for link in ctx.nav))
    if ctx.story.agency == "AFP":
        ctx.keep(rights_notice(ctx.year))
    _keep_story_boilerplate(ctx)


def _table_wire(ctx: PageContext) -> str:
    story = ctx.story
    words = story.title.split()
    half = (len(words) + 1) // 2
    headline = f"{e(' '.join(words[:half]))}<br>{e(' '.join(words[half:]))}"
    nav = "".join(f'<a href="{a(link.url)}">{e(link.text)}</a><br>\n' for link in ctx.nav)
    parts = [
        _head_table(ctx, story.title),
        '<body>\n<table width=780 cellpadding=4 cellspacing=0>\n'
        f'<tr><td colspan=3><a href="/newsletters.html">{NEWSLETTER}</a> '
        f"<b>{e(ctx.site.banner)}</b></td></tr>\n"
        f'<tr><td width=140 valign=top class="nav">{nav}</td>\n'
        '<td width=460 valign=top><font face="Arial" size=2>\n'
        f"<font size=+1><b>{headline}</b></font><br>\n",
    ]
    if story.byline_form:
        parts.append(f"<i>{e(story.byline_form)}</i><br>\n")
    first, *rest = story.blocks
    if first.kind == "p":
        parts.append(f"<p><b>{e(story.dateline)}</b> \u2013 {e(first.text)}</p>\n")
    else:
        parts.append(f"<b>{e(story.dateline)}</b><br>\n"
                     + _table_blocks([first], first_bare=False, close=True) + "\n")
    parts.append(f'<table class="share"><tr><td><font size=1>{SHARE}</font><br>\n'
                 f"{_share_links(ctx)}</td></tr></table>\n")
    parts.append(_photo_paragraphs(story))
    parts.append(_table_blocks(rest, first_bare=False, close=True) + "\n")
    parts.extend(_report_own_dateline_line(report) for report in story.related)
    if story.agency == "AFP":
        parts.append(f"<p>{e(rights_notice(ctx.year))}</p>\n")
    if story.source:
        parts.append(f"<p>Source: {e(story.source)}</p>\n")
    parts.append(f'<p><a href="mailto:?subject={a(story.title)}">{EMAIL}</a></p>\n')
    links = "".join(f'<a href="{a(link.url)}">{e(link.text)}</a><br>\n'
                    for link in story.related_links)
    parts.append(f"<p><b>{RELATED_LINKS}</b><br>\n{links}</p>\n")
    if ctx.teaser:
        parts.append(f"<hr><b>{e(ctx.teaser.title)}</b><br>{e(ctx.teaser.dateline)}<br>"
                     f"{e(ctx.teaser.lead)}\n")
    parts.append(f'</font></td>\n<td width=180 valign=top>\n{_ul_lists(ctx.sidebar)}</td></tr>\n'
                 f'<tr><td colspan=3><hr><font size=1>{e(footer_text(ctx.year))}</font></td></tr>\n'
                 "</table>\n</body>\n</html>\n")
    return "".join(parts)


def _early_back_line(ctx: PageContext) -> str:
    return f"Back To {ctx.site.brand} | More News"


def _keep_table_early(ctx: PageContext) -> None:
    ctx.keep(NEWSLETTER, ctx.site.brand.upper(), footer_text(ctx.year), _early_back_line(ctx))
    ctx.keep(*(link.text for link in ctx.nav))
    for heading, links in ctx.sidebar:
        ctx.keep(heading, *(link.text for link in links))
    if ctx.story.related:
        ctx.keep(MARKER)
    if ctx.story.agency == "AFP":
        ctx.keep(rights_notice(ctx.year))


def _table_early(ctx: PageContext) -> str:
    story = ctx.story
    nav = "".join(f'<A HREF="{a(link.url)}">{e(link.text)}</A><BR>\n' for link in ctx.nav)
    lists = "".join(
        f"<BR><B>{e(heading)}</B><BR>\n"
        + "".join(f'<A HREF="{a(link.url)}">{e(link.text)}</A><BR><BR>\n' for link in links)
        for heading, links in ctx.sidebar)
    parts = [
        f"<HTML>\n<HEAD>\n<TITLE>{e(ctx.site.brand)} - {e(story.title)}</TITLE>\n"
        f"{CHARSET_SLOT}\n</HEAD>\n<BODY BGCOLOR=\"#FFFFFF\">\n"
        f'<CENTER><A HREF="/"><FONT SIZE=6><B>{e(ctx.site.brand.upper())}</B></FONT></A><BR>\n'
        f'<FONT SIZE=1><A HREF="/newsletters.html">{NEWSLETTER}</A></FONT></CENTER><BR>\n'
        "<TABLE BORDER=0 CELLPADDING=4 WIDTH=760>\n<TR>\n"
        f"<TD WIDTH=140 VALIGN=TOP><FONT SIZE=1>\n{nav}{lists}</FONT></TD>\n"
        "<TD WIDTH=610 VALIGN=TOP>\n"
        f"<FONT SIZE=4><B>{e(story.title)}</B></FONT><BR>\n<FONT SIZE=2>\n",
    ]
    if story.byline_form:
        parts.append(f"<I>{e(story.byline_form)}</I><BR>\n")
    parts.append(f"<B>{e(story.dateline)}</B><BR><BR>\n")
    if story.image:
        caption = f"<BR><I>{e(story.caption)}</I>" if story.caption else ""
        parts.append(f'<CENTER><IMG SRC="{image_url(story)}" WIDTH=300>{caption}</CENTER><BR>\n')
    parts.append(_table_blocks(story.blocks, first_bare=False, close=False, breaks=True) + "\n")
    for report in story.related:
        first, *rest = report.paragraphs
        parts.append(f"<B>{MARKER}</B><BR>\n<B>{e(report.title)}</B><BR>\n"
                     f"{e(_inline_dateline(report))} - {e(first)}<BR><BR>\n"
                     + "".join(f"{e(p)}<BR><BR>\n" for p in rest))
    if story.agency == "AFP":
        parts.append(f"<FONT SIZE=1>{e(rights_notice(ctx.year))}</FONT><BR><BR>\n")
    if story.source:
        parts.append(f"Source: {e(story.source)}<BR><BR>\n")
    parts.append(f'<CENTER><A HREF="/">Back To {e(ctx.site.brand)}</A> | '
                 '<A HREF="/index.html">More News</A></CENTER>\n')
    parts.append(f'</FONT>\n</TD>\n</TR>\n</TABLE>\n'
                 f"<CENTER><FONT SIZE=1>{e(footer_text(ctx.year))}</FONT></CENTER>\n"
                 "</BODY>\n</HTML>\n")
    return "".join(parts)


# -- current era ---------------------------------------------------------------

def _iframe_ad(number: int) -> str:
    return (f'<center><iframe src="about:blank" width="300" height="250" frameborder="0" '
            f'scrolling="no" name="ad{number}"></iframe></center>')


def _related_current(report: RelatedReport, heading: str) -> str:
    first, *rest = report.paragraphs
    return (
        f"<p><b>{MARKER}</b></p>\n{heading.format(title=e(report.title))}\n"
        f'<span class="BHS">{e(_full_dateline(report))}</span><br>\n'
        + "".join(f"<p>{e(p)}</p>\n" for p in (first, *rest)))


def _keep_current_frame(ctx: PageContext) -> None:
    ctx.keep(NEWSLETTER_BOX, ctx.site.banner, footer_text(ctx.year), GDPR)
    ctx.keep(*(link.text for link in ctx.nav))
    _keep_story_boilerplate(ctx)


def _keep_current_cards(ctx: PageContext) -> None:
    ctx.keep(SUPPORT)
    ctx.keep("Donate")
    _keep_current_frame(ctx)


def _keep_current_compact(ctx: PageContext) -> None:
    ctx.keep(AD_LABEL)
    _keep_current_frame(ctx)


def _current_frame(ctx: PageContext, body_html: str, sidebar_html: str, menu_class: str) -> str:
    footer = footer_text(ctx.year)
    menu = "".join(f'<li><a href="{a(link.url)}">{e(link.text)}</a></li>' for link in ctx.nav)
    return (
        _head_current(ctx)
        + '<body>\n<div class="topbar"><a href="/newsletters.html">'
        f'{NEWSLETTER_BOX}</a> | <a href="/{ctx.site.name}.xml">RSS</a></div>\n'
        f'<header class="masthead"><a href="/index.html"><img src="{IMAGES}/images/'
        f'{ctx.site.name}-logo.gif" alt="{a(ctx.site.brand)}"></a>'
        f'<div class="tagline">{e(ctx.site.banner)}</div></header>\n'
        f'<nav class="{menu_class}"><ul>{menu}</ul></nav>\n'
        f'<div class="container"><div class="row">\n{body_html}\n{sidebar_html}\n'
        "</div></div>\n"
        f'<footer><p class="copy">{e(footer)}</p>\n<p class="gdpr">{e(GDPR)} '
        '<a href="/privacy.html">Privacy Statement</a></p></footer>\n</body>\n</html>\n'
    )


def _related_links_box(story: Story) -> str:
    links = "".join(f'<a href="{a(link.url)}">{e(link.text)}</a><br>\n'
                    for link in story.related_links)
    return f'<div class="rl"><b>{RELATED_LINKS}</b><br>\n{links}</div>\n'


def _teaser_box(ctx: PageContext) -> str:
    if not ctx.teaser:
        return ""
    return (f'<div class="teaser-box"><a href="{a(ctx.teaser.url)}"><b>{e(ctx.teaser.title)}'
            f'</b></a><br><span class="BHS">{e(ctx.teaser.dateline)}</span><br>'
            f"{e(ctx.teaser.lead)}</div>\n")


def _current_classic(ctx: PageContext) -> str:
    story = ctx.story
    parts = ['<div class="col-md-8">\n', f"<h1>{e(story.title)}<br></h1>\n"]
    if story.byline_form:
        parts.append(f'<span class="BL">{e(story.byline_form)}</span><br>\n')
    parts.append(f'<span class="BHS">{e(story.dateline)}</span><br>\n')
    parts.append("<!--body-2-incontainer.php-->\n")
    if story.image:
        caption = f'<div class="caption">{e(story.caption)}</div>' if story.caption else ""
        parts.append(f'<div class="article-image"><img src="{image_url(story)}" '
                     f'class="img-responsive">{caption}</div>\n')
    parts.append(_modern_blocks(story.blocks, [_iframe_ad(1), "<center></center>"]) + "\n")
    for report in story.related:
        parts.append(_related_current(report, "<p><b>{title}</b></p>"))
    if story.source:
        parts.append(f"<p>Source: {e(story.source)}</p>\n")
    parts.append("<!--RELATED LINKS-->\n" + _related_links_box(story))
    parts.append(_teaser_box(ctx))
    parts.append("</div>")
    lists = "".join(
        f"<h4>{e(heading)}</h4>\n<ul>"
        + "".join(f'<li><a href="{a(link.url)}">{e(link.text)}</a></li>' for link in links_)
        + "</ul>\n" for heading, links_ in ctx.sidebar)
    sidebar = (f'<div class="col-md-4 sidebar">\n<div class="nlbox">{NEWSLETTER_BOX}'
               '<form action="/cgi-bin/subscribe"><input name="email"></form></div>\n'
               f"{lists}</div>")
    return _current_frame(ctx, "".join(parts), sidebar, "menu")


def _current_cards(ctx: PageContext) -> str:
    story = ctx.story
    parts = ['<main class="col-lg-9 story">\n<article>\n', f"<h1>{e(story.title)}<br></h1>\n",
             f'<span class="BHS">{e(story.dateline)}</span><br>\n']
    if story.byline_form:
        parts.append(f'<span class="byl">{e(story.byline_form)}</span>\n')
    parts.append("<!--body-2-incontainer.php-->\n")
    if story.image:
        caption = f"<figcaption>{e(story.caption)}</figcaption>" if story.caption else ""
        parts.append(f"<figure>{_lazy_image(story)}{caption}</figure>\n")
    parts.append(_modern_blocks(
        story.blocks, ["<center></center>", _iframe_ad(2)]) + "\n")
    for report in story.related:
        parts.append(_related_current(report, '<h3 class="rrh">{title}</h3>'))
    if story.source:
        parts.append(f'<p class="src">Source: {e(story.source)}</p>\n')
    parts.append("<!--RELATED LINKS-->\n")
    links = "".join(f'<p class="rlk"><a href="{a(link.url)}">{e(link.text)}</a></p>\n'
                    for link in story.related_links)
    parts.append(f'<section class="related"><h4>{RELATED_LINKS}</h4>\n{links}</section>\n')
    parts.append("</article>\n</main>")
    cards = "".join(
        f'<div class="card"><h4>{e(heading)}</h4>\n'
        + "".join(f'<a class="hl" href="{a(link.url)}">{e(link.text)}</a><br>\n'
                  for link in links_) + "</div>\n" for heading, links_ in ctx.sidebar)
    teaser = ""
    if ctx.teaser:
        teaser = (f'<div class="card teaser"><h5><a href="{a(ctx.teaser.url)}">'
                  f'{e(ctx.teaser.title)}</a></h5><p>{e(ctx.teaser.dateline)}</p>'
                  f"<p>{e(ctx.teaser.lead)}</p></div>\n")
    sidebar = (f'<aside class="col-lg-3">\n<div class="card support"><p>{e(SUPPORT)}</p>'
               '<a href="/support.html">Donate</a></div>\n'
               f"{teaser}{cards}<div class=\"card nl\">{NEWSLETTER_BOX}</div>\n</aside>")
    return _current_frame(ctx, "".join(parts), sidebar, "navbar")


def _current_compact(ctx: PageContext) -> str:
    story = ctx.story
    ad = (f'<center><span style="font-size:10px">{AD_LABEL}</span><br>'
          '<iframe src="about:blank" width="728" height="90" frameborder="0"></iframe></center>')
    parts = ['<div class="col-sm-12 col-md-9">\n<div class="inner">\n',
             f"<h1>{e(story.title)}<br></h1>\n"]
    parts.append(f'<span class="BHS">{e(story.dateline)}</span>\n')
    if story.byline_form:
        parts.append(f'<p class="auth">{e(story.byline_form)}</p>\n')
    parts.append("<!--body-2-incontainer.php-->\n")
    parts.append(_modern_blocks(story.blocks, [ad, "<center></center>"]) + "\n")
    if story.image:
        caption = f"<br><small>{e(story.caption)}</small>" if story.caption else ""
        parts.insert(-1, f'<p class="pic"><img src="{image_url(story)}" width="100%" '
                         f'srcset="{image_url(story, "images-sm")} 400w, {image_url(story)} 800w"'
                         f' sizes="(max-width: 600px) 400px, 800px">{caption}</p>\n')
    for report in story.related:
        parts.append(_related_current(report, '<p class="rrt"><strong>{title}</strong></p>'))
    if story.source:
        parts.append(f"<p><em>Source: {e(story.source)}</em></p>\n")
    parts.append("<!--RELATED LINKS-->\n")
    links = "".join(f'<li><a href="{a(link.url)}">{e(link.text)}</a></li>'
                    for link in story.related_links)
    parts.append(f"<h5>{RELATED_LINKS}</h5>\n<ul class=\"rl\">{links}</ul>\n")
    if ctx.teaser:
        parts.append(
            f'<table class="next"><tr><td><a href="{a(ctx.teaser.url)}">{e(ctx.teaser.title)}'
            f"</a></td></tr><tr><td>{e(ctx.teaser.dateline)}</td></tr>"
            f"<tr><td>{e(ctx.teaser.lead)}</td></tr></table>\n")
    parts.append("</div>\n</div>")
    rows = "".join(
        f'<tr><th>{e(heading)}</th></tr>\n'
        + "".join(f'<tr><td><a href="{a(link.url)}">{e(link.text)}</a></td></tr>\n'
                  for link in links_) for heading, links_ in ctx.sidebar)
    sidebar = (f'<div class="col-md-3"><table class="sb">\n{rows}</table>\n'
               f'<p class="nl">{NEWSLETTER_BOX}</p></div>')
    return _current_frame(ctx, "".join(parts), sidebar, "nav-compact")


def _keep_current_social(ctx: PageContext) -> None:
    ctx.keep(AD_LABEL, SHARE, "del.icio.us", COMMENT)
    _keep_current_frame(ctx)


def _current_social(ctx: PageContext) -> str:
    story = ctx.story
    ad = ('<div class="adlabel">' f"{AD_LABEL}</div>"
          '<center><ins class="adsbygoogle" style="display:inline-block;width:336px;'
          'height:280px" data-ad-slot="2398114820"></ins>'
          "<script>(adsbygoogle = window.adsbygoogle || []).push({});</script></center>")
    parts = ['<div class="col-md-8 story">\n', f"<h1>{e(story.title)}<br></h1>\n"]
    if story.byline_form and story.place:
        parts.append(f'<span class="BHS">{e(story.byline_form)}, {e(story.dateline)}</span><br>\n')
    else:
        if story.byline_form:
            parts.append(f'<span class="BL">{e(story.byline_form)}</span><br>\n')
        parts.append(f'<span class="BHS">{e(story.dateline)}</span><br>\n')
    parts.append(f'<table class="share"><tr><td><span class="sh">{SHARE}</span><br>'
                 f"{_share_links(ctx)}</td><td>"
                 '<a href="https://twitter.com/share" class="twitter-share-button">Tweet</a>'
                 "</td></tr></table>\n")
    parts.append("<!--body-2-incontainer.php-->\n")
    parts.append(_photo_paragraphs(story))
    parts.append(_modern_blocks(story.blocks, [ad, "<center></center>"]) + "\n")
    parts.extend(_report_own_dateline_line(report) for report in story.related)
    if story.source:
        parts.append(f"<p>Source: {e(story.source)}</p>\n")
    parts.append("<!--RELATED LINKS-->\n" + _related_links_box(story)
                 + f'<div class="comments">{COMMENT}</div>\n')
    parts.append(_teaser_box(ctx))
    parts.append("</div>")
    sidebar = f'<div class="col-md-4 sidebar">\n{_ul_lists(ctx.sidebar)}</div>'
    return _current_frame(ctx, "".join(parts), sidebar, "menu")


#: layout -> (what its pages keep as boilerplate, the renderer)
_LAYOUTS: dict[str, tuple[Callable[[PageContext], None], Callable[[PageContext], str]]] = {
    "table/bullets": (_keep_table_bullets, _table_bullets),
    "table/lists": (_keep_table_lists, _table_lists),
    "table/linktable": (_keep_table_linktable, _table_linktable),
    "table/wire": (_keep_table_wire, _table_wire),
    "table/early": (_keep_table_early, _table_early),
    "current/classic": (_keep_current_frame, _current_classic),
    "current/cards": (_keep_current_cards, _current_cards),
    "current/compact": (_keep_current_compact, _current_compact),
    "current/social": (_keep_current_social, _current_social),
}


# -- encodings ---------------------------------------------------------------

#: encoding name -> (meta tag or "", Content-Type header, codec); codecs that cannot
#: encode a character (curly quotes in latin-1, anything in ascii) write `&#8220;`.
ENCODINGS: dict[str, tuple[str, str, str]] = {
    "latin1-meta": ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
                    "text/html", "cp1252"),
    "cp1252-header": ("", "text/html; charset=windows-1252", "cp1252"),
    "latin1-both-entities": (
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
        "text/html; charset=ISO-8859-1", "latin-1"),
    "utf8-both": ('<meta charset="utf-8">', "text/html; charset=UTF-8", "utf-8"),
    "utf8-meta": ('<meta charset="utf-8">', "text/html", "utf-8"),
    "utf8-header-entities": ("", "text/html; charset=utf-8", "ascii"),
}


def encode_page(page: str, encoding: str) -> tuple[bytes, str]:
    """Bytes and Content-Type of a page, declared and encoded per `encoding`.

    Pages declared iso-8859-1 that are not `-entities` carry windows-1252 bytes
    (curly quotes as 0x93/0x94), as real servers did; browsers and w3lib read
    that label as windows-1252.
    """
    meta, content_type, codec = ENCODINGS[encoding]
    page = page.replace(CHARSET_SLOT, meta)
    return page.encode(codec, errors="xmlcharrefreplace"), content_type


def charset_of(encoding: str) -> str:
    """The codec that decodes a page of this encoding correctly (truth `encoding`)."""
    codec = ENCODINGS[encoding][2]
    return {"cp1252": "windows-1252", "latin-1": "iso-8859-1", "ascii": "utf-8"}.get(codec, codec)


def site_of(host: str) -> SiteInfo:
    return SITE_INFO[host.removeprefix("www.")]
