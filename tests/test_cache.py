"""The split cache: hits on a second load, never stale, robust to damage, opt-out works."""

from __future__ import annotations

import mmap
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest

import tacgen.data.benchmark as benchmark
import tacgen.data.cache as cache_module
from conftest import FIXTURES
from tacgen.data.benchmark import FormatOptions, LoadStats
from tacgen.data.cache import SplitCache, default_cache_dir, load_split
from tacgen.generator.dataset import GeneratorDataset
from test_formatting import example_rows

TINY = FIXTURES / "tiny"


@pytest.fixture
def split(tmp_path: Path) -> Path:
    """A private copy of the fixture train split (tests rewrite it)."""
    path = tmp_path / "data" / "train.json"
    path.parent.mkdir()
    shutil.copy(TINY / "train.json", path)
    return path


@pytest.fixture
def parse_count(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Counts real parses (both names of parse_split are patched)."""
    calls: list[Path] = []
    original = benchmark.parse_split

    def counting(buffer: bytes, path: Path, *args: Any, **kwargs: Any) -> Any:
        calls.append(path)
        return original(buffer, path, *args, **kwargs)

    monkeypatch.setattr(benchmark, "parse_split", counting)
    monkeypatch.setattr(cache_module, "parse_split", counting)
    return calls


def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on any parse fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("parse_split called: the cache was not used")

    monkeypatch.setattr(benchmark, "parse_split", refuse)
    monkeypatch.setattr(cache_module, "parse_split", refuse)


def entries(directory: Path) -> list[Path]:
    """The finished cache entries under a cache folder."""
    splits = directory / "splits"
    return (
        sorted(p for p in splits.iterdir() if not p.name.startswith(".")) if splits.is_dir() else []
    )


def test_default_cache_dir_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """$TACGEN_CACHE_DIR wins, then $XDG_CACHE_HOME/tacgen."""
    monkeypatch.setenv("TACGEN_CACHE_DIR", str(tmp_path / "a"))
    assert default_cache_dir() == tmp_path / "a"
    monkeypatch.delenv("TACGEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "tacgen"


def test_second_load_hits_cache(
    split: Path, monkeypatch: pytest.MonkeyPatch, parse_count: list[Path]
) -> None:
    """The second load returns equal examples and stats without parsing (mmap-backed)."""
    first, first_stats = load_split(split, FormatOptions())
    assert len(parse_count) == 1
    assert len(entries(default_cache_dir())) == 1
    forbid_parsing(monkeypatch)
    second, second_stats = load_split(split, FormatOptions())
    assert example_rows(second) == example_rows(first)
    assert second_stats == first_stats == LoadStats(5, 1, 11)
    assert isinstance(second.states.data, mmap.mmap)
    ds = GeneratorDataset(split)
    assert example_rows(ds.examples) == example_rows(first) and ds.stats == first_stats


def test_explicit_cache_dir(split: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """cache_dir= puts entries there and is read back from there."""
    directory = tmp_path / "my-cache"
    first = GeneratorDataset(split, cache_dir=directory)
    assert len(entries(directory)) == 1 and not entries(default_cache_dir())
    forbid_parsing(monkeypatch)
    assert example_rows(GeneratorDataset(split, cache_dir=directory).examples) == example_rows(
        first.examples
    )


def test_options_get_their_own_entries(split: Path, parse_count: list[Path]) -> None:
    """Each (keep_marks, normalize_tactics) pair is a separate entry with its own rows."""
    tables = {}
    for keep in (True, False):
        for normalize in (True, False):
            tables[keep, normalize] = example_rows(
                load_split(split, FormatOptions(keep, normalize))[0]
            )
    assert len(parse_count) == 4 and len(entries(default_cache_dir())) == 4
    assert len({tuple(rows) for rows in tables.values()}) == 4
    for keep in (True, False):
        for normalize in (True, False):
            again = example_rows(load_split(split, FormatOptions(keep, normalize))[0])
            assert again == tables[keep, normalize]
    assert len(parse_count) == 4


def test_changed_file_is_reparsed_even_with_same_mtime(
    split: Path, parse_count: list[Path]
) -> None:
    """Rewriting the file (same size, mtime restored with os.utime) is never served stale."""
    before, _ = load_split(split, FormatOptions())
    stat = split.stat()
    data = split.read_bytes()
    changed = data.replace(b"Tiny.or_swap", b"Tiny.or_swop")
    assert len(changed) == len(data) and changed != data
    split.write_bytes(changed)
    os.utime(split, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert split.stat().st_mtime_ns == stat.st_mtime_ns and split.stat().st_size == stat.st_size
    after, _ = load_split(split, FormatOptions())
    assert len(parse_count) == 2
    assert "Tiny.or_swop" in {e.full_name for e in after}
    assert "Tiny.or_swap" not in {e.full_name for e in after}
    assert len(after) == len(before)
    # Restoring the old content finds the old entry again (keyed by content).
    split.write_bytes(data)
    restored, _ = load_split(split, FormatOptions())
    assert len(parse_count) == 2
    assert example_rows(restored) == example_rows(before)


def test_replaced_file_is_reparsed(split: Path, parse_count: list[Path]) -> None:
    """A file replaced by another one (new inode, copied mtime) is re-read."""
    load_split(split, FormatOptions())
    other = split.with_name("other.json")
    shutil.copy2(TINY / "val.json", other)
    os.utime(other, ns=(split.stat().st_atime_ns, split.stat().st_mtime_ns))
    os.replace(other, split)
    table, stats = load_split(split, FormatOptions())
    assert len(parse_count) == 2 and stats == LoadStats(3, 1, 5) and len(table) == 5


def test_same_content_in_another_file_shares_entry(
    split: Path, tmp_path: Path, parse_count: list[Path]
) -> None:
    """Entries are keyed by content: a copy of the file is a cache hit."""
    first, _ = load_split(split, FormatOptions())
    copy = tmp_path / "copy.json"
    shutil.copy(split, copy)
    second, _ = load_split(copy, FormatOptions())
    assert len(parse_count) == 1 and example_rows(second) == example_rows(first)


def _truncate_states(entry: Path) -> None:
    with open(entry / "states.bin", "r+b") as handle:
        handle.truncate(10)


def _drop_meta(entry: Path) -> None:
    (entry / "meta.json").unlink()


def _garble_meta(entry: Path) -> None:
    (entry / "meta.json").write_text('{"version": 1, "stats": {"theorems": ')


def _garble_offsets(entry: Path) -> None:
    (entry / "tactics.offsets.npy").write_bytes(b"not numpy")


def _drop_array(entry: Path) -> None:
    (entry / "theorem_of.npy").unlink()


def _empty_entry(entry: Path) -> None:
    shutil.rmtree(entry)
    entry.mkdir()


DAMAGE = [_truncate_states, _drop_meta, _garble_meta, _garble_offsets, _drop_array, _empty_entry]


@pytest.mark.parametrize("damage", DAMAGE, ids=[d.__name__.strip("_") for d in DAMAGE])
def test_damaged_entry_is_ignored(split: Path, damage: Any, parse_count: list[Path]) -> None:
    """A corrupted or partial entry is not used: the file is parsed again, rows are right."""
    first, _ = load_split(split, FormatOptions())
    (entry,) = entries(default_cache_dir())
    damage(entry)
    again, stats = load_split(split, FormatOptions())
    assert len(parse_count) == 2
    assert example_rows(again) == example_rows(first) and stats == LoadStats(5, 1, 11)


@pytest.mark.parametrize("damage", [_truncate_states], ids=["truncate_states"])
def test_damaged_entry_is_rebuilt(split: Path, damage: Any, parse_count: list[Path]) -> None:
    """After a damaged entry was ignored once, the next load is a cache hit again."""
    load_split(split, FormatOptions())
    (entry,) = entries(default_cache_dir())
    damage(entry)
    load_split(split, FormatOptions())
    load_split(split, FormatOptions())
    assert len(parse_count) == 2


def test_corrupted_hash_index_is_ignored(split: Path, parse_count: list[Path]) -> None:
    """A garbled hashes.json is treated as empty (the file is hashed again)."""
    first, _ = load_split(split, FormatOptions())
    (default_cache_dir() / "hashes.json").write_text("{not json")
    again, _ = load_split(split, FormatOptions())
    assert example_rows(again) == example_rows(first) and len(parse_count) == 1


def test_content_hash_is_remembered_and_checked(split: Path) -> None:
    """content_hash equals sha256 of the bytes, before and after a rewrite."""
    import hashlib

    cache = SplitCache()
    assert cache.content_hash(split) == hashlib.sha256(split.read_bytes()).hexdigest()
    assert cache.content_hash(split) == hashlib.sha256(split.read_bytes()).hexdigest()
    split.write_bytes(split.read_bytes() + b"\n")
    assert cache.content_hash(split) == hashlib.sha256(split.read_bytes()).hexdigest()


def test_use_cache_false_never_writes(split: Path, tmp_path: Path, parse_count: list[Path]) -> None:
    """use_cache=False neither reads nor writes any cache folder."""
    directory = tmp_path / "never"
    load_split(split, FormatOptions(), use_cache=True)  # a warm default cache is not read
    GeneratorDataset(split, use_cache=False, cache_dir=directory)
    load_split(split, FormatOptions(), cache_dir=directory, use_cache=False)
    assert len(parse_count) == 3
    assert not directory.exists()
    before = sorted(p.relative_to(default_cache_dir()) for p in default_cache_dir().rglob("*"))
    load_split(split, FormatOptions(False, False), use_cache=False)
    after = sorted(p.relative_to(default_cache_dir()) for p in default_cache_dir().rglob("*"))
    assert before == after


def test_failed_parse_stores_nothing(split: Path) -> None:
    """A file with an error leaves no entry; once fixed it loads normally."""
    good = split.read_bytes()
    split.write_bytes(good.replace(b'"state_before"', b'"state_bfore"', 1))
    with pytest.raises(benchmark.BenchmarkFormatError):
        load_split(split, FormatOptions())
    assert entries(default_cache_dir()) == []
    split.write_bytes(good)
    assert len(load_split(split, FormatOptions())[0]) == 11


def test_pickle_cached_table_and_dataset(split: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache-backed (mmap) ExampleTable and GeneratorDataset survive a pickle round trip."""
    fresh, _ = load_split(split, FormatOptions())
    forbid_parsing(monkeypatch)
    table, _ = load_split(split, FormatOptions())
    assert isinstance(table.tactics.data, mmap.mmap)
    blob = pickle.dumps(table)
    assert len(blob) < len(split.read_bytes())  # strings are reopened, not copied
    clone = pickle.loads(blob)
    assert example_rows(clone) == example_rows(fresh)
    ds = GeneratorDataset(split, preds_path=TINY / "predictions.jsonl")
    ds_clone = pickle.loads(pickle.dumps(ds))
    assert example_rows(ds_clone.examples) == example_rows(ds.examples)
    assert [ds_clone[i].state for i in range(len(ds))] == [ds[i].state for i in range(len(ds))]


def test_pickle_parsed_table(split: Path) -> None:
    """A table that was parsed (bytes-backed) pickles by value."""
    table, _ = load_split(split, FormatOptions(), use_cache=False)
    assert example_rows(pickle.loads(pickle.dumps(table))) == example_rows(table)
