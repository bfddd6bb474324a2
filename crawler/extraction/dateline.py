"""Datelines of the network's stories: "Paris, France (SPX) Mar 17, 2025" to fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from crawler.sites import spacedaily

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Dateline:
    place: str | None
    agency: str | None
    published: str | None  # ISO date, None when the month/day make no date
    byline: str | None = None  # a byline on the dateline's own line ("by X / Paris ...")


def parse_dateline(line: str) -> Dateline | None:
    """A whole dateline line (with its year), or None if ``line`` is not one."""
    match = spacedaily.DATELINE.match(_usual_date_order(_SPACES.sub(" ", line)))
    return _from_match(match, None) if match else None


def _usual_date_order(line: str) -> str:
    """"Friday, March 14, 2025" and "14 March 2025" as "March 14, 2025"."""
    line = spacedaily.WEEKDAY_BEFORE_DATE.sub("", line)

    def month_first(match: re.Match[str]) -> str:
        if match["month"].lower() not in spacedaily.MONTHS:
            return match[0]
        return f"{match['month']} {match['day']}, {match['year']}"

    return spacedaily.DAY_MONTH_YEAR.sub(month_first, line)


def split_inline_dateline(
    paragraph: str, default_year: int | None
) -> tuple[Dateline | None, str]:
    """Split "Warsaw (AFP) April 24 - text" (or "WARSAW, April 24 (AFP) -- text") into the
    dateline and the text.

    A dateline without a year takes ``default_year`` (the main story's); :func:`infer_year`
    then moves it back one year if that puts the report after the story (a December
    report quoted by a January story).
    """
    match = match_inline_dateline(paragraph)
    if not match:
        return None, paragraph
    return _from_match(match, default_year), paragraph[match.end():]


def match_inline_dateline(paragraph: str) -> re.Match[str] | None:
    """The dateline opening ``paragraph``, in any of its forms."""
    for form in spacedaily.INLINE_DATELINES:
        if match := form.match(paragraph):
            return match
    return None


def _from_match(match: re.Match[str], default_year: int | None) -> Dateline:
    groups = match.groupdict()
    place = _clean(groups.get("place"))
    agency = _clean(groups["agency"]) or ""
    month = spacedaily.MONTHS.get(groups["month"].lower().rstrip("."))
    year = int(groups["year"]) if groups.get("year") else default_year
    return Dateline(place=place, agency=agency, published=_iso(year, month, groups["day"]),
                    byline=_clean(groups.get("byline")))


def infer_year(report: Dateline, story_published: str | None) -> Dateline:
    """Move a year-less inline dateline that lands after the story back one year."""
    if not (report.published and story_published and report.published > story_published):
        return report
    year, rest = report.published[:4], report.published[4:]
    return Dateline(report.place, report.agency, _iso_text(int(year) - 1, rest))


def _iso(year: int | None, month: int | None, day: str) -> str | None:
    if year is None or month is None:
        return None
    try:
        return date(year, month, int(day)).isoformat()
    except ValueError:
        return None


def _iso_text(year: int, rest: str) -> str | None:
    try:
        return date.fromisoformat(f"{year:04d}{rest}").isoformat()
    except ValueError:
        return None


def _clean(value: str | None) -> str | None:
    value = _SPACES.sub(" ", value or "").strip(" ,;:-")
    return value or None
