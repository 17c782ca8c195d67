"""TopkAccuracy: marks, k, empty state, summing counts."""

from __future__ import annotations

import pytest
import torch

from tacgen.generator.metrics import TopkAccuracy


def test_hit_within_first_k_only() -> None:
    preds = [["a", "b", "c"], ["x", "y", "z"]]
    gt = ["b", "z"]
    expected = {1: 0.0, 2: 0.5, 3: 1.0, 4: 1.0}
    for k, accuracy in expected.items():
        metric = TopkAccuracy(k)
        metric.update(preds, gt)
        assert metric.compute().item() == pytest.approx(accuracy)


def test_marks_removed_from_both_sides() -> None:
    metric = TopkAccuracy(1)
    metric.update(
        [["rw [<a>Nat.add_comm</a>]"], ["simp [foo]"]],
        ["rw [Nat.add_comm]", "simp [<a>foo</a>]"],
    )
    assert metric.compute().item() == 1.0


def test_empty_and_short_prediction_lists() -> None:
    metric = TopkAccuracy(3)
    with pytest.warns(UserWarning, match="before the ``update``"):
        assert metric.compute().item() == 0.0  # nothing counted yet
    metric.update([[], ["t"]], ["t", "t"])
    assert metric.compute().item() == pytest.approx(0.5)
    assert int(metric.total) == 2 and int(metric.correct) == 1


def test_counts_accumulate_and_reset() -> None:
    metric = TopkAccuracy(1)
    metric.update([["a"]], ["a"])
    metric.update([["b"], ["c"], ["d"]], ["x", "c", "y"])
    assert metric.compute().item() == pytest.approx(2 / 4)
    assert metric.compute().dtype == torch.float32
    metric.reset()
    assert int(metric.total) == 0


def test_states_are_summed_across_processes() -> None:
    metric = TopkAccuracy(2)
    from torchmetrics.utilities.data import dim_zero_sum

    assert metric._reductions == {"correct": dim_zero_sum, "total": dim_zero_sum}
    # merge_state is the same reduction as a distributed sync.
    other = TopkAccuracy(2)
    metric.update([["a", "b"]], ["b"])
    other.update([["a"], ["c"]], ["a", "b"])
    metric.merge_state(other)
    assert (int(metric.correct), int(metric.total)) == (2, 3)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="k must be"):
        TopkAccuracy(0)
    with pytest.raises(ValueError, match="prediction lists"):
        TopkAccuracy(1).update([["a"]], ["a", "b"])
