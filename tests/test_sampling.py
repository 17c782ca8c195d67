"""LengthGroupedSampler: every example once, batches of similar length, DDP-safe order."""

from __future__ import annotations

import numpy as np
import pytest

from tacgen.nn.sampling import LengthGroupedSampler


def real_like_lengths(n: int = 2949, seed: int = 0) -> np.ndarray:
    """Lengths spread like minif2f states (median ~260 bytes, a long tail)."""
    rng = np.random.default_rng(seed)
    return np.minimum(rng.lognormal(np.log(262), 0.7, n).astype(np.int64) + 1, 2300)


def padding_fraction(order: list[int], lengths: np.ndarray, batch_size: int) -> float:
    """Share of padded positions when consecutive ``batch_size`` indices form a batch."""
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    padded = sum(len(b) * lengths[b].max() for b in batches)
    return 1 - lengths.sum() / padded


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 401, 2949])
@pytest.mark.parametrize("shuffle", [True, False])
def test_every_example_exactly_once(n: int, shuffle: bool) -> None:
    """The stream is a permutation of range(n), whatever n and the batch size."""
    lengths = real_like_lengths(n)
    order = list(LengthGroupedSampler(lengths, 8, shuffle=shuffle, seed=1))
    assert sorted(order) == list(range(n))
    assert len(LengthGroupedSampler(lengths, 8, shuffle)) == n


def test_grouped_batches_carry_little_padding() -> None:
    """On real-like lengths, grouped batches pad far less than random ones."""
    lengths = real_like_lengths()
    grouped = list(LengthGroupedSampler(lengths, 8, shuffle=True, seed=0))
    random = np.random.default_rng(0).permutation(len(lengths)).tolist()
    assert padding_fraction(random, lengths, 8) > 0.4
    assert padding_fraction(grouped, lengths, 8) < 0.5 * padding_fraction(random, lengths, 8)


def test_full_batches_first_partial_last() -> None:
    """Batches stay aligned with the loader's: every full group first, one partial last."""
    lengths = real_like_lengths(1001)
    sampler = LengthGroupedSampler(lengths, 8, shuffle=True, seed=0, megabatch_factor=10)
    order = np.array(list(sampler))
    groups = [order[i : i + 8] for i in range(0, len(order), 8)]
    assert [len(g) for g in groups] == [8] * 125 + [1]
    # Within each mega-batch of 80, groups were cut from one sorted run: no two full
    # groups of the same mega-batch overlap in jittered-length rank (checked loosely: the
    # spread inside a group is small against the spread of the whole data).
    spread = np.median([np.ptp(np.log1p(lengths[g])) for g in groups[:-1]])
    assert spread < 0.5 * np.ptp(np.log1p(lengths))


def test_order_depends_on_seed_and_epoch_only() -> None:
    """Same seed and epoch: same order (every DDP rank draws the same stream); a new epoch
    or seed: another; iterating again without set_epoch moves on to the next epoch."""
    lengths = real_like_lengths(500)
    a = LengthGroupedSampler(lengths, 8, shuffle=True, seed=3)
    b = LengthGroupedSampler(lengths, 8, shuffle=True, seed=3)
    first = list(a)
    assert first == list(b)
    assert list(a) != first  # epoch 1 now
    a.set_epoch(0)
    assert list(a) == first
    assert list(LengthGroupedSampler(lengths, 8, shuffle=True, seed=4)) != first


def test_seed_comes_from_seed_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a seed, $PL_GLOBAL_SEED (what seed_everything sets) seeds the order."""
    lengths = real_like_lengths(300)
    monkeypatch.setenv("PL_GLOBAL_SEED", "11")
    assert list(LengthGroupedSampler(lengths, 8, True)) == list(
        LengthGroupedSampler(lengths, 8, True, seed=11)
    )


def test_ddp_ranks_get_disjoint_grouped_batches() -> None:
    """With 2 replicas, rank r keeps every 2nd index of the shared stream: the ranks'
    batches are disjoint, cover everything, and each lies inside one group of the stream."""
    lengths = real_like_lengths(1000)
    stream = LengthGroupedSampler(lengths, 4, shuffle=True, seed=0, num_replicas=2).order(0)
    groups = [set(stream[i : i + 8]) for i in range(0, 1000 - 1000 % 8, 8)]  # 2 ranks x 4
    ranks = [
        list(LengthGroupedSampler(lengths, 4, shuffle=True, seed=0, num_replicas=2, rank=r))
        for r in range(2)
    ]
    assert len(ranks[0]) == len(ranks[1]) == 500
    assert set(ranks[0]).isdisjoint(ranks[1]) and len(set(ranks[0]) | set(ranks[1])) == 1000
    batches = [set(rank[i : i + 4]) for rank in ranks for i in range(0, len(rank) - 3, 4)]
    assert all(any(batch <= group for group in groups) for batch in batches)


def test_ddp_pads_an_uneven_split_like_distributed_sampler() -> None:
    """5 examples on 2 ranks: 3 each, the stream's first example repeated (as
    ``DistributedSampler`` does for evaluation)."""
    lengths = np.array([3, 9, 1, 8, 4])
    ranks = [list(LengthGroupedSampler(lengths, 1, False, num_replicas=2, rank=r)) for r in (0, 1)]
    assert ranks == [[1, 4, 2], [3, 0, 1]]  # stream 1, 3, 4, 0, 2, then 1 again


def test_lightning_does_not_wrap_the_sampler() -> None:
    """Lightning leaves a DistributedSampler alone; its own wrapper would reshuffle the
    stream for training (it always passes shuffle=True there) and undo the groups."""
    from torch.utils.data import DistributedSampler

    assert isinstance(LengthGroupedSampler(np.ones(4), 2, True), DistributedSampler)
    with pytest.raises(ValueError, match="rank 2"):
        LengthGroupedSampler(np.ones(4), 2, True, num_replicas=2, rank=2)


def test_evaluation_order_is_longest_first() -> None:
    """Without shuffling: all examples, longest first, ties in index order."""
    lengths = np.array([3, 9, 1, 9, 4])
    assert list(LengthGroupedSampler(lengths, 2, shuffle=False)) == [1, 3, 4, 0, 2]


def test_bad_arguments() -> None:
    """Batch size and mega-batch factor must be positive."""
    with pytest.raises(ValueError, match="batch_size"):
        LengthGroupedSampler(np.ones(3), 0, True)
    with pytest.raises(ValueError, match="megabatch_factor"):
        LengthGroupedSampler(np.ones(3), 2, True, megabatch_factor=0)
