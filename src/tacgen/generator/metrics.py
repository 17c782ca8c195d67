"""Evaluation metrics of the generator."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torchmetrics import Metric

from tacgen.data.formatting import remove_marks


class TopkAccuracy(Metric):
    """Fraction of examples whose ground-truth tactic is among the first k predictions.

    Premise marks (``<a>``, ``</a>``) are removed from both sides before comparing.
    Counts are summed across processes.
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False

    correct: torch.Tensor
    total: torch.Tensor

    def __init__(self, k: int) -> None:
        """Creates the metric.

        Args:
            k: how many of the first predictions count; at least 1.
        """
        super().__init__()
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        self.k = k
        self.add_state("correct", default=torch.tensor(0), dist_reduce_fx="sum")
        self.add_state("total", default=torch.tensor(0), dist_reduce_fx="sum")

    def update(self, batch_preds: Sequence[Sequence[str]], batch_gt: Sequence[str]) -> None:
        """Counts a batch.

        Args:
            batch_preds: for each example, its predictions, best first.
            batch_gt: for each example, its ground-truth tactic.
        """
        if len(batch_preds) != len(batch_gt):
            raise ValueError(f"{len(batch_preds)} prediction lists for {len(batch_gt)} targets")
        hits = 0
        for preds, gt in zip(batch_preds, batch_gt):
            target = remove_marks(gt)
            hits += any(remove_marks(pred) == target for pred in preds[: self.k])
        self.correct += hits
        self.total += len(batch_gt)

    def compute(self) -> torch.Tensor:
        """The accuracy so far; 0 when nothing was counted.

        Returns:
            A float scalar tensor.
        """
        if self.total == 0:
            return torch.tensor(0.0, device=self.correct.device)
        return self.correct.float() / self.total


def topk_metrics(num_beams: int) -> torch.nn.ModuleList:
    """``TopkAccuracy`` for k = 1..``num_beams``, as a module list (Lightning syncs them)."""
    return torch.nn.ModuleList([TopkAccuracy(k) for k in range(1, num_beams + 1)])
