"""How long counting a vote of 10,000 ballots takes (target < 50 ms): a
vote of up to three, a ranked vote counted by Borda, and a points vote.

`python -m tests.benchmarks.bench_tally` prints the median and the slowest of
50 runs of each; a benchmark, not a test. The ranked and points counts
give each ballot's options their points as the close does."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot.forum.votes.tally import tally
from bot.forum.votes.vote import Ballot, Option, Vote, VoteKind, VoteStatus

BALLOTS = 10_000
TARGET_MS = 50


def _vote(kind: VoteKind, options: int, n: int) -> Vote:
    return Vote(
        1,
        "bench",
        "?",
        tuple(Option(i, str(i)) for i in range(1, options + 1)),
        n if kind is VoteKind.RANKING else options,
        datetime.now(UTC),
        False,
        None,
        VoteStatus.OPEN,
        kind=kind,
        points=n if kind is VoteKind.POINTS else None,
        places=5,
    )


def _measure(label: str, count: Callable[[], object]) -> bool:
    count()  # warm-up
    runs = []
    for _ in range(50):
        started = time.perf_counter()
        count()
        runs.append((time.perf_counter() - started) * 1000)
    median, slowest = statistics.median(runs), max(runs)
    verdict = "PASS" if slowest < TARGET_MS else "MISS"
    print(f"{label}: median {median:.1f} ms, slowest {slowest:.1f} ms (target < {TARGET_MS} ms) {verdict}")
    return slowest < TARGET_MS


def main() -> None:
    rng = random.Random(2026)
    options = list(range(1, 31))
    plain = [rng.sample(options, rng.randint(1, 3)) for _ in range(BALLOTS)]
    _measure(
        f"up to 3, {BALLOTS:,} ballots over 30 options",
        lambda: tally(options, plain, seats=BALLOTS, winners=3),
    )

    ranked = _vote(VoteKind.RANKING, 25, 10)
    rankings = [Ballot(tuple(rng.sample(range(1, 26), rng.randint(1, 10)))) for _ in range(BALLOTS)]
    _measure(
        f"Borda, {BALLOTS:,} rankings of up to 10 of 25 options",
        lambda: ranked.count(rankings, BALLOTS),
    )

    spread = _vote(VoteKind.POINTS, 25, 100)
    points = []
    for _ in range(BALLOTS):
        chosen = rng.sample(range(1, 26), rng.randint(1, 8))
        cuts = sorted(rng.sample(range(1, 100), len(chosen) - 1))
        points.append(Ballot(tuple(chosen), tuple(b - a for a, b in zip([0, *cuts], [*cuts, 100]))))
    _measure(
        f"points, {BALLOTS:,} ballots of 100 points over up to 8 of 25 options",
        lambda: spread.count(points, BALLOTS),
    )


if __name__ == "__main__":
    main()
