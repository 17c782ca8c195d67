"""Does the generator learn? Loss curve and top-k accuracy after a fixed budget, beside a
baseline that always proposes the k most frequent training tactics.

Usage::

    python benchmarks/bench_training.py demo            # bundled demo: train / val
    python benchmarks/bench_training.py minif2f         # real data: train on random/val.json,
                                                        # evaluate on random/test.json
    python benchmarks/bench_training.py minif2f --max-steps 1500 --eval-examples 300

Prints the loss curve (training loss every ``--log-every`` steps), the final validation
loss, top-1..top-k accuracy of beam search, and the frequency baseline's top-1..top-k on the
same evaluation examples.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("TACGEN_DATA_DIR", REPO.parent / "shared" / "data"))


class _LossCurve:
    """Collects the training loss every n steps (a Lightning callback, built lazily)."""

    def __new__(cls, every: int):  # a factory, so lightning is imported lazily
        import lightning as L

        class Curve(L.Callback):
            def __init__(self) -> None:
                self.points: list[tuple[int, float]] = []

            def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
                step = trainer.global_step
                if step % every == 0 and outputs is not None:
                    loss = outputs["loss"] if isinstance(outputs, dict) else outputs
                    self.points.append((step, float(loss)))

        return Curve()


def _split_folder(name: str, eval_examples: int, work: Path) -> Path:
    """A folder with train.json and val.json (val possibly cut to its first theorems)."""
    if name == "demo":
        from tacgen.core.paths import resolve_data_path

        source = resolve_data_path("tacgen:demo/random")
        train, val = source / "train.json", source / "val.json"
    else:
        source = DATA_DIR / "minif2f-mathlib4-traced" / "random"
        train, val = source / "val.json", source / "test.json"
    folder = work / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.json").write_bytes(train.read_bytes())
    theorems, kept, count = json.loads(val.read_text()), [], 0
    for theorem in theorems:
        if count >= eval_examples:
            break
        kept.append(theorem)
        count += len(theorem["traced_tactics"])
    (folder / "val.json").write_text(json.dumps(kept, ensure_ascii=False))
    return folder


def frequency_baseline(folder: Path, k: int) -> list[float]:
    """Top-1..top-k accuracy of always proposing the k most frequent training tactics."""
    from tacgen.data.formatting import remove_marks
    from tacgen.generator.dataset import GeneratorDataset

    train = GeneratorDataset(folder / "train.json", use_cache=False)
    val = GeneratorDataset(folder / "val.json", use_cache=False)
    ranked = [t for t, _ in Counter(remove_marks(t) for t in train.examples.tactics).most_common(k)]
    truths = [remove_marks(t) for t in val.examples.tactics]
    return [sum(t in ranked[:i] for t in truths) / max(1, len(truths)) for i in range(1, k + 1)]


def train_and_evaluate(folder: Path, args: argparse.Namespace) -> dict[str, object]:
    """Trains the named model for ``max_steps`` and validates it once at the end."""
    import lightning as L

    from tacgen.generator.datamodule import GeneratorDataModule
    from tacgen.generator.module import RetrievalAugmentedGenerator

    L.seed_everything(3407, verbose=False)
    data = GeneratorDataModule(
        str(folder),
        batch_size=args.batch_size,
        eval_batch_size=32,
        num_workers=0,
        max_input_length=args.max_input_length,
        max_output_length=args.max_output_length,
        use_cache=False,
    )
    model = RetrievalAugmentedGenerator(
        args.model,
        lr=args.lr,
        warmup_steps=args.warmup_steps,
        num_beams=args.num_beams,
        max_input_length=args.max_input_length,
        max_output_length=args.max_output_length,
        log_io_every_n_steps=0,
    )
    curve = _LossCurve(args.log_every)
    trainer = L.Trainer(
        max_steps=args.max_steps,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        limit_val_batches=0,
        callbacks=[curve],
        gradient_clip_val=1.0,
    )
    start = time.perf_counter()
    trainer.fit(model, data)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    metrics = L.Trainer(accelerator="cpu", logger=False, enable_progress_bar=False).validate(
        model, data, verbose=False
    )[0]
    return {
        "curve": curve.points,
        "metrics": metrics,
        "train_seconds": train_seconds,
        "eval_seconds": time.perf_counter() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("dataset", choices=["demo", "minif2f"])
    parser.add_argument("--model", default="tiny")
    parser.add_argument("--max-steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--warmup-steps", type=int, default=30)
    parser.add_argument("--num-beams", type=int, default=4)
    parser.add_argument("--max-input-length", type=int, default=1024)
    parser.add_argument("--max-output-length", type=int, default=128)
    parser.add_argument("--eval-examples", type=int, default=10**9)
    parser.add_argument("--log-every", type=int, default=25)
    args = parser.parse_args()
    print(f"command : python benchmarks/bench_training.py {' '.join(os.sys.argv[1:])}")
    print(f"machine : {platform.platform()} | {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        folder = _split_folder(args.dataset, args.eval_examples, Path(tmp))
        baseline = frequency_baseline(folder, args.num_beams)
        result = train_and_evaluate(folder, args)
    print(
        f"training: {args.max_steps} steps of batch {args.batch_size}, "
        f"{result['train_seconds']:.0f} s; evaluation {result['eval_seconds']:.0f} s"
    )
    print(
        "loss curve (step: training loss): "
        + ", ".join(f"{s}: {v:.3f}" for s, v in result["curve"])
    )  # type: ignore[attr-defined]
    metrics = result["metrics"]
    print(f"loss_val: {metrics['loss_val']:.4f}")  # type: ignore[index]
    print(f"{'k':>3} {'model top-k':>12} {'most-frequent baseline':>24}")
    for k in range(1, args.num_beams + 1):
        print(f"{k:>3} {metrics[f'top{k}_acc_val']:12.3f} {baseline[k - 1]:24.3f}")  # type: ignore[index]


if __name__ == "__main__":
    main()
