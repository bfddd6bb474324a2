"""What an extraction can end as, importable without trafilatura or lxml (the crawl's
own process only counts outcomes; the workers extract).

"fallback" and "no_body" are layout drift: a page on an article URL of a profiled site
where the profile did not find the story. "undated" is a story the profile found by its
headline and byline but without a dateline: a record all the same, and counted as drift
too, because a dateline the profile no longer reads looks just like it.
"""

ARTICLE, UNDATED, GENERIC, FALLBACK, NO_BODY, NOT_ARTICLE = (
    "article", "undated", "generic", "fallback", "no_body", "not_article",
)
DRIFT_OUTCOMES = frozenset({FALLBACK, NO_BODY, UNDATED})
#: Pages read as articles: by the profile (dated or not), or off the network generically.
ARTICLE_OUTCOMES = frozenset({ARTICLE, UNDATED, GENERIC})
