"""What every benchmark prints about the machine: timings depend on the CPU model, the
core count and whether it has AVX-512 (BENCHMARKS.md records each figure with them)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """``AMD EPYC, 2 cores, AVX-512: True`` (from /proc/cpuinfo, as ``lscpu`` shows it)."""
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())  # the first CPU's
    except OSError:
        pass
    name = fields.get("model name") or platform.processor() or platform.machine() or "unknown"
    flags = fields.get("flags", "")
    return f"{name}, {os.cpu_count()} cores, AVX-512: {'avx512f' in flags.split()}"
