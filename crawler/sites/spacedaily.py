"""Site knowledge of the SpaceDaily network (Space Media Network), in one place.

Everything the spider and the extractor know about these sites lives here as
data: which hosts belong to the network, how its URLs are shaped, and (below,
for the extractor) how its pages are laid out. Nothing here names a particular
page: it describes structure.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult

#: The profile's name in each record's ``extractor.profile``.
NAME = "spacedaily"

#: What the network's archive is called in dataset cards and WACZ descriptions.
ARCHIVE_TITLE = "SpaceDaily network news archive"

#: Sites of the network we crawl by default, by registered domain.
SITES: tuple[str, ...] = ("spacewar.com", "spacedaily.com", "terradaily.com")

#: Every registered domain of the network (stories cross-link between them).
NETWORK_DOMAINS: frozenset[str] = frozenset(
    {
        "spacedaily.com", "spacewar.com", "space-travel.com", "marsdaily.com",
        "saturndaily.com", "terradaily.com", "energy-daily.com", "gpsdaily.com",
        "solardaily.com", "nuclearpowerdaily.com", "winddaily.com", "seeddaily.com",
        "sinodaily.com", "moondaily.com", "radardaily.com", "robodaily.com",
        "spacemart.com", "spxdaily.com",
    }
)

#: Hosts that serve page requisites (images) for every site of the network.
REQUISITE_DOMAINS: frozenset[str] = frozenset({"spxdaily.com"})

#: Article URLs, both eras: `/reports/<Title_Words>_999.html` (a few lack `_999`)
#: and the 1999-2005 `/news/<topic>-<yy><letters>.html` (topics may hold hyphens:
#: `/news/nuclear-blackmarket-02c.html`).
ARTICLE_PATH = re.compile(
    r"^/(?:reports/[A-Za-z0-9][A-Za-z0-9_\-]*\.html"
    r"|news/[a-z0-9]+(?:-[a-z0-9]+)*-\d{2}[a-z]+\.html)$"
)

#: Article paths that name one story wherever the network publishes it: a `/reports/`
#: slug is the story's headline, and the network carries the same story under the same
#: slug on several sites. A `/news/` path is a per-site counter (`-02c`: the third story
#: of 2002 under that topic), so the same path on two sites may be two stories.
CROSS_SITE_ARTICLE_PATH = re.compile(r"^/reports/")

#: A cheap test every article URL passes (a pre-filter for links before ARTICLE_PATH).
ARTICLE_URL_HINT = re.compile(r"/(?:reports|news)/[^/]+\.html")

#: The site feed is named after the site: `/spacewar.xml`, `/spacedaily.xml`.
FEED_PATH_TEMPLATE = "/{name}.xml"
HOME_PATH = "/index.html"


def registered_domain(host: str) -> str:
    """`www.spacewar.com` -> `spacewar.com` (the network uses no other subdomains)."""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def canonical_host(host: str) -> str:
    """The network serves every site under `www.`; bare hosts redirect there."""
    return "www." + registered_domain(host)


def is_network_host(host: str) -> bool:
    return registered_domain(host) in NETWORK_DOMAINS


def is_network_link(target: SplitResult) -> bool:
    """A link to a network host, or a relative one."""
    return not target.netloc or is_network_host(target.hostname or "")


def is_article_path(path: str) -> bool:
    return ARTICLE_PATH.match(path) is not None


def names_story_across_sites(host: str, path: str) -> bool:
    """True when ``path`` on ``host`` is the same story on every site of the network."""
    return (is_network_host(host) and is_article_path(path)
            and CROSS_SITE_ARTICLE_PATH.match(path) is not None)


def start_urls(site: str) -> list[str]:
    """Home page and feed of one site: the spider's entry points."""
    base = f"http://{canonical_host(site)}"
    name = site.split(".")[0]
    return [base + HOME_PATH, base + FEED_PATH_TEMPLATE.format(name=name)]


# --------------------------------------------------------------------------------------
# Layout knowledge, for the extractor. The network's story pages come in two eras:
#
# * 2007-2013 table layout: no semantic container; the headline, byline and dateline
#   sit in `<span>`s (or `<b>`/`<font>` runs) of a table cell, `<p>`s are often left
#   unclosed, and the story is surrounded by newsletter boxes, per-site headline lists,
#   Related Links, a teaser of another story and a copyright footer.
# * current layout: `<h1>Title<br></h1>`, the dateline in `<span class="BHS">`, the body
#   between the `<!--body-2-incontainer.php-->` and `<!--RELATED LINKS-->` comments,
#   with iframe and `<center>` ads inside it.
#
# In both, the story reads: headline, photo caption, byline ("by Staff Writers"),
# dateline ("Luxembourg (AFP) April 24, 2007"), body, zero or more "earlier related
# report" sub-stories (marker, headline, body opening with an inline dateline
# "Warsaw (AFP) April 24 - ..."), then the end of the story: a "Source: ..." line,
# "Email This Article", "Related Links" or the RELATED LINKS comment.
# What follows describes those landmarks; crawler.extraction applies it.
# --------------------------------------------------------------------------------------

#: Language of every site of the network.
LANGUAGE = "en"

#: Elements that can hold the headline: `<h1>` in the current layout, a title-like
#: span/bold/font run in the table layout (class names vary between variants, so none
#: are named). The headline is the last such element before the dateline that is not
#: the byline or a photo caption; one whose text is part of the page's `<title>` (or
#: og:title) is preferred.
HEADLINE_TAGS: frozenset[str] = frozenset(
    {"h1", "h2", "h3", "span", "b", "strong", "font", "div", "td", "p", "a"}
)
HEADLINE_MAX_CHARS = 250
#: How far back from the dateline (in elements) the headline may be.
HEADLINE_LOOKBACK = 60
#: How many datelines (in page order) may be tried to find the story's: a ticker or
#: teaser with a dateline may sit above the story.
DATELINE_CANDIDATES = 4

#: Elements short enough to be a landmark line (dateline, byline, marker, source line):
#: a leaf-ish element of the story column whose whole text is one line.
LANDMARK_TAGS: frozenset[str] = frozenset(
    {"span", "b", "strong", "i", "em", "font", "p", "div", "td", "h2", "h3", "h4", "h5",
     "h6", "a", "center", "small"}
)
LANDMARK_MAX_CHARS = 160

#: Elements that can hold a byline before the dateline: the headline's, and the inline
#: runs a short story's byline sits in ("<i>by Staff Writers</i>").
BYLINE_TAGS: frozenset[str] = HEADLINE_TAGS | {"i", "em", "small"}

#: The byline: "by Staff Writers", "By Issam AHMED", "Interview by Alan Pryce" (group 1
#: is the name; a role after it, past a slash, a comma, a bracket or a line break, is
#: not: "by Caroline Ashby, UPI Pentagon Correspondent", "by Andrei Sedov (RIA Novosti)").
BYLINE = re.compile(
    r"^\s*(?:(?:interview|story|report|text|words|written|reported)\s+)?by\s+([^\W\d_].*?)\s*$",
    re.IGNORECASE | re.DOTALL,
)
BYLINE_ROLE_SEPARATOR = re.compile(r"\s*[/,|]\s|\s+\(")
#: A role in brackets after each of several names: "by Ann Diaz (text) and Lu Ferrer
#: (photos)" (a bracket opening with a capital, "(RIA Novosti)", ends the name instead).
BYLINE_BRACKETED_ROLE = re.compile(r"\s*\([a-z][^()]{0,30}\)")
#: ... but past a comma may come more names, the last after "and" ("by Lena Fischer,
#: Omar Haddad and Priya Nair"), or one more person's ("by Claire Dubois, Martin
#: Keane"; not "AFP"), where a role says what someone is.
_NAME = r"[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}"
_PERSON = r"[A-Z][a-zà-ÿ][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){1,3}"
BYLINE_MORE_NAMES = re.compile(
    rf"^\s*,\s*(?:(?:{_NAME},\s+)*{_NAME},?\s+and\s+{_NAME}|{_PERSON})\s*$")
BYLINE_ROLE_WORD = re.compile(
    r"\b(?:correspondent|editor|reporter|columnist|contributor|analyst|producer"
    r"|chief|bureau|director|professor|fellow)s?\b",
    re.IGNORECASE,
)
#: A suffix after a comma is the name's own: "by Harold W. Kessler, Jr.", ", Ph.D.".
BYLINE_NAME_SUFFIX = re.compile(
    r"^,\s*(?:Jr|Sr|II|III|IV|Ph\.?\s?D|M\.?\s?D|Esq)\.?(?=\s*(?:[/,]|$))")

#: Months as the datelines spell them ("April", "Apr", "Apr.", "Sept").
MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

_PLACE = r"(?P<place>[^()\n]{1,80}?(?:\s+\([^()\n]{1,40}\))?)"  # "Baikonur (Kazakhstan)"
_AGENCY = r"\((?P<agency>[A-Za-z][^()\n]{0,40})\)"
_DATE = r"(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})"

#: A byline sharing the dateline's line, before a slash or a comma: "by Staff Writers /
#: Paris ...", "by Morris Jones, Sydney, Australia ..." (the name holds neither).
_BYLINE_PREFIX = r"(?:[Bb][Yy]\s+(?P<byline>[^/,()\n]{1,80}?)\s*[/,]\s*)"

#: A story's dateline line: "[Place ](AGENCY) Month D[D], YYYY" — "Luxembourg (AFP)
#: April 24, 2007", "(UPI) Apr 2, 2013", "Paris, France (SPX) Mar 17, 2025",
#: "Moscow (RIA Novosti) Apr 25, 2007", "by Staff Writers / Paris (ESA) Nov 12, 2010",
#: "by Morris Jones, Sydney, Australia (SPX) Jan 3, 2013".
DATELINE = re.compile(
    rf"^\s*{_BYLINE_PREFIX}?(?:{_PLACE}\s+)?{_AGENCY}\s+{_DATE},?\s+(?P<year>\d{{4}})\s*$"
)

#: Other ways a dateline's date is written, read as the usual "Month D, YYYY": a weekday
#: before it ("Friday, March 14, 2025"), the day before the month ("17 March 2025").
WEEKDAY_BEFORE_DATE = re.compile(
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+(?=[A-Za-z]{3,9}\.?\s+\d)", re.IGNORECASE
)
DAY_MONTH_YEAR = re.compile(
    r"\b(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]{3,9})\.?,?\s+(?P<year>\d{4})\b"
)

#: The dateline opening a related report's (or a teaser's) first paragraph, or on a line
#: of its own: "Warsaw (AFP) April 24 - Washington is open ..." (the year is often
#: missing).
INLINE_DATELINE = re.compile(
    rf"^\s*(?:{_PLACE}\s+)?{_AGENCY}\s+{_DATE}(?:,?\s+(?P<year>\d{{4}}))?"
    r"(?:\s*[-\u2013\u2014]+\s*|\s*$)"
)

#: The wire services' own dateline opening a paragraph: "WASHINGTON, March 17 (UPI) --
#: text", "MEMPHIS, Tenn., March 14 (UPI) -- text".
WIRE_INLINE_DATELINE = re.compile(
    rf"^\s*(?P<place>[^()\n]{{1,80}}?),\s+{_DATE}(?:,?\s+(?P<year>\d{{4}}))?\s+{_AGENCY}"
    r"\s*[-\u2013\u2014]+\s*"
)

#: Every form of a dateline that opens a paragraph.
INLINE_DATELINES = (INLINE_DATELINE, WIRE_INLINE_DATELINE)

#: What separates a dateline run into the first paragraph from the text after it:
#: "<b>Kourou (AFP) Feb 13, 2012</b> – Europe's new rocket ...".
RUN_IN_DATELINE_SEPARATOR = re.compile(r"^\s*[-\u2013\u2014:]+\s*")

#: How far before a headline (in elements) a related report's marker may stand.
REPORT_MARKER_LOOKBACK = 4

#: The line that opens each "earlier related report" sub-story.
RELATED_REPORT_MARKER = re.compile(
    r"^\s*(?:an\s+)?(?:earlier\s+)?related\s+reports?\s*:?\s*$", re.IGNORECASE
)

#: The source line closing a story: "Source: Agence France-Presse" (group 1 is the name).
SOURCE_LINE = re.compile(r"^\s*Source\s*:\s*(\S.*?)\s*$", re.IGNORECASE | re.DOTALL)

#: The time a story was published or updated, or the time it takes to read, on a line
#: of its own near the dateline ("Updated: Jan 9 2026", "Last updated on 9 January 2026,
#: 10:04 GMT", "· 3 min read", "Reading time: 4 minutes"): no text.
TIMESTAMP_LINE = re.compile(
    r"^\s*(?:(?:last\s+)?(?:updated|published|posted|modified)(?:\s*:|\s+on\b)"
    r"[\w\s,.:/+-]{0,50}\d[\w\s,.:/+-]{0,30}"
    r"|[^\w\s]{0,3}\s*\d{1,3}\s*(?:-\s*\d{1,3}\s*)?min(?:ute)?s?\.?\s+read"
    r"|reading\s+time\s*:?\s*\d{1,3}\s*min(?:ute)?s?\.?)\s*$",
    re.IGNORECASE,
)
#: The signature under a social media post embedded in a blockquote, "— Name (@handle)
#: <a>date</a>": the story quotes the post's text, the signature is the embed's own.
POST_SIGNATURE = re.compile(r"^\s*[—–-]+\s*[^()\n]{0,80}\(@[\w.]{1,40}\)")

#: A sharing row's label ("Share this story"): no text, and no end either (related
#: reports may follow it).
SHARE_LABEL = re.compile(r"^\s*Share\s+this\s+(?:article|story|page|post)\b.{0,60}$",
                         re.IGNORECASE)

#: A press release's end mark on a line of its own ("###", "# # #", "-30-", "- ends -",
#: "ENDS"): what follows it up to the next report (the media contact) is no text, unless
#: it holds a sentence that gives no contact details (CONTACT_SENTENCE): then the mark
#: only divided sections.
RELEASE_END_LINE = re.compile(
    r"^\s*(?:(?:#\s*){3}|[-\u2013\u2014]\s*(?:30|ends?)\s*[-\u2013\u2014]|ENDS)\s*$",
    re.IGNORECASE,
)
#: A story sentence: at least four words, two of them in lower case (a card's "Jet
#: Propulsion Laboratory, Pasadena, Calif." is all names), ending as a sentence ends; one
#: holding an e-mail address or a phone number ("on 020 7946 0874", "+1 512-555-0187")
#: belongs to a contact card.
SENTENCE_MIN_WORDS = 4
SENTENCE_MIN_LOWER_WORDS = 2
SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)]*$")
CONTACT_DETAIL = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.-]+"
    r"|(?:\+\d{1,3}[\s.-]?)?\(?\d{2,5}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,6}\b"
)

#: Lines that end the story (after the source line, if any): the network's own, a
#: comment section's heading.
STORY_END_LINE = re.compile(
    r"^\s*(?:Email\s+This\s+(?:Article|Story)(?:\s+To\s+A\s+Friend)?|Related\s+Links"
    r"|Comment\s+(?:on\s+)?this\s+article.*"
    r"|Comments\s+are\s+(?:closed|disabled)\b.*|Join\s+the\s+discussion"
    r"|(?:Leave|Post|Add)\s+a\s+(?:comment|reply)|(?:Reader\s+)?Comments)\s*:?\s*$",
    re.IGNORECASE,
)

#: Where a story with no end landmark ends (the oldest pages have none): with the
#: smallest of these around its start, the story's column.
STORY_CONTAINER_TAGS: frozenset[str] = frozenset(
    {"td", "div", "article", "section", "main", "body"}
)

#: HTML comments the current layout frames the story body with.
BODY_START_COMMENT = re.compile(r"body-\d+-incontainer", re.IGNORECASE)
BODY_END_COMMENT = re.compile(r"^\s*RELATED\s+LINKS\s*$", re.IGNORECASE)

#: Boilerplate blocks that can sit inside the story region: scripts, forms (newsletter
#: boxes), controls (buttons, menus) and disclosure widgets (`<details>`: an audio
#: player's transcript, a machine summary, shown on demand), empty `<center>` ad slots
#: (a centred photo is left to the photos), and any small block holding an ad frame (an
#: iframe, `<ins>`, embed or script) with at most a short label ("Advertisement").
BOILERPLATE_XPATH = (
    ".//script | .//style | .//noscript | .//form | .//object | .//embed | .//ins"
    " | .//details | .//button | .//select"
    " | .//center[not(normalize-space()) and not(.//img)]"
    " | .//*[self::center or self::div or self::p or self::span or self::td or self::aside]"
    "[.//iframe or .//ins or .//script or .//embed][string-length(normalize-space()) < 40]"
    " | .//iframe"
)

#: An ad slot's label, standing alone in a short block beside the slot (which goes as
#: boilerplate): "Advertisement", "Sponsored content", "Continued below".
#: A media player's own line ("Listen to this article · 5:47") is at most this long; a
#: sentence of the story around an embedded recording is longer.
PLAYER_LABEL_MAX_CHARS = 60

AD_LABEL = re.compile(
    r"^\s*(?:advertisements?|advertising|sponsored(?:\s+(?:content|links?))?|ads?"
    r"|(?:(?:story|article)\s+)?continue[sd]?\s+below(?:\s+(?:the\s+)?(?:ad|advertisement))?)"
    r"\s*:?\s*$",
    re.IGNORECASE,
)

#: A rights notice closing a wire story ("All rights reserved. (c) 2003 Agence
#: France-Presse. Sections of the information displayed on this page ..."), or an
#: agency's disclaimer closing a commentary ("The views expressed in this article are
#: the author's and may not necessarily represent those of ..."): trailing paragraphs of
#: a story or report that reserve rights or disown views are not its text.
RIGHTS_NOTICE = re.compile(
    r"\ball\s+rights\s+reserved\b|^\s*(?:copyright\b|\u00a9|\(c\)\s*\d{4})"
    r"|\bviews\s+expressed\b.*\bnot\s+necessarily\b",
    re.IGNORECASE,
)

#: A wire's sign-off closing a story: the agency after a dash, maybe the editors'
#: initials ("--IANS vsp/mr"): no text, and no source line either.
WIRE_SIGN_OFF = re.compile(
    r"^\s*(?:-{2,}|\u2014|\u2013)\s*[A-Z]{2,}(?:\s+[a-z]{1,5}(?:/[a-z]{1,5})*)?\s*$")

#: Link blocks inside the story region: a headline box or newsletter box set between
#: paragraphs (a `<ul>`, a link table, a `<div>` of links) is a block of at least
#: LINK_BLOCK_MIN_LINKS links whose text is at least LINK_BLOCK_SHARE of the block's.
#: A paragraph quoting a link or two never is.
LINK_BLOCK_TAGS: frozenset[str] = frozenset(
    {"ul", "ol", "dl", "table", "div", "aside", "nav", "center", "font"}
)
LINK_BLOCK_MIN_LINKS = 3
LINK_BLOCK_SHARE = 0.5
#: A line of navigation links ("Previous story | Next story", "Back To Space Daily | More
#: News", "Page: 1 | 2 | Next >>"): a short block of links with nothing but separators
#: and page numbers between them, after a short label ("Related:", "Research Report:")
#: if any; at least two links, unless it has a label or is one link alone ("Continued on
#: page 2").
LINK_LINE_TAGS: frozenset[str] = LINK_BLOCK_TAGS | {"p"}
LINK_LINE_MIN_LINKS = 2
LINK_LINE_SEPARATORS = re.compile(r"^[\s\d|\u2022\u00b7\u00ab\u00bb:/>\-\u2013\u2014\[\]()]*$")
LINK_LINE_LABEL = re.compile(r"^\s*[A-Za-z][\w-]*(?:\s+[\w-]+){0,2}\s*:")
#: A link block's own heading ("Related Stories") goes with it: a short line right
#: before it, without links.
LINK_BLOCK_HEADING_MAX_CHARS = 60

#: Promotion boxes inside the story region (an appeal for support, a subscription
#: offer, another story's teaser): a short block that is not a paragraph, holds a small
#: part of the story's text (a box of paragraphs: at most PROMO_BLOCK_MAX_SHARE), and
#: that holds a form (a payment button), an icon (an image declared smaller than a
#: photo) or a teaser's image (linked to a story page: "ALSO ON SPACE DAILY"), or whose
#: every link leads to one of the site's own pages that is not a story (`/support.html`,
#: `/newsletters.html`). Story text links to stories and to outside sources, not to the
#: site's own service pages.
PROMO_BLOCK_TAGS: frozenset[str] = frozenset({"div", "aside", "center", "font", "table"})
PROMO_BLOCK_MAX_CHARS = 800
PROMO_BLOCK_MAX_SHARE = 1 / 3

#: A sentence of at least this many words ending in a colon introduces a list of the
#: story's own ("The reports released on Wednesday are:"), not a headline box.
LIST_INTRO_MIN_WORDS = 4

#: Payment services an appeal for support links to ("Chip in via PayPal"): a box whose
#: links all lead to them is a promotion box too.
PAYMENT_HOSTS = frozenset({"paypal.com", "paypal.me", "patreon.com", "ko-fi.com",
                           "buymeacoffee.com", "liberapay.com"})

#: Sharing boxes ("Share this article via ...": Digg, Reddit, a Tweet button): a short
#: block that is not a paragraph and holds none, most of whose links (at least two) are
#: share links, i.e. links to another site that pass it the address of a network page.
SHARE_BLOCK_TAGS: frozenset[str] = frozenset({"div", "aside", "center", "font", "table", "td"})
SHARE_BLOCK_MIN_LINKS = 2

#: Photos and their captions: the smallest block around an image whose text is short is
#: a figure (image + caption) and goes as a whole; a short non-paragraph block right
#: after a bare image or an image-only block (line breaks between) is its caption, and
#: so is a short paragraph there set wholly in italics or small print. Failing that, a
#: short line right above it set apart from the paragraphs by a class of its own is.
#: Photos side by side in the cells of a table each take their own cell's caption, or
#: the one below it.
CAPTION_MAX_CHARS = 400
#: A caption in an element of its own beside the image, in a block holding only the two,
#: may run longer: a paragraph with an image in it never looks like that.
WRAPPED_CAPTION_MAX_CHARS = 1000
CAPTION_TAGS: frozenset[str] = frozenset(
    {"div", "span", "small", "font", "i", "em", "figcaption", "center", "td"}
)
CAPTION_STYLE_TAGS: frozenset[str] = frozenset({"i", "em", "small"})
#: ... or a paragraph there set in small print by its style (``font-size: 11px``).
SMALL_PRINT_STYLE = re.compile(
    r"font-size\s*:\s*(?:(?:[0-9]|1[0-2])(?:\.\d+)?px|x*-?small|smaller|0?\.[0-8]\d*r?em)",
    re.IGNORECASE,
)
#: ... or a paragraph there whose class calls it one (`<p class="caption">`,
#: `wp-caption-text`: the web's common name for it).
CAPTION_CLASS = re.compile(r"caption", re.IGNORECASE)
#: A photo credit or a labelled media caption on a line of its own: "Photo: NASA/JPL-
#: Caltech", "Image credit: ESA", "Photo courtesy AFP", "Illustration by Marco Rossi",
#: "Video: The engine firing ...".
CREDIT_LINE = re.compile(
    r"^\s*(?:(?:photo(?:graph)?|image|picture|illustration|graphic|video)s?\s*(?:credit)?\s*:"
    r"|(?:photo(?:graph)?|image)s?\s+(?:courtesy|credit)\b|credits?\s*:"
    r"|(?:photo(?:graph)?|image|illustration|graphic)s?\s+by\s+[A-Z])",
    re.IGNORECASE,
)
#: A hint that the photo opens larger or has a gallery, "(click image to enlarge)",
#: "View photo gallery (5 images) »": it goes with the photo, but is no part of its
#: caption.
PHOTO_HINT = re.compile(
    r"\(?\s*(?:click|tap)\b[^.()]{0,40}?\b(?:enlarge|larger|full[- ]?size|hi-?res)\w*"
    r"(?:\s+(?:version|image|photo|picture|view|copy))?(?:[^.()]{0,25}\))?\s*\)?\.?"
    r"|\b(?:view|see|browse)\s+(?:the\s+|all\s+|more\s+)?(?:photo\s+|image\s+)?"
    r"(?:gallery|photos|images|pictures)\b(?:\s*\(\d+[^)]{0,20}\))?\s*[»>]*",
    re.IGNORECASE,
)
#: ... and so is a link or line saying only that, "Enlarge" beside a zoom icon.
PHOTO_HINT_LINE = re.compile(r"\W*(?:enlarge|zoom|larger image|view larger|full[- ]size)"
                             r"(?:\s+(?:image|photo|picture))?\W*", re.IGNORECASE)
#: A pull quote: a short paragraph that repeats words of another paragraph of the story.
PULL_QUOTE_MIN_CHARS = 20
PULL_QUOTE_MAX_CHARS = 300
#: Blocks a figure may be made of (``source``: libxml2 does not know it is empty and
#: nests what follows it in a ``<picture>`` inside it).
FIGURE_TAGS: frozenset[str] = frozenset(
    {"figure", "picture", "source", "div", "p", "table", "td", "tr", "center", "span", "a",
     "dl", "dt", "dd"}
)
#: A story's photos (the record's ``images``): the images left in the story once ads,
#: boxes and link lists are gone, except spacers, icons and headshots (declared smaller
#: than PHOTO_MIN_PIXELS either way, in attributes or style), placeholders inside another
#: image, and linked images (a button, an ad, a teaser's thumbnail), unless the link
#: opens an image file (the photo enlarged) or the image has a caption of its own and
#: links to no other story (its gallery, the project's site). A lazily loaded image's
#: address is in one of its data attributes, its ``src`` a placeholder.
PHOTO_MIN_PIXELS = 100
#: ... but a smaller image with a short caption of its own (the portrait of someone
#: quoted, 90x120, their name under it) is one, down to this size: below it, icons and
#: spacers. A longer text beside a small image is no caption: an author's biography.
CAPTIONED_PHOTO_MIN_PIXELS = 64
NAME_CAPTION_MAX_CHARS = 80
#: An image aligned or styled like this floats beside the text it sits in: that text is
#: no caption.
FLOAT_ALIGNMENTS = frozenset({"left", "right"})
FLOAT_STYLE = re.compile(r"float\s*:\s*(?:left|right)", re.IGNORECASE)
IMAGE_TAGS = ("img", "amp-img")
IMAGE_SOURCE_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src", "src")
IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)$", re.IGNORECASE)
#: A document a small image may open (a chart's thumbnail, linked to its PDF).
DOCUMENT_FILE = re.compile(r"\.pdf$", re.IGNORECASE)
#: A QR code, by its address, alternative text or class, is no photo, and neither is a
#: small logo (a large one may be the story's subject: "the agency's new logo").
QR_CODE_NAME = re.compile(r"qr[-_ ]?code|(?:^|[-_/ ])qr(?:$|[-_. ])", re.IGNORECASE)
LOGO_NAME = re.compile(r"logo", re.IGNORECASE)
#: A note of the editors' is no caption, even set in italics under a photo.
NOTE_LABEL = re.compile(r"^\W*(?:editor'?s\s+note|note|update|correction|clarification)\s*:",
                        re.IGNORECASE)
#: A link opening the photo enlarged in a pop-up: "javascript:popImage('...-hg.jpg')".
IMAGE_IN_SCRIPT = re.compile(r"^\s*javascript:.*\.(?:jpe?g|png|gif|webp|avif)['\"]",
                             re.IGNORECASE)
