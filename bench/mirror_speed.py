"""How fast the replica builds and serves pages (no crawler involved).

    .venv/bin/python bench/mirror_speed.py [--articles-per-site 20000] [--requests 3000]

Prints, for one `Network` of `--articles-per-site` stories a site (seed 1, epoch 0):

- ``warm_s``: `Network.warm()` (the headline index);
- ``resolve_*_ms``: mean (and p50/p95) time of `Network.resolve` over random
  article URLs of every site, after warm, and its CPU time; likewise
  ``resolve_listing_order_cpu_ms`` over articles in the order of the section
  listings (as a crawler meets them), ``home_cpu_ms`` and ``listing_cpu_ms``;
- ``truth_cpu_ms_per_story``: `Network.story_truth` over a run of consecutive
  stories (as `truth()` goes), and the whole `truth()` extrapolated;
- ``serve_*_pages_per_s`` and ``serve_*_server_cpu_ms``: article pages a second
  fetched from a `news-archive mirror` subprocess by this process over
  loopback with keep-alive GETs through the proxy interface, plain and with
  ``Accept-Encoding: gzip``, over one connection and over four, each run over
  pages not fetched before; and the server's CPU time a page (steadier than
  wall time when other processes share the cores). ``serve_refetch_*``:
  the last run's last pages again (answered from the server's response cache);
  ``server_peak_rss_mb``: the server's peak memory after all of that.

Wall-clock figures depend on what else runs: ``load_average_1min`` is printed too.

The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import sys
import threading
import time

from mirror.network import Network
from mirror.process import MirrorProcess
from mirror.stories import SITES

REFETCHED = 400  # pages fetched again: well within the server's response cache


def article_urls(network: Network, count: int, rng: random.Random) -> list[str]:
    total = network.catalogue.count
    return [network.stories.url(rng.choice(SITES), rng.randrange(total)) for _ in range(count)]


def listing_order_urls(network: Network, pages: list[int]) -> list[str]:
    """Article URLs in the order a crawler meets them: listing page by listing page (the
    pages a section has, of ``pages``)."""
    urls = []
    for page in pages:
        for site in SITES:
            for section in _sections(network, site):
                if page > _last_page(network, site, section):
                    continue
                listing = network.resolve(f"www.{site}", _listing_path(section, page))
                urls += re.findall(r'<li><a href="([^"]+)"', listing.body.decode())
    return urls


def _listing_path(section: str, page: int) -> str:
    return f"/archive/{section}/" + ("index.html" if page == 1 else f"page-{page}.html")


def _last_page(network: Network, site: str, section: str) -> int:
    """The number of a section's oldest listing page (its first links to every page's)."""
    first = network.resolve(f"www.{site}", _listing_path(section, 1)).body.decode()
    return max(map(int, re.findall(r"page-(\d+)\.html", first)), default=1)


def split(url: str) -> tuple[str, str]:
    host, _, path = url.removeprefix("http://").partition("/")
    return host, "/" + path


def time_resolve(network: Network, urls: list[str]) -> dict[str, float]:
    """Milliseconds per `resolve` call: mean, median, 95th percentile of wall time, and
    mean CPU time (steadier when other processes share the cores)."""
    times = []
    cpu_start = time.process_time()
    for url in urls:
        host, path = split(url)
        start = time.perf_counter()
        resource = network.resolve(host, path)
        times.append((time.perf_counter() - start) * 1000)
        if resource is None or resource.status != 200:
            raise RuntimeError(f"{url} did not resolve to a page")
    cpu = (time.process_time() - cpu_start) * 1000 / len(urls)
    times.sort()
    return {"mean": statistics.fmean(times), "p50": times[len(times) // 2],
            "p95": times[int(len(times) * 0.95)], "cpu": cpu}


def time_truth(network: Network, count: int, rng: random.Random) -> float:
    """CPU milliseconds per story of `truth()`, over a run of consecutive stories."""
    count = min(count, network.catalogue.count)
    first = rng.randrange(network.catalogue.count - count + 1)
    start = time.process_time()
    for index in range(first, first + count):
        for site in SITES:
            network.story_truth(site, index)
    return (time.process_time() - start) * 1000 / (count * len(SITES))


# -- serving ---------------------------------------------------------------------

def read_response(sock_file) -> int:
    """Read one response off a keep-alive connection; returns the body size."""
    status = sock_file.readline()
    if not status.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"unexpected answer {status!r}")
    length, chunked = 0, False
    while True:
        line = sock_file.readline()
        if line == b"\r\n":
            break
        name, _, value = line.partition(b":")
        name = name.lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = True
    if not chunked:
        return len(sock_file.read(length))
    size = 0
    while True:
        chunk = int(sock_file.readline(), 16)
        sock_file.read(chunk + 2)
        size += chunk
        if chunk == 0:
            return size


def fetch_all(port: int, urls: list[str], gzip: bool) -> int:
    """GET every URL over one keep-alive connection through the proxy; returns bytes read."""
    accept = "Accept-Encoding: gzip\r\n" if gzip else ""
    received = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock_file = sock.makefile("rb")
        for url in urls:
            sock.sendall(f"GET {url} HTTP/1.1\r\nHost: {split(url)[0]}\r\n{accept}"
                         "User-Agent: mirror-speed\r\n\r\n".encode())
            received += read_response(sock_file)
    return received


def serve_rate(port: int, urls: list[str], gzip: bool, connections: int) -> float:
    """Pages a second with `connections` concurrent keep-alive connections."""
    shares = [urls[i::connections] for i in range(connections)]
    threads = [threading.Thread(target=fetch_all, args=(port, share, gzip)) for share in shares]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(urls) / (time.perf_counter() - start)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    """The peak resident memory of a process so far (Linux)."""
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return round(int(line.split()[1]) / 1024, 1)


def serve_figures(articles: int, network: Network, count: int) -> dict[str, float]:
    """Pages a second and server CPU ms a page, each run over pages not served before."""
    with MirrorProcess(articles_per_site=articles) as process:
        port = process.port
        rng = random.Random(2)
        fetch_all(port, article_urls(network, 50, rng), gzip=False)
        figures = {}
        for connections in (1, 4):
            for gzip in (False, True):
                urls = article_urls(network, count, rng)
                name = f"serve_{'gzip' if gzip else 'plain'}_{connections}conn"
                cpu = cpu_seconds(process.pid)
                figures[f"{name}_pages_per_s"] = round(serve_rate(port, urls, gzip, connections), 1)
                figures[f"{name}_server_cpu_ms"] = round(
                    (cpu_seconds(process.pid) - cpu) * 1000 / count, 3)
        again = urls[-REFETCHED:]  # pages served just now, so still in the response cache
        cpu = cpu_seconds(process.pid)
        figures["serve_refetch_gzip_1conn_pages_per_s"] = round(
            serve_rate(port, again, True, 1), 1)
        figures["serve_refetch_gzip_1conn_server_cpu_ms"] = round(
            (cpu_seconds(process.pid) - cpu) * 1000 / len(again), 3)
        figures["server_peak_rss_mb"] = peak_rss_mb(process.pid)
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles-per-site", type=int, default=20000)
    parser.add_argument("--resolves", type=int, default=2000)
    parser.add_argument("--truths", type=int, default=600)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    rng = random.Random(1)
    network = Network(seed=1, articles_per_site=args.articles_per_site)
    start = time.perf_counter()
    network.warm()
    figures: dict[str, float] = {"articles_per_site": args.articles_per_site,
                                 "warm_s": round(time.perf_counter() - start, 3)}
    resolve = time_resolve(network, article_urls(network, args.resolves, rng))
    figures.update({f"resolve_{k}_ms": round(v, 3) for k, v in resolve.items()})
    crawl = time_resolve(network, listing_order_urls(network, [*range(1, 7), *range(300, 306)]))
    figures["resolve_listing_order_cpu_ms"] = round(crawl["cpu"], 3)
    home = [f"http://www.{site}/index.html" for site in SITES] * 20
    figures["home_cpu_ms"] = round(time_resolve(network, home)["cpu"], 3)
    listing = [
        f"http://www.{site}"
        + _listing_path(section, rng.randint(1, min(300, _last_page(network, site, section))))
        for site in SITES for section in _sections(network, site)
    ] * 10
    figures["listing_cpu_ms"] = round(time_resolve(network, listing)["cpu"], 3)
    per_story = time_truth(network, args.truths // len(SITES), rng)
    figures["truth_cpu_ms_per_story"] = round(per_story, 3)
    figures["truth_all_cpu_s_estimate"] = round(
        per_story * network.catalogue.count * len(SITES) / 1000, 1)
    figures.update(serve_figures(args.articles_per_site, network, args.requests))
    figures["load_average_1min"] = os.getloadavg()[0]
    for name, value in figures.items():
        print(f"{name:>36}: {value}")
    print(json.dumps(figures))
    return 0


def _sections(network: Network, site: str) -> list[str]:
    page = network.resolve(f"www.{site}", "/index.html")
    return sorted(set(re.findall(r'href="/archive/([a-z-]+)/index\.html"', page.body.decode())))


if __name__ == "__main__":
    sys.exit(main())
