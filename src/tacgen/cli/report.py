"""``tacgen report``: one self-contained HTML page from one or more results files."""

from __future__ import annotations

import logging
from pathlib import Path

from tacgen.cli import CommandParser
from tacgen.core.atomic import atomic_write_text
from tacgen.core.errors import UsageError

logger = logging.getLogger(__name__)


def _parser() -> CommandParser:
    p = CommandParser(
        prog="tacgen report",
        description=(
            "One self-contained HTML file (opens offline) from results files of tacgen prove: "
            "Pass@1 with a 95%% Wilson interval and counts per status, proved-vs-time and "
            "proved-vs-expansions curves, a sortable table of theorems, the search trees of "
            "traced runs (results.trace.jsonl beside results.jsonl), and with two files or "
            "more, what each pair proved alone and together."
        ),
    )
    p.add_argument("results", nargs="+", type=Path, help="results.jsonl files of tacgen prove")
    p.add_argument("--out", type=Path, default=Path("report.html"), help="the HTML file to write")
    p.add_argument(
        "--names", default=None, help="comma-separated labels, one per file (default: file names)"
    )
    p.add_argument("--title", default="tacgen proof search report", help="the page's title")
    return p


def report(name: str, argv: list[str]) -> int:
    """``tacgen report``: writes the HTML report and prints each run's Pass@1."""
    args = _parser().parse_args(argv)
    names = args.names.split(",") if args.names else [None] * len(args.results)
    if len(names) != len(args.results):
        raise UsageError(f"--names has {len(names)} labels for {len(args.results)} files")
    if args.out.is_dir():
        raise UsageError(f"--out is a folder: {args.out}")
    from tacgen.prover.report import load_run, summarize_run
    from tacgen.prover.report_html import render_report

    runs = [load_run(path, label) for path, label in zip(args.results, names)]
    if len({run.name for run in runs}) < len(runs):
        raise UsageError("two results files have the same name: give labels with --names")
    atomic_write_text(args.out, render_report(runs, args.title))
    for run in runs:
        s = summarize_run(run)
        print(f"{run.name}: Pass@1 {s.proved}/{s.attempted} = {s.pass_at_1:.3f} "
              f"[{s.low:.3f}, {s.high:.3f}]")  # fmt: skip
    print(f"wrote {args.out}")
    return 0
