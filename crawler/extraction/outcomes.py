"""What an extraction can end as, importable without trafilatura or lxml (the crawl's
own process only counts outcomes; the workers extract).

"fallback" and "no_body" are layout drift: a page on an article URL of a profiled site
where the profile did not find the story.
"""

ARTICLE, GENERIC, FALLBACK, NO_BODY, NOT_ARTICLE = (
    "article", "generic", "fallback", "no_body", "not_article",
)
