"""``tacgen summary``: what a LeanDojo split folder holds."""

from __future__ import annotations

from collections import Counter

import numpy as np

from tacgen.cli import CommandParser, int_at_least
from tacgen.core.paths import resolve_data_path
from tacgen.data.benchmark import FormatOptions
from tacgen.data.cache import load_split
from tacgen.data.formatting import remove_marks


def _percentiles(lengths: np.ndarray) -> str:
    if len(lengths) == 0:
        return "n/a"
    p50, p90, p99 = np.percentile(lengths, [50, 90, 99]).astype(int).tolist()
    return f"median {p50}, p90 {p90}, p99 {p99}, max {int(lengths.max())}"


def _parser() -> CommandParser:
    p = CommandParser(
        prog="tacgen summary",
        description="Theorems, examples, length percentiles and frequent tactics of each split.",
    )
    p.add_argument(
        "--data-path", required=True, help="split folder, split file or tacgen:demo/random"
    )
    p.add_argument(
        "--max-input-length", type=int_at_least(1), default=2300, help="state budget in bytes"
    )
    p.add_argument(
        "--max-output-length", type=int_at_least(1), default=512, help="tactic budget in bytes"
    )
    p.add_argument("--top", type=int_at_least(0), default=10, help="most frequent tactics to show")
    return p


def summary(name: str, argv: list[str]) -> int:
    """``tacgen summary``: examples, lengths and frequent tactics of each split file."""
    args = _parser().parse_args(argv)
    path = resolve_data_path(args.data_path)
    files = [path] if path.is_file() else sorted(path.glob("*.json"))
    files = [f for f in files if f.name != "metadata.json"]
    if not files:
        raise FileNotFoundError(f"no split files (*.json) in {path}")
    for file in files:
        table, stats = load_split(file, FormatOptions())
        states = table.states.byte_lengths()
        tactics = table.tactics.byte_lengths()
        print(f"== {file}")
        print(
            f"theorems {stats.theorems} ({stats.theorems_without_tactics} without "
            f"traced tactics), examples {stats.examples}"
        )
        print(
            f"state bytes:  {_percentiles(states)}; over {args.max_input_length}: "
            f"{int((states > args.max_input_length).sum())}"
        )
        print(
            f"tactic bytes: {_percentiles(tactics)}; over {args.max_output_length}: "
            f"{int((tactics > args.max_output_length).sum())}"
        )
        counts = Counter(remove_marks(t) for t in table.tactics)
        print(f"most frequent tactics (of {len(counts)} distinct):")
        for tactic, count in counts.most_common(args.top):
            print(f"  {count:6d}  {tactic}")
    return 0
