"""``InputBuilder``: model inputs from queries, with premises from an attached retriever.

Validation, prediction and generation build their inputs here; the dataset builds its
training inputs with the same :func:`~tacgen.data.formatting.build_model_input`, so the
budget, the order of premises and the removal of marks (``keep_marks=False``) agree
everywhere.

Retrieval is one batched retriever call per :meth:`InputBuilder.build` (all its queries
together), timed and counted in :attr:`InputBuilder.stats`. The premises of the last
``cache_size`` queries are kept, so that scoring the same queries after generating for them
(proof search with a tactic library) does not retrieve again.

The retriever is kept outside any generator's module tree: it must not enter the
generator's optimizer, ``state_dict`` or checkpoints, nor follow its ``train()`` calls.
A ``torch.nn.Module`` retriever is frozen and put in eval mode when attached.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from tacgen.core.errors import ConfigError
from tacgen.core.records import Premise, Query
from tacgen.data.formatting import build_model_input
from tacgen.retrieval.interface import Retriever


@dataclass
class RetrievalStats:
    """What an :class:`InputBuilder`'s retriever did: batched calls, queries, seconds."""

    calls: int = 0
    """Retriever calls (one per batch of queries retrieved)."""
    queries: int = 0
    """Queries retrieved for, over all calls."""
    seconds: float = 0.0
    """Wall-clock seconds in the retriever."""
    cached: int = 0
    """Queries answered from the premises kept for recent queries (not retrieved again)."""


@dataclass
class InputBuilder:
    """Turns queries into model input texts (retrieved premises, then the state)."""

    max_input_length: int
    """The input budget in bytes (premises fill what the state leaves)."""
    keep_marks: bool = True
    """Keep ``<a>…</a>`` in prepended premises (as the training data module does)."""
    num_retrieved: int = 100
    """Premises retrieved per query when a retriever is attached; 0 retrieves none."""
    retriever: Retriever | None = None
    """The attached retriever, if any (see :meth:`attach`)."""
    stats: RetrievalStats = field(default_factory=RetrievalStats)
    """Counts and times the retriever's calls."""
    cache_size: int = 1024
    """Recent queries whose premises are kept (0: none)."""
    _recent: dict[tuple[Query, int], list[Premise]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.max_input_length < 1 or self.num_retrieved < 0:
            raise ConfigError(
                f"need max_input_length >= 1 and num_retrieved >= 0, got "
                f"{self.max_input_length} and {self.num_retrieved}"
            )
        self.attach(self.retriever)

    def attach(self, retriever: Retriever | None) -> None:
        """Attaches a retriever (frozen, in eval mode when it is a module), or detaches.

        Args:
            retriever: any :class:`Retriever`, or None for no retrieval.

        Raises:
            TypeError: when it is not a :class:`Retriever`.
        """
        if retriever is not None and not isinstance(retriever, Retriever):
            raise TypeError(f"a retriever must subclass Retriever, got {type(retriever).__name__}")
        if isinstance(retriever, torch.nn.Module):
            retriever.requires_grad_(False)
            retriever.eval()
        self.retriever = retriever
        self.forget()

    def forget(self) -> None:
        """Drops the premises kept for recent queries (the next calls retrieve again)."""
        self._recent = {}

    @property
    def retrieves(self) -> bool:
        """Whether inputs get retrieved premises."""
        return self.retriever is not None and self.num_retrieved > 0

    def retrieve(
        self, queries: Sequence[Query], device: torch.device | None = None
    ) -> list[list[Premise]]:
        """The premises of each query, best first (none without a retriever).

        A query without a ``file_path`` gets none: accessibility needs the theorem's file
        (Lean Copilot's external API, for one, sends the state alone).

        Args:
            queries: the queries.
            device: where a module retriever should run (the generator's, in training);
                None leaves it where it is.

        Returns:
            For each query, its premises.
        """
        retriever = self.retriever
        located = [i for i, q in enumerate(queries) if q.file_path]
        premises: list[list[Premise]] = [[] for _ in queries]
        if retriever is None or not self.retrieves or not located:
            return premises
        if isinstance(retriever, torch.nn.Module):
            first = next(retriever.parameters(), None)
            if device is not None and first is not None and first.device != device:
                retriever.to(device)
            retriever.eval()  # a caller may have switched it back to training mode
        k = self.num_retrieved
        for i in located:
            found = self._recent.get((queries[i], k))
            if found is not None:
                premises[i] = list(found)
                self.stats.cached += 1
        missing = [i for i in located if (queries[i], k) not in self._recent]
        if missing:
            self._retrieve_into(premises, queries, missing)
        return premises

    def _retrieve_into(
        self, premises: list[list[Premise]], queries: Sequence[Query], missing: list[int]
    ) -> None:
        """Retrieves for ``queries[i]``, ``i`` in ``missing``, in one call (timed, kept).

        Kept premises are dropped all at once when more than ``cache_size`` queries are
        kept (a rebinding: callers on other threads at worst retrieve again)."""
        assert self.retriever is not None
        started = time.perf_counter()
        with torch.no_grad():
            rows = self.retriever.retrieve_queries(
                [queries[i] for i in missing], self.num_retrieved
            )
        self.stats.calls += 1
        self.stats.queries += len(missing)
        self.stats.seconds += time.perf_counter() - started
        recent = self._recent if len(self._recent) < self.cache_size else {}
        for i, row in zip(missing, rows):
            premises[i] = [premise for premise, _ in row]
            if self.cache_size:
                recent[(queries[i], self.num_retrieved)] = premises[i]
        self._recent = recent

    def build(self, queries: Sequence[Query], device: torch.device | None = None) -> list[str]:
        """The model input of each query.

        Args:
            queries: the queries (states formatted as in the data).
            device: see :meth:`retrieve`.

        Returns:
            One input text per query.
        """
        premises = self.retrieve(queries, device)
        return [
            build_model_input(q.state, p, self.max_input_length, self.keep_marks)
            for q, p in zip(queries, premises)
        ]


def training_inputs(
    max_input_length: int,
    keep_marks: bool,
    num_retrieved: int,
    retriever_ckpt: str | None,
    retriever_corpus: str | None = None,
    retriever_index: str | None = None,
    retriever_exact: bool = False,
) -> InputBuilder:
    """The input builder of a generator module, with the retriever its arguments name.

    Args:
        max_input_length: the input budget.
        keep_marks: keep ``<a>…</a>`` in retrieved premises.
        num_retrieved: premises retrieved per state when a retriever is attached.
        retriever_ckpt: a premise retriever checkpoint, or None for none.
        retriever_corpus: its corpus; the one it was trained with when None.
        retriever_index: its embeddings file; the corpus is encoded at load when None.
        retriever_exact: search the embeddings exactly even beside an ANN index.

    Returns:
        The builder (a plain object: the retriever it holds stays outside the module tree).
    """
    retriever = None
    if retriever_ckpt:
        from tacgen.retrieval.loading import load_retriever

        retriever = load_retriever(
            retriever_ckpt, retriever_corpus, retriever_index, exact=retriever_exact
        )
    return InputBuilder(max_input_length, keep_marks, num_retrieved, retriever)
