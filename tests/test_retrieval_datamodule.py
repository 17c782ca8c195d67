"""Retriever training data: contexts and positives, negative sampling, labels, the data module.

Most tests use a small synthetic corpus (:func:`write_synthetic`, also imported by the other
retrieval tests) whose accessibility is easy to work out by hand:

* ``Lib/A.lean`` (no imports): ``a0`` ... ``a5`` on lines 1-6;
* ``Lib/B.lean`` imports A: ``b0`` ... ``b4`` on lines 10, 20, 30, 40, 50;
* ``Lib/C.lean`` (no imports): ``c0`` ... ``c2``, never accessible from A or B.

Theorem ``Lib.B.thm`` starts at line 35 of B (so ``b0``-``b2`` are accessible, ``b3``, ``b4``
not) and ``Lib.A.foo`` at line 4 of A (only ``a0``-``a2``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from tacgen.data.benchmark import BenchmarkFormatError
from tacgen.data.corpus import Corpus
from tacgen.retrieval.datamodule import (
    ContextBatch,
    NegativeSampler,
    RetrievalBatch,
    RetrievalDataModule,
    RetrievalExample,
    TacticContext,
    collate_contexts,
    collate_pairs,
    load_contexts,
)

LINES = {"a": [1, 2, 3, 4, 5, 6], "b": [10, 20, 30, 40, 50], "c": [1, 2, 3]}
FILES = {"a": "Lib/A.lean", "b": "Lib/B.lean", "c": "Lib/C.lean"}
IMPORTS = {"a": [], "b": ["Lib/A.lean"], "c": []}


def _premise(letter: str, i: int) -> dict[str, Any]:
    line = LINES[letter][i]
    return {
        "full_name": f"{letter}{i}",
        "code": f"theorem {letter}{i} (n : Nat) : n + {i} = {i} + n",
        "start": [line, 1],
        "end": [line, 30],
        "kind": "commanddeclaration",
    }


def _prov(name: str) -> dict[str, Any]:
    letter, i = name[0], int(name[1:])
    line = LINES[letter][i]
    return {
        "full_name": name,
        "def_path": FILES[letter],
        "def_pos": [line, 9],
        "def_end_pos": [line, 12],
    }


def _tactic(state: str, names: list[str], missing: bool = False) -> dict[str, Any]:
    provenances = [_prov(n) for n in names]
    if missing:
        provenances.append(
            {
                "full_name": "gone",
                "def_path": "Lib/X.lean",
                "def_pos": [1, 1],
                "def_end_pos": [1, 2],
            }
        )
    marks = ", ".join(f"<a>{p['full_name']}</a>" for p in provenances)
    text = f"rw [{marks}]" if provenances else "simp"
    return {
        "tactic": text.replace("<a>", "").replace("</a>", ""),
        "annotated_tactic": [text, provenances],
        "state_before": state,
        "state_after": "no goals",
    }


def _theorem(file: str, name: str, line: int, tactics: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "url": "https://example.org/lib",
        "commit": "0" * 40,
        "file_path": file,
        "full_name": name,
        "start": [line, 1],
        "end": [line + 5, 1],
        "traced_tactics": tactics,
    }


THEOREMS = [
    _theorem(
        "Lib/B.lean",
        "Lib.B.thm",
        35,
        [
            _tactic("2 goals\nn : Nat\n⊢ n + 1 = 1 + n\n\nm : Nat\n⊢ m = m", ["a1", "b1"]),
            _tactic("m : Nat\n⊢ m = m", []),
            _tactic("k : Nat\n⊢ k + 1 = 1 + k", ["a1"], missing=True),
        ],
    ),
    _theorem("Lib/A.lean", "Lib.A.foo", 4, [_tactic("x : Nat\n⊢ x + 0 = 0 + x", ["a0"])]),
]


def write_synthetic(folder: Path) -> tuple[Path, Path]:
    """Writes the synthetic corpus and a split folder (train = val = test).

    Args:
        folder: where to write.

    Returns:
        ``(corpus.jsonl, split folder)``.
    """
    corpus = folder / "corpus.jsonl"
    lines = [
        json.dumps(
            {
                "path": FILES[letter],
                "imports": IMPORTS[letter],
                "premises": [_premise(letter, i) for i in range(len(LINES[letter]))],
            }
        )
        for letter in "abc"
    ]
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    split = folder / "split"
    split.mkdir()
    for name in ("train", "val", "test"):
        (split / f"{name}.json").write_text(json.dumps(THEOREMS), encoding="utf-8")
    return corpus, split


@pytest.fixture
def synthetic(tmp_path: Path) -> tuple[Corpus, Path]:
    corpus_path, split = write_synthetic(tmp_path)
    return Corpus(corpus_path), split


def index_of(corpus: Corpus, name: str) -> int:
    """The corpus index of a synthetic premise."""
    return next(i for i, p in enumerate(corpus.premises) if p.full_name == name)


def test_contexts_positives_and_counts(synthetic: tuple[Corpus, Path]) -> None:
    corpus, split = synthetic
    contexts, stats = load_contexts(split / "train.json", corpus)
    assert [c.full_name for c in contexts] == ["Lib.B.thm"] * 3 + ["Lib.A.foo"]
    a0, a1, b1 = (index_of(corpus, n) for n in ("a0", "a1", "b1"))
    assert [c.positives for c in contexts] == [tuple(sorted((a1, b1))), (), (a1,), (a0,)]
    assert contexts[0].state == "n : Nat\n⊢ n + 1 = 1 + n\n\nm : Nat\n⊢ m = m"  # formatted
    assert contexts[0].theorem_pos == (35, 1)
    assert (stats.tactics, stats.tactics_with_positives) == (4, 3)
    assert (stats.provenances, stats.provenances_not_found) == (5, 1)


def test_malformed_split_names_the_theorem(synthetic: tuple[Corpus, Path], tmp_path: Path) -> None:
    corpus, _ = synthetic
    bad = tmp_path / "bad.json"
    broken = {k: v for k, v in THEOREMS[1].items() if k != "traced_tactics"}
    bad.write_text(json.dumps([THEOREMS[0], broken]), encoding="utf-8")
    with pytest.raises(BenchmarkFormatError, match=r"bad\.json: theorem #1 \(Lib\.A\.foo\)"):
        load_contexts(bad, corpus)
    (tmp_path / "obj.json").write_text("{}", encoding="utf-8")
    with pytest.raises(BenchmarkFormatError, match=r"obj\.json"):
        load_contexts(tmp_path / "obj.json", corpus)
    # Invalid JSON inside a theorem: named by its index, never by the previous theorem.
    for first, index in ((True, 1), (False, 0)):
        text = (json.dumps(THEOREMS[0]) + ", " if first else "") + '{"url": nope}'
        bad.write_text(f"[{text}]", encoding="utf-8")
        with pytest.raises(
            BenchmarkFormatError, match=rf"theorem #{index} \(line 1\): invalid JSON"
        ):
            load_contexts(bad, corpus)


def test_records_check_their_fields() -> None:
    with pytest.raises(ValueError, match="sorted"):
        TacticContext("F.lean", "t", (1, 1), "⊢ True", (3, 1))
    context = TacticContext("F.lean", "t", (1, 1), "⊢ True", (1, 3))
    with pytest.raises(ValueError, match="not a positive"):
        RetrievalExample(context, 2)
    with pytest.raises(ValueError, match="labels"):
        RetrievalBatch(
            (context,),
            torch.zeros(1, 4, dtype=torch.long),
            torch.ones(1, 4, dtype=torch.long),
            torch.tensor([1, 3]),
            torch.zeros(2, 4, dtype=torch.long),
            torch.ones(2, 4, dtype=torch.long),
            torch.zeros(2, 2),
        )


def test_negatives_are_accessible_distinct_and_not_positive(
    synthetic: tuple[Corpus, Path],
) -> None:
    corpus, split = synthetic
    contexts, _ = load_contexts(split / "train.json", corpus)
    context = contexts[0]  # Lib.B.thm: a0-a5 and b0-b2 accessible; positives a1, b1
    a1 = index_of(corpus, "a1")
    access = corpus.accessible(context.file_path, context.theorem_pos)
    file_a = set(range(*corpus.file_range("Lib/A.lean")))
    sampler = NegativeSampler(corpus, num_negatives=4, num_in_file_negatives=2)
    torch.manual_seed(0)
    seen: set[int] = set()
    for _ in range(200):
        negatives = sampler.sample(context, a1)
        assert len(negatives) == 4 and len(set(negatives)) == 4
        assert bool(access.mask(np.array(negatives)).all())
        assert not set(negatives) & set(context.positives)
        assert set(negatives[:2]) <= file_a  # the in-file ones come first
        seen |= set(negatives)
    expected = set(access.indices().tolist()) - set(context.positives)
    assert seen == expected  # every candidate gets drawn


def test_in_file_negatives_fall_back_and_run_out(synthetic: tuple[Corpus, Path]) -> None:
    corpus, split = synthetic
    contexts, _ = load_contexts(split / "train.json", corpus)
    foo = contexts[3]  # Lib.A.foo at line 4: only a0 (positive), a1, a2 accessible
    a0, a1, a2 = (index_of(corpus, n) for n in ("a0", "a1", "a2"))
    sampler = NegativeSampler(corpus, num_negatives=3, num_in_file_negatives=3)
    assert sorted(sampler.sample(foo, a0)) == [a1, a2]  # fewer: nothing else is accessible
    # Positive b1 of Lib.B.thm: B's accessible non-positives are b0 and b2 only, so one
    # in-file negative is missing and the rest come from A.
    b1 = index_of(corpus, "b1")
    sampler = NegativeSampler(corpus, num_negatives=3, num_in_file_negatives=3)
    negatives = sampler.sample(contexts[0], b1)
    names = [corpus.premises[i].full_name for i in negatives]
    assert sorted(names[:2]) == ["b0", "b2"] and names[2].startswith("a")


def test_sampling_is_reproducible_per_torch_seed(synthetic: tuple[Corpus, Path]) -> None:
    corpus, split = synthetic
    contexts, _ = load_contexts(split / "train.json", corpus)
    sampler = NegativeSampler(corpus, num_negatives=3, num_in_file_negatives=1)
    runs = []
    for _ in range(2):
        torch.manual_seed(7)
        runs.append([sampler.sample(contexts[0], contexts[0].positives[0]) for _ in range(5)])
    assert runs[0] == runs[1]
    assert NegativeSampler(corpus, 0, 0).sample(contexts[0], contexts[0].positives[0]) == ()
    with pytest.raises(ValueError, match="num_in_file_negatives"):
        NegativeSampler(corpus, 1, 2)


def test_labels_mark_every_positive_of_each_context(synthetic: tuple[Corpus, Path]) -> None:
    corpus, split = synthetic
    contexts, _ = load_contexts(split / "train.json", corpus)
    a1, b0, b1 = (index_of(corpus, n) for n in ("a1", "b0", "b1"))
    items = [
        (RetrievalExample(contexts[0], a1), (b0,)),  # positives a1, b1
        (RetrievalExample(contexts[2], a1), (b1,)),  # positive a1; b1 is its negative
    ]
    batch = collate_pairs(items, corpus, max_input_length=64)
    assert batch.premise_indices.tolist() == [a1, a1, b0, b1]
    # b1, sampled as the second pair's negative, is still a positive of the first context.
    assert batch.labels.tolist() == [[1, 1, 0, 1], [1, 1, 0, 0]]
    assert batch.context_ids.shape[0] == 2 and batch.premise_ids.shape[0] == 4
    assert batch.premise_ids.shape[1] <= 64
    assert len(batch) == 2 and batch.to("cpu").labels.equal(batch.labels)
    from tacgen.nn.tokenizer import ByteTokenizer

    text = ByteTokenizer().decode(batch.premise_ids[2])
    assert text == corpus.premises[b0].serialize()  # premises are encoded serialized
    eval_batch = collate_contexts(contexts[:2], max_input_length=8)
    assert isinstance(eval_batch, ContextBatch) and eval_batch.context_ids.shape == (2, 8)


def test_data_module_loaders(synthetic: tuple[Corpus, Path]) -> None:
    corpus, split = synthetic
    dm = RetrievalDataModule(
        str(split),
        str(corpus.path),
        batch_size=2,
        eval_batch_size=8,
        num_workers=0,
        max_input_length=96,
    )
    dm.setup("fit")
    assert dm.train_dataset is not None and len(dm.train_dataset) == 4  # (tactic, positive)
    torch.manual_seed(0)
    batches = list(dm.train_dataloader())
    assert len(batches) == 2 and all(isinstance(b, RetrievalBatch) for b in batches)
    for b in batches:  # Lib.A.foo's pair has only 2 accessible negatives, the others 3
        assert b.labels.shape == (2, len(b.premise_indices)) and len(b.premise_indices) >= 6
    (val,) = list(dm.val_dataloader())
    assert isinstance(val, ContextBatch) and len(val) == 3  # tactics with positives only
    assert dm.stats["val"].provenances_not_found == 1
    dm.setup("test")
    assert len(next(iter(dm.test_dataloader()))) == 3
    with pytest.raises(ValueError, match="num_in_file_negatives"):
        RetrievalDataModule(str(split), str(corpus.path), num_negatives=1, num_in_file_negatives=2)
    with pytest.raises(RuntimeError, match="setup"):
        RetrievalDataModule(str(split), str(corpus.path)).train_dataloader()


def test_demo_data_positives_are_all_found() -> None:
    dm = RetrievalDataModule("tacgen:demo/random", "tacgen:demo/corpus.jsonl", num_workers=0)
    dm.setup("fit")
    assert len(dm.corpus) == 510
    train, val = dm.stats["train"], dm.stats["val"]
    assert (train.tactics, train.tactics_with_positives, train.provenances_not_found) == (
        399,
        114,
        0,
    )
    assert (val.tactics, val.tactics_with_positives) == (40, 15)
    assert dm.train_dataset is not None and len(dm.train_dataset) == 160
