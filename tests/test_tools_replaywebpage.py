"""Replay in ReplayWeb.page: the WACZ `news-archive package` makes, opened as a reader
opens it, in a real headless Chromium.

`make test` installs Debian's Chromium, Playwright for Python (it drives that Chromium;
no browser download) and ReplayWeb.page's own `ui.js` and `sw.js` from its npm package
(`make .replaywebpage/package/sw.js`). A page embedding `<replay-web-page>` and the WACZ
are served on 127.0.0.1 by a static server that answers Range requests, as ReplayWeb.page
reads a WACZ by ranges. Chromium resolves no host but loopback, so nothing can reach the
live sites: every archived page, image and stylesheet must come out of the WACZ.

Playwright's request interception is not used: it keeps the service worker from serving
the replay frame. Requests are only watched.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Frame, Page, sync_playwright

from archive.reader import read_record
from tests.tools_fixtures import CrawledArchive, shared_crawl, tool  # noqa: F401

REPO = Path(__file__).resolve().parent.parent
REPLAYWEBPAGE = REPO / ".replaywebpage" / "package"
CHROMIUM = "/usr/bin/chromium"
LOOPBACK = {"127.0.0.1", "localhost"}
TIMEOUT_MS = 45_000
STORIES = 6

EMBED = """<!doctype html>
<html><head><meta charset="utf-8"><script src="/ui.js"></script>
<style>html, body, replay-web-page {display: block; margin: 0; height: 100%}</style>
</head><body><script>
const query = new URLSearchParams(location.search);
const embed = document.createElement("replay-web-page");
embed.setAttribute("source", "/archive.wacz");
embed.setAttribute("replayBase", "/replay/");
for (const name of ["url", "ts", "view"]) {
  if (query.get(name)) embed.setAttribute(name, query.get(name));
}
document.body.appendChild(embed);
</script></body></html>
"""

#: What the replayed page shows: its text, each image (loaded: a natural width), each
#: stylesheet (loaded, with rules) and how many elements lose their style without them.
PROBE = r"""
async () => {
  const images = Array.from(document.images);
  const started = Date.now();
  while (images.some(image => !image.complete) && Date.now() - started < 10000) {
    await new Promise(resolve => setTimeout(resolve, 200));
  }
  const sheets = Array.from(document.querySelectorAll('link[rel~="stylesheet"]'));
  const elements = Array.from(document.querySelectorAll("body *")).slice(0, 400);
  const styles = () => elements.map(e => {
    const style = getComputedStyle(e);
    return [style.color, style.fontSize, style.fontWeight, style.backgroundColor].join();
  });
  const styled = styles();
  sheets.forEach(link => link.sheet && (link.sheet.disabled = true));
  const unstyled = styles();
  sheets.forEach(link => link.sheet && (link.sheet.disabled = false));
  return {
    text: document.body.innerText.replace(/\s+/g, " "),
    images: images.map(image => ({src: image.currentSrc || image.src,
                                  width: image.naturalWidth})),
    sheets: sheets.map(link => ({href: link.href,
                                 rules: link.sheet ? link.sheet.cssRules.length : 0})),
    restyled: styled.filter((value, i) => value !== unstyled[i]).length,
  };
}
"""

#: ReplayWeb.page's page list (in shadow DOMs): the count it shows and its entries.
PAGE_LIST = r"""
() => {
  const find = root => {
    for (const element of root.querySelectorAll("*")) {
      if (element.localName === "wr-page-view") return element;
      const inner = element.shadowRoot && find(element.shadowRoot);
      if (inner) return inner;
    }
    return null;
  };
  const view = find(document);
  if (!view || !view.shadowRoot) return null;
  const text = node => (node.textContent || "").replace(/\s+/g, " ").trim();
  const count = text(view.shadowRoot).match(/(?:[\d,]+ of )?([\d,]+) pages?\b/);
  return {count: count ? count[0] : "", total: count ? Number(count[1].replace(/,/g, "")) : 0,
          entries: Array.from(view.shadowRoot.querySelectorAll("wr-page-entry"))
                        .map(entry => text(entry.shadowRoot || entry))};
}
"""

#: The app runs: the service worker serves its frame, which shows ReplayWeb.page.
APP_READY = ('() => !!navigator.serviceWorker.controller'
             ' && !!document.querySelector("replay-app-main")')


class _RangeRequestHandler(SimpleHTTPRequestHandler):
    """Static files with single byte ranges (``bytes=a-b``, ``a-``, ``-n``)."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map,
                      ".js": "application/javascript", ".wacz": "application/wacz+zip"}

    def log_message(self, format, *args) -> None:
        pass

    def send_head(self):
        ranged = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        path = Path(self.translate_path(self.path))
        if not ranged or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        first, last = ranged.groups()
        start = int(first) if first else max(0, size - int(last or 0))
        end = min(int(last), size - 1) if first and last else size - 1
        if start > end:
            self.send_error(416)
            return None
        body = path.open("rb")
        body.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        self.range_left = end - start + 1
        return body

    def copyfile(self, source, outputfile) -> None:
        left = getattr(self, "range_left", None)
        if left is None:
            return super().copyfile(source, outputfile)
        while left > 0 and (chunk := source.read(min(65536, left))):
            outputfile.write(chunk)
            left -= len(chunk)
        return None


@dataclass
class Reader:
    """A Chromium tab on the embedding page, and every URL its pages and workers asked for."""

    page: Page
    base: str
    requested: list[str] = field(default_factory=list)

    def open(self, **query: str) -> None:
        self.page.goto(f"{self.base}/index.html?{urlencode(query)}", wait_until="load")
        if not self._app_ready():  # the service worker was not serving yet: once more
            self.page.reload(wait_until="load")
            assert self._app_ready(), "ReplayWeb.page did not start"

    def replay_frame(self, url: str) -> Frame:
        """The frame replaying ``url``: ``/replay/w/<collection>/<ts>mp_/<url>``."""
        pattern = re.compile(r"/replay/w/.+?/\d{0,14}mp_/" + re.escape(url) + r"(?:[?#]|$)")
        return self._frame(lambda frame_url: bool(pattern.search(frame_url)), url)

    def app_frame(self) -> Frame:
        return self._frame(lambda url: "/replay/?" in url and "source=" in url, "the app")

    def _frame(self, wanted, what: str) -> Frame:
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while time.monotonic() < deadline:
            found = next((frame for frame in self.page.frames if wanted(frame.url)), None)
            if found is not None:
                return found
            self.page.wait_for_timeout(250)
        raise AssertionError(f"no frame for {what}: {[f.url for f in self.page.frames]}")

    def _app_ready(self) -> bool:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            for frame in self.page.frames:
                if "/replay/?" in frame.url and _evaluates_true(frame, APP_READY):
                    return True
            self.page.wait_for_timeout(250)
        return False


def _evaluates_true(frame: Frame, script: str) -> bool:
    try:
        return bool(frame.evaluate(script))
    except Exception:  # the frame navigated away meanwhile  # noqa: BLE001
        return False


@pytest.fixture(scope="module")
def wacz(shared_crawl, tmp_path_factory) -> Path:  # noqa: F811
    output = tmp_path_factory.mktemp("rwp") / "archive.wacz"
    packaged = tool("package", shared_crawl.root, "-o", output)
    assert packaged.returncode == 0, packaged.stderr
    return output


@pytest.fixture(scope="module")
def pages(wacz) -> list[dict]:
    """The WACZ's pages.jsonl entries (its header line left out)."""
    with zipfile.ZipFile(wacz) as archive:
        lines = archive.read("pages/pages.jsonl").decode("utf-8").splitlines()
    return [entry for entry in map(json.loads, lines[1:])]


@pytest.fixture(scope="module")
def site(wacz, tmp_path_factory) -> Iterator[str]:
    """The embedding page, ReplayWeb.page and the WACZ, served on 127.0.0.1."""
    root = tmp_path_factory.mktemp("rwp-site")
    (root / "replay").mkdir()
    for target in ("ui.js", "replay/ui.js", "replay/sw.js"):
        shutil.copy(REPLAYWEBPAGE / Path(target).name, root / target)
    shutil.copy(wacz, root / "archive.wacz")
    (root / "index.html").write_text(EMBED)
    handler = type("Handler", (_RangeRequestHandler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), lambda *a: handler(*a, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def reader(site) -> Iterator[Reader]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox",  # as root
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
        ])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        reader = Reader(page, site)
        context.on("request", lambda request: reader.requested.append(request.url))
        reader.open(view="pages")
        yield reader
        browser.close()


def stories_across_sites(pages: list[dict], count: int) -> list[dict]:
    by_site: dict[str, list[dict]] = {}
    for page in pages:
        by_site.setdefault(urlsplit(page["url"]).hostname, []).append(page)
    picked = [story for stories in by_site.values() for story in stories[:2]]
    return picked[:count]


def test_stories_replay_with_their_text_images_and_stylesheets(reader, pages):
    """Every story shows its headline, every image of it loads and its stylesheet applies,
    with nothing fetched from anywhere but 127.0.0.1."""
    stories = stories_across_sites(pages, STORIES)
    assert len({urlsplit(story["url"]).hostname for story in stories}) >= 3
    for story in stories:
        reader.open(url=story["url"])
        frame = reader.replay_frame(story["url"])
        frame.wait_for_function("title => document.body.innerText.replace(/\\s+/g, ' ')"
                                ".includes(title)", arg=story["title"])
        shown = frame.evaluate(PROBE)
        assert story["title"] in shown["text"], story["url"]
        assert shown["images"], story["url"]
        assert [image["src"] for image in shown["images"] if not image["width"]] == [], story
        assert shown["sheets"] and all(sheet["rules"] for sheet in shown["sheets"]), shown
        assert shown["restyled"] > 0, story["url"]
    assert [url for url in reader.requested
            if urlsplit(url).scheme in ("http", "https")
            and urlsplit(url).hostname not in LOOPBACK] == []


def test_a_phone_sized_window_gets_the_small_photo_of_a_srcset_from_the_archive(
    reader, shared_crawl  # noqa: F811
):
    """A narrow window picks the small size a ``srcset`` offers: the crawl archived it
    too, so the photo loads on a phone as on a desktop."""
    story = next(article for article in shared_crawl.articles()
                 if b" srcset=" in _archived_page(shared_crawl, article))
    reader.page.set_viewport_size({"width": 390, "height": 844})
    try:
        reader.open(url=story["url"])
        frame = reader.replay_frame(story["url"])
        frame.wait_for_function("title => document.body.innerText.includes(title)",
                                arg=story["title"])
        shown = frame.evaluate(PROBE)
    finally:
        reader.page.set_viewport_size({"width": 1280, "height": 900})
    small = [image for image in shown["images"] if "/images-sm/" in image["src"]]
    assert small and all(image["width"] for image in small), shown["images"]


def _archived_page(archive: CrawledArchive, article: dict) -> bytes:
    pointer = article["warc"]
    record = read_record(archive.root / "warc" / pointer["filename"], pointer["offset"])
    return record.read_content()


def test_the_page_list_holds_every_story_and_its_search_finds_one(reader, pages):
    reader.open(view="pages")
    app = reader.app_frame()
    app.wait_for_function(f"() => ({PAGE_LIST})()?.entries.length > 0")
    listed = app.evaluate(PAGE_LIST)
    assert listed["total"] == len(pages), listed["count"]
    wanted = pages[len(pages) // 2]
    app.locator('wr-page-view input[placeholder^="Search"]').fill(wanted["title"])
    app.wait_for_function(f"count => ({PAGE_LIST})()?.count !== count", arg=listed["count"])
    found = app.evaluate(PAGE_LIST)
    assert wanted["title"] in found["entries"][0] and wanted["url"] in found["entries"][0]


def test_a_page_the_archive_does_not_hold_is_reported_missing(reader, pages):
    missing = pages[0]["url"].rsplit("/", 1)[0] + "/Never_Archived_Story_999.html"
    reader.open(url=missing)
    frame = reader.replay_frame(missing)
    frame.wait_for_function("() => document.body.innerText.includes('Not Found')")
    assert pages[0]["title"] not in frame.evaluate("document.body.innerText")
