"""Training speed with length-grouped batches vs plain random batches, on real states.

Usage::

    python benchmarks/bench_batching.py [--steps 30] [--model tiny]

Trains the same model from the same seed for ``--steps`` optimizer steps on
``minif2f-mathlib4-traced/random/val.json`` twice in one process: with
``GeneratorDataModule(group_by_length=False)`` (a random batch is padded to its longest
state) and with ``group_by_length=True`` (the default). Prints seconds per step and the
share of padded positions over a whole epoch of each batching.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("TACGEN_DATA_DIR", REPO.parent / "shared" / "data"))


def padding_share(loader) -> float:
    """Padded share of (state + tactic) positions over one epoch of ``loader``."""
    real = padded = 0
    for batch in loader:
        real += int(batch.state_mask.sum()) + int(batch.tactic_mask.sum())
        padded += batch.state_mask.numel() + batch.tactic_mask.numel()
    return 1 - real / padded


def seconds_per_step(group_by_length: bool, args: argparse.Namespace) -> tuple[float, float]:
    """(seconds per training step, padded share of an epoch) for one batching."""
    import lightning as L

    from tacgen.generator.datamodule import GeneratorDataModule
    from tacgen.generator.module import RetrievalAugmentedGenerator

    L.seed_everything(3407, verbose=False)
    data = GeneratorDataModule(
        str(args.data),
        batch_size=args.batch_size,
        num_workers=0,
        max_input_length=args.max_input_length,
        max_output_length=args.max_output_length,
        train_file="val.json",  # the folder has no train.json
        group_by_length=group_by_length,
    )
    data.setup("fit")
    share = padding_share(data.train_dataloader())
    model = RetrievalAugmentedGenerator(
        args.model,
        max_input_length=args.max_input_length,
        max_output_length=args.max_output_length,
        log_io_every_n_steps=0,
    )
    trainer = L.Trainer(
        max_steps=args.steps,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        limit_val_batches=0,
    )
    start = time.perf_counter()
    trainer.fit(model, data)
    return (time.perf_counter() - start) / args.steps, share


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-input-length", type=int, default=2300)
    parser.add_argument("--max-output-length", type=int, default=512)
    args = parser.parse_args()
    args.data = DATA_DIR / "minif2f-mathlib4-traced" / "random"
    import torch

    print(
        f"command : python benchmarks/bench_batching.py --steps {args.steps} --model "
        f"{args.model} --batch-size {args.batch_size} --max-input-length "
        f"{args.max_input_length} --max-output-length {args.max_output_length}"
    )
    print(
        f"machine : {platform.platform()} | {os.cpu_count()} CPUs | torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads"
    )
    rows = {name: seconds_per_step(grouped, args) for name, grouped in
            (("random batches", False), ("grouped by length", True))}  # fmt: skip
    print(f"{'batching':<18} {'s/step':>7} {'padded share':>13}")
    for name, (step, share) in rows.items():
        print(f"{name:<18} {step:7.3f} {share:13.2f}")
    base, ours = rows["random batches"][0], rows["grouped by length"][0]
    print(f"speed-up of training steps: {base / ours:.2f}x")


if __name__ == "__main__":
    main()
