"""Provenance records, in process and without a model: what a checkpoint stores of its
training data, and the overlap check that ``tacgen prove`` and validation make with it.

The end-to-end path (``tacgen fit`` writes the record, ``tacgen prove`` warns) is in
``test_cli.py`` and ``test_prove_library.py``, with a trained model.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pytest

from tacgen.core.errors import UsageError
from tacgen.data import provenance
from tacgen.data.provenance import (
    FREQUENT_TACTICS,
    check_overlap,
    file_sha256,
    frequent_tactics,
    record,
    theorem_hash,
)


def test_theorem_hash_is_stable_across_versions() -> None:
    """Checkpoints already saved hold these numbers: a changed hash hides every overlap."""
    assert theorem_hash("Mathlib/Foo.lean", "Foo.bar") == -8109286364266661185
    assert theorem_hash("B.lean", "a") == 2589260954195661492
    assert theorem_hash("", "") == 5224996704525874836
    # File and name are kept apart: moving a character across the separator changes it.
    assert theorem_hash("A.lean", "a") != theorem_hash("A.lean\0", "a")
    assert theorem_hash("A.leana", "") != theorem_hash("A.lean", "a")


def test_tacgen_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    assert provenance.tacgen_version() == metadata.version("tacgen")

    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    assert provenance.tacgen_version() == "unknown"


def test_file_sha256_with_and_without_the_cache(tmp_path: Path) -> None:
    split = tmp_path / "train.json"
    split.write_bytes(b'[{"full_name": "a"}]')
    expected = hashlib.sha256(split.read_bytes()).hexdigest()
    uncached = tmp_path / "uncached"
    assert file_sha256(split, uncached, use_cache=False) == expected
    assert not uncached.exists()  # use_cache=False writes nothing
    cache = tmp_path / "cache"
    assert file_sha256(split, cache) == expected
    index = json.loads((cache / "hashes.json").read_text(encoding="utf-8"))
    assert index[str(split.resolve())]["sha256"] == expected


def test_file_sha256_default_cache_is_the_users(tmp_path: Path) -> None:
    """``cache_dir=None`` is the default cache (``$TACGEN_CACHE_DIR``, set per test)."""
    from tacgen.data.cache import default_cache_dir

    split = tmp_path / "val.json"
    split.write_bytes(b"[]")
    assert file_sha256(split) == hashlib.sha256(b"[]").hexdigest()
    assert (default_cache_dir() / "hashes.json").is_file()


def test_record_holds_every_field(tmp_path: Path) -> None:
    train, val = tmp_path / "train.json", tmp_path / "val.json"
    train.write_bytes(b"[1]")
    val.write_bytes(b"[2]")
    theorems = [("B.lean", "a"), ("Mathlib/Foo.lean", "Foo.bar"), ("B.lean", "a")]
    got = record(tmp_path, {"train": train, "val": val}, theorems, {"normalize": True}, tmp_path)
    assert got == {
        "tacgen_version": provenance.tacgen_version(),
        "data_path": str(tmp_path),
        "splits": {
            "train": {"file": str(train), "sha256": hashlib.sha256(b"[1]").hexdigest()},
            "val": {"file": str(val), "sha256": hashlib.sha256(b"[2]").hexdigest()},
        },
        "normalize": True,
        "train_theorems": [-8109286364266661185, 2589260954195661492],  # sorted, distinct
    }
    assert (tmp_path / "hashes.json").is_file()  # the cache folder given was used


def test_record_without_the_cache_writes_none(tmp_path: Path) -> None:
    split = tmp_path / "train.json"
    split.write_bytes(b"[]")
    cache = tmp_path / "cache"
    got = record(tmp_path, {"train": split}, [], {}, cache, use_cache=False)
    assert got["splits"]["train"]["sha256"] == hashlib.sha256(b"[]").hexdigest()
    assert got["train_theorems"] == [] and not cache.exists()


def test_frequent_tactics_most_frequent_first_ties_first_seen() -> None:
    tactics = ["simp", "rw [<a>foo</a>]", "ring", "rw [foo]", "ring", "linarith", " ", " ", " "]
    # Marks removed before counting ("rw [foo]" twice); the blank, the most frequent, dropped.
    assert frequent_tactics(tactics) == ["rw [foo]", "ring", "simp", "linarith"]
    assert frequent_tactics(tactics, k=3) == ["rw [foo]", "ring"]  # k counts the blank
    assert frequent_tactics(iter(["b", "a", "a", "b", "c"]), 2) == ["b", "a"]


def test_frequent_tactics_default_k() -> None:
    tactics = [f"t{i}" for i in range(FREQUENT_TACTICS + 10)]
    assert FREQUENT_TACTICS == 64
    assert frequent_tactics(tactics) == tactics[:FREQUENT_TACTICS]


TRAINED = {"data_path": "data/random", "train_theorems": [theorem_hash("A.lean", "a")]}


def test_no_record_or_no_theorems_checks_nothing() -> None:
    theorems = [("A.lean", "a")]
    assert check_overlap(None, theorems, "x", strict=True) == 0
    assert check_overlap({}, theorems, "x", strict=True) == 0
    assert check_overlap({"data_path": "d", "train_theorems": []}, theorems, "x", True) == 0


def test_overlap_warns_with_the_count(caplog: pytest.LogCaptureFixture) -> None:
    theorems = [("A.lean", "a"), ("A.lean", "a"), ("A.lean", "b"), ("B.lean", "a")]
    with caplog.at_level(logging.WARNING, logger="tacgen.data.provenance"):
        assert check_overlap(TRAINED, theorems, "the val split") == 1  # distinct theorems
    (message,) = [r.getMessage() for r in caplog.records]
    assert message == (
        "warning: 1 of the 3 theorems of the val split were in the training data of this "
        "model (data/random): scores on them are not held-out"
    )


def test_no_overlap_is_silent(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="tacgen.data.provenance"):
        assert check_overlap(TRAINED, [("A.lean", "b")], "x", strict=True) == 0
    assert not caplog.records


def test_strict_overlap_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    expected = (
        "1 of the 1 theorems of test.json were in the training data of this model "
        "(data/random): scores on them are not held-out (--strict-provenance)"
    )
    with caplog.at_level(logging.WARNING), pytest.raises(UsageError) as raised:
        check_overlap(TRAINED, [("A.lean", "a")], "test.json", strict=True)
    assert str(raised.value) == expected
    assert not caplog.records  # refused, not also warned
