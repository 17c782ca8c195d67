"""Checkpoints that survive a kill: ``LastCheckpoint`` and ``AtomicCheckpointIO``.

``LastCheckpoint`` writes ``last.ckpt`` every N optimizer steps and when training ends.

Lightning's ``ModelCheckpoint`` writes on validation or epoch boundaries; a step-limited run
that stops between them (``--trainer.max_steps=60`` with validation every 100 steps) ended
with no checkpoint at all. This callback saves on its own schedule and at the end, to a
temporary name in the same folder that is renamed over ``last.ckpt``: a kill at any moment
leaves the previous ``last.ckpt`` whole.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import lightning as L
from lightning.fabric.plugins import TorchCheckpointIO

from tacgen.core.atomic import atomic_path, fsync_path
from tacgen.core.errors import ConfigError


class LastCheckpoint(L.Callback):
    """Keeps ``<dirpath>/last.ckpt`` current."""

    def __init__(self, dirpath: str | None = None, every_n_train_steps: int = 50) -> None:
        """Configures the schedule.

        Args:
            dirpath: the folder; ``<log_dir>/checkpoints`` when None.
            every_n_train_steps: optimizer steps between saves (the end is saved too).
        """
        if every_n_train_steps < 1:
            raise ConfigError(f"every_n_train_steps must be >= 1, got {every_n_train_steps}")
        self.dirpath = dirpath
        self.every_n_train_steps = every_n_train_steps
        self._saved_step = -1

    def path(self, trainer: L.Trainer) -> Path:
        """Where ``last.ckpt`` goes."""
        folder = self.dirpath or os.path.join(
            trainer.log_dir or trainer.default_root_dir, "checkpoints"
        )
        return Path(folder) / "last.ckpt"

    def on_train_batch_end(self, trainer: L.Trainer, *args: object) -> None:
        step = trainer.global_step
        if step and step % self.every_n_train_steps == 0:
            self.save(trainer)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.save(trainer)

    def save(self, trainer: L.Trainer) -> None:
        """Writes ``last.ckpt`` now (once per optimizer step at most), atomically."""
        if trainer.global_step == self._saved_step or trainer.sanity_checking:
            return
        self._saved_step = trainer.global_step
        target = self.path(trainer)
        partial = target.with_name(f".{target.name}.partial")
        # Every rank calls it; rank zero writes. A full checkpoint (optimizer, loops,
        # callbacks) is what resuming needs; saying so spares Lightning's notice.
        trainer.save_checkpoint(partial, weights_only=False)
        if trainer.is_global_zero:
            fsync_path(partial)
            os.replace(partial, target)
            fsync_path(target.parent)
        trainer.strategy.barrier("last_checkpoint")


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning's checkpoint writer, writing to a temporary name renamed over the target.

    ``tacgen fit`` installs it unless a config names ``trainer.plugins``: every checkpoint
    (the best ones of ``ModelCheckpoint`` too) is then whole on disk or not there.
    """

    def save_checkpoint(
        self, checkpoint: dict[str, Any], path: Any, storage_options: Any | None = None
    ) -> None:
        with atomic_path(path) as partial:
            super().save_checkpoint(checkpoint, partial, storage_options)
