"""What Linux says about a process's memory, for the benchmarks."""

from __future__ import annotations

from pathlib import Path


def memory(pid: int | str = "self") -> dict[str, int]:
    """Resident set size now (VmRSS) and its high-water mark (VmHWM), in bytes."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values
