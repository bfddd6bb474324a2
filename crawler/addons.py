"""Scrapy add-ons of the crawler: what a crawl sets up as it starts, before any of its
components is built (Scrapy calls an add-on's ``update_settings`` then), rather than when
a module is imported."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from crawler.runs import new_run_id

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings


class RunIdentity:
    """Gives a crawl whose ``ARCHIVE_RUN_ID`` is empty an id of its own."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("ARCHIVE_RUN_ID"):  # replaces the empty value where it was set
            priority = settings.getpriority("ARCHIVE_RUN_ID") or "addon"
            settings.set("ARCHIVE_RUN_ID", new_run_id(), priority=priority)


class QuietLibraries:
    """Libraries the crawl uses, kept quiet and offline.

    tldextract (the cookies middleware) downloads the public suffix list when it first
    runs, and offline logs tracebacks before it falls back to its bundled copy: an empty
    URL list makes it use the copy at once (set before the middleware imports it).
    charset-normalizer's DEBUG log calls cost about 3 ms a page under Scrapy's logging.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
        logging.getLogger("charset_normalizer").setLevel(logging.WARNING)
