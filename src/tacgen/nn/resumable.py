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

from tacgen.nn.sampling import EpochSampler, process_group

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


def find_epoch_sampler(sampler: Any) -> EpochSampler | None:
    """The :class:`EpochSampler` inside ``sampler`` (Lightning wraps it under DDP), if any.

    Args:
        sampler: a loader's sampler.

    Returns:
        The epoch sampler, or None for another sampler (Lightning puts a
        ``SequentialSampler`` in for ``overfit_batches``).
    """
    for _ in range(4):
        if isinstance(sampler, EpochSampler):
            return sampler
        # DistributedSamplerWrapper(_DatasetSamplerWrapper(sampler)) under DDP
        sampler = getattr(sampler, "_sampler", None) or getattr(sampler, "dataset", None)
    return None


def capture_random_states() -> dict[str, Any]:
    """This process's random states, as tensors and plain values (``weights_only``-safe).

    Returns:
        The python, numpy, torch and (when CUDA is in use) CUDA states.
    """
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
    """Restores what :func:`capture_random_states` captured.

    Args:
        states: its return value (also after a ``weights_only`` round trip).
    """
    version, python_state, gauss = states["python"]
    random.setstate((version, tuple(python_state), gauss))
    kind, keys, position, has_gauss, cached = states["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), position, has_gauss, cached))
    torch.set_rng_state(states["torch"])
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states["cuda"])


def _gather_random_states() -> list[dict[str, Any]]:
    """Every rank's random states, in rank order (a collective under DDP)."""
    states = capture_random_states()
    world, _ = process_group()
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
        sampler = self.loader.epoch_sampler
        assert sampler is not None  # the loader uses this class only then
        if self.loader._epoch is None:  # Lightning's set_epoch, made after the iterator
            self.loader._epoch = sampler.epoch
        epoch, skip, seed = self.loader._epoch, self.loader._done, sampler.seed
        sampler.set_epoch(epoch)  # the epoch this pass was started for
        # One seed per example and epoch, drawn at once (a hash per item costs 30x more).
        seeds = np.random.default_rng((seed, epoch, 2)).integers(0, 2**63, sampler.size)
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
            **kwargs: DataLoader's arguments, ``sampler`` an :class:`EpochSampler` (with
                another sampler, what Lightning's ``overfit_batches`` puts in, it is a plain
                DataLoader). The loader keeps a ``generator`` of its own (worker seeds), so
                that creating an iterator draws nothing from torch's global generator.
        """
        kwargs.setdefault("generator", torch.Generator())
        super().__init__(dataset, **kwargs)
        self.epoch_sampler = find_epoch_sampler(self.sampler)
        """The sampler that orders the epochs; without one this is a plain DataLoader."""
        self._keyed: _KeyedBatches | None = None
        self._epoch: int | None = None  # of this pass; None: the sampler's, at the first batch
        self._done = 0  # batches of this epoch handed out (skipped when a pass resumes it)
        self._random_states: dict[str, Any] | None = None  # to restore at the next pass
        self._resumed = False  # a state was loaded: this loader numbers the epochs

    @property
    def _index_sampler(self) -> Any:
        # DataLoader iterators ask for index batches here (also __len__, unchanged).
        if not self._auto_collation or getattr(self, "epoch_sampler", None) is None:
            return super()._index_sampler
        if self._keyed is None or self._keyed.batches is not self.batch_sampler:
            self._keyed = _KeyedBatches(self.batch_sampler, self)  # type: ignore[arg-type]
        return self._keyed

    def __iter__(self) -> Iterator[Any]:  # type: ignore[override]
        sampler = self.epoch_sampler
        if sampler is None:
            return super().__iter__()
        self._begin_pass()
        self.generator.manual_seed(_mix(sampler.seed, self._current_epoch(), 1))
        iterator = super().__iter__()
        if self._random_states is not None:
            # After the iterator exists and before the first batch: as at the save.
            restore_random_states(self._random_states)
            self._random_states = None
        return self._count(iterator)

    def _begin_pass(self) -> None:
        """Sets the epoch and the batches to skip of the pass that starts now."""
        if not self._resumed:
            self._epoch, self._done = None, 0  # Lightning's set_epoch decides
        elif self._done >= len(self):
            assert self._epoch is not None  # set by load_state_dict
            self._epoch, self._done = self._epoch + 1, 0
        # else: the epoch goes on. After a resume, Lightning's epoch count can run one ahead
        # (a checkpoint saved at an epoch's end or at the end of training), and its first
        # pass can stop early: the data go on as one stream, an epoch after each full pass.

    def _current_epoch(self) -> int:
        assert self.epoch_sampler is not None
        return self.epoch_sampler.epoch if self._epoch is None else self._epoch

    def _count(self, iterator: Iterator[Any]) -> Iterator[Any]:
        for batch in iterator:
            self._done += 1
            yield batch

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint keeps of the loader (a collective under DDP).

        Returns:
            The epoch of the current pass, the batches handed out in it, the batches per
            epoch, and every rank's random states; empty without an epoch sampler.
        """
        if self.epoch_sampler is None:
            return {}
        return {
            "epoch": self._current_epoch(),
            "batches": self._done,
            "length": len(self),
            "random_states": _gather_random_states(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Makes the next pass continue the saved one (or start the next epoch).

        Args:
            state: what :meth:`state_dict` returned (an empty one is ignored).
        """
        if self.epoch_sampler is None or "epoch" not in state:
            return
        self._epoch, self._done = int(state["epoch"]), int(state["batches"])
        if int(state.get("length", len(self))) != len(self):
            logger.warning(
                "the training loader has %d batches, the checkpoint's had %s: "
                "resuming after batch %d of epoch %d anyway",
                len(self),
                state.get("length"),
                self._done,
                self._epoch,
            )
        self._resumed = True  # a save at the last batch starts the next epoch (_begin_pass)
        self._random_states = own_random_states(state)


def own_random_states(state: dict[str, Any]) -> dict[str, Any] | None:
    """This rank's random states in a :class:`ResumableLoader` state, if they fit this run.

    Args:
        state: what ``ResumableLoader.state_dict`` returned.

    Returns:
        The states to restore, or None (with a warning) for another number of processes.
    """
    world, rank = process_group()
    saved = state.get("random_states") or []
    if len(saved) == world:
        return dict(saved[rank])
    logger.warning(
        "the checkpoint holds random states of %d processes, this run has %d: "
        "they are not restored (dropout draws differ from the interrupted run)",
        len(saved),
        world,
    )
    return None


def restore_checkpoint_random_states(checkpoint: dict[str, Any]) -> bool:
    """Restores the random states a :class:`ResumableLoader` saved in a Lightning checkpoint.

    Lightning hands the loader its state only when it restarts inside an epoch; a
    checkpoint saved at an epoch's end of a ``max_epochs`` run starts the next epoch afresh.
    The modules call this from ``on_load_checkpoint`` so that dropout continues there too.

    Args:
        checkpoint: the loaded checkpoint.

    Returns:
        Whether random states were restored.
    """
    loops = checkpoint.get("loops") or {}
    states = ((loops.get("fit_loop") or {}).get("state_dict") or {}).get("combined_loader")
    for state in states or []:
        if isinstance(state, dict) and "random_states" in state:
            own = own_random_states(state)
            if own is not None:
                restore_random_states(own)
                return True
    return False
