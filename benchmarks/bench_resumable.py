"""What exact resume costs the training loader: ``ResumableLoader`` vs a plain DataLoader.

Usage::

    python benchmarks/bench_resumable.py [--epochs 3] [--premises 30] [--batch-size 8]

Trains nothing: iterates whole epochs of the generator's training data, built from the real
states of ``$TACGEN_DATA_DIR/minif2f-mathlib4-traced/random/val.json`` with ``--premises``
retrieved premises per example (real premise-like text: other examples' states), premise
dropout 0.5. Both loaders share the dataset, the length-grouped sampler and the collation:

- ``plain``: ``torch.utils.data.DataLoader``; items asked for by index, premise dropout from
  the global ``random`` (what tacgen did before exact resume);
- ``resumable``: ``GeneratorDataModule.train_dataloader()``: ``ResumableLoader``, items
  asked for by ``ItemKey``, each with a generator seeded by (seed, epoch, index).

The two run alternately in one process; the median epoch time of each is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("TACGEN_DATA_DIR", REPO.parent / "shared" / "data"))


def write_split_and_predictions(folder: Path, premises: int) -> Path:
    """A split folder (train = minif2f random/val.json) and a predictions file for it."""
    source = DATA_DIR / "minif2f-mathlib4-traced" / "random" / "val.json"
    theorems = json.loads(source.read_text(encoding="utf-8"))
    for name in ("train.json", "val.json"):  # setup("fit") reads val too
        (folder / name).write_text(json.dumps(theorems), encoding="utf-8")
    states = [t["state_before"] for th in theorems for t in th["traced_tactics"]]
    lines = []
    for number, (theorem, tactic) in enumerate(
        (th, t) for th in theorems for t in th["traced_tactics"]
    ):
        retrieved = [
            {
                "path": "Mathlib/Fake.lean",
                "full_name": f"Fake.p{number}_{k}",
                "start": [k + 1, 1],
                "end": [k + 1, 40],
                "code": states[(number * 7 + k) % len(states)][:400],
            }
            for k in range(premises)
        ]
        record = {
            "file_path": theorem["file_path"],
            "full_name": theorem["full_name"],
            "state": tactic["state_before"],
            "retrieved_premises": retrieved,
        }
        lines.append(json.dumps(record))
    preds = folder / "predictions.jsonl"
    preds.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return preds


def epoch_seconds(loader: object, epoch: int) -> float:
    loader.sampler.set_epoch(epoch)  # type: ignore[attr-defined]
    start = time.perf_counter()
    batches = sum(1 for _ in loader)  # type: ignore[attr-defined]
    assert batches == len(loader)  # type: ignore[arg-type]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--premises", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()

    import torch
    from torch.utils.data import DataLoader

    from tacgen.generator.datamodule import GeneratorDataModule

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        preds = write_split_and_predictions(folder, args.premises)
        data = GeneratorDataModule(
            str(folder),
            batch_size=args.batch_size,
            num_workers=0,
            preds_path=str(preds),
            use_cache=False,
        )
        data.setup("fit")
        resumable = data.train_dataloader()
        dataset = data.datasets["train"]
        plain = DataLoader(
            dataset,
            batch_size=args.batch_size,
            sampler=resumable.sampler,
            drop_last=True,
            collate_fn=dataset.collate,
        )
        times: dict[str, list[float]] = {"plain": [], "resumable": []}
        for epoch in range(args.epochs):
            times["plain"].append(epoch_seconds(plain, epoch))
            times["resumable"].append(epoch_seconds(resumable, epoch))

    print(
        f"command : python benchmarks/bench_resumable.py --epochs {args.epochs} "
        f"--premises {args.premises} --batch-size {args.batch_size}"
    )
    print(f"machine : {platform.platform()} | {os.cpu_count()} CPUs | torch {torch.__version__}")
    print(f"data    : {len(dataset)} examples, {len(resumable)} batches an epoch")
    print(f"{'loader':<12}{'s/epoch':>10}{'ms/batch':>10}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<12}{median:>10.3f}{1000 * median / len(resumable):>10.2f}")
    ratio = statistics.median(times["resumable"]) / statistics.median(times["plain"])
    print(f"resumable / plain epoch time: {ratio:.3f}")


if __name__ == "__main__":
    main()
