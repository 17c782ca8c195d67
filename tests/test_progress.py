"""Console output of a fit: step-limited runs show ``step N/max_steps`` in the rich progress
bar, not ``Epoch 4/-2``; a timing line; and none of Lightning's noise."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

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


def test_fit_prints_tacgens_lines_and_no_lightning_noise(tmp_path: Path) -> None:
    """What a newcomer sees from ``tacgen fit``: the model summary, the progress bar, the
    validation and timing lines; not Lightning's tips, its weights_only notice, a FLOPs
    count of 0, or a notice that tacgen's bar overrode Lightning's."""
    repo = Path(__file__).resolve().parents[1]
    fixtures = repo / "tests" / "fixtures"
    argv = ["fit", "--config", str(fixtures / "configs" / "tiny.yaml")]
    argv += ["--model.model_name", str(fixtures / "configs" / "minuscule_t5.json")]
    argv += ["--data.data_path", str(fixtures / "tiny"), "--trainer.max_steps", "3"]
    argv += ["--trainer.enable_progress_bar", "true", "--trainer.enable_model_summary", "true"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TACGEN_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "tacgen.cli", *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    for noise in ("Tip:", "weights_only", "FLOPs", "will override existing callbacks"):
        assert noise not in out, (noise, out)
    assert "Parameters: " in out and "trainable" in out  # tacgen's summary, not none
    assert re.search(r"trained 3 optimizer steps in [\d.]+ s \([\d.]+ steps/s", out), out
    assert "validation (epoch" in out


def test_fit_timer_counts_steps_and_validation_time(caplog: pytest.LogCaptureFixture) -> None:
    from tacgen.nn.progress import FitTimer

    torch.manual_seed(0)
    model = RetrievalAugmentedGenerator(model_config=SMALL_CONFIG, warmup_steps=1)
    trainer = L.Trainer(
        max_steps=4,
        logger=False,
        enable_checkpointing=False,
        enable_model_summary=False,
        enable_progress_bar=False,
        val_check_interval=2,
        check_val_every_n_epoch=None,
        num_sanity_val_steps=0,
        limit_val_batches=1,
    )
    with caplog.at_level(logging.INFO, logger="tacgen.nn.progress"):
        trainer.fit(model, train_dataloaders=loader(batch_size=2), val_dataloaders=loader())
    timers = [c for c in trainer.callbacks if isinstance(c, FitTimer)]  # type: ignore[attr-defined]
    assert len(timers) == 1 and timers[0]._validating > 0.0
    (line,) = [r.getMessage() for r in caplog.records if r.name == "tacgen.nn.progress"]
    assert line.startswith("trained 4 optimizer steps in ")
