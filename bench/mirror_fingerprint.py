"""A fingerprint of everything the replica serves, to prove a change altered no byte.

    .venv/bin/python bench/mirror_fingerprint.py [--dump FILE]

Prints one sha256 per part and one over all of them:

- ``resolve``: status, headers, body, Last-Modified, framing and fault of
  `Network.resolve` for a few thousand URLs (every story URL of small networks,
  samples of large ones, listings, home pages, feeds, static pages, images,
  redirects, faults, 404s) for seeds 1 and 2, epochs 0 and 2, resolved in a
  shuffled order;
- ``truth``: the whole `truth()` output of small networks and `story_truth` of
  samples of large ones;
- ``wire``: the raw bytes (minus the Date header) the server sends for a few
  hundred requests over one keep-alive connection, plain, gzip and conditional.

To fingerprint another copy of `mirror/`, run it from outside the checkout with
``PYTHONPATH=<directory holding that mirror/>`` (the current directory comes first
on `python -m`'s path).
``--dump FILE`` writes one hash per URL, to find what differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import socket
import sys
from pathlib import Path

import mirror.network as network_module
from mirror.network import Network
from mirror.process import MirrorProcess

SMALL = 40
LARGE = 3000
HUGE = 20000
SAMPLE = 300


def site_urls(network: Network) -> list[str]:
    """Every page that is not a story: home, feed, listings, static pages, odd ones."""
    urls = []
    for site in ("spacewar.com", "spacedaily.com", "terradaily.com"):
        name = site.split(".")[0]
        www = f"http://www.{site}"
        urls += [f"{www}/", f"{www}/index.html", f"{www}/robots.txt", f"{www}/{name}.xml",
                 f"{www}/css/{name}.css", f"{www}/newsletters.html", f"{www}/about.html",
                 f"{www}/privacy.html", f"{www}/support.html", f"{www}/advertising.html",
                 f"{www}/missing.html", f"{www}/reports/No_Such_Story_999.html",
                 f"{www}/news/abm-07zz.html", f"http://{site}/index.html?x=1"]
        page = network.resolve(f"www.{site}", "/index.html")
        sections = re.findall(rb'href="(/archive/[a-z-]+)/index\.html"', page.body)
        for section in sorted(set(sections)):
            for number in (1, 2, 3, 5, 8, 13, 40, 200, 1000, 100000):
                tail = "index.html" if number == 1 else f"page-{number}.html"
                urls.append(f"{www}{section.decode()}/{tail}")
    urls += ["http://www.spxdaily.com/images-lg/missile-defense-01-0001.jpg",
             "http://www.spxdaily.com/images/nav-1.gif", "http://www.spxdaily.com/x.png",
             "http://www.spacewar.com/faults/retry-503.html",
             "http://www.spacewar.com/faults/redirect/1.html",
             "http://www.spacewar.com/faults/calendar/2024-01.html",
             "http://www.spacewar.com/faults/binary.html", "http://www.example.com/"]
    return urls


def story_sample(network: Network, count: int, rng: random.Random) -> list[dict]:
    total = network.catalogue.count
    records = []
    for _ in range(count):
        site = rng.choice(("spacewar.com", "spacedaily.com", "terradaily.com"))
        records.append(network.story_truth(site, rng.randrange(total)))
    return records


def resource_digest(network: Network, url: str) -> str:
    host, _, path = url.removeprefix("http://").partition("/")
    resource = network.resolve(host, "/" + path)
    if resource is None:
        return "none"
    digest = hashlib.sha256()
    digest.update(repr((resource.status, resource.headers, resource.last_modified,
                        resource.chunked, resource.fault)).encode())
    digest.update(resource.body)
    return digest.hexdigest()


def fingerprint_networks(dump: dict[str, str]) -> tuple[str, str]:
    resolve_hash, truth_hash = hashlib.sha256(), hashlib.sha256()
    rng = random.Random(7)
    for seed in (1, 2):
        for epoch in (0, 2):
            for size in (SMALL, LARGE):
                network = Network(seed=seed, articles_per_site=size, epoch=epoch)
                network.warm()
                if size == SMALL:
                    records = list(network.truth())
                else:
                    records = story_sample(network, SAMPLE, rng)
                urls = site_urls(network)
                urls += [url for r in records if r["kind"] == "story" for url in r["urls"]]
                add_urls(network, f"{seed}/{epoch}/{size}", urls, rng, dump, resolve_hash)
                for record in records:
                    truth_hash.update(json.dumps(record, sort_keys=True).encode())
    network = Network(seed=1, articles_per_site=HUGE, epoch=0)
    records = story_sample(network, SAMPLE, rng)
    urls = [url for r in records for url in r["urls"]] + site_urls(network)
    add_urls(network, f"1/0/{HUGE}", urls, rng, dump, resolve_hash)
    for record in records:
        truth_hash.update(json.dumps(record, sort_keys=True).encode())
    return resolve_hash.hexdigest(), truth_hash.hexdigest()


def add_urls(network: Network, label: str, urls: list[str], rng: random.Random,
             dump: dict[str, str], total: hashlib._Hash) -> None:
    order = sorted(set(urls))
    rng.shuffle(order)  # resolve in a random order: caches must not change answers
    digests = {url: resource_digest(network, url) for url in order}
    for url in sorted(digests):
        dump[f"{label} {url}"] = digests[url]
        total.update(f"{label} {url} {digests[url]}\n".encode())


# -- the wire --------------------------------------------------------------------

def read_response(sock_file, head_only: bool = False) -> bytes:
    """One raw response (status line, headers without Date, framed body)."""
    lines = []
    while True:
        line = sock_file.readline()
        if line in (b"\r\n", b""):
            break
        lines.append(line)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.lower()] = value.strip()
    kept = b"".join(line for line in lines if not line.lower().startswith(b"date:"))
    if head_only or lines[0].split()[1] in (b"304",):
        return kept
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            size_line = sock_file.readline()
            size = int(size_line, 16)
            chunk = sock_file.read(size + 2)
            body += size_line + chunk
            if size == 0:
                break
    else:
        body = sock_file.read(int(headers.get("content-length", "0")))
    return kept + b"\r\n" + body


def fingerprint_wire(dump: dict[str, str]) -> str:
    network = Network(seed=1, articles_per_site=200, epoch=2)
    urls = site_urls(network)[:40] + [u for r in story_sample(network, 120, random.Random(3))
                                      for u in r["urls"]]
    urls = [u for u in urls if "faults" not in u] + ["http://www.spacewar.com/faults/binary.html"]
    with MirrorProcess(articles_per_site=200, epoch=2) as process:
        port = process.port
        total = hashlib.sha256()
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock_file = sock.makefile("rb")
            for url in urls:
                for extra in ("", "Accept-Encoding: gzip, deflate\r\n",
                              "If-None-Match: \"x\", W/\"y\"\r\n",
                              "If-Modified-Since: Sat, 01 Jan 2050 00:00:00 GMT\r\n"):
                    sock.sendall(f"GET {url} HTTP/1.1\r\nHost: x\r\n{extra}\r\n".encode())
                    raw = read_response(sock_file)
                    dump[f"wire {url} {extra.strip()}"] = hashlib.sha256(raw).hexdigest()
                    total.update(raw)
                sock.sendall(f"HEAD {url} HTTP/1.1\r\n\r\n".encode())
                total.update(read_response(sock_file, head_only=True))
        return total.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", help="write one hash per URL to this file")
    parser.add_argument("--no-wire", action="store_true", help="skip the server part")
    args = parser.parse_args()
    dump: dict[str, str] = {}
    resolve_hash, truth_hash = fingerprint_networks(dump)
    wire_hash = "skipped" if args.no_wire else fingerprint_wire(dump)
    parts = {"resolve": resolve_hash, "truth": truth_hash, "wire": wire_hash,
             "urls": len(dump)}
    print(f"mirror package: {Path(network_module.__file__).parent}", file=sys.stderr)
    parts["all"] = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as out:
            out.writelines(f"{name} {digest}\n" for name, digest in sorted(dump.items()))
    print(json.dumps(parts, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
