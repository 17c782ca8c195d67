"""A minuscule causal generator trained through ``CausalGenerator`` (the LightningModule,
its batch hook and its checkpoints): conftest's ``causal_checkpoint`` is one, trained once
per test run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from model_fixtures import PAIRS, loader
from tacgen.data.formatting import remove_marks
from tacgen.nn.causal import CAUSAL_ARCHITECTURES

FIXTURES = Path(__file__).resolve().parent / "fixtures"

MINI_CAUSAL: dict[str, Any] = {
    **CAUSAL_ARCHITECTURES["tiny-qwen2"].config_dict(),
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
}
"""A Qwen2 config far smaller than ``tiny-qwen2`` (grouped-query attention kept)."""


def causal_pairs() -> list[tuple[str, str]]:
    """The model fixtures' pairs (unmarked) and the tiny split's traced tactics."""
    from tacgen.prover.theorems import load_theorems

    traced = [
        (s.state_before, s.tactic)
        for t in load_theorems(FIXTURES / "tiny" / "train.json")
        for s in t.traced
    ]
    return [(state, remove_marks(tactic)) for state, tactic in PAIRS] + traced


def train_causal(
    path: Path,
    pairs: Sequence[tuple[str, str]],
    steps: int,
    lr: float = 1e-2,
    seed: int = 0,
    **module: Any,
) -> Path:
    """Trains a ``CausalGenerator`` (``MINI_CAUSAL`` unless ``module`` names a model) on
    (state, tactic) batches with a Trainer, and saves its checkpoint at ``path``."""
    import lightning as L

    from tacgen.generator.causal_module import CausalGenerator

    torch.manual_seed(seed)
    if "model_name" not in module:
        module["model_config"] = MINI_CAUSAL
    model = CausalGenerator(lr=lr, warmup_steps=1, max_output_length=64, num_beams=2, **module)
    trainer = L.Trainer(
        max_steps=steps,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
    )
    trainer.fit(model, train_dataloaders=loader(pairs, batch_size=len(pairs)))
    trainer.save_checkpoint(path)
    return path
