"""``ResumableLoader``: a training loader that a kill -9 does not disturb.

Lightning saves ``state_dict()`` of a training loader that has one in every checkpoint and
hands it back to ``load_state_dict()`` on ``--ckpt_path``, before the resumed iterator is
created. This loader records there:

- where the interrupted epoch was: the sampler's epoch (which seeds its order) and how many
  batches had been handed out, so that the resumed epoch yields exactly the remaining
  batches in the same order (skipped as index batches: no example is loaded to skip it);
- the process's random states (python, numpy, torch, CUDA), restored once the resumed
  iterator exists, so that dropout draws continue where they were.

Random draws made while loading an item (premise dropout, negative sampling) must not come
from those global states: with worker processes they run elsewhere, and a resumed worker
starts afresh. The loader therefore hands the dataset an :class:`ItemKey` per example, whose
seed is a function of (seed, epoch, index) only.

Under DDP every rank saves its own position (the same batch count: ranks step together),
and the random states of all ranks are gathered into rank zero's checkpoint; a resumed run
with another number of processes restores positions but not random states.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import torch
from torch.utils.data import DataLoader

from tacgen.nn.sampling import EpochSampler

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ItemKey:
    """What a training dataset's ``__getitem__`` receives from a :class:`ResumableLoader`."""

    index: int
    """The example's index in the dataset."""
    seed: int
    """The seed of this access's random draws: a function of (seed, epoch, index)."""

    def python_rng(self) -> random.Random:
        """A ``random.Random`` for this access's draws."""
        return random.Random(self.seed)

    def numpy_rng(self) -> np.random.Generator:
        """A numpy generator for this access's draws."""
        return np.random.default_rng(self.seed)


def _mix(*values: int) -> int:
    """A 63-bit seed from integers (a SeedSequence hash: no two tuples share a stream)."""
    return int(np.random.SeedSequence(list(values)).generate_state(1, np.uint64)[0] >> 1)


def find_epoch_sampler(sampler: Any) -> EpochSampler:
    """The :class:`EpochSampler` inside ``sampler`` (Lightning wraps it under DDP).

    Args:
        sampler: a loader's sampler.

    Returns:
        The epoch sampler.

    Raises:
        TypeError: when there is none.
    """
    seen = 0
    while not isinstance(sampler, EpochSampler):
        # DistributedSamplerWrapper(_DatasetSamplerWrapper(sampler)) under DDP
        inner = getattr(sampler, "_sampler", None) or getattr(sampler, "dataset", None)
        if inner is None or seen > 4:
            raise TypeError(f"ResumableLoader needs an EpochSampler, got {type(sampler)}")
        sampler, seen = inner, seen + 1
    return sampler


def capture_random_states() -> dict[str, Any]:
    """This process's random states, as tensors and plain values (``weights_only``-safe)."""
    version, python_state, gauss = random.getstate()
    state = cast(tuple[str, np.ndarray, int, int, float], np.random.get_state(legacy=True))
    kind, keys, position, has_gauss, cached = state
    states: dict[str, Any] = {
        "python": [version, list(python_state), gauss],
        "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), position, has_gauss, cached],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def restore_random_states(states: dict[str, Any]) -> None:
    """Restores what :func:`capture_random_states` captured."""
    version, python_state, gauss = states["python"]
    random.setstate((version, tuple(python_state), gauss))
    kind, keys, position, has_gauss, cached = states["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), position, has_gauss, cached))
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def _distributed() -> tuple[int, int]:
    """(rank, world size) of the process group, (0, 1) without one."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def _gather_random_states() -> list[dict[str, Any]]:
    """Every rank's random states, in rank order (a collective under DDP)."""
    states = capture_random_states()
    _, world = _distributed()
    if world == 1:
        return [states]
    gathered: list[Any] = [None] * world
    torch.distributed.all_gather_object(gathered, states)
    return gathered


class _KeyedBatches:
    """The loader's index batches: the resume skip applied, indices turned into keys."""

    def __init__(self, batches: Iterable[list[int]], loader: ResumableLoader) -> None:
        self.batches = batches
        self.loader = loader

    def __len__(self) -> int:
        return len(self.batches)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[list[ItemKey]]:
        sampler = find_epoch_sampler(self.loader.sampler)
        epoch, skip, seed = self.loader._epoch, self.loader._start, sampler.seed
        sampler.set_epoch(epoch)  # the epoch this pass was started for
        # One seed per example and epoch, drawn at once (a hash per item costs 30x more).
        seeds = np.random.default_rng((seed, epoch, 2)).integers(0, 2**63, len(sampler))
        for number, batch in enumerate(self.batches):
            if number >= skip:
                yield [ItemKey(int(i), int(seeds[i])) for i in batch]


class ResumableLoader(DataLoader):  # type: ignore[type-arg]
    """A training DataLoader whose position and random states live in checkpoints.

    Its sampler must be an :class:`~tacgen.nn.sampling.EpochSampler`, and its dataset must
    accept :class:`ItemKey` (see the module docstring). Everything else is DataLoader's.
    """

    def __init__(self, dataset: Any, **kwargs: Any) -> None:
        """Builds the loader.

        Args:
            dataset: the training dataset; ``__getitem__`` receives :class:`ItemKey`.
            **kwargs: DataLoader's arguments; ``sampler`` is required. The loader keeps a
                ``generator`` of its own (worker seeds), so that creating an iterator draws
                nothing from torch's global generator.
        """
        find_epoch_sampler(kwargs.get("sampler"))
        kwargs.setdefault("generator", torch.Generator())
        super().__init__(dataset, **kwargs)
        self._keyed: _KeyedBatches | None = None
        self._epoch = 0
        self._start = 0  # batches skipped at the beginning of this pass
        self._served = 0  # batches handed out in this pass
        self._pending: dict[str, Any] | None = None  # a loaded state not used yet
        self._random_states: dict[str, Any] | None = None

    @property
    def _index_sampler(self) -> Any:
        # DataLoader iterators ask for index batches here (also __len__, unchanged).
        if not self._auto_collation:
            return super()._index_sampler
        if self._keyed is None or self._keyed.batches is not self.batch_sampler:
            self._keyed = _KeyedBatches(self.batch_sampler, self)  # type: ignore[arg-type]
        return self._keyed

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        sampler = find_epoch_sampler(self.sampler)
        pending, self._pending = self._pending, None
        if pending is not None:
            self._epoch, self._start = int(pending["epoch"]), int(pending["batches"])
        else:
            self._epoch, self._start = sampler.epoch, 0
        self._served = 0
        self.generator.manual_seed(_mix(sampler.seed, self._epoch, 1))
        iterator = super().__iter__()
        if self._random_states is not None:
            # After the iterator exists and before the first batch: as at the save.
            restore_random_states(self._random_states)
            self._random_states = None
        return self._count(iterator)

    def _count(self, iterator: Iterator[Any]) -> Iterator[Any]:
        for batch in iterator:
            self._served += 1
            yield batch

    def state_dict(self) -> dict[str, Any]:
        """The position in the current pass and every rank's random states."""
        return {
            "epoch": self._epoch,
            "batches": self._start + self._served,
            "length": len(self),
            "random_states": _gather_random_states(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Makes the next pass continue the saved one (or start the next epoch)."""
        epoch, batches = int(state["epoch"]), int(state["batches"])
        if batches >= len(self):  # saved at the last batch: the next epoch from its start
            epoch, batches = epoch + 1, 0
        if int(state.get("length", len(self))) != len(self):
            logger.warning(
                "the training loader has %d batches, the checkpoint's had %s: "
                "resuming at batch %d of epoch %d anyway",
                len(self),
                state.get("length"),
                batches,
                epoch,
            )
        self._pending = {"epoch": epoch, "batches": batches}
        rank, world = _distributed()
        saved = state.get("random_states") or []
        if len(saved) == world:
            self._random_states = saved[rank]
        else:
            logger.warning(
                "the checkpoint holds random states of %d processes, this run has %d: "
                "they are not restored (dropout draws differ from the interrupted run)",
                len(saved),
                world,
            )
