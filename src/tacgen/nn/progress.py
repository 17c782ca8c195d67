"""``StepRichProgressBar``: Lightning's rich bar, counting optimizer steps of ``max_steps``.

tacgen's runs are step-limited (the schedule ends at ``max_steps``), so Lightning sets
``max_epochs=-1`` and its rich bar reads ``Epoch 4/-2``. This bar reads
``Epoch 4 · step 120/200`` instead, updated every batch; without a step budget it is
Lightning's. ``T5Module`` puts it in place of the trainer's rich bar.
"""

from __future__ import annotations

from typing import Any

import lightning as L
from lightning.pytorch.callbacks import RichProgressBar


class StepRichProgressBar(RichProgressBar):
    """The rich progress bar, with the optimizer step in its description."""

    def _get_train_description(self, current_epoch: int) -> str:
        trainer = self.trainer
        if trainer.max_steps is None or trainer.max_steps < 0:
            return super()._get_train_description(current_epoch)
        return f"Epoch {current_epoch} · step {trainer.global_step}/{trainer.max_steps}"

    def on_train_batch_end(self, trainer: L.Trainer, *args: Any) -> None:
        super().on_train_batch_end(trainer, *args)  # type: ignore[arg-type]
        if self.progress is not None and self.train_progress_bar_id is not None:
            description = self._get_train_description(trainer.current_epoch)
            self.progress.update(self.train_progress_bar_id, description=description)
