"""Callbacks the generator brings with it."""

from __future__ import annotations

import logging

import lightning as L

logger = logging.getLogger(__name__)


class ValidationSummary(L.Callback):
    """Prints one line of validation metrics (loss and top-k accuracy) after each validation.

    Lightning shows epoch metrics only in the progress bar during ``fit``; this line stays in
    the log. Runs on rank zero only and skips the sanity check.
    """

    def __init__(self, prefixes: tuple[str, ...] = ("loss_val", "top")) -> None:
        """Chooses what to print.

        Args:
            prefixes: metric names starting with one of these are printed.
        """
        self.prefixes = prefixes

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.sanity_checking or not trainer.is_global_zero:
            return
        metrics = {
            name: float(value)
            for name, value in sorted(trainer.callback_metrics.items())
            if name.endswith("_val") and name.startswith(self.prefixes)
        }
        if metrics:
            shown = "  ".join(f"{name} {value:.4f}" for name, value in metrics.items())
            where = f"epoch {trainer.current_epoch}, step {trainer.global_step}"
            logger.info("validation (%s): %s", where, shown)
