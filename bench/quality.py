"""Extraction quality against the replica's ground truth.

    python bench/quality.py --jsonl OUT/jsonl/RUN.jsonl [--truth TRUTH.jsonl | mirror options]
    python bench/quality.py --warc OUT/warc/*.warc.gz [...]
    python bench/quality.py --render [--seed S --articles-per-site N --epoch E]

Prints, overall and per layout variant: mean and minimum 4-word-shingle F1 of
``text``, ``must_not_contain`` hits in any text field, exact-match rates of title,
published, place, agency and byline, and how many stories have the right number of
related reports. ``--render`` skips HTTP: it renders every page straight from
``mirror.network.Network`` and extracts it. The functions are the library the tests use.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean
from urllib.parse import urlsplit

FIELDS = ("title", "published", "place", "agency", "byline")
SHINGLE = 4
_WORDS = re.compile(r"\S+")


def shingles(text: str, size: int = SHINGLE) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text or "")
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def shingle_f1(extracted: str, expected: str) -> float:
    got, want = shingles(extracted), shingles(expected)
    if not got and not want:
        return 1.0
    overlap = len(got & want)
    if not overlap:
        return 0.0
    precision, recall = overlap / len(got), overlap / len(want)
    return 2 * precision * recall / (precision + recall)


def text_fields(record: dict) -> Iterator[tuple[str, str]]:
    """(name, value) of every text field of a record, related reports included."""
    for name in ("title", "byline", "place", "agency", "source", "text"):
        if isinstance(record.get(name), str):
            yield name, record[name]
    for number, report in enumerate(record.get("related_reports") or []):
        for name, value in report.items():
            if isinstance(value, str):
                yield f"related_reports[{number}].{name}", value


def boilerplate_hits(story: dict, record: dict) -> list[str]:
    """``must_not_contain`` strings in a record's text fields.

    A string that the truth itself has in the same field (a section name that is
    also a word of the headline) is not boilerplate there and does not count.
    """
    expected = dict(text_fields(story))
    hits = []
    for needle in story.get("must_not_contain") or []:
        for name, value in text_fields(record):
            if needle in value and needle not in (expected.get(name) or ""):
                hits.append(f"{name}: {needle}")
    return hits


@dataclass
class StoryScore:
    story_id: str
    layout: str
    found: bool
    f1: float
    violations: list[str]
    fields: dict[str, bool]
    related_ok: bool
    related_fields_ok: bool
    images_ok: bool


@dataclass
class Report:
    scores: list[StoryScore] = field(default_factory=list)
    duplicate_records: int = 0

    def summary(self, scores: list[StoryScore] | None = None) -> dict:
        scores = self.scores if scores is None else scores
        if not scores:
            return {"stories": 0}
        return {
            "stories": len(scores),
            "missing": sum(not s.found for s in scores),
            "text_f1_mean": round(mean(s.f1 for s in scores), 4),
            "text_f1_min": round(min(s.f1 for s in scores), 4),
            "must_not_contain_hits": sum(len(s.violations) for s in scores),
            **{f"{name}_exact": round(mean(s.fields[name] for s in scores), 4)
               for name in FIELDS},
            "related_count_ok": round(mean(s.related_ok for s in scores), 4),
            "related_fields_exact": round(mean(s.related_fields_ok for s in scores), 4),
            "images_exact": round(mean(s.images_ok for s in scores), 4),
        }

    def by_layout(self) -> dict[str, dict]:
        groups: dict[str, list[StoryScore]] = defaultdict(list)
        for score in self.scores:
            groups[score.layout].append(score)
        return {layout: self.summary(group) for layout, group in sorted(groups.items())}

    def worst(self, count: int = 5) -> list[StoryScore]:
        return sorted(self.scores, key=lambda s: s.f1)[:count]


def evaluate(truth: Iterable[dict], records: Iterable[dict]) -> Report:
    """Score records against the truth; records are matched to stories by URL."""
    by_url: dict[str, dict] = {}
    report = Report()
    for record in records:
        for url in record.get("urls") or [record["url"]]:
            key = _url_key(url)
            if key in by_url and by_url[key] is not record:
                report.duplicate_records += 1
            by_url[key] = record
    for story in truth:
        if story.get("kind", "story") != "story":
            continue
        record = next((by_url[_url_key(u)] for u in story["urls"] if _url_key(u) in by_url), None)
        report.scores.append(_score(story, record))
    return report


def _url_key(url: str) -> str:
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return host + parts.path + (f"?{parts.query}" if parts.query else "")


def _score(story: dict, record: dict | None) -> StoryScore:
    if record is None:
        return StoryScore(story["id"], story.get("layout", "?"), False, 0.0, [],
                          dict.fromkeys(FIELDS, False), False, False, False)
    violations = boilerplate_hits(story, record)
    return StoryScore(
        story_id=story["id"],
        layout=story.get("layout", "?"),
        found=True,
        f1=shingle_f1(record.get("text") or "", story["text"]),
        violations=violations,
        fields={name: record.get(name) == story.get(name) for name in FIELDS},
        related_ok=len(record.get("related_reports") or []) == len(story["related_reports"]),
        related_fields_ok=_related_fields(record) == _related_fields(story),
        images_ok=record.get("images") == story["images"],
    )


def _related_fields(record: dict) -> list[tuple]:
    """Title, place, agency and published of each related report (text is scored by F1)."""
    return [tuple(report.get(name) for name in ("title", "place", "agency", "published"))
            for report in record.get("related_reports") or []]


# -- where records and truth come from ----------------------------------------------------
def mirror_truth(seed: int = 1, articles_per_site: int = 40, epoch: int = 0) -> list[dict]:
    from mirror.network import Network

    return list(Network(seed=seed, articles_per_site=articles_per_site, epoch=epoch).truth())


def render_records(network, truth: Iterable[dict]) -> list[dict]:
    """Records for every story URL of ``truth``, rendered straight from ``network``.

    Each URL goes through the extractor on its own; captures of one story are merged
    as the crawl merges them (one record, every URL in ``urls``).
    """
    from crawler.extraction.article import extract_response
    from crawler.extraction.records import story_id

    records: dict[str, dict] = {}
    for story in truth:
        if story.get("kind", "story") != "story":
            continue
        for url in story["urls"]:
            parts = urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            resource = network.resolve(parts.hostname, path)
            if resource is None:
                continue
            result = extract_response(url, resource.status, list(resource.headers),
                                      resource.body)
            if result.article is None:
                continue
            record_id = story_id(url)
            if record_id in records:
                records[record_id]["urls"].append(url)
            else:
                records[record_id] = {"id": record_id, "url": url, "urls": [url],
                                      "outcome": result.outcome, **result.article}
    return list(records.values())


def load_jsonl(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def records_from_warcs(paths: list[str], jobs: int = 1) -> list[dict]:
    from crawler.extraction.warcs import extract_warcs

    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "records.jsonl"
        extract_warcs(paths, output, jobs)
        return load_jsonl(output)


def format_report(report: Report) -> str:
    lines = ["overall: " + json.dumps(report.summary())]
    lines += [f"{layout}: {json.dumps(summary)}" for layout, summary in report.by_layout().items()]
    if report.duplicate_records:
        lines.append(f"records sharing a URL: {report.duplicate_records}")
    for score in report.worst():
        lines.append(f"worst: {score.story_id} ({score.layout}) f1={score.f1:.4f} "
                     f"fields={[n for n, ok in score.fields.items() if not ok]} "
                     f"violations={score.violations[:3]} related_ok={score.related_ok}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--jsonl", help="JSONL records (a crawl's or news-archive extract's)")
    source.add_argument("--warc", nargs="+", help="WARC files to extract first")
    source.add_argument("--render", action="store_true",
                        help="render pages straight from the replica (no HTTP)")
    parser.add_argument("--truth", help="truth JSON lines (news-archive mirror --truth)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--articles-per-site", type=int, default=40)
    parser.add_argument("--epoch", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    options = {"seed": args.seed, "articles_per_site": args.articles_per_site,
               "epoch": args.epoch}
    truth = load_jsonl(args.truth) if args.truth else mirror_truth(**options)
    if args.render:
        from mirror.network import Network

        records = render_records(Network(**options), truth)
    elif args.warc:
        records = records_from_warcs(args.warc, args.jobs)
    else:
        records = load_jsonl(args.jsonl)
    print(format_report(evaluate(truth, records)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
