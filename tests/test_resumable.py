"""ResumableLoader and the epoch samplers, without Lightning: position, keys, random states."""

from __future__ import annotations

import logging
import random
from typing import Any

import numpy as np
import pytest
import torch
from torch.utils.data import Dataset

from tacgen.nn.resumable import (
    ItemKey,
    ResumableLoader,
    capture_random_states,
    find_epoch_sampler,
    restore_random_states,
)
from tacgen.nn.sampling import LengthGroupedSampler, ShuffledSampler


class Keys(Dataset[tuple[int, int]]):
    """Returns what it is asked for, and one draw from the key's generator."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key: ItemKey) -> tuple[int, int]:
        assert isinstance(key, ItemKey)
        return key.index, int(key.numpy_rng().integers(0, 2**31))


def collate(items: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return items


def make(size: int = 23, batch: int = 4, grouped: bool = False, seed: int = 7) -> ResumableLoader:
    sampler: Any = (
        LengthGroupedSampler(np.arange(size) % 5 + 1, batch, shuffle=True, seed=seed)
        if grouped
        else ShuffledSampler(size, seed=seed)
    )
    return ResumableLoader(
        Keys(size), sampler=sampler, batch_size=batch, drop_last=True, collate_fn=collate
    )


def epoch(loader: ResumableLoader, number: int) -> list[list[tuple[int, int]]]:
    loader.sampler.set_epoch(number)  # as Lightning does before each epoch
    return list(loader)


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("done", [1, 3, 4])
def test_resume_yields_exactly_the_remaining_batches(grouped: bool, done: int) -> None:
    """A loader stopped after ``done`` batches of epoch 1, saved and loaded into a fresh one,
    yields the rest of epoch 1 and then epoch 2 as the uninterrupted loader does."""
    straight = make(grouped=grouped)
    epoch(straight, 0)
    expected = epoch(straight, 1) + epoch(straight, 2)

    broken = make(grouped=grouped)
    epoch(broken, 0)
    broken.sampler.set_epoch(1)
    iterator = iter(broken)
    seen = [next(iterator) for _ in range(done)]
    state = broken.state_dict()
    assert (state["epoch"], state["batches"], state["length"]) == (1, done, 5)

    fresh = make(grouped=grouped)
    fresh.load_state_dict(state)
    rest = list(fresh)  # Lightning makes this iterator before calling set_epoch
    assert seen + rest == expected[:5]
    assert epoch(fresh, 2) == expected[5:]
    examples = [index for batch in seen + rest for index, _ in batch]
    assert len(examples) == len(set(examples)) == 20  # none twice, none skipped (23 // 4 * 4)


def test_state_at_the_end_of_an_epoch_starts_the_next() -> None:
    """Saved after the last batch: the resumed pass is the next epoch, from its start."""
    straight = make()
    epoch(straight, 0)
    state = straight.state_dict()
    assert state["batches"] == len(straight)
    fresh = make()
    fresh.load_state_dict(state)
    assert list(fresh) == epoch(straight, 1)


def test_keys_are_seeded_by_seed_epoch_and_index_only() -> None:
    """The same example gets the same draw in the same epoch whatever its position (and
    another in the next epoch or with another seed)."""
    draws = {}
    for grouped in (False, True):
        loader = make(grouped=grouped)
        for number in (0, 1):
            for batch in epoch(loader, number):
                for index, draw in batch:
                    draws.setdefault((number, index), set()).add(draw)
    assert all(len(values) == 1 for values in draws.values())  # order-independent
    by_epoch = [{i: d.pop() for (e, i), d in draws.items() if e == n} for n in (0, 1)]
    common = by_epoch[0].keys() & by_epoch[1].keys()
    assert common and all(by_epoch[0][i] != by_epoch[1][i] for i in common)
    other_seed = {i: d for batch in epoch(make(seed=8), 0) for i, d in batch}
    assert any(other_seed[i] != by_epoch[0][i] for i in other_seed.keys() & by_epoch[0].keys())


def test_random_states_are_restored_after_the_iterator_exists() -> None:
    """What the process draws after the resumed iterator is created equals what it drew
    after the save; creating iterators draws nothing from the global generators."""
    loader = make()
    torch.manual_seed(1)
    iterator = iter(loader)
    next(iterator)
    state = loader.state_dict()
    expected = (torch.rand(3), random.random(), np.random.rand())

    torch.manual_seed(99), random.seed(99), np.random.seed(99)
    fresh = make()
    fresh.load_state_dict(state)
    next(iter(fresh))
    assert torch.equal(torch.rand(3), expected[0])
    assert (random.random(), np.random.rand()) == expected[1:]

    before = torch.get_rng_state()
    iter(make())
    assert torch.equal(torch.get_rng_state(), before)


def test_capture_and_restore_round_trip_through_a_weights_only_checkpoint(tmp_path: Any) -> None:
    states = capture_random_states()
    expected = (torch.rand(2), random.random(), np.random.rand())
    torch.save({"states": states}, tmp_path / "s.pt")
    restore_random_states(torch.load(tmp_path / "s.pt", weights_only=True)["states"])
    assert torch.equal(torch.rand(2), expected[0])
    assert (random.random(), np.random.rand()) == expected[1:]


def test_other_world_size_keeps_position_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    """Random states of two processes cannot go to one: the position still does."""
    loader = make()
    iterator = iter(loader)
    next(iterator)
    state = loader.state_dict()
    state["random_states"] = state["random_states"] * 2
    fresh = make()
    with caplog.at_level(logging.WARNING, logger="tacgen.nn.resumable"):
        fresh.load_state_dict(state)
    assert "random states of 2 processes" in caplog.text
    assert len(list(fresh)) == len(loader) - 1


def test_finds_the_epoch_sampler_under_ddp_wrapping() -> None:
    from lightning.fabric.utilities.distributed import DistributedSamplerWrapper

    inner = ShuffledSampler(8, seed=0)
    wrapped = DistributedSamplerWrapper(inner, num_replicas=2, rank=1, shuffle=True)
    assert find_epoch_sampler(wrapped) is inner  # shuffle=True: what Lightning passes
    assert find_epoch_sampler(range(4)) is None


def test_another_sampler_makes_a_plain_loader() -> None:
    """Lightning rebuilds the loader with a SequentialSampler for ``overfit_batches``."""
    from torch.utils.data import SequentialSampler

    loader = ResumableLoader(list(range(6)), sampler=SequentialSampler(range(6)), batch_size=2)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3], [4, 5]]
    assert loader.state_dict() == {}
    loader.load_state_dict({})
    assert len(list(loader)) == 3


def test_shuffled_sampler_is_a_permutation_per_seed_and_epoch() -> None:
    sampler = ShuffledSampler(50, seed=3)
    first = list(sampler)
    assert sorted(first) == list(range(50))
    assert list(sampler) != first  # epoch 1
    sampler.set_epoch(0)
    assert list(sampler) == first == list(ShuffledSampler(50, seed=3))
