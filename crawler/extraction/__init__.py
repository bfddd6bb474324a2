"""Article extraction: site profile + trafilatura, in worker processes, to JSONL.

- :func:`extract_article` (``crawler.extraction.article``): one response to article
  fields, or None for anything that is not a story.
- :class:`ExtractionExtension` (``crawler.extraction.extension``): the Scrapy extension
  that extracts during a crawl and writes ``OUT/jsonl/<run-id>.jsonl``.
- ``crawler.extraction.records``: record assembly, story ids, one record per story.

Attributes are imported lazily, so worker processes never import Scrapy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crawler.extraction.article import extract_article
    from crawler.extraction.extension import ExtractionExtension

__all__ = ["ExtractionExtension", "extract_article"]

_LAZY = {
    "extract_article": "crawler.extraction.article",
    "ExtractionExtension": "crawler.extraction.extension",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)
