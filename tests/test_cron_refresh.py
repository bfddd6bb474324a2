"""When an archived URL is due to be fetched again (crawler.refresh): the adaptive wait
by default, a fixed wait, or never."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from scrapy.settings import Settings

from archive.state import UrlState
from crawler.refresh import RefreshPolicy
from crawler.settings import REFRESH_AFTER_DAYS

FETCHED = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
ADAPTIVE = RefreshPolicy()


def story(url: str = "http://www.spacewar.com/reports/A_999.html", *,
          modified: timedelta | None = None, recorded: timedelta = timedelta(0)) -> UrlState:
    """A story fetched at FETCHED whose content was last modified ``modified`` before
    (its Last-Modified; None: no header) and first held by a record ``recorded`` before."""
    return UrlState(
        url=url, fetched_at=FETCHED, status=200,
        last_modified=format_datetime(FETCHED - modified, usegmt=True) if modified else None,
        record_date=FETCHED - recorded,
    )


def due_after(policy: RefreshPolicy, state: UrlState, days: float, kind: str = "story") -> bool:
    return policy.is_due(state, kind, FETCHED + timedelta(days=days))


def test_a_story_edited_lately_is_checked_again_the_next_day_or_the_one_after():
    fresh = story(modified=timedelta(days=2))
    assert not due_after(ADAPTIVE, fresh, 0.9)
    assert due_after(ADAPTIVE, fresh, 1.5)


def test_the_wait_is_a_tenth_of_the_time_unchanged():
    year_old = story(modified=timedelta(days=1000))
    assert not due_after(ADAPTIVE, year_old, 99)
    assert due_after(ADAPTIVE, year_old, 151)


def test_the_wait_is_capped():
    ancient = story(modified=timedelta(days=20 * 365))
    assert not due_after(ADAPTIVE, ancient, 179)
    assert due_after(ADAPTIVE, ancient, 271)


def test_without_last_modified_the_record_date_counts():
    assert not due_after(ADAPTIVE, story(recorded=timedelta(days=1000)), 99)
    assert due_after(ADAPTIVE, story(recorded=timedelta(days=3)), 1.6)
    bad_header = UrlState(url="http://x/", fetched_at=FETCHED, status=200,
                          last_modified="yesterday", record_date=FETCHED)
    assert due_after(ADAPTIVE, bad_header, 1.6)


def test_stories_archived_together_fall_due_on_different_days():
    states = [story(f"http://www.spacewar.com/reports/S{i}_999.html",
                    modified=timedelta(days=1)) for i in range(200)]
    waits = [ADAPTIVE.wait(state) / timedelta(days=1) for state in states]
    assert min(waits) >= 1 and max(waits) < 1.5
    assert sum(wait < 1.25 for wait in waits) in range(60, 141)  # spread, not bunched


def test_requisites_are_not_fetched_again_unless_the_wait_is_fixed():
    image = story("http://www.spxdaily.com/images-lg/a.jpg", modified=timedelta(days=1))
    assert not due_after(ADAPTIVE, image, 400, kind="requisite")
    fixed = RefreshPolicy.from_settings(Settings({"REFRESH_AFTER_DAYS": 3}))
    assert due_after(fixed, image, 3, kind="requisite")
    assert not due_after(fixed, story(modified=timedelta(days=1)), 2.9)


@pytest.mark.parametrize(("value", "due_at_once", "due_ever"), [
    (REFRESH_AFTER_DAYS, False, True),  # the default: adaptive
    (0, True, True),
    ("inf", False, False),
])
def test_the_setting(value, due_at_once, due_ever):
    policy = RefreshPolicy.from_settings(Settings({"REFRESH_AFTER_DAYS": value}))
    assert due_after(policy, story(), 0) == due_at_once
    assert due_after(policy, story(), 10_000) == due_ever
