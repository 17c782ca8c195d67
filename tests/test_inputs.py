"""One input builder for training, validation, prediction and generation.

With a retriever attached and ``keep_marks=False``, validation and generation must see
the inputs training saw: premises prepended within the budget, with no ``<a>`` marks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import torch

from model_fixtures import SMALL_CONFIG, collate
from tacgen.core.records import Premise, Query
from tacgen.data.formatting import build_model_input
from tacgen.generator.dataset import GeneratorDataset
from tacgen.generator.inference import InferenceGenerator, load_generator
from tacgen.generator.inputs import InputBuilder
from tacgen.generator.module import RetrievalAugmentedGenerator
from tacgen.retrieval.interface import Retrieved, Retriever

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny"
# The full name occurs in the code, so serialize() marks it: <a>Nat.add_zero'</a>.
PREMISES = [
    Premise("Nat.lean", "Nat.add_zero'", (1, 0), (1, 40), "theorem Nat.add_zero' : n + 0 = n"),
    Premise("Nat.lean", "Nat.zero_add'", (2, 0), (2, 40), "theorem Nat.zero_add' : 0 + n = n"),
]


class FixedRetriever(Retriever):
    """Retrieves the same premises for every query; records the queries."""

    def __init__(self) -> None:
        self.queries: list[Query] = []

    def retrieve_queries(self, queries: Sequence[Query], k: int) -> list[Retrieved]:
        self.queries += queries
        return [[(p, 1.0) for p in PREMISES[:k]] for _ in queries]


def _generator(**kwargs: Any) -> RetrievalAugmentedGenerator:
    torch.manual_seed(0)
    options = {"model_config": SMALL_CONFIG, "num_beams": 2, "max_output_length": 8}
    return RetrievalAugmentedGenerator(**{**options, **kwargs})


def test_build_model_input_marks_and_budget() -> None:
    marked = build_model_input("⊢ s", PREMISES, 1000)
    # The best premise ends up right before the state, each followed by a blank line.
    first = "theorem <a>Nat.add_zero'</a> : n + 0 = n\n\n"
    second = "theorem <a>Nat.zero_add'</a> : 0 + n = n\n\n"
    assert marked == second + first + "⊢ s"
    unmarked = build_model_input("⊢ s", PREMISES, 1000, keep_marks=False)
    assert (
        unmarked == "theorem Nat.zero_add' : 0 + n = n\n\ntheorem Nat.add_zero' : n + 0 = n\n\n⊢ s"
    )
    # A budget of the state's 5 bytes and one premise: the best one only; one byte less:
    # none (each premise's 42 bytes do not fit).
    assert len(first.encode()) == len(second.encode()) == 42
    assert build_model_input("⊢ s", PREMISES, 5 + 42) == first + "⊢ s"
    assert build_model_input("⊢ s", PREMISES, 5 + 41) == "⊢ s"
    assert build_model_input("⊢ s", None, 1000) == build_model_input("⊢ s", [], 5) == "⊢ s"


@pytest.mark.parametrize("keep_marks", [True, False])
def test_validation_and_generation_see_the_training_inputs(
    keep_marks: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dataset (training inputs, no dropout), the training module's validation batch and
    ``generate`` all build the same input text for the same premises."""
    # Training: the data module's dataset with these premises for every example.
    plain = GeneratorDataset(TINY / "val.json", keep_marks=keep_marks, use_cache=False)
    predictions = {(e.file_path, e.full_name, e.state): PREMISES for e in plain.examples}
    dataset = GeneratorDataset(
        TINY / "val.json",
        keep_marks=keep_marks,
        use_cache=False,
        predictions=predictions,
        premise_drop_prob=0.0,
        is_train=True,
    )
    items = [dataset[i] for i in range(3)]
    trained = [item.state for item in items]
    assert all(("<a>" in text) == keep_marks for text in trained)

    generator = _generator(keep_marks=keep_marks, max_input_length=dataset.max_input_length)
    generator.attach_retriever(FixedRetriever())
    # Validation / test / predict: the batch's inputs are rebuilt from retrieved premises.
    batch = dataset.collate([plain[i] for i in range(3)])
    assert generator._with_retrieved_inputs(batch).state == tuple(trained)
    # Generation: what reaches the tokenizer.
    seen: list[str] = []
    original = generator.tokenizer.batch_encode

    def spy(texts: Sequence[str], max_length: int | None = None) -> Any:
        seen.extend(texts)
        return original(texts, max_length)

    monkeypatch.setattr(generator.tokenizer, "batch_encode", spy)
    examples = [item.example for item in items]
    generator.batch_generate(
        [e.state for e in examples],
        [e.file_path for e in examples],
        [e.full_name for e in examples],
        [e.start for e in examples],
        2,
    )
    assert seen == trained


def test_input_builder_checks() -> None:
    with pytest.raises(ValueError, match="max_input_length"):
        InputBuilder(0)
    builder = InputBuilder(100, num_retrieved=0, retriever=FixedRetriever())
    assert not builder.retrieves and builder.build([Query("⊢ x")]) == ["⊢ x"]
    with pytest.raises(TypeError, match="must subclass Retriever"):
        builder.attach(object())  # type: ignore[arg-type]


def test_load_generator_from_checkpoint_and_directory(tmp_path: Path) -> None:
    """``load_generator`` reads a training checkpoint (settings included) or an exported
    directory, and suggests what the training module suggests."""
    import lightning as L

    from model_fixtures import loader

    generator = _generator(max_input_length=200, max_output_length=12, num_beams=2)
    trainer = L.Trainer(
        max_steps=1,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(generator, train_dataloaders=loader(batch_size=2))
    ckpt = tmp_path / "g.ckpt"
    trainer.save_checkpoint(ckpt)
    generator.eval()
    expected = generator.generate("⊢ True", "", "", (0, 0), 3)
    loaded = load_generator(ckpt, device="cpu")
    assert isinstance(loaded, InferenceGenerator) and loaded.retriever is None
    assert loaded.inputs.max_input_length == 200
    assert loaded.backend.max_output_length == 12  # type: ignore[attr-defined]
    assert loaded.generate("⊢ True", "", "", (0, 0), 3) == expected
    exported = generator.export(tmp_path / "hf")
    from_dir = load_generator(exported, device="cpu", max_output_length=12)
    assert from_dir.generate("⊢ True", "", "", (0, 0), 3) == expected
    with pytest.raises(ValueError, match="unknown load_generator options"):
        load_generator(ckpt, beams=3)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_generator(tmp_path / "missing.ckpt")
    with pytest.raises(ValueError, match="num_samples"):
        loaded.generate("⊢ True", "", "", (0, 0), 0)
    # A batch of validation examples gives the same tactics through either path.
    batch = collate([("⊢ True", "trivial"), ("n : ℕ\n⊢ n = n", "rfl")])
    ours = generator._decode(batch)
    assert [r[:1] for r in ours] == [
        r[:1] for r in loaded.batch_generate(list(batch.state), ["", ""], ["", ""], [(0, 0)] * 2, 2)
    ]
