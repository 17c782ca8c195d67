"""The premise retriever's data records, and reading them from LeanDojo split files.

Every traced tactic is a :class:`TacticContext`: the formatted state before it, its
theorem, and its *positives*, the corpus premises its provenances point to (provenances
not found in the corpus are counted and reported, then ignored).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
import torch

from tacgen.data.benchmark import BenchmarkFormatError, read_split_bytes
from tacgen.data.formatting import format_state
from tacgen.data.jsonscan import JsonScanError, element_spans
from tacgen.data.records import Position, as_position
from tacgen.retrieval.corpus import Corpus

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TacticContext:
    """One traced tactic as the retriever sees it: where it is, its state, its positives."""

    file_path: str
    """Lean file of the theorem."""
    full_name: str
    """Fully qualified name of the theorem."""
    theorem_pos: Position
    """(line, column) where the theorem starts; premises after it are not accessible."""
    state: str
    """The formatted proof state before the tactic (the query)."""
    positives: tuple[int, ...]
    """Sorted corpus indices of the premises the tactic uses (may be empty)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "theorem_pos", as_position(self.theorem_pos, "theorem_pos"))
        if list(self.positives) != sorted(set(self.positives)) or any(
            p < 0 for p in self.positives
        ):
            raise ValueError(f"positives must be sorted, distinct and >= 0: {self.positives}")


@dataclass(frozen=True, slots=True)
class RetrievalExample:
    """A training example: a context and one of its positive premises."""

    context: TacticContext
    """The tactic."""
    positive: int
    """Corpus index of the positive premise (one of ``context.positives``)."""

    def __post_init__(self) -> None:
        if self.positive not in self.context.positives:
            raise ValueError(f"premise {self.positive} is not a positive of its context")


@dataclass(frozen=True, slots=True)
class SplitStats:
    """What loading a split for retrieval found."""

    tactics: int
    """Traced tactics in the file."""
    tactics_with_positives: int
    """Tactics with at least one positive premise found in the corpus."""
    provenances: int
    """Premise provenances of all tactics."""
    provenances_not_found: int
    """Provenances whose premise is not in the corpus (ignored)."""

    def __post_init__(self) -> None:
        if not 0 <= self.tactics_with_positives <= self.tactics:
            raise ValueError("tactics_with_positives must lie in [0, tactics]")
        if not 0 <= self.provenances_not_found <= self.provenances:
            raise ValueError("provenances_not_found must lie in [0, provenances]")


@dataclass(frozen=True)
class RetrievalBatch:
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
                raise ValueError(f"{name} has shape {tuple(tensor.shape)}, expected {rows} rows")
        if tuple(self.labels.shape) != (b, p):
            raise ValueError(f"labels have shape {tuple(self.labels.shape)}, expected {(b, p)}")

    def __len__(self) -> int:
        return len(self.contexts)

    def to(self, device: torch.device | str, non_blocking: bool = False) -> RetrievalBatch:
        """A copy with the tensors on ``device``."""
        return replace(
            self,
            **{n: getattr(self, n).to(device, non_blocking=non_blocking) for n in _PAIR_TENSORS},
        )

    def pin_memory(self) -> RetrievalBatch:
        """A copy with the tensors in pinned memory (DataLoader's ``pin_memory``)."""
        return replace(self, **{n: getattr(self, n).pin_memory() for n in _PAIR_TENSORS})


_PAIR_TENSORS = (
    "context_ids",
    "context_mask",
    "premise_indices",
    "premise_ids",
    "premise_mask",
    "labels",
)


@dataclass(frozen=True)
class ContextBatch:
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
                raise ValueError(f"{name} has shape {tuple(tensor.shape)}, not one row a context")

    def __len__(self) -> int:
        return len(self.contexts)

    def to(self, device: torch.device | str, non_blocking: bool = False) -> ContextBatch:
        """A copy with the tensors on ``device``."""
        return replace(
            self,
            context_ids=self.context_ids.to(device, non_blocking=non_blocking),
            context_mask=self.context_mask.to(device, non_blocking=non_blocking),
        )

    def pin_memory(self) -> ContextBatch:
        """A copy with the tensors in pinned memory (DataLoader's ``pin_memory``)."""
        return replace(
            self,
            context_ids=self.context_ids.pin_memory(),
            context_mask=self.context_mask.pin_memory(),
        )


def _provenances(tactic: Any) -> list[Any]:
    annotated = tactic.get("annotated_tactic") if isinstance(tactic, dict) else None
    if isinstance(annotated, list) and len(annotated) == 2 and isinstance(annotated[1], list):
        return annotated[1]
    return []


def _theorem_contexts(theorem: Any, corpus: Corpus, counts: list[int]) -> list[TacticContext]:
    """The contexts of one theorem; ``counts`` accumulates (provenances, not found)."""
    file_path, full_name = theorem["file_path"], theorem["full_name"]
    start = as_position(theorem["start"], "start")
    contexts = []
    for tactic in theorem["traced_tactics"]:
        provenances = _provenances(tactic)
        found, missing = corpus.locate_provenances(provenances)
        counts[0] += len(provenances)
        counts[1] += missing
        state = format_state(tactic["state_before"])
        positives = tuple(sorted(set(found)))
        contexts.append(TacticContext(file_path, full_name, start, state, positives))
    return contexts


def load_contexts(path: str | Path, corpus: Corpus) -> tuple[list[TacticContext], SplitStats]:
    """Reads a LeanDojo split file into tactic contexts, in file order.

    Args:
        path: the split file (e.g. ``random/train.json``).
        corpus: the corpus that provenances are located in.

    Returns:
        Every traced tactic's context (with or without positives), and counts.

    Raises:
        BenchmarkFormatError: when the file is not a LeanDojo split (naming the theorem).
    """
    resolved, buffer = read_split_bytes(path)
    try:
        spans = element_spans(buffer).tolist()
    except JsonScanError as error:
        raise BenchmarkFormatError(f"{resolved}: not a JSON list of theorems ({error})") from None
    contexts: list[TacticContext] = []
    counts = [0, 0]
    for index, (lo, hi) in enumerate(spans):
        theorem = None  # named in the error only once it parsed
        try:
            theorem = orjson.loads(buffer[lo:hi])
            contexts += _theorem_contexts(theorem, corpus, counts)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            name = theorem.get("full_name") if isinstance(theorem, dict) else None
            where = f"theorem #{index}" + (f" ({name})" if isinstance(name, str) else "")
            raise BenchmarkFormatError(
                f"{resolved}: {where}: {type(exc).__name__}: {exc}"
            ) from None
    with_positives = sum(1 for c in contexts if c.positives)
    stats = SplitStats(len(contexts), with_positives, counts[0], counts[1])
    logger.info(
        "%s: %d tactics, %d with positive premises; %d of %d provenances not in the corpus",
        resolved,
        stats.tactics,
        stats.tactics_with_positives,
        stats.provenances_not_found,
        stats.provenances,
    )
    return contexts, stats
