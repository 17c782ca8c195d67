"""GeneratorDataset items (with retrieved premises) and their collation into batches."""

from __future__ import annotations

import random

import pytest
import torch
from torch.utils.data import DataLoader

from conftest import FIXTURES
from tacgen.core.errors import MissingPredictionError
from tacgen.core.records import Premise
from tacgen.data.predictions import PredictionKey, load_predictions
from tacgen.generator.batch import Batch, GeneratorItem
from tacgen.generator.dataset import GeneratorDataset
from test_formatting import example_rows, ref_augment, ref_remove_marks

TINY = FIXTURES / "tiny"
TRAIN = TINY / "train.json"
PREDS = TINY / "predictions.jsonl"


def key_of(ds: GeneratorDataset, index: int) -> PredictionKey:
    """The predictions key of example ``index``."""
    e = ds.examples[index]
    return (e.file_path, e.full_name, e.state)


def test_items_without_predictions_are_the_examples() -> None:
    """Without predictions, item state and tactic are the stored example's."""
    ds = GeneratorDataset(TRAIN)
    assert len(ds) == 11
    for i in range(len(ds)):
        item = ds[i]
        assert isinstance(item, GeneratorItem)
        assert item.example == ds.examples[i]
        assert (item.state, item.tactic) == (ds.examples[i].state, ds.examples[i].tactic)


@pytest.mark.parametrize("max_len", [60, 150, 400, 2300])
def test_augmented_items_follow_reference(max_len: int) -> None:
    """Each item is ReProver's augmented state: premises best-first within the byte budget."""
    ds = GeneratorDataset(TRAIN, preds_path=PREDS, max_input_length=max_len)
    predictions = load_predictions(PREDS)
    for i in range(len(ds)):
        premises = predictions[key_of(ds, i)]
        expected = ref_augment(ds.examples[i].state, premises, max_len, 0.0, random.Random())
        assert ds[i].state == expected
        assert ds[i].state.endswith(ds.examples[i].state)
        assert ds[i].tactic == ds.examples[i].tactic


def test_best_fitting_premises_come_right_before_the_state() -> None:
    """An overflowing premise is skipped; the best fitting one ends right before the state."""
    probe = GeneratorDataset(TRAIN)
    big = Premise("Big.lean", "Big.huge", (1, 1), (9, 1), "theorem huge : " + "ℕ → " * 200 + "ℕ")
    best = Premise("A.lean", "A.best", (1, 1), (1, 9), "theorem best : True")
    second = Premise("A.lean", "A.second", (2, 1), (2, 9), "lemma second : 1 = 1")
    predictions = {key_of(probe, i): [big, best, second] for i in range(len(probe))}
    ds = GeneratorDataset(TRAIN, predictions=predictions, max_input_length=300)
    for i in range(len(ds)):
        state = ds.examples[i].state
        expected = "lemma <a>A.second</a> : 1 = 1\n\ntheorem <a>A.best</a> : True\n\n" + state
        assert ds[i].state == expected
        assert "Big.huge" not in ds[i].state


def test_examples_are_never_mutated() -> None:
    """Repeated access gives the same item and leaves the stored examples unchanged."""
    ds = GeneratorDataset(TRAIN, preds_path=PREDS)
    before = example_rows(ds.examples)
    first = [ds[i].state for i in range(len(ds))]
    for _ in range(5):
        assert [ds[i].state for i in range(len(ds))] == first
    assert example_rows(ds.examples) == before
    assert all(ds[i].example == ds.examples[i] for i in range(len(ds)))


def test_dataloader_with_workers_does_not_mutate() -> None:
    """Through DataLoader(num_workers=2), batches hold augmented states, examples stay put."""
    ds = GeneratorDataset(TRAIN, preds_path=PREDS)
    before = example_rows(ds.examples)
    expected_states = [ds[i].state for i in range(len(ds))]
    loader = DataLoader(ds, batch_size=3, num_workers=2, collate_fn=ds.collate)  # type: ignore[arg-type]
    for _ in range(2):
        states: list[str] = []
        rows = []
        for batch in loader:
            assert isinstance(batch, Batch)
            states.extend(batch.state)
            rows.extend(example_rows(batch.examples))
        assert states == expected_states
        assert rows == before
    assert example_rows(ds.examples) == before
    assert [ds[i].state for i in range(len(ds))] == expected_states


def test_eval_never_drops() -> None:
    """is_train=False ignores premise_drop_prob (even 1.0)."""
    keep_all = GeneratorDataset(TRAIN, preds_path=PREDS, premise_drop_prob=0.0)
    evaluation = GeneratorDataset(TRAIN, preds_path=PREDS, premise_drop_prob=1.0, is_train=False)
    for i in range(len(keep_all)):
        assert evaluation[i].state == keep_all[i].state != keep_all.examples[i].state


def test_train_drop_all_gives_bare_state() -> None:
    """is_train=True with premise_drop_prob=1.0 gives the bare state."""
    ds = GeneratorDataset(TRAIN, preds_path=PREDS, premise_drop_prob=1.0, is_train=True)
    assert [ds[i].state for i in range(len(ds))] == [e.state for e in ds.examples]


def test_train_drops_at_random_reproducibly() -> None:
    """With 0 < p < 1 training items vary, and the global seed makes them reproducible."""
    ds = GeneratorDataset(TRAIN, preds_path=PREDS, premise_drop_prob=0.5, is_train=True)
    random.seed(3)
    first = [ds[i].state for i in range(len(ds)) for _ in range(4)]
    random.seed(3)
    assert [ds[i].state for i in range(len(ds)) for _ in range(4)] == first
    full = GeneratorDataset(TRAIN, preds_path=PREDS)
    assert any(s != full[i // 4].state for i, s in enumerate(first))
    assert all(s.endswith(ds.examples[i // 4].state) for i, s in enumerate(first))


def test_missing_prediction_raises_naming_example() -> None:
    """An example without a prediction raises MissingPredictionError naming it."""
    predictions = dict(load_predictions(PREDS))
    ds = GeneratorDataset(TRAIN)
    del predictions[key_of(ds, 4)]
    with pytest.raises(MissingPredictionError) as err:
        GeneratorDataset(TRAIN, predictions=predictions)
    message = str(err.value)
    for part in ("example #4", "Tiny.or_swap", "Tiny/Basic.lean", str(TRAIN)):
        assert part in message
    assert isinstance(err.value, KeyError)


def test_missing_prediction_allowed_is_counted() -> None:
    """allow_missing_predictions counts the examples and gives them the bare state."""
    predictions = dict(load_predictions(PREDS))
    probe = GeneratorDataset(TRAIN)
    del predictions[key_of(probe, 4)]
    del predictions[key_of(probe, 9)]
    ds = GeneratorDataset(TRAIN, predictions=predictions, allow_missing_predictions=True)
    full = GeneratorDataset(TRAIN, preds_path=PREDS)
    assert ds.missing_predictions == 2
    for i in range(len(ds)):
        if i in (4, 9):
            assert ds[i].state == ds.examples[i].state
        else:
            assert ds[i].state == full[i].state != ds.examples[i].state
    assert GeneratorDataset(TRAIN, preds_path=PREDS).missing_predictions == 0


def test_missing_predictions_defined_without_predictions() -> None:
    """Without predictions, missing_predictions is 0 rather than an AttributeError."""
    assert GeneratorDataset(TRAIN).missing_predictions == 0


def test_keep_marks_false_removes_marks_from_augmented_state() -> None:
    """keep_marks=False strips <a></a> from premises as well as from tactics."""
    ds = GeneratorDataset(TRAIN, preds_path=PREDS, keep_marks=False)
    marked = GeneratorDataset(TRAIN, preds_path=PREDS, keep_marks=True)
    for i in range(len(ds)):
        assert "<a>" not in ds[i].state and "</a>" not in ds[i].state
        assert "<a>" not in ds[i].tactic
        assert ds[i].state == ref_remove_marks(marked[i].state)
    assert any("<a>" in marked[i].state for i in range(len(marked)))


def test_invalid_arguments() -> None:
    """Out-of-range lengths and drop probabilities are refused."""
    with pytest.raises(ValueError):
        GeneratorDataset(TRAIN, premise_drop_prob=1.5)
    with pytest.raises(ValueError):
        GeneratorDataset(TRAIN, max_input_length=0)
    with pytest.raises(ValueError):
        GeneratorDataset(TRAIN, max_output_length=-1)


# ------------------------------------------------------------------------ collate


def test_collate_pads_to_longest() -> None:
    """Ids are UTF-8 bytes + 3 then eos, padded to the longest row; masks mark real ids."""
    ds = GeneratorDataset(TRAIN)
    items = [ds[i] for i in (0, 3, 6, 8)]
    batch = ds.collate(items)
    states = [item.state.encode() for item in items]
    tactics = [item.tactic.encode() for item in items]
    assert batch.state_ids.shape == (4, max(map(len, states)) + 1)
    assert batch.tactic_ids.shape == (4, max(map(len, tactics)) + 1)
    for row, (state, tactic) in enumerate(zip(states, tactics)):
        n, m = len(state), len(tactic)
        assert batch.state_ids[row, :n].tolist() == [b + 3 for b in state]
        assert batch.state_ids[row, n] == 1 and batch.state_ids[row, n + 1 :].eq(0).all()
        assert batch.state_mask[row].tolist() == [1] * (n + 1) + [0] * (
            batch.state_ids.shape[1] - n - 1
        )
        assert batch.tactic_ids[row, :m].tolist() == [b + 3 for b in tactic]
        assert batch.tactic_ids[row, m] == 1
        assert int(batch.tactic_mask[row].sum()) == m + 1
    assert torch.equal(batch.tactic_ids == -100, batch.tactic_mask == 0)
    assert (batch.tactic_ids == -100).any()
    for name in ("state_ids", "state_mask", "tactic_ids", "tactic_mask"):
        assert batch[name] is getattr(batch, name) and batch[name].dtype == torch.int64
    with pytest.raises(KeyError):
        batch["nope"]
    assert len(batch) == 4 and "state_ids" in list(batch)


def test_collate_keeps_metadata() -> None:
    """batch.examples carries file_path, full_name, start, tactic_index of each row."""
    ds = GeneratorDataset(TRAIN, preds_path=PREDS)
    batch = ds.collate([ds[i] for i in range(len(ds))])
    assert batch.examples == tuple(ds.examples)
    assert batch.examples[3].file_path == "Tiny/Basic.lean"
    assert batch.examples[3].full_name == "Tiny.or_swap"
    assert batch.examples[3].start == (9, 1) and batch.examples[3].tactic_index == 1
    assert batch.state == tuple(ds[i].state for i in range(len(ds)))
    assert batch.tactic == tuple(e.tactic for e in ds.examples)


def test_collate_truncates_keeping_eos_last() -> None:
    """Inputs and targets longer than the budgets are cut so that eos stays the last id."""
    ds = GeneratorDataset(TRAIN, preds_path=PREDS, max_input_length=24, max_output_length=8)
    items = [ds[i] for i in range(len(ds))]
    batch = ds.collate(items)
    assert batch.state_ids.shape == (len(ds), 24)
    assert batch.tactic_ids.shape[1] == 8
    for row, item in enumerate(items):
        state = item.state.encode()
        if len(state) >= 24:
            assert batch.state_ids[row, :23].tolist() == [b + 3 for b in state[:23]]
            assert batch.state_ids[row, 23] == 1 and batch.state_mask[row].all()
        tactic = item.tactic.encode()
        if len(tactic) >= 8:
            assert batch.tactic_ids[row, :7].tolist() == [b + 3 for b in tactic[:7]]
            assert batch.tactic_ids[row, 7] == 1 and batch.tactic_mask[row].all()
    # eos is in the last column exactly for rows with at least 23 bytes of state.
    long_rows = [len(item.state.encode()) >= 23 for item in items]
    assert sum(long_rows) >= 3 and (batch.state_ids[:, -1] == 1).tolist() == long_rows


def test_batch_to_device() -> None:
    """Batch.to returns a copy with the tensors moved; metadata is kept."""
    ds = GeneratorDataset(TRAIN)
    batch = ds.collate([ds[0], ds[1]])
    moved = batch.to("cpu")
    assert torch.equal(moved.state_ids, batch.state_ids) and moved.examples == batch.examples
