"""Wiring test: the tiny model memorises 16 real examples until top-1 accuracy is 1.0.

Only if labels, padding masks, the shift of decoder inputs, beam-search decoding, mark
handling and the metric are all wired right can a model reach exact top-1 accuracy on the
examples it trains on. 16 real examples from ``minif2f-mathlib4-traced/random/val.json``
(the first ones, in file order, whose state is at most 160 bytes and whose annotated
tactic is at most 64 bytes; several tactics carry ``<a>…</a>`` premise marks) form both the
training and the validation split. The state budget is below the 300 bytes one might pick
only to keep the run around 15-20 s on two CPU cores (attention cost grows with its square).

The model is ``fixtures/configs/minuscule_t5_no_dropout.json`` (the minuscule T5 with
dropout 0, so that memorisation is exact), trained with a real ``lightning.Trainer`` at a
high learning rate, validated every 25 steps, stopped as soon as ``top1_acc_val`` is 1.0
and failed if that has not happened by 600 steps (it takes 125-175 in practice).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lightning as L
import pytest
import torch

from tacgen.data.formatting import format_state, remove_marks
from tacgen.generator.datamodule import GeneratorDataModule
from tacgen.generator.module import RetrievalAugmentedGenerator

MODEL_CONFIG = Path(__file__).parent / "fixtures" / "configs" / "minuscule_t5_no_dropout.json"
NUM_EXAMPLES = 16
MAX_STATE_BYTES = 160
MAX_TACTIC_BYTES = 64
MAX_INPUT_LENGTH = 192  # > every chosen state + eos: nothing is truncated
MAX_OUTPUT_LENGTH = 128  # > every formatted tactic (full premise names) + eos
MAX_STEPS = 600
VALIDATE_EVERY = 25  # epochs; one epoch is one step (16 examples, batch 16)


def choose_examples(theorems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first NUM_EXAMPLES short traced tactics with distinct states, kept in their
    theorems (LeanDojo format: every other field as in the source file)."""
    chosen: list[dict[str, Any]] = []
    states: set[str] = set()
    count = 0
    for theorem in theorems:
        keep: list[dict[str, Any]] = []
        for traced in theorem["traced_tactics"]:
            state = format_state(traced["state_before"])
            short = len(traced["state_before"].encode()) <= MAX_STATE_BYTES
            short = short and len(traced["annotated_tactic"][0].encode()) <= MAX_TACTIC_BYTES
            # One state, one target: two different tactics for one state cannot both be top-1.
            if short and state not in states and count + len(keep) < NUM_EXAMPLES:
                keep.append(traced)
                states.add(state)
        if keep:
            chosen.append({**theorem, "traced_tactics": keep})
            count += len(keep)
        if count == NUM_EXAMPLES:
            break
    return chosen


@pytest.fixture
def split(data_dir: Path, tmp_path: Path) -> Path:
    """A split folder whose train.json and val.json both hold the 16 chosen examples."""
    source = data_dir / "minif2f-mathlib4-traced" / "random" / "val.json"
    theorems = choose_examples(json.loads(source.read_text(encoding="utf-8")))
    tactics = [t for theorem in theorems for t in theorem["traced_tactics"]]
    assert len(tactics) == NUM_EXAMPLES
    assert any("<a>" in t["annotated_tactic"][0] and t["annotated_tactic"][1] for t in tactics)
    folder = tmp_path / "overfit"
    folder.mkdir()
    text = json.dumps(theorems, ensure_ascii=False)
    for name in ("train.json", "val.json", "test.json"):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """One intra-op thread: two spin-waiting threads on a shared 2-core machine are slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


class StopAtPerfectTop1(L.Callback):
    """Records ``top1_acc_val`` after each validation and stops training once it is 1.0."""

    def __init__(self) -> None:
        self.history: list[tuple[int, float, float]] = []

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        metrics = trainer.callback_metrics
        top1 = float(metrics["top1_acc_val"])
        self.history.append((trainer.global_step, top1, float(metrics["loss_val"])))
        if top1 == 1.0:
            trainer.should_stop = True


@pytest.mark.filterwarnings("ignore:.*LeafSpec")
@pytest.mark.filterwarnings("ignore:.*overridden `transfer_batch_to_device`")
def test_tiny_model_memorises_16_real_examples(split: Path, tmp_path: Path) -> None:
    """Training on 16 real examples reaches top-1 accuracy 1.0 on them within 600 steps, and
    ``generate`` then returns a memorised tactic, marks removed, first."""
    L.seed_everything(3407, verbose=False)
    data = GeneratorDataModule(
        str(split),
        batch_size=NUM_EXAMPLES,
        eval_batch_size=NUM_EXAMPLES,
        num_workers=0,
        max_input_length=MAX_INPUT_LENGTH,
        max_output_length=MAX_OUTPUT_LENGTH,
    )
    model = RetrievalAugmentedGenerator(
        model_name=str(MODEL_CONFIG),
        lr=1e-2,
        warmup_steps=10,
        num_beams=2,
        max_input_length=MAX_INPUT_LENGTH,
        max_output_length=MAX_OUTPUT_LENGTH,
        log_io_every_n_steps=0,
    )
    stop = StopAtPerfectTop1()
    trainer = L.Trainer(
        accelerator="cpu",
        devices=1,
        max_steps=MAX_STEPS,
        check_val_every_n_epoch=VALIDATE_EVERY,
        num_sanity_val_steps=0,
        gradient_clip_val=1.0,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        default_root_dir=tmp_path,
        callbacks=[stop],
    )
    trainer.fit(model, data)

    examples = data.datasets["val"].examples
    assert len(examples) == NUM_EXAMPLES
    lengths = examples.tactics.byte_lengths()
    assert int(lengths.max()) < MAX_OUTPUT_LENGTH  # targets are whole, not truncated
    assert stop.history and stop.history[-1][1] == 1.0, f"(step, top1, loss): {stop.history}"

    # generate() from the raw text of a state whose tactic has premise marks.
    marked = next(ex for ex in examples if "<a>" in ex.tactic)
    candidates = model.generate(marked.state, marked.file_path, marked.full_name, marked.start, 2)
    assert candidates[0][0] == remove_marks(marked.tactic)
    assert "<a>" not in candidates[0][0]
    ranked = model.batch_generate(
        [ex.state for ex in examples],
        [ex.file_path for ex in examples],
        [ex.full_name for ex in examples],
        [ex.start for ex in examples],
        2,  # the validation's beam width: greedy decoding may miss the most likely tactic
    )
    assert [c[0][0] for c in ranked] == [remove_marks(ex.tactic) for ex in examples]
    # Validation in batches of 4, longest first or in file order: the metric pairs every
    # prediction with its own target either way.
    for grouped in (True, False):
        small_batches = GeneratorDataModule(
            str(split),
            eval_batch_size=4,
            num_workers=0,
            max_input_length=MAX_INPUT_LENGTH,
            max_output_length=MAX_OUTPUT_LENGTH,
            group_by_length=grouped,
        )
        validator = L.Trainer(
            accelerator="cpu", logger=False, enable_progress_bar=False, enable_model_summary=False
        )
        metrics = validator.validate(model, small_batches, verbose=False)[0]
        assert metrics["top1_acc_val"] == 1.0, (grouped, metrics)
