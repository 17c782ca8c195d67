"""Callbacks of the generator: the validation summary line and the prediction writer."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

import lightning as L
import orjson
from lightning.pytorch.callbacks import BasePredictionWriter

from tacgen.core.atomic import atomic_path
from tacgen.core.records import Example
from tacgen.generator.options import Candidates

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


class TacticPredictionWriter(BasePredictionWriter):
    """Writes ``tacgen predict``'s ranked tactics as JSON Lines, one line per example.

    Rows (see ``RetrievalAugmentedGenerator.predict_step``) go to a temporary file in the
    target's folder, renamed into place when prediction ends, so a killed run never leaves
    a partial file under the target name. Under several processes each rank writes its own
    file (``predictions.rank1.jsonl``, ...). Does nothing outside ``predict``.
    """

    def __init__(self, output_path: str | None = None) -> None:
        """Chooses where to write.

        Args:
            output_path: the JSON Lines file; ``<log_dir>/predictions.jsonl`` when None.
        """
        super().__init__(write_interval="batch")
        self.output_path = output_path
        self._target: Path | None = None
        self._handle: BinaryIO | None = None
        self._writing: contextlib.ExitStack | None = None  # the atomic_path of the target
        self._rows = 0

    def _path(self, trainer: L.Trainer) -> Path:
        path = Path(self.output_path or Path(trainer.log_dir or ".") / "predictions.jsonl")
        if trainer.world_size > 1:
            path = path.with_name(f"{path.stem}.rank{trainer.global_rank}{path.suffix}")
        return path

    def on_predict_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._target = self._path(trainer)
        self._writing = contextlib.ExitStack()
        partial = self._writing.enter_context(atomic_path(self._target))
        handle = open(partial, "wb")  # noqa: SIM115 (the ExitStack closes it, before the rename)
        self._handle = self._writing.enter_context(handle)
        self._rows = 0

    def write_on_batch_end(
        self,
        trainer: L.Trainer,
        pl_module: L.LightningModule,
        prediction: Any,
        batch_indices: Sequence[int] | None,
        batch: Any,
        batch_idx: int,
        dataloader_idx: int,
    ) -> None:
        assert self._handle is not None
        for row in prediction:
            self._handle.write(orjson.dumps(row) + b"\n")
        self._rows += len(prediction)

    def on_predict_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._writing is None:
            return
        self._writing.close()  # closes, fsyncs and renames over the target
        self._writing, self._handle = None, None
        logger.info("wrote ranked tactics for %d states to %s", self._rows, self._target)

    def on_exception(
        self, trainer: L.Trainer, pl_module: L.LightningModule, exception: BaseException
    ) -> None:
        if self._writing is not None:  # the target stays as it was; the partial file goes
            self._writing.__exit__(type(exception), exception, exception.__traceback__)
            self._writing, self._handle = None, None


def prediction_rows(
    examples: Sequence[Example], candidates: Sequence[Candidates]
) -> list[dict[str, Any]]:
    """The JSON-ready rows ``predict`` writes (:class:`TacticPredictionWriter`).

    Args:
        examples: the stored examples of a batch.
        candidates: for each, ranked (tactic, score) pairs.

    Returns:
        One row per example: where it is, its state, the reference tactic and ``tactics``,
        a list of ``{"tactic", "score"}`` (log-probability), best first.
    """
    return [
        {
            "file_path": e.file_path,
            "full_name": e.full_name,
            "position": list(e.start),
            "tactic_index": e.tactic_index,
            "state": e.state,
            "reference": e.tactic,
            "tactics": [{"tactic": t, "score": s} for t, s in ranked],
        }
        for e, ranked in zip(examples, candidates)
    ]
