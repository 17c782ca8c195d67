"""Proof search under the fake Lean REPL beside replay, on the demo: what the REPL path costs.

Usage::

    python benchmarks/bench_repl.py [--split test] [--num-sampled-tactics 16]
        [--max-expansions 40] [--repeats 3]

Searches every demo theorem of ``--split`` twice with the same generator (the
``--num-sampled-tactics`` most frequent tactics of the demo's train split, for every
state: no model, so that the environment's cost is what differs):

- ``--env replay`` on ``tacgen:demo/random/SPLIT.json`` (a dictionary lookup per tactic);
- ``--env repl`` on ``tacgen:demo/statements.jsonl``, through the real ``lean-interact``
  code path to the fake REPL of ``tests/fake_repl`` (started by a fake ``lake``): JSON
  framing, pipes, a Python subprocess, the whole-proof check. It answers from the same
  traced states, so both runs search the same tree.

Prints theorems per minute, tactics run, seconds per tactic in the environment, and the
REPL round trip per tactic (REPL minus replay); then the cost of a fresh REPL process
(``--repl-restart-every 1`` against never). These are the client side's costs: real Lean
adds its own elaboration time per tactic and minutes of ``import Mathlib`` per process.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from bench_prove import FrequencyGenerator  # noqa: E402
from machine import cpu_model  # noqa: E402
from tacgen.prover.environment import Environment, Outcome, ProofState, Theorem  # noqa: E402


class Counting(Environment):
    """Counts an environment's tactics and the seconds they take."""

    name = "counting"

    def __init__(self, inner: Environment) -> None:
        self.inner, self.tactics, self.seconds = inner, 0, 0.0

    def start(self, theorem: Theorem) -> ProofState:
        return self.inner.start(theorem)

    def run_tactic(self, state: ProofState, tactic: str) -> Outcome:
        started = time.perf_counter()
        try:
            return self.inner.run_tactic(state, tactic)
        finally:
            self.tactics += 1
            self.seconds += time.perf_counter() - started

    def close(self) -> None:
        self.inner.close()

    def shutdown(self) -> None:
        self.inner.shutdown()


class _Env:
    def setenv(self, key: str, value: str) -> None:
        os.environ[key] = value


def search(theorems: list[Theorem], env: Environment, generator: Any, args: Any) -> dict:
    from tacgen.prover.results import ResultsWriter, read_results, summarize
    from tacgen.prover.runner import prove_theorems
    from tacgen.prover.search import SearchConfig

    counting = Counting(env)
    config = SearchConfig(args.num_sampled_tactics, 600.0, args.max_expansions)
    with tempfile.TemporaryDirectory() as tmp:
        writer = ResultsWriter(Path(tmp) / "r.jsonl", "bench")
        started = time.perf_counter()
        prove_theorems(theorems, lambda: counting, generator, config, writer)
        seconds = time.perf_counter() - started
        writer.close()
        summary = summarize(read_results(Path(tmp) / "r.jsonl"))
    proved = summary.counts.get("proved", 0)
    return {"seconds": seconds, "tactics": counting.tactics, "env": counting.seconds,
            "proved": f"{proved}/{summary.attempted}"}  # fmt: skip


def best_of(runs: list[dict]) -> dict:
    return min(runs, key=lambda r: r["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="test")
    parser.add_argument("--num-sampled-tactics", type=int, default=16)
    parser.add_argument("--max-expansions", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from repl_fixtures import STATEMENTS, make_fake_lean
    from tacgen.core.paths import resolve_data_path
    from tacgen.prover.repl import ReplEnvironment
    from tacgen.prover.replay import ReplayEnvironment
    from tacgen.prover.statements import load_statements
    from tacgen.prover.theorems import load_theorems

    train = load_theorems(resolve_data_path("tacgen:demo/random/train.json"))
    generator = FrequencyGenerator([s.tactic for t in train for s in t.traced])
    traced = load_theorems(resolve_data_path(f"tacgen:demo/random/{args.split}.json"))
    statements = load_statements(STATEMENTS, split=args.split)
    with tempfile.TemporaryDirectory() as tmp:
        fake = make_fake_lean(Path(tmp) / "lean", _Env())
        replay = best_of([search(traced, ReplayEnvironment(), generator, args)
                          for _ in range(args.repeats)])  # fmt: skip
        runs = {every: best_of([search(statements, ReplEnvironment(fake.settings(
            repl_restart_every=every)), generator, args) for _ in range(args.repeats)])
            for every in (0, 1)}  # fmt: skip
    print(f"# {platform.python_version()}, {cpu_model()}")
    print(f"{'run':<28} {'proved':>7} {'thm/min':>8} {'tactics':>8} {'ms/tactic':>10}")
    named = [
        ("replay", replay),
        ("repl (fake)", runs[0]),
        ("repl (fake), restart every 1", runs[1]),
    ]
    for name, run in named:
        per = 1000 * run["env"] / max(run["tactics"], 1)
        rate = len(traced) / run["seconds"] * 60
        print(f"{name:<28} {run['proved']:>7} {rate:8.0f} {run['tactics']:>8} {per:10.3f}")
    trip = 1000 * (runs[0]["env"] / runs[0]["tactics"] - replay["env"] / replay["tactics"])
    restart = (runs[1]["seconds"] - runs[0]["seconds"]) / max(len(statements) - 1, 1)
    print(f"REPL round trip per tactic (repl - replay): {trip:.3f} ms")
    print(f"a fresh REPL process (restart every 1 - never), per theorem: {1000 * restart:.0f} ms")


if __name__ == "__main__":
    main()
