"""The generator's records between dataset and model: items and collated batches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any

import torch

from tacgen.core.errors import RecordError
from tacgen.core.records import Example
from tacgen.nn.batch import TensorBatch


@dataclass(frozen=True, slots=True)
class GeneratorItem:
    """One example as the generator sees it: the model input and the target."""

    example: Example
    """The stored, un-augmented example."""
    state: str
    """Model input: retrieved premises (if any) followed by the state."""
    tactic: str
    """Target tactic."""
    proof_before: tuple[str, ...] = ()
    """The theorem's traced tactics before this one, root first, unmarked (what a causal
    prompt template shows as the tactics so far; seq2seq models ignore it)."""


@dataclass(frozen=True)
class Batch(TensorBatch):
    """A collated batch; fields are also reachable by name (``batch["state_ids"]``)."""

    state: tuple[str, ...]
    """Model input strings."""
    tactic: tuple[str, ...]
    """Target tactic strings."""
    state_ids: torch.Tensor
    """(batch, input_len) int64 token ids, padded with 0."""
    state_mask: torch.Tensor
    """(batch, input_len) int64 attention mask."""
    tactic_ids: torch.Tensor
    """(batch, output_len) int64 target ids, padding set to -100."""
    tactic_mask: torch.Tensor
    """(batch, output_len) int64 target mask."""
    examples: tuple[Example, ...]
    """The stored examples (metadata: file_path, full_name, start, ...)."""
    proof_before: tuple[tuple[str, ...], ...] = ()
    """Per example, the theorem's tactics before it (see :class:`GeneratorItem`); empty
    for a batch built without them."""

    def __post_init__(self) -> None:
        n = len(self.state)
        for name in ("tactic", "examples", *(("proof_before",) if self.proof_before else ())):
            if len(getattr(self, name)) != n:
                raise RecordError(
                    f"batch field {name} has {len(getattr(self, name))} rows, not {n}"
                )
        for name in ("state_ids", "state_mask", "tactic_ids", "tactic_mask"):
            tensor = getattr(self, name)
            if tensor.dim() != 2 or tensor.shape[0] != n:
                raise RecordError(
                    f"batch field {name} has shape {tuple(tensor.shape)}, batch is {n}"
                )

    def __len__(self) -> int:
        return len(self.state)

    def __getitem__(self, key: str) -> Any:
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)

    def keys(self) -> list[str]:
        """Names of the batch fields, as for a dict."""
        return [f.name for f in fields(self)]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())
