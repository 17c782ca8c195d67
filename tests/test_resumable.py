"""ResumableLoader and the epoch samplers, without Lightning: position, keys, random states."""

from __future__ import annotations

import logging
import random
from typing import Any

import numpy as np
import pytest
import torch
from torch.utils.data import Dataset

from tacgen.nn import resumable
from tacgen.nn.resumable import (
    ItemKey,
    ResumableLoader,
    _mix,
    capture_random_states,
    find_epoch_sampler,
    own_random_states,
    restore_checkpoint_random_states,
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


# ------------------------------------------- what the first mutation run left (issue 22)


def test_a_keys_python_draws_are_its_seeds() -> None:
    key = ItemKey(3, 12345)
    assert key.python_rng().random() == random.Random(12345).random()
    assert key.numpy_rng().random() == np.random.default_rng(12345).random()


def test_mix_is_a_63_bit_seed_of_its_values_only() -> None:
    seeds = [_mix(seed, number, 1) for seed in range(8) for number in range(8)]
    assert seeds == [_mix(seed, number, 1) for seed in range(8) for number in range(8)]
    assert len(set(seeds)) == 64 and all(0 <= s < 2**63 for s in seeds)
    assert max(seeds) >= 2**62  # all 63 bits are used


class WorkerSeeds(Dataset[int]):
    """Answers the torch seed of the process that loads the item (a worker's own)."""

    def __len__(self) -> int:
        return 4

    def __getitem__(self, key: ItemKey) -> int:
        return torch.initial_seed()


def test_worker_seeds_are_a_function_of_seed_and_epoch() -> None:
    """Workers are seeded from the loader's own generator, seeded by (seed, epoch): a
    resumed run's workers start as the interrupted run's did."""

    def worker_seed(seed: int, number: int) -> int:
        loader = ResumableLoader(
            WorkerSeeds(), sampler=ShuffledSampler(4, seed=seed), batch_size=4,
            collate_fn=collate, num_workers=1,
        )  # fmt: skip
        loader.sampler.set_epoch(number)
        (batch,) = list(loader)
        return int(batch[0])

    first = worker_seed(7, 1)
    assert worker_seed(7, 1) == first
    assert worker_seed(7, 2) != first and worker_seed(8, 1) != first


class AsKeys(Keys):
    """Answers the key itself."""

    def __getitem__(self, key: ItemKey) -> ItemKey:  # type: ignore[override]
        return key


def test_item_seeds_of_an_epoch_are_distinct() -> None:
    loader = ResumableLoader(
        AsKeys(300), sampler=ShuffledSampler(300, seed=1), batch_size=50, collate_fn=collate
    )
    seeds = [key.seed for batch in loader for key in batch]
    assert len(seeds) == len(set(seeds)) == 300


def test_a_state_saved_before_the_first_batch_resumes_from_the_start() -> None:
    loader = make()
    state = loader.state_dict()
    assert (state["epoch"], state["batches"], state["length"]) == (0, 0, 5)
    fresh = make()
    fresh.load_state_dict(state)
    assert list(fresh) == epoch(make(), 0)


def test_without_a_resume_the_samplers_epoch_decides_each_pass() -> None:
    loader = make()
    epoch(loader, 0)
    assert epoch(loader, 3) == epoch(make(), 3)  # not epoch 1


def test_an_empty_state_is_ignored() -> None:
    """A checkpoint of a run whose loader had no state (``{}``)."""
    loader = make()
    loader.load_state_dict({})
    assert list(loader) == epoch(make(), 0)


def test_another_length_warns_and_resumes(caplog: pytest.LogCaptureFixture) -> None:
    loader = make()
    iterator = iter(loader)
    next(iterator), next(iterator)
    state = loader.state_dict()
    with caplog.at_level(logging.WARNING, logger="tacgen.nn.resumable"):
        make().load_state_dict(state)  # the same length: silent
        make().load_state_dict({k: v for k, v in state.items() if k != "length"})  # older
        assert not caplog.records
        fresh = make()
        fresh.load_state_dict({**state, "length": 7})
    assert [r.getMessage() for r in caplog.records] == [
        "the training loader has 5 batches, the checkpoint's had 7: "
        "resuming after batch 2 of epoch 0 anyway"
    ]
    assert len(list(fresh)) == 3


def test_the_world_size_warning_in_full(caplog: pytest.LogCaptureFixture) -> None:
    state = {"random_states": [capture_random_states()] * 2}
    with caplog.at_level(logging.WARNING, logger="tacgen.nn.resumable"):
        assert own_random_states(state) is None
    assert [r.getMessage() for r in caplog.records] == [
        "the checkpoint holds random states of 2 processes, this run has 1: "
        "they are not restored (dropout draws differ from the interrupted run)"
    ]


def test_every_ranks_states_are_gathered_and_each_rank_restores_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under DDP (faked: two processes) rank zero's checkpoint holds both ranks' states."""
    other = {"rank": 1}

    def all_gather_object(gathered: list[Any], states: dict[str, Any]) -> None:
        gathered[0], gathered[1] = states, other

    monkeypatch.setattr(resumable, "process_group", lambda: (2, 1))
    monkeypatch.setattr(torch.distributed, "all_gather_object", all_gather_object)
    state = make().state_dict()
    mine, theirs = state["random_states"]
    assert theirs is other and set(mine) == {"python", "numpy", "torch"}
    assert own_random_states(state) == other  # rank 1's


def test_cuda_states_are_kept_and_restored_only_with_cuda(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Faked CUDA: its states are captured once CUDA is in use, and restored where it is."""
    cuda_states = [torch.ByteTensor([1, 2])]
    restored: list[Any] = []
    monkeypatch.setattr(torch.cuda, "get_rng_state_all", lambda: cuda_states)
    monkeypatch.setattr(torch.cuda, "set_rng_state_all", restored.append)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: False)
    assert "cuda" not in capture_random_states()  # CUDA not used (yet): nothing to keep
    restore_random_states(capture_random_states())
    assert restored == []
    monkeypatch.setattr(torch.cuda, "is_initialized", lambda: True)
    states = capture_random_states()
    assert states["cuda"] is cuda_states
    restore_random_states(states)
    assert restored == [cuda_states]
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # a machine without CUDA
    restore_random_states(states)
    assert restored == [cuda_states]


def test_restoring_from_a_lightning_checkpoint(caplog: pytest.LogCaptureFixture) -> None:
    assert restore_checkpoint_random_states({}) is False
    states = capture_random_states()
    expected = torch.rand(2)
    loaders = [{}, {"random_states": [states]}]  # a loader without a state, then ours
    checkpoint = {"loops": {"fit_loop": {"state_dict": {"combined_loader": loaders}}}}
    with caplog.at_level(logging.WARNING, logger="tacgen.nn.resumable"):
        assert restore_checkpoint_random_states(checkpoint) is True
    assert torch.equal(torch.rand(2), expected) and not caplog.records
