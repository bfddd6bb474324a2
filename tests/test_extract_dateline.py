"""The network's dateline grammar, every form it prints."""

from __future__ import annotations

import pytest

from crawler.extraction.dateline import infer_year, parse_dateline, split_inline_dateline


@pytest.mark.parametrize(
    ("line", "place", "agency", "published"),
    [
        ("Luxembourg (AFP) April 24, 2007", "Luxembourg", "AFP", "2007-04-24"),
        ("(UPI) Apr 2, 2013", None, "UPI", "2013-04-02"),
        ("(SPX) Apr 04, 2013", None, "SPX", "2013-04-04"),
        ("Paris, France (SPX) Mar 17, 2025", "Paris, France", "SPX", "2025-03-17"),
        ("Moscow (RIA Novosti) Apr 25, 2007", "Moscow", "RIA Novosti", "2007-04-25"),
        ("(AFP) April 03, 2013", None, "AFP", "2013-04-03"),
        ("  Cape Canaveral, Fla.  (UPI)\n Sept. 9, 2011 ", "Cape Canaveral, Fla.", "UPI",
         "2011-09-09"),
        ("Frascati, Italy (ESA) 17 March 2025", "Frascati, Italy", "ESA", "2025-03-17"),
        ("Rome (ESA) Friday, March 14, 2025", "Rome", "ESA", "2025-03-14"),
    ],
)
def test_story_datelines(line, place, agency, published):
    dateline = parse_dateline(line)
    assert dateline is not None
    assert (dateline.place, dateline.agency, dateline.published) == (place, agency, published)


@pytest.mark.parametrize(
    ("line", "byline", "place"),
    [
        ("by Staff Writers / Paris (ESA) Nov 12, 2010", "Staff Writers", "Paris"),
        ("by Morris Jones, Sydney, Australia (SPX) Jan 3, 2013", "Morris Jones",
         "Sydney, Australia"),
        ("By Leonard David, Boulder CO (SPX) May 02, 2018", "Leonard David", "Boulder CO"),
    ],
)
def test_a_byline_on_the_datelines_line(line, byline, place):
    dateline = parse_dateline(line)
    assert dateline is not None
    assert (dateline.byline, dateline.place) == (byline, place)


@pytest.mark.parametrize(
    "line",
    ["by Staff Writers", "Related Links", "Washington (AFP) said on Tuesday", "(AFP) Foo 31, 2007",
     "Luxembourg (AFP) April 24 - the text goes on"],
)
def test_not_datelines(line):
    dateline = parse_dateline(line)
    assert dateline is None or dateline.published is None


def test_inline_dateline_takes_the_story_year():
    dateline, text = split_inline_dateline("Warsaw (AFP) April 24 - Washington is open.", 2007)
    assert (dateline.place, dateline.agency, dateline.published) == ("Warsaw", "AFP", "2007-04-24")
    assert text == "Washington is open."


def test_inline_dateline_en_dash_and_explicit_year():
    dateline, text = split_inline_dateline("(UPI) Dec 31, 2012 \u2013 Text.", 2013)
    assert dateline.published == "2012-12-31"
    assert text == "Text."


def test_report_across_new_year_moves_back_a_year():
    dateline, _ = split_inline_dateline("Oslo (AFP) December 31 - Text.", 2008)
    assert infer_year(dateline, "2008-01-01").published == "2007-12-31"
    assert infer_year(dateline, "2008-12-31").published == "2008-12-31"


def test_paragraph_without_dateline_is_left_alone():
    dateline, text = split_inline_dateline("Gates said (on Tuesday) April 24 was fine.", 2007)
    assert dateline is None
    assert text == "Gates said (on Tuesday) April 24 was fine."
