"""The replica's shortcuts give the answers of the long way round.

Teasers are built from a story's first draws only, truth is written by several
processes, the server answers repeats from a bounded cache: each must give
exactly what the plain computation gives.
"""

from __future__ import annotations

import json

from mirror.cli import truth_lines
from mirror.network import Network, Resource
from mirror.server import ResponseCache
from mirror.stories import SITES, StoryBuilder


def test_opening_matches_the_whole_story() -> None:
    network = Network(seed=3, articles_per_site=60, epoch=2)
    for site in SITES:
        for index in range(network.catalogue.count):
            opening = StoryBuilder(network.catalogue).opening(site, index)  # nothing cached
            story = network.stories.story(site, index)
            assert (opening.title, opening.dateline, opening.lead) == (
                story.title, story.dateline, story.blocks[0].text)


def test_story_begun_for_a_teaser_is_the_story() -> None:
    catalogue = Network(seed=4, articles_per_site=40, epoch=1).catalogue
    teasing = StoryBuilder(catalogue)
    for site in SITES:
        for index in range(catalogue.count):
            teasing.opening(site, index)  # begins the story; the build carries on from it
            assert teasing.story(site, index) == StoryBuilder(catalogue).story(site, index)


def test_truth_from_several_processes_is_the_same_truth() -> None:
    network = Network(seed=2, articles_per_site=30, epoch=1)
    expected = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in network.truth())
    parallel = "".join(truth_lines(Network(seed=2, articles_per_site=30, epoch=1), jobs=2))
    assert parallel == expected


def test_response_cache_stays_within_its_budget() -> None:
    cache = ResponseCache(max_bytes=10_000)
    for number in range(20):
        body = bytes([number]) * 3_000
        entry = cache.put("www.spacewar.com", f"/{number}.html", Resource(200, (), body))
        before = entry.size
        assert entry.body("gzip") is entry.body("gzip")  # computed once
        assert entry.body("br") is entry.body("br")
        cache.resized("www.spacewar.com", f"/{number}.html", entry, before)
        assert cache.size <= 10_000
    assert cache.get("www.spacewar.com", "/19.html") is entry
    assert cache.get("www.spacewar.com", "/0.html") is None
    huge = cache.put("www.spacewar.com", "/huge.html", Resource(200, (), b"x" * 20_000))
    assert huge.tag and cache.get("www.spacewar.com", "/huge.html") is None
