"""Step-limited runs show ``step N/max_steps`` in the rich progress bar, not ``Epoch 4/-2``."""

from __future__ import annotations

import lightning as L
import pytest
import torch

from model_fixtures import SMALL_CONFIG, loader
from tacgen.generator.module import RetrievalAugmentedGenerator


def test_rich_bar_counts_steps_of_max_steps() -> None:
    pytest.importorskip("rich")
    from lightning.pytorch.callbacks import RichProgressBar

    from tacgen.nn.progress import StepRichProgressBar

    torch.manual_seed(0)
    model = RetrievalAugmentedGenerator(model_config=SMALL_CONFIG, warmup_steps=1)
    trainer = L.Trainer(
        max_steps=3,
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        callbacks=[RichProgressBar()],
    )
    trainer.fit(model, train_dataloaders=loader(batch_size=2))
    bar = trainer.progress_bar_callback
    assert isinstance(bar, StepRichProgressBar)
    description = bar._get_train_description(trainer.current_epoch)
    assert description == f"Epoch {trainer.current_epoch} · step 3/3"
    assert "/-" not in description
