"""Every real LeanDojo split file loads exactly as ReProver's generator would format it."""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import torch

from tacgen.generator.dataset import GeneratorDataset
from test_formatting import example_rows, reference_rows

SPLIT_FILES = [
    "minif2f-mathlib4-traced/random/val.json",
    "minif2f-mathlib4-traced/random/test.json",
    "benchmark4-random-test-subset/test.json",
    *(
        f"lean4-example-traced/{kind}/{split}.json"
        for kind in ("random", "novel_premises")
        for split in ("train", "val", "test")
    ),
]
COMBOS = [(k, n) for k in (True, False) for n in (True, False)]
VAL = "minif2f-mathlib4-traced/random/val.json"
VAL_DIGESTS = {
    (True, True): "dabfe339a6320079",
    (True, False): "8edfa1bcd06820aa",
    (False, True): "66f30dc472591405",
    (False, False): "4d2047e29f402ce6",
}


@cache
def theorems_of(path: Path) -> list[dict[str, Any]]:
    """The file parsed with the standard library (once per session)."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)  # type: ignore[no-any-return]


def test_split_file_list_is_complete(data_dir: Path) -> None:
    """SPLIT_FILES covers every train/val/test split file of the data folder."""
    found = {
        str(p.relative_to(data_dir))
        for p in data_dir.rglob("*.json")
        if p.name in {"train.json", "val.json", "test.json"}
    }
    assert found == set(SPLIT_FILES)


@pytest.mark.parametrize(("keep_marks", "normalize"), COMBOS, ids=["m1n1", "m1n0", "m0n1", "m0n0"])
@pytest.mark.parametrize("relative", SPLIT_FILES)
def test_split_matches_reference(
    data_dir: Path, relative: str, keep_marks: bool, normalize: bool
) -> None:
    """GeneratorDataset rows equal the reference formatter's rows, in order."""
    path = data_dir / relative
    ds = GeneratorDataset(path, keep_marks=keep_marks, normalize_tactics=normalize, use_cache=False)
    theorems = theorems_of(path)
    expected = reference_rows(theorems, keep_marks, normalize)
    assert len(ds) == len(expected) > 0
    assert example_rows(ds.examples) == expected
    assert ds.stats.theorems == len(theorems)
    assert ds.stats.theorems_without_tactics == sum(not t["traced_tactics"] for t in theorems)
    assert ds.stats.examples == len(expected)
    item = ds[len(ds) - 1]  # no predictions: the item is the stored example
    assert (item.state, item.tactic) == expected[-1][6:]


@pytest.mark.parametrize(("keep_marks", "normalize"), COMBOS, ids=["m1n1", "m1n0", "m0n1", "m0n0"])
def test_val_self_check_digest(data_dir: Path, keep_marks: bool, normalize: bool) -> None:
    """The minif2f val rows hash to the published self-check digests."""
    ds = GeneratorDataset(data_dir / VAL, keep_marks=keep_marks, normalize_tactics=normalize)
    digest = hashlib.sha256()
    for e in ds.examples:
        row = [e.file_path, e.full_name, e.state, e.tactic]
        digest.update((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
    assert len(ds) == 2949
    assert digest.hexdigest()[:16] == VAL_DIGESTS[(keep_marks, normalize)]


def test_val_first_batch(data_dir: Path) -> None:
    """Collating the first 8 val examples gives the published shapes, sums and pads."""
    ds = GeneratorDataset(data_dir / VAL)
    batch = ds.collate([ds[i] for i in range(8)])
    assert tuple(batch.state_ids.shape) == (8, 402)
    assert int(batch.state_ids.sum()) == 203091
    assert tuple(batch.tactic_ids.shape) == (8, 258)
    assert int(batch.tactic_ids.sum()) == -66247
    assert int((batch.tactic_ids == -100).sum()) == 1336
    assert batch.state_ids.dtype == torch.int64


def test_val_first_batch_equals_byt5(data_dir: Path) -> None:
    """state_ids/state_mask equal transformers' ByT5Tokenizer (built offline, no download)."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    transformers = pytest.importorskip("transformers")
    ds = GeneratorDataset(data_dir / VAL)
    items = [ds[i] for i in range(8)]
    batch = ds.collate(items)
    reference = transformers.ByT5Tokenizer()(
        [item.state for item in items],
        padding="longest",
        truncation=True,
        max_length=2300,
        return_tensors="pt",
    )
    assert torch.equal(batch.state_ids, reference["input_ids"])
    assert torch.equal(batch.state_mask, reference["attention_mask"])
    tactics = transformers.ByT5Tokenizer()(
        [item.tactic for item in items],
        padding="longest",
        truncation=True,
        max_length=512,
        return_tensors="pt",
    )
    assert torch.equal(batch.tactic_mask, tactics["attention_mask"])
    expected = tactics["input_ids"].masked_fill(tactics["attention_mask"] == 0, -100)
    assert torch.equal(batch.tactic_ids, expected)
