"""How long counting a vote of 10,000 ballots takes (target < 50 ms).

`python -m tests.benchmarks.bench_tally` prints the median and the slowest of
50 runs; a benchmark, not a test."""

from __future__ import annotations

import random
import statistics
import time

from bot.forum.votes.tally import tally


def main() -> None:
    rng = random.Random(2026)
    options = list(range(1, 31))
    ballots = [rng.sample(options, rng.randint(1, 3)) for _ in range(10_000)]
    tally(options, ballots, seats=10_000, winners=3)  # warm-up
    runs = []
    for _ in range(50):
        started = time.perf_counter()
        tally(options, ballots, seats=10_000, winners=3)
        runs.append((time.perf_counter() - started) * 1000)
    median, slowest = statistics.median(runs), max(runs)
    verdict = "PASS" if slowest < 50 else "MISS"
    print(f"tally of 10,000 ballots over 30 options: median {median:.1f} ms, slowest {slowest:.1f} ms "
          f"(target < 50 ms) {verdict}")


if __name__ == "__main__":
    main()
