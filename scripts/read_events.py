"""Prints the scalars of a TensorBoard run folder (for BENCHMARKS.md and quick checks).

Usage: python scripts/read_events.py RUN_DIR [TAG ...]
"""

from __future__ import annotations

import sys

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def main() -> None:
    run_dir, wanted = sys.argv[1], sys.argv[2:]
    events = EventAccumulator(run_dir)
    events.Reload()
    for tag in sorted(events.Tags()["scalars"]):
        if wanted and tag not in wanted:
            continue
        points = events.Scalars(tag)
        shown = ", ".join(f"{p.step}:{p.value:.4g}" for p in points[:: max(1, len(points) // 12)])
        print(f"{tag} ({len(points)} points): {shown}")


if __name__ == "__main__":
    main()
