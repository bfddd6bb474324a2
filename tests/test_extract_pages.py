"""One page at a time: the seed story, pages that are not articles, other sites, drift."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

import pytest
from lxml import html

from crawler.extraction.article import (
    ARTICLE,
    FALLBACK,
    GENERIC,
    NOT_ARTICLE,
    extract_response,
)
from crawler.extraction.text import fragment_paragraphs
from mirror.network import Network
from mirror.stories import seed_story_data

SEED_URL = (
    "http://www.spacewar.com/reports/Russia_Wants_Joint_Analysis_Of_US_Missile_Shield_Plans"
    "_999.html"
)


@pytest.fixture(scope="module")
def network():
    return Network(seed=1, articles_per_site=40)


def fetch(network, url):
    host, _, path = url.removeprefix("http://").partition("/")
    resource = network.resolve(host, "/" + path)
    assert resource is not None, url
    return resource


def extract_url(network, url):
    resource = fetch(network, url)
    return extract_response(url, resource.status, list(resource.headers), resource.body)


def without_images(article: dict) -> dict:
    """The record without its photos, whose captions may be boilerplate of the text."""
    reports = [{k: v for k, v in r.items() if k != "images"} for r in article["related_reports"]]
    return {**{k: v for k, v in article.items() if k != "images"}, "related_reports": reports}


def test_seed_story_is_its_body_and_nothing_else(network):
    seed = seed_story_data()
    result = extract_url(network, SEED_URL)
    assert result.outcome == ARTICLE
    article = result.article
    assert article["text"] == "\n".join(seed["paragraphs"])
    assert "protect against attack" in article["text"]
    assert (article["title"], article["byline"], article["place"], article["agency"]) == (
        seed["title"], seed["byline"], seed["place"], seed["agency"])
    assert article["published"] == "2007-04-24"
    assert article["source"] == "Agence France-Presse"
    assert [r["title"] for r in article["related_reports"]] == [
        r["title"] for r in seed["related_reports"]]
    for got, want in zip(article["related_reports"], seed["related_reports"], strict=True):
        assert got["text"] == "\n".join(want["paragraphs"])
        assert (got["place"], got["agency"], got["published"]) == (
            want["place"], want["agency"], want["published"])
    [photo] = article["images"]
    assert photo["caption"] == seed["caption"]
    image = fetch(network, photo["url"])
    assert image.status == 200 and dict(image.headers)["Content-Type"].startswith("image/")
    record_text = json.dumps(without_images(article), ensure_ascii=False)
    sidebar = [h for lst in seed["sidebar_lists"] for h in lst if h != seed["title"]]
    assert len(sidebar) > 20
    leaks = [h for h in sidebar if h in record_text]
    assert not leaks
    for boilerplate in (seed["teaser"]["title"], seed["caption"], *seed["related_links"],
                        "earlier related report", "Email This Article", "Related Links",
                        "Subscribe to our free daily newsletters"):
        assert boilerplate not in record_text


@pytest.mark.parametrize(
    "url",
    [
        "http://www.spacewar.com/index.html",
        "http://www.spacewar.com/",
        "http://www.spacedaily.com/spacedaily.xml",
        "http://www.terradaily.com/robots.txt",
        "http://www.terradaily.com/css/terradaily.css",
        "http://spacewar.com/index.html",
    ],
)
def test_pages_that_are_not_articles(network, url):
    result = extract_url(network, url)
    assert result.outcome == NOT_ARTICLE
    assert result.article is None


def test_listing_pages_are_not_articles(network):
    home = fetch(network, "http://www.spacewar.com/index.html").body.decode("utf-8")
    listings = sorted({part.split('"')[0] for part in home.split('href="')[1:]
                       if "/archive/" in part.split('"')[0]})
    assert listings
    for link in listings[:5]:
        url = link if link.startswith("http") else "http://www.spacewar.com" + link
        assert extract_url(network, url).article is None, url


def test_error_answers_are_not_articles(network):
    page = fetch(network, SEED_URL)
    for status in (404, 500, 301, 304):
        result = extract_response(SEED_URL, status, list(page.headers), page.body)
        assert (result.outcome, result.article) == (NOT_ARTICLE, None)
        assert result.reason == f"status {status}"


def test_non_html_and_binary_labelled_html_are_not_articles(network):
    page = fetch(network, SEED_URL)
    pdf = extract_response(SEED_URL, 200, [("Content-Type", "application/pdf")], page.body)
    assert (pdf.outcome, pdf.reason) == (NOT_ARTICLE, "not HTML (application/pdf)")
    binary = fetch(network, "http://www.spacewar.com/faults/binary.html")
    result = extract_response(SEED_URL, 200, list(binary.headers), binary.body)
    assert (result.outcome, result.article) == (NOT_ARTICLE, None)


def test_broken_markup_does_not_crash_or_become_a_story(network):
    broken = fetch(network, "http://www.spacewar.com/faults/broken-markup.html")
    result = extract_response(SEED_URL, 200, list(broken.headers), broken.body)
    assert result.outcome != ARTICLE
    assert result.article is None or result.article["profile"] == "generic"
    empty = extract_response(SEED_URL, 200, [("Content-Type", "text/html")], b"")
    assert empty.article is None


def test_site_without_a_profile_gets_generic_trafilatura():
    paragraphs = [
        f"Paragraph {n} of a long report about the harbour, the weather and the boats "
        "that came in during the storm, told at some length so it reads as an article."
        for n in range(1, 7)
    ]
    page = (
        "<html lang='en'><head><title>Storm Hits The Harbour</title>"
        "<meta name='author' content='Jane Doe'>"
        "<meta property='article:published_time' content='2021-05-04'></head><body>"
        "<nav><ul><li><a href='/'>Home</a></li><li><a href='/sports'>Sports</a></li></ul></nav>"
        "<article><h1>Storm Hits The Harbour</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article><footer>Copyright Example Gazette, all rights reserved.</footer>"
        "</body></html>"
    )
    result = extract_response("https://news.example.org/2021/storm.html", 200,
                              [("Content-Type", "text/html; charset=utf-8")], page.encode())
    assert result.outcome == GENERIC
    article = result.article
    assert article["profile"] == "generic"
    assert article["title"] == "Storm Hits The Harbour"
    assert article["published"] == "2021-05-04"
    assert all(p in article["text"] for p in paragraphs)
    assert "Copyright Example Gazette" not in article["text"]
    assert article["encoding"] == "utf-8"
    assert article["language"] == "en"


def test_redesigned_page_on_an_article_url_is_drift(network):
    """A page whose layout the profile does not know falls back to generic extraction."""
    body = (
        "<html><head><title>New Look Story</title></head><body><main><article>"
        "<header><h2>New Look Story</h2><time datetime='2026-01-02'>2 January 2026</time>"
        "</header>"
        + "".join(f"<p>Sentence number {n} of the redesigned story body, long enough to "
                  "count as the main text of the page for a generic extractor.</p>"
                  for n in range(8))
        + "</article></main></body></html>"
    )
    result = extract_response("http://www.spacedaily.com/reports/New_Look_Story_999.html", 200,
                              [("Content-Type", "text/html; charset=utf-8")], body.encode())
    assert result.outcome == FALLBACK
    assert result.article["profile"] == "generic"
    assert "Sentence number 3" in result.article["text"]


UNSEEN_VARIANTS = {
    # div soup with made-up class names; byline after the dateline in <em>; marker as <h3>
    "divs": (
        "<html><head><title>Probe Finds Water Ice | Example</title></head><body>"
        "<div class='top'><a href='/'>Home</a> | <a href='/x'>Launchers</a></div>"
        "<div class='wrap'><div class='lead-title'>Probe Finds Water Ice</div>"
        "<div class='ph'><img src='a.jpg'><div>Ice seen from orbit. Photo courtesy ESA.</div></div>"
        "<div class='when'>Darmstadt, Germany (SPX) Feb 03, 2012</div><em>by Jo Bloggs</em>"
        "<div class='txt'><div>The probe found water ice near the pole, the team said.</div>"
        "<div>Scientists had expected less of it.</div>"
        "<h3>Earlier Related Report</h3><div><strong>Orbiter moves closer</strong></div>"
        "<div>Paris (AFP) Feb 2 - The orbiter moved closer on Thursday.</div>"
        "<div>It will stay there.</div>"
        "<div><strong>Source:</strong> Agence France-Presse</div></div>"
        "<div class='more'><b>Related Links</b><br><a href='/'>More about ice at</a></div>"
        "</div><div class='side'><ul><li><a href='/1'>Other Headline One</a></li></ul></div>"
        "</body></html>"
    ),
    # headline in <font><b>, unclosed paragraphs, no source line, story ends at Related Links
    "fonts": (
        "<html><head><title>Probe Finds Water Ice</title></head><body><table><tr>"
        "<td><a href='/'>Navigation Link</a></td><td>"
        "<font size=4><b>Probe Finds Water Ice</b></font><br>"
        "<font size=1>by Jo Bloggs</font><br><font size=1>(UPI) Feb 3, 2012</font><p>"
        "The probe found water ice near the pole, the team said.<p>"
        "Scientists had expected less of it.<p><i>earlier related report</i><br>"
        "<b>Orbiter moves closer</b><br>Paris (AFP) Feb 2 - The orbiter moved closer on"
        " Thursday.<p>It will stay there.<p><b>Related Links</b><br>"
        "<a href='/'>More about ice at</a></td><td>&#149; <a href='/1'>Other Headline One</a>"
        "</td></tr></table></body></html>"
    ),
    # a news ticker with its own headline and dateline above the story; full-dateline
    # related report after a bare "related report" line
    "ticker": (
        "<!DOCTYPE html><html lang='en'><head><meta property='og:title' "
        "content='Probe Finds Water Ice'><title>Probe Finds Water Ice</title></head><body>"
        "<div class='ticker'><b>Other Headline One</b><br>"
        "<span>Moscow (RIA Novosti) Feb 01, 2012</span></div>"
        "<section><h1>Probe Finds Water Ice<br></h1><p class='x'>by Jo Bloggs</p>"
        "<p class='d'>(SPX) Feb 03, 2012</p>"
        "<p>The probe found water ice near the pole, the team said.</p>"
        "<aside><iframe src='about:blank'></iframe></aside>"
        "<p>Scientists had expected less of it.</p>"
        "<p>Related Report</p><h2>Orbiter moves closer</h2>"
        "<p>Paris (AFP) Feb 02, 2012</p><p>The orbiter moved closer on Thursday.</p>"
        "<p>It will stay there.</p><p>Email This Article</p>"
        "<ul><li><a href='/'>More about ice at</a></li></ul></section></body></html>"
    ),
    # byline and dateline as bare lines of text between line breaks
    "bare": (
        "<html><head><title>Probe Finds Water Ice</title></head><body><table><tr><td>"
        "<a href='/'>Navigation Link</a></td><td><b>Probe Finds Water Ice</b><br><br>"
        "<img src='a.jpg'><br><i>Photo courtesy ESA.</i><br>"
        "<span>by Jo Bloggs</span><br>(UPI) Feb 3, 2012<br>"
        "The probe found water ice near the pole, the team said.<br><br>"
        "Scientists had expected less of it.<br><br><b>earlier related report</b><br>"
        "<b>Orbiter moves closer</b><br>Paris (AFP) Feb 2 - The orbiter moved closer on"
        " Thursday.<br><br>It will stay there.<br><br>Source: Agence France-Presse<br>"
        "<a href='mailto:'>Email This Article</a><br><b>Related Links</b><br>"
        "<a href='/'>More about ice at</a></td><td>&#149; <a href='/1'>Other Headline One</a>"
        "</td></tr></table></body></html>"
    ),
}


@pytest.mark.parametrize("variant", sorted(UNSEEN_VARIANTS))
def test_layout_variants_the_profile_was_not_written_against(variant):
    url = "http://www.spacedaily.com/reports/Probe_Finds_Water_Ice_999.html"
    result = extract_response(
        url, 200,
        [("Content-Type", "text/html; charset=utf-8")], UNSEEN_VARIANTS[variant].encode())
    assert result.outcome == ARTICLE, result
    article = result.article
    assert article["title"] == "Probe Finds Water Ice"
    assert article["byline"] == "Jo Bloggs"
    assert article["published"] == "2012-02-03"
    assert article["text"] == ("The probe found water ice near the pole, the team said.\n"
                               "Scientists had expected less of it.")
    [report] = article["related_reports"]
    assert report == {"title": "Orbiter moves closer", "place": "Paris", "agency": "AFP",
                      "published": "2012-02-02", "source": None,
                      "text": "The orbiter moved closer on Thursday.\nIt will stay there.",
                      "images": []}
    photos = [(image["url"], image["caption"]) for image in article["images"]]
    page_photos = re.findall(r"<img src='([^']+)'><(?:br><i|div)>([^<]+)<",
                             UNSEEN_VARIANTS[variant])
    assert photos == [(urljoin(url, src), caption) for src, caption in page_photos]
    record_text = json.dumps(without_images(article))
    for boilerplate in ("Photo courtesy", "Other Headline One", "More about ice", "Navigation"):
        assert boilerplate not in record_text


def test_a_spacer_takes_no_text_with_it_and_a_linked_icon_takes_its_button():
    """An unlinked spacer or bullet inside a paragraph goes alone; a linked icon is a
    button ("Print this article") and goes with its line. Neither is a photo."""
    page = (b"<html><head><title>Probe Finds Water Ice</title></head><body><table><tr><td>"
            b"<b>Probe Finds Water Ice</b><br><span>by Jo Bloggs</span><br>"
            b"<b>Paris (AFP) Feb 3, 2012</b><br>"
            b"<p>The probe found water ice near the pole, the team said.</p>"
            b"<p><a href='/print.php?id=3'><img src='/images/print.gif' width=16 height=16>"
            b" Print this article</a></p>"
            b"<p>Scientists had <img src='/images/dot.gif' width=1 height=1>expected less.</p>"
            b"<p>Source: Agence France-Presse</p></td></tr></table></body></html>")
    result = extract_response("http://www.spacedaily.com/reports/Probe_Finds_Water_Ice_999.html",
                              200, [("Content-Type", "text/html")], page)
    assert result.article["text"] == ("The probe found water ice near the pole, the team said.\n"
                                      "Scientists had expected less.")
    assert result.article["images"] == []


PHOTO_PAGE = ("<html><head><title>Probe Finds Water Ice</title></head><body><table><tr><td>"
              "<b>Probe Finds Water Ice</b><br><span>by Jo Bloggs</span><br>"
              "<b>Paris (AFP) Feb 3, 2012</b><br>"
              "<p>The probe found water ice near the pole, the team said.</p>{above}"
              "<center><img src='/images-lg/ice-lg.jpg' width=500 height=300></center>"
              "<p>More results are expected next year.</p></td></tr></table></body></html>")


@pytest.mark.parametrize(("above", "caption"), [
    # a line set apart as a caption, by a class of its own or one naming it so
    ("<p><span class='PC'>The ice field seen from orbit.</span></p>",
     "The ice field seen from orbit."),
    ("<p class='photo-caption'>The ice field seen from orbit.</p>",
     "The ice field seen from orbit."),
    # set like the paragraph before it, in italics (an editor's note), or plain: text
    ("<p><span class='PC'>The ice field seen from orbit.</span></p>".replace(
        "<p>", "<p><span class='PC'>The team said so on Monday.</span></p><p>", 1), None),
    ("<p><i>The ice field seen from orbit.</i></p>", None),
    ("<p>The ice field seen from orbit.</p>", None),
])
def test_a_caption_above_its_photo_is_one_only_when_set_apart_from_the_text(above, caption):
    page = PHOTO_PAGE.format(above=above).encode()
    result = extract_response("http://www.spacedaily.com/reports/Probe_Finds_Water_Ice_999.html",
                              200, [("Content-Type", "text/html")], page)
    assert result.article["images"] == [
        {"url": "http://www.spacedaily.com/images-lg/ice-lg.jpg", "caption": caption}]
    assert ("The ice field seen from orbit." in result.article["text"]) == (caption is None)


@pytest.mark.parametrize("under_the_headline", [False, True])
def test_photos_side_by_side_each_get_the_caption_below_them_and_the_shared_credit(
        under_the_headline):
    grid = ("<table><tr><td><img src='/images-lg/a-lg.jpg' width=300 height=200></td>"
            "<td><img src='/images-lg/b-lg.jpg' width=300 height=200></td></tr>"
            "<tr><td>Before the storm.</td><td>After the storm.</td></tr></table>"
            "<div>Images: NASA</div>")
    page = PHOTO_PAGE.format(above="").replace(
        "<center><img src='/images-lg/ice-lg.jpg' width=500 height=300></center>", "")
    if under_the_headline:
        page = page.replace("<b>Probe Finds Water Ice</b><br>", "<b>Probe Finds Water Ice</b>"
                            + grid)
    else:
        page = page.replace("<p>More results", grid + "<p>More results")
    result = extract_response("http://www.spacedaily.com/reports/Probe_Finds_Water_Ice_999.html",
                              200, [("Content-Type", "text/html")], page.encode())
    assert result.article["images"] == [
        {"url": "http://www.spacedaily.com/images-lg/a-lg.jpg",
         "caption": "Before the storm. Images: NASA"},
        {"url": "http://www.spacedaily.com/images-lg/b-lg.jpg",
         "caption": "After the storm. Images: NASA"}]
    assert result.article["text"] == ("The probe found water ice near the pole, the team said.\n"
                                      "More results are expected next year.")


@pytest.mark.parametrize(("line", "byline"), [
    ("by Caroline Ashby, UPI Pentagon Correspondent", "Caroline Ashby"),
    ("by Hiroshi Tanabe / Tokyo Correspondent", "Hiroshi Tanabe"),
    ("By Lena Fischer, Omar Haddad and Priya Nair", "Lena Fischer, Omar Haddad and Priya Nair"),
    ("by Jo Bloggs, Science and Technology Editor", "Jo Bloggs"),
    ("by Jo Bloggs and Al Smith", "Jo Bloggs and Al Smith"),
])
def test_a_bylines_names_without_the_role_after_them(line, byline):
    page = PHOTO_PAGE.format(above="").replace("<span>by Jo Bloggs</span>",
                                               f"<span>{line}</span>")
    result = extract_response("http://www.spacedaily.com/reports/Probe_Finds_Water_Ice_999.html",
                              200, [("Content-Type", "text/html")], page.encode())
    assert result.article["byline"] == byline


def test_an_update_time_a_toolbar_and_an_embedded_posts_signature_are_no_text():
    """An "Updated:" line and a toolbar ending in "Email this article" between the
    dateline and the body-start comment end nothing; a post embedded in a blockquote
    keeps its text (the story quotes it) but not its "— Name (@handle) date" line."""
    page = PHOTO_PAGE.format(above="").replace(
        "<b>Paris (AFP) Feb 3, 2012</b><br>",
        "<b>Paris (AFP) Feb 3, 2012</b><br><span>Updated: Feb 4 2012</span>"
        "<div><span>3 min read</span> &middot; <a href='#'>Share</a> &middot; "
        "<a href='mailto:?subject=Probe'>Email this article</a></div>"
        "<!--body-2-incontainer.php-->").replace(
        "<p>More results", "<blockquote class='twitter-tweet'><p>We found ice!</p>&mdash; "
        "Probe Team (@probe) <a href='https://twitter.com/probe/status/1'>Feb 3, 2012</a>"
        "</blockquote><p>More results")
    result = extract_response("http://www.spacedaily.com/reports/Probe_Finds_Water_Ice_999.html",
                              200, [("Content-Type", "text/html")], page.encode())
    assert result.article["text"] == ("The probe found water ice near the pole, the team said.\n"
                                      "We found ice!\nMore results are expected next year.")
    assert result.article["published"] == "2012-02-03"


def test_a_paragraph_broken_mid_sentence_is_one_but_list_items_stay_apart():
    fragment = html.fragment_fromstring(
        "<div><p>" + "The probe, launched in 2019 after a decade of delays and two changes of"
        " launcher, will now spend three more years circling the planet and mapping" + "</p>"
        "<p>its polar ice, the agency said.</p><p>Its instruments:</p>"
        "<ul><li>a radar sounder</li><li>two cameras</li></ul></div>")
    assert fragment_paragraphs(fragment) == [
        "The probe, launched in 2019 after a decade of delays and two changes of launcher,"
        " will now spend three more years circling the planet and mapping its polar ice,"
        " the agency said.",
        "Its instruments:", "a radar sounder", "two cameras"]


def test_hard_wrapped_source_lines_are_spaces_but_preformatted_lines_stay():
    """A line end in the source is a space, as a browser shows it, also in a paragraph
    whose breaks are `<br><br>` (trafilatura keeps the line ends there); `<pre>` keeps
    its lines."""
    fragment = html.fragment_fromstring(
        "<div><font><p>The probe separated from the\nlauncher after 42 minutes.<br>\n<br>"
        "It will take\n   16 months to reach the Moon.</p>"
        "<pre>Stage  Time\nLiftoff  0:00</pre></font></div>")
    assert fragment_paragraphs(fragment) == [
        "The probe separated from the launcher after 42 minutes.",
        "It will take 16 months to reach the Moon.",
        "Stage Time", "Liftoff 0:00"]
