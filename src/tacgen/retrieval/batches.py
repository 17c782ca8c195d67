"""The retriever's batches: training pairs with their premises, and evaluation contexts."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from tacgen.core.errors import RecordError
from tacgen.data.contexts import TacticContext
from tacgen.nn.batch import TensorBatch


@dataclass(frozen=True)
class RetrievalBatch(TensorBatch):
    """Training pairs collated: contexts, every premise of the batch, and the labels."""

    contexts: tuple[TacticContext, ...]
    """The contexts, one per pair (a tactic with several positives may repeat)."""
    context_ids: torch.Tensor
    """(batch, ctx_len) int64 token ids of the states."""
    context_mask: torch.Tensor
    """(batch, ctx_len) int64 attention mask."""
    premise_indices: torch.Tensor
    """(premises,) int64 corpus indices: the batch's positives, then the sampled negatives."""
    premise_ids: torch.Tensor
    """(premises, prem_len) int64 token ids of the serialized premises."""
    premise_mask: torch.Tensor
    """(premises, prem_len) int64 attention mask."""
    labels: torch.Tensor
    """(batch, premises) float32: 1 where the premise is one of the context's positives."""

    def __post_init__(self) -> None:
        b, p = len(self.contexts), self.premise_indices.shape[0]
        expected = {
            "context_ids": b,
            "context_mask": b,
            "premise_ids": p,
            "premise_mask": p,
        }
        for name, rows in expected.items():
            tensor = getattr(self, name)
            if tensor.dim() != 2 or tensor.shape[0] != rows:
                raise RecordError(f"{name} has shape {tuple(tensor.shape)}, expected {rows} rows")
        if tuple(self.labels.shape) != (b, p):
            raise RecordError(f"labels have shape {tuple(self.labels.shape)}, expected {(b, p)}")

    def __len__(self) -> int:
        return len(self.contexts)


@dataclass(frozen=True)
class ContextBatch(TensorBatch):
    """Contexts collated for evaluation or retrieval."""

    contexts: tuple[TacticContext, ...]
    """The contexts."""
    context_ids: torch.Tensor
    """(batch, ctx_len) int64 token ids of the states."""
    context_mask: torch.Tensor
    """(batch, ctx_len) int64 attention mask."""

    def __post_init__(self) -> None:
        for name in ("context_ids", "context_mask"):
            tensor = getattr(self, name)
            if tensor.dim() != 2 or tensor.shape[0] != len(self.contexts):
                raise RecordError(f"{name} has shape {tuple(tensor.shape)}, not one row a context")

    def __len__(self) -> int:
        return len(self.contexts)
