"""Site knowledge of the SpaceDaily network (Space Media Network), in one place.

Everything the spider and the extractor know about these sites lives here as
data: which hosts belong to the network, how its URLs are shaped, and (below,
for the extractor) how its pages are laid out. Nothing here names a particular
page: it describes structure.
"""

from __future__ import annotations

import re

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
#: and the 1999-2005 `/news/<topic>-<yy><letters>.html`.
ARTICLE_PATH = re.compile(
    r"^/(?:reports/[A-Za-z0-9][A-Za-z0-9_\-]*\.html|news/[a-z0-9]+-\d{2}[a-z]+\.html)$"
)

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


def is_article_path(path: str) -> bool:
    return ARTICLE_PATH.match(path) is not None


def start_urls(site: str) -> list[str]:
    """Home page and feed of one site: the spider's entry points."""
    base = f"http://{canonical_host(site)}"
    name = site.split(".")[0]
    return [base + HOME_PATH, base + FEED_PATH_TEMPLATE.format(name=name)]
