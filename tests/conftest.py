"""Shared fixtures: the offline replica as a real `news-archive mirror` subprocess.

- ``start_mirror(**options)``: a factory fixture that
  starts a replica and returns a :class:`MirrorProcess` (``.port``, ``.proxy``,
  ``.stop()``); every replica it started is stopped at teardown. Options are the
  CLI's flags as keywords: ``articles_per_site``, ``seed``, ``epoch``, ``faults``, ``port``.
- ``mirror``: one replica with the default options, shared by the whole session.
- ``load_truth(**options)`` / the ``truth`` fixture: the ground truth of a replica
  with the same options, via ``Network(...).truth()``.

The defaults here (:data:`MIRROR_DEFAULTS`) keep the sites small, so tests stay fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from mirror.process import MirrorProcess as ReplicaProcess

MIRROR_DEFAULTS = {"articles_per_site": 12, "seed": 1, "epoch": 0}


class MirrorProcess(ReplicaProcess):
    """The replica, with the tests' defaults (:data:`MIRROR_DEFAULTS`) unless given."""

    def __init__(self, **options: object) -> None:
        super().__init__(**{**MIRROR_DEFAULTS, **options})


def load_truth(
    articles_per_site: int = MIRROR_DEFAULTS["articles_per_site"],
    seed: int = MIRROR_DEFAULTS["seed"],
    epoch: int = MIRROR_DEFAULTS["epoch"],
    **options: object,
) -> list[dict]:
    """Ground truth of the replica a ``start_mirror(**options)`` call would serve."""
    from mirror.network import Network

    options.pop("port", None)
    network = Network(seed=seed, articles_per_site=articles_per_site, epoch=epoch, **options)
    return list(network.truth())


@pytest.fixture
def start_mirror() -> Iterator[Callable[..., MirrorProcess]]:
    started: list[MirrorProcess] = []

    def start(**options: object) -> MirrorProcess:
        mirror = MirrorProcess(**options)
        started.append(mirror)
        return mirror

    yield start
    for mirror in started:
        mirror.stop()


@pytest.fixture(scope="session")
def mirror() -> Iterator[MirrorProcess]:
    server = MirrorProcess()
    yield server
    server.stop()


@pytest.fixture
def truth() -> Callable[..., list[dict]]:
    """``truth(articles_per_site=..., seed=..., epoch=...)`` -> the truth lines."""
    return load_truth
