"""tacgen's console callbacks, in place of Lightning's defaults.

- ``StepRichProgressBar``: Lightning's rich bar, counting optimizer steps of ``max_steps``.
  tacgen's runs are step-limited (the schedule ends at ``max_steps``), so Lightning sets
  ``max_epochs=-1`` and its rich bar reads ``Epoch 4/-2``. This bar reads
  ``Epoch 4 · step 120/200`` instead, updated every batch; without a step budget it is
  Lightning's.
- ``ParameterSummary``: Lightning's rich model summary without the FLOPs column and total,
  which read 0 for every model that has no ``example_input_array``.
- ``FitTimer``: one line at the end of training: optimizer steps, wall seconds, steps per
  second, and the seconds spent in validation.

``T5Module.configure_callbacks`` swaps them in with :func:`replace_default_console_callbacks`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import RichModelSummary, RichProgressBar

logger = logging.getLogger(__name__)


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


class ParameterSummary(RichModelSummary):
    """The rich model summary: layers, parameters and modes, without FLOPs."""

    @staticmethod
    def summarize(
        summary_data: list[tuple[str, list[str]]],
        total_parameters: int,
        trainable_parameters: int,
        model_size: float,
        total_training_modes: dict[str, int],
        total_flops: int,
        **summarize_kwargs: Any,
    ) -> None:
        del total_training_modes, total_flops  # not shown
        from lightning.pytorch.utilities.model_summary.model_summary import (
            get_formatted_model_size,
            get_human_readable_count,
        )
        from rich import get_console
        from rich.table import Table

        columns = [(name, values) for name, values in summary_data if name != "FLOPs"]
        table = Table(header_style=summarize_kwargs.get("header_style", "bold magenta"))
        for name, _ in columns:
            table.add_column(name, justify="right" if name.startswith("Params") else "left")
        for row in zip(*(values for _, values in columns)):
            table.add_row(*row)
        console = get_console()
        console.print(table)
        trainable = get_human_readable_count(trainable_parameters).strip()
        frozen = get_human_readable_count(total_parameters - trainable_parameters).strip()
        size = get_formatted_model_size(model_size)
        console.print(f"Parameters: {trainable} trainable, {frozen} frozen ({size} MB)")


def replace_default_console_callbacks(callbacks: list[L.Callback]) -> None:
    """Replaces, in place, Lightning's own rich bar and rich model summary (not a user's
    subclass of them) by :class:`StepRichProgressBar` and :class:`ParameterSummary`."""
    for i, callback in enumerate(callbacks):
        if type(callback) is RichProgressBar:
            callbacks[i] = StepRichProgressBar(leave=callback._leave, theme=callback.theme)
        elif type(callback) is RichModelSummary:
            callbacks[i] = ParameterSummary(
                max_depth=callback._max_depth, **callback._summarize_kwargs
            )


class FitTimer(L.Callback):
    """Logs where a fit's time went: ``trained 200 optimizer steps in 98.1 s (2.04 steps/s;
    validation 12.3 s)``. Timed from the first training batch, so start-up (data loading,
    model building) is not counted; rank zero only."""

    def __init__(self) -> None:
        self._start: float | None = None
        self._first_step = 0
        self._validating = 0.0
        self._validation_start = 0.0

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._start, self._first_step, self._validating = (
            time.perf_counter(),
            trainer.global_step,
            0.0,
        )

    def on_validation_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._validation_start = time.perf_counter()

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._start is not None and not trainer.sanity_checking:
            self._validating += time.perf_counter() - self._validation_start

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._start is None or not trainer.is_global_zero:
            return
        seconds = time.perf_counter() - self._start
        steps = trainer.global_step - self._first_step
        rate = steps / max(seconds - self._validating, 1e-9)
        logger.info(
            "trained %d optimizer steps in %.1f s (%.2f steps/s outside validation; "
            "validation %.1f s)",
            steps,
            seconds,
            rate,
            self._validating,
        )
