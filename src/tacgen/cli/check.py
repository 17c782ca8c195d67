"""``tacgen check``: every proof of a results file checked again, in a fresh Lean REPL."""

from __future__ import annotations

import argparse
from pathlib import Path

from tacgen.cli import CommandParser
from tacgen.cli.common import add_repl_arguments


def _parser() -> argparse.ArgumentParser:
    p = CommandParser(
        prog="tacgen check",
        description="Checks every proved entry of a results file again, its proof_source as "
        "one whole Lean file in a fresh REPL (imports once, then the theorem and its proof as "
        "one command: no error, no sorry). Prints each refuted proof and the confirmed and "
        "refuted counts; exits 1 when any proof is refuted.",
    )
    p.add_argument(
        "--results", type=Path, required=True, help="a results.jsonl of tacgen prove --env repl"
    )
    p.add_argument("--env", choices=("repl",), default="repl", help="where to check (the REPL)")
    add_repl_arguments(p)
    return p


def check(name: str, argv: list[str]) -> int:
    """``tacgen check``."""
    args = _parser().parse_args(argv)
    if not args.results.is_file():
        raise FileNotFoundError(f"results file not found: {args.results}")
    from tacgen.prover.environments import settings_from
    from tacgen.prover.recheck import check_proofs
    from tacgen.prover.results import read_results

    rows = read_results(args.results)
    settings = settings_from(args.env, args)
    confirmed = refuted = 0
    for verdict in check_proofs(rows, settings):
        if verdict.confirmed:
            confirmed += 1
        else:
            refuted += 1
            print(f"refuted {verdict.name}: {verdict.reason}")
    print(f"confirmed {confirmed}, refuted {refuted} (of {confirmed + refuted} proved)")
    return 1 if refuted else 0
