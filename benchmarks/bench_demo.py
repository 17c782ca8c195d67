"""The demo fit's speed: wall seconds and optimizer steps per second of ``tacgen fit
--config configs/demo.yaml``, for the shipped config and variants, interleaved in one run.

Usage::

    python benchmarks/bench_demo.py                          # shipped vs no step checkpoints
    python benchmarks/bench_demo.py --steps 100 --repeats 3
    python benchmarks/bench_demo.py --tree OLD=/path/to/checkout   # another source tree too
    OMP_NUM_THREADS=1 python benchmarks/bench_demo.py --validate   # CPU time comparable

Medians over the repeats; each row gives wall and CPU seconds (``getrusage`` of the child).

Each run is a fresh ``python -m tacgen.cli fit`` in a temporary folder (no cache), so the
wall time includes start-up and data loading, as for a user. Validation is switched off
(``--trainer.limit_val_batches 0``) unless ``--validate``: beam search over the val split
costs what the model's answers cost, which changes with the weights, not with the loop.
``--tree NAME=PATH`` adds the same run from another source tree (PYTHONPATH=PATH/src), with
PATH's own configs/demo.yaml, to compare commits on one machine in one run.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import cpu_model

REPO = Path(__file__).resolve().parents[1]
NO_STEP_CHECKPOINTS = ["--trainer.callbacks", "lightning.pytorch.callbacks.LearningRateMonitor"]
"""Replaces the config's callbacks (ModelCheckpoint, LastCheckpoint, LearningRateMonitor)."""


def run_fit(
    tree: Path, steps: int, validate: bool, extra: list[str]
) -> tuple[float, float, float | None]:
    """(wall seconds, CPU seconds, steps/s of the training loop as tacgen prints it, or
    None). CPU seconds are steadier than wall seconds on a shared machine."""
    argv = ["fit", "--config", str(tree / "configs" / "demo.yaml")]
    argv += ["--trainer.max_steps", str(steps), "--trainer.enable_progress_bar", "false"]
    if not validate:
        argv += ["--trainer.limit_val_batches", "0"]
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as work:
        env["TACGEN_CACHE_DIR"] = str(Path(work) / "cache")
        start, cpu = time.perf_counter(), _children_cpu()
        done = subprocess.run(
            [sys.executable, "-m", "tacgen.cli", *argv, *extra],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
        )
        wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"fit failed in {tree}:\n{done.stderr[-2000:]}")
    found = re.search(r"\(([\d.]+) steps/s", done.stderr + done.stdout)
    return wall, cpu, float(found.group(1)) if found else None


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200, help="optimizer steps per fit")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each variant")
    parser.add_argument("--validate", action="store_true", help="keep the demo's validation")
    parser.add_argument(
        "--tree", action="append", default=[], help="NAME=PATH: another source tree to time"
    )
    args = parser.parse_args()
    variants: list[tuple[str, Path, list[str]]] = [
        ("shipped", REPO, []),
        ("no step checkpoints", REPO, NO_STEP_CHECKPOINTS),
    ]
    for spec in args.tree:
        name, _, path = spec.partition("=")
        variants.append((name, Path(path).resolve(), []))
    print(f"# {cpu_model()}; {args.steps} steps, validation {'on' if args.validate else 'off'}")
    walls: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    cpus: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    rates: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    for _ in range(args.repeats):  # interleaved: a load change hits every variant alike
        for name, tree, extra in variants:
            wall, cpu, rate = run_fit(tree, args.steps, args.validate, extra)
            walls[name].append(wall)
            cpus[name].append(cpu)
            if rate is not None:
                rates[name].append(rate)
            loop = f", loop {rate:.2f} steps/s" if rate else ""
            print(f"  {name}: {wall:.1f} s wall, {cpu:.1f} s CPU{loop}", flush=True)
    base, base_cpu = statistics.median(walls["shipped"]), statistics.median(cpus["shipped"])
    print("| variant | wall s | steps/s (wall) | loop steps/s | CPU s | wall, CPU vs shipped |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, _, _ in variants:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        loop = f"{statistics.median(rates[name]):.2f}" if rates[name] else "-"
        ratio = f"{wall / base:.2f}x, {cpu / base_cpu:.2f}x"
        print(f"| {name} | {wall:.1f} | {args.steps / wall:.2f} | {loop} | {cpu:.1f} | {ratio} |")


if __name__ == "__main__":
    main()
