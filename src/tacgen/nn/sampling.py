"""Training orders that are a function of (seed, epoch) only: what exact resume needs.

``LengthGroupedSampler`` makes batches of similar length: less padding, so fewer wasted
encoder and decoder positions. A batch is padded to its longest example. Real LeanDojo
states range from tens of bytes to thousands (minif2f val: median 262, p99 1459), so random
batches are mostly padding. ``ShuffledSampler`` is a plain seeded permutation.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
import torch
from torch.utils.data import DistributedSampler


def process_group() -> tuple[int, int]:
    """(world size, rank) of the process group, (1, 0) without one."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_world_size(), torch.distributed.get_rank()
    return 1, 0


class EpochSampler(DistributedSampler):  # type: ignore[type-arg]
    """A sampler whose order depends only on ``seed`` and ``epoch`` (never global RNGs).

    Every DDP rank computes the same stream and keeps every ``num_replicas``-th index of it,
    from its ``rank`` on (the stream padded with its first indices to a multiple, as
    ``DistributedSampler`` pads). Being a ``DistributedSampler``, it is not wrapped by
    Lightning, whose wrapper would reshuffle the stream (and so undo length grouping). A
    resumed run recreates an interrupted epoch's order from the two numbers
    (:class:`tacgen.nn.resumable.ResumableLoader`).
    """

    def __init__(
        self,
        size: int,
        seed: int | None = None,
        num_replicas: int | None = None,
        rank: int | None = None,
    ) -> None:
        """Builds the sampler.

        Args:
            size: the number of examples.
            seed: the base seed; ``$PL_GLOBAL_SEED`` (set by ``seed_everything``), else 0.
            num_replicas: processes sharing the stream; the process group's size when None.
            rank: this process's place among them; the process group's rank when None.
        """
        # Not DistributedSampler.__init__: it needs a process group; its type is what counts.
        world, own = process_group()
        self.size = size
        self.seed = int(os.environ.get("PL_GLOBAL_SEED", 0)) if seed is None else seed
        self.epoch = 0
        self.num_replicas = world if num_replicas is None else num_replicas
        self.rank = own if rank is None else rank
        if not 0 <= self.rank < self.num_replicas:
            raise ValueError(f"rank {self.rank} is not in [0, {self.num_replicas})")

    def set_epoch(self, epoch: int) -> None:
        """Sets the epoch that seeds the next order (Lightning calls it every epoch)."""
        self.epoch = epoch

    def __len__(self) -> int:
        return -(-self.size // self.num_replicas)  # this rank's share, padded

    def __iter__(self) -> Iterator[int]:
        order = self.order(self.epoch)
        self.epoch += 1  # a fresh order next time, also when nobody calls set_epoch
        if self.num_replicas > 1 and self.size:
            order = np.resize(order, len(self) * self.num_replicas)  # pads by repeating
            order = order[self.rank :: self.num_replicas]
        return iter(order.tolist())

    def order(self, epoch: int) -> np.ndarray:
        """The indices of one epoch, in order.

        Args:
            epoch: the epoch (with ``seed``, all that decides the order).

        Returns:
            (examples,) a permutation of ``range(size)``.
        """
        raise NotImplementedError


class ShuffledSampler(EpochSampler):
    """A fresh uniform permutation each epoch, seeded by (seed, epoch)."""

    def order(self, epoch: int) -> np.ndarray:
        """(examples,) a permutation of the indices."""
        return np.random.default_rng((self.seed, epoch)).permutation(self.size)


class LengthGroupedSampler(EpochSampler):
    """Example indices ordered so that consecutive batches hold examples of similar length.

    Training (``shuffle``): the examples are shuffled, cut into mega-batches of
    ``megabatch_factor`` batches, each sorted by jittered length and cut into batches; the full
    batches are then shuffled, and a leftover partial batch goes last (the loader drops it
    with ``drop_last``). Evaluation: all examples, longest first (peak memory comes first).

    Under DDP, groups here are world size times larger than a batch and rank r keeps every
    world-size-th index of the stream (:class:`EpochSampler`), so each rank still gets one
    length group per batch.
    """

    def __init__(
        self,
        lengths: np.ndarray,
        batch_size: int,
        shuffle: bool,
        seed: int | None = None,
        megabatch_factor: int = 50,
        num_replicas: int | None = None,
        rank: int | None = None,
    ) -> None:
        """Builds the sampler.

        Args:
            lengths: (examples,) the length that sets each example's padding cost.
            batch_size: examples per batch on each process.
            shuffle: training order (shuffled groups) rather than longest first.
            seed: the base seed; ``$PL_GLOBAL_SEED`` (set by ``seed_everything``), else 0.
            megabatch_factor: batches per sorted mega-batch: larger groups lengths more
                tightly, smaller keeps batches more random.
            num_replicas: processes sharing the stream; the process group's size when None.
            rank: this process's place among them; the process group's rank when None.
        """
        if batch_size < 1 or megabatch_factor < 1:
            raise ValueError("batch_size and megabatch_factor must be at least 1")
        super().__init__(len(lengths), seed, num_replicas, rank)
        self.lengths = np.asarray(lengths, dtype=np.int64)  # (examples,)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.megabatch_factor = megabatch_factor

    def order(self, epoch: int) -> np.ndarray:
        """(examples,) grouped batches (training) or longest first (evaluation)."""
        if not self.shuffle:
            return np.argsort(-self.lengths, kind="stable")
        return self._grouped_order(np.random.default_rng((self.seed, epoch)))

    def _grouped_order(self, rng: np.random.Generator) -> np.ndarray:
        group = self.batch_size * self.num_replicas  # one batch for each rank
        permutation = rng.permutation(len(self.lengths))  # (examples,)
        mega = group * self.megabatch_factor
        batches: list[np.ndarray] = []
        # Lengths jittered by up to ±25% (log scale) sort each group: batches of similar
        # length whose membership still changes every epoch, also for a dataset that fits
        # in one mega-batch (the demo).
        keys = np.log1p(self.lengths) + rng.uniform(-0.25, 0.25, len(self.lengths))  # (examples,)
        for start in range(0, len(permutation), mega):
            chunk = permutation[start : start + mega]
            chunk = chunk[np.argsort(-keys[chunk], kind="stable")]
            batches += [chunk[i : i + group] for i in range(0, len(chunk), group)]
        full = [b for b in batches if len(b) == group]
        partial = [b for b in batches if len(b) < group]
        shuffled = [full[i] for i in rng.permutation(len(full))]
        return np.concatenate(shuffled + partial) if batches else permutation


R = TypeVar("R")


def map_longest_first(
    function: Callable[[list[int]], Sequence[R]],
    lengths: Sequence[int] | np.ndarray,
    batch_size: int,
    progress: bool = False,
    desc: str = "",
    unit: str = "it",
) -> list[R]:
    """Calls ``function`` on batches of item indices, longest items first.

    A batch is padded to its longest item, so items of similar length go together; longest
    first makes an out-of-memory batch fail at once rather than at the end.

    Args:
        function: the results of a batch of indices, one per index.
        lengths: (items,) each item's length (bytes of its text).
        batch_size: indices per call.
        progress: show a tqdm progress bar (for more than one item).
        desc: the bar's label.
        unit: what the bar counts.

    Returns:
        One result per item, in item order.
    """
    from tqdm import tqdm

    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable").tolist()
    results: list[Any] = [None] * len(order)
    with tqdm(
        total=len(order), desc=desc, unit=unit, disable=not progress or len(order) < 2
    ) as bar:
        for lo in range(0, len(order), batch_size):
            batch = order[lo : lo + batch_size]
            for index, result in zip(batch, function(batch)):
                results[index] = result
            bar.update(len(batch))
    return results
