"""Whether the suite runs under CI, where a missing tool or database fails
the run instead of skipping its tests: a skip there would hide a gap."""

from __future__ import annotations

import os


def in_ci() -> bool:
    # CI services set CI=true (some 1); `.ci/run` sets it too. CI=false is a
    # developer saying "not CI", so only these values count.
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
