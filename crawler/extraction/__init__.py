"""Article extraction: site profile + trafilatura, in worker processes, to JSONL.

- ``crawler.extraction.article``: one archived response to article fields
  (:func:`~crawler.extraction.article.extract_response`); ``story`` (landmarks and
  fragments), ``photos`` (figures and captions), ``blocks`` (tree helpers), ``dateline``,
  ``decoding`` and ``text`` are its parts.
- ``crawler.extraction.extension``: the Scrapy extension that extracts during a crawl
  (worker processes: ``pool``, ``processes``) and writes ``OUT/jsonl/<run-id>.jsonl``.
- ``crawler.extraction.records``: record assembly, story ids, one record per story per
  run; ``versions``: which capture makes a new version of a story.
- ``crawler.extraction.warcs``: the same from WARC files alone (``news-archive extract``).

Worker processes import only what extraction needs: never Scrapy.
"""
