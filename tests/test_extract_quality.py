"""Extraction quality on the replica's ground truth, every layout variant (issue 4 floors).

Pages are rendered straight from ``mirror.network.Network`` (no HTTP: this is about
extraction) and scored with ``bench/quality.py``, the same code the benchmark prints.
"""

from __future__ import annotations

import re

import pytest

from bench.quality import evaluate, render_records, text_fields
from mirror.network import Network
from mirror.stories import LAYOUTS

SEEDS = (1, 2)
ARTICLES_PER_SITE = 70
FIELDS = ("title", "published", "place", "agency", "byline")


@pytest.fixture(scope="module", params=SEEDS, ids=lambda seed: f"seed{seed}")
def scored(request):
    network = Network(seed=request.param, articles_per_site=ARTICLES_PER_SITE)
    truth = [story for story in network.truth() if story.get("kind") == "story"]
    records = render_records(network, truth)
    return truth, records, evaluate(truth, records)


def test_every_layout_variant_is_covered(scored):
    truth, _, report = scored
    assert {story["layout"] for story in truth} == set(LAYOUTS)
    counts = {layout: summary["stories"] for layout, summary in report.by_layout().items()}
    assert min(counts.values()) >= 10, counts


def test_every_story_is_found_once(scored):
    truth, records, report = scored
    assert not [s.story_id for s in report.scores if not s.found]
    assert report.duplicate_records == 0
    assert len(records) == len(truth)


def test_text_f1_floors(scored):
    _, _, report = scored
    summary = report.summary()
    assert summary["text_f1_mean"] >= 0.99, summary
    worst = report.worst(3)
    assert worst[0].f1 >= 0.97, [(s.story_id, s.layout, s.f1) for s in worst]


def test_no_boilerplate_in_any_text_field(scored):
    _, _, report = scored
    hits = [(s.story_id, s.layout, s.violations) for s in report.scores if s.violations]
    assert not hits


@pytest.mark.parametrize("field", FIELDS)
def test_field_exact_match_floor(scored, field):
    _, _, report = scored
    wrong = [(s.story_id, s.layout) for s in report.scores if not s.fields[field]]
    assert len(wrong) <= 0.01 * len(report.scores), wrong[:10]


def test_related_reports_count_on_every_story(scored):
    truth, _, report = scored
    assert any(story["related_reports"] for story in truth)
    wrong = [(s.story_id, s.layout) for s in report.scores if not s.related_ok]
    assert not wrong


def test_related_report_fields(scored):
    _, _, report = scored
    wrong = [(s.story_id, s.layout) for s in report.scores if not s.related_fields_ok]
    assert len(wrong) <= 0.01 * len(report.scores), wrong[:10]


def test_every_story_photo_with_its_caption_and_nothing_else(scored):
    """Photos in every layout's form (a table under or above the headline, a centred
    image, a figure loaded lazily, a srcset, ...), with their captions; a story without
    a photo has none (logos, nav buttons and ad images are no story photos)."""
    truth, _, report = scored
    assert any(story["images"] for story in truth)
    assert any(not story["images"] for story in truth)
    assert any(image["caption"] is None for story in truth for image in story["images"])
    wrong = [(s.story_id, s.layout) for s in report.scores if not s.images_ok]
    assert not wrong


def test_related_report_text_is_not_repeated_in_the_main_text(scored):
    truth, records, _ = scored
    by_url = {url: record for record in records for url in record["urls"]}
    for story in truth:
        record = by_url[story["urls"][0]]
        for report in record["related_reports"]:
            first_line = report["text"].split("\n")[0]
            assert first_line not in record["text"], story["id"]


def test_shared_stories_are_one_record_with_every_url(scored):
    truth, records, _ = scored
    shared = [story for story in truth if len(story["urls"]) > 1]
    assert shared, "the replica should publish some stories on two sites"
    by_url = {url: record for record in records for url in record["urls"]}
    for story in shared:
        record = by_url[story["urls"][0]]
        assert sorted(record["urls"]) == sorted(story["urls"])


MOJIBAKE = re.compile("\u00e2\u20ac|\u00c3[\u0080-\u00bf]|\ufffd|[\u0080-\u009f]")


def test_no_mojibake_and_the_encoding_is_recorded(scored):
    truth, records, _ = scored
    by_url = {url: record for record in records for url in record["urls"]}
    typeset = 0
    for story in truth:
        record = by_url[story["urls"][0]]
        for name, value in text_fields(record):
            assert not MOJIBAKE.search(value), (story["id"], name)
        typeset += "\u201c" in record["text"] or "\u2019" in record["text"]
        # iso-8859-1 labels are read as windows-1252 (its superset), as browsers do
        expected = {"iso-8859-1": "windows-1252"}.get(story["encoding"], story["encoding"])
        assert record["encoding"] == expected, story["id"]
    assert typeset > 10  # curly quotes survived decoding on many stories
