"""Loading split files: formatted rows, statistics and precise errors on bad input."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tacgen.data.benchmark as benchmark
from conftest import FIXTURES
from tacgen.data.benchmark import (
    BenchmarkFormatError,
    FormatOptions,
    LoadStats,
    parse_split,
    read_split_bytes,
)
from tacgen.data.cache import load_split
from tacgen.generator.dataset import GeneratorDataset
from test_formatting import example_rows, reference_rows

TINY = FIXTURES / "tiny"
OPTIONS = [FormatOptions(k, n) for k in (True, False) for n in (True, False)]


def tiny_theorems(split: str = "train") -> list[dict[str, Any]]:
    """The theorems of a fixture split, as plain JSON values."""
    return json.loads((TINY / f"{split}.json").read_text(encoding="utf-8"))


def write_split(directory: Path, theorems: Any, name: str = "split.json") -> Path:
    """Writes theorems the way LeanDojo files look (one theorem per line here)."""
    path = directory / name
    path.write_text(
        "[" + ",\n".join(json.dumps(t, ensure_ascii=False) for t in theorems) + "]\n",
        encoding="utf-8",
    )
    return path


# ------------------------------------------------------------------------ fixtures


@pytest.mark.parametrize("split", ["train", "val", "test"])
@pytest.mark.parametrize(
    "options", OPTIONS, ids=lambda o: f"m{o.keep_marks:d}n{o.normalize_tactics:d}"
)
def test_fixture_splits_match_reference(split: str, options: FormatOptions) -> None:
    """Every fixture example equals the reference formatter's row, in file order."""
    table, stats = load_split(TINY / f"{split}.json", options, use_cache=False)
    theorems = tiny_theorems(split)
    expected = reference_rows(theorems, options.keep_marks, options.normalize_tactics)
    assert example_rows(table) == expected
    empty = sum(not t["traced_tactics"] for t in theorems)
    assert stats == LoadStats(len(theorems), empty, len(expected))
    assert table.num_theorems == len(theorems) - empty


def test_fixture_formatting_hand_checked() -> None:
    """The fixture's special cases come out as ReProver formats them."""
    table, _ = load_split(TINY / "train.json", FormatOptions(), use_cache=False)
    by_tactic = {e.tactic: e for e in table}
    multi = by_tactic["· exact <a>Or.inr</a> h"]
    assert multi.state.startswith("case inl\n") and "2 goals" not in multi.state
    assert multi.tactic_index == 1 and multi.full_name == "Tiny.or_swap"
    assert "simp only [<a>Nat.add_comm</a>, <a>Nat.mul_comm</a>]" in by_tactic
    assert "norm_num [Nat.succ_eq_add_one]" in by_tactic  # no annotated_tactic
    assert "exact trivial" in by_tactic  # \xa0 and \u3000 are whitespace
    assert by_tactic["trivial"].state == "⊢ 2 goals"
    assert table[1].tactic == "rfl" and table[1].start == (3, 1)
    assert table[10].tactic == "rfl" and table[10].start == (12, 3)
    raw, _ = load_split(TINY / "train.json", FormatOptions(False, False), use_cache=False)
    assert "simp only [Nat.add_comm,\n    Nat.mul_comm]  " in {e.tactic for e in raw}
    assert "norm_num\t\t[Nat.succ_eq_add_one]\n" in {e.tactic for e in raw}


def test_parse_split_bytes_and_empty_file(tmp_path: Path) -> None:
    """parse_split works on bytes; an empty list gives an empty table."""
    data = (TINY / "val.json").read_bytes()
    table, stats = parse_split(data, TINY / "val.json", FormatOptions())
    assert stats == LoadStats(3, 1, 5) and len(table) == 5
    table, stats = load_split(write_split(tmp_path, []), FormatOptions(), use_cache=False)
    assert len(table) == 0 and stats == LoadStats(0, 0, 0) and list(table) == []


def test_empty_traced_tactics_are_counted(tmp_path: Path) -> None:
    """Theorems with an empty traced_tactics are skipped and counted, without an error."""
    theorems = tiny_theorems()
    for thm in theorems[:2]:
        thm["traced_tactics"] = []
    path = write_split(tmp_path, theorems)
    ds = GeneratorDataset(path)
    assert ds.stats.theorems == 5 and ds.stats.theorems_without_tactics == 3
    assert len(ds) == ds.stats.examples == 6
    assert ds.examples.num_theorems == 2
    assert example_rows(ds.examples) == reference_rows(theorems, True, True)


# ---------------------------------------------------------------------- bad input


Mutation = Callable[[list[dict[str, Any]]], None]


def _del_state(ts: list[dict[str, Any]]) -> None:
    del ts[3]["traced_tactics"][1]["state_before"]


def _start_x(ts: list[dict[str, Any]]) -> None:
    ts[3]["start"] = "x"


def _bad_start_pair(ts: list[dict[str, Any]]) -> None:
    ts[3]["start"] = [1, -2]


def _state_int(ts: list[dict[str, Any]]) -> None:
    ts[3]["traced_tactics"][0]["state_before"] = 5


def _no_tactic(ts: list[dict[str, Any]]) -> None:
    # Without annotated_tactic the raw tactic is needed.
    del ts[3]["traced_tactics"][1]["tactic"]


def _mismatch(ts: list[dict[str, Any]]) -> None:
    ts[3]["traced_tactics"][0]["annotated_tactic"][1].pop()


def _mismatch_extra(ts: list[dict[str, Any]]) -> None:
    provenances = ts[3]["traced_tactics"][2]["annotated_tactic"][1]
    provenances.append({"full_name": "Extra.name"})


def _prov_name_int(ts: list[dict[str, Any]]) -> None:
    ts[3]["traced_tactics"][0]["annotated_tactic"][1][1]["full_name"] = 3


def _annotated_str(ts: list[dict[str, Any]]) -> None:
    ts[3]["traced_tactics"][0]["annotated_tactic"] = "simp"


def _traced_null(ts: list[dict[str, Any]]) -> None:
    ts[3]["traced_tactics"] = None


def _no_url(ts: list[dict[str, Any]]) -> None:
    del ts[3]["url"]


def _tactic_not_object(ts: list[dict[str, Any]]) -> None:
    ts[3]["traced_tactics"][1] = "simp"


FIELD_ERRORS: list[tuple[str, Mutation, str]] = [
    ("missing state_before", _del_state, "traced_tactics[1].state_before"),
    ("start is a string", _start_x, "start"),
    ("start has a negative column", _bad_start_pair, "start"),
    ("state_before is an int", _state_int, "traced_tactics[0].state_before"),
    ("no annotated_tactic and no tactic", _no_tactic, "traced_tactics[1].tactic"),
    ("fewer provenances than marks", _mismatch, "traced_tactics[0].annotated_tactic"),
    ("more provenances than marks", _mismatch_extra, "traced_tactics[2].annotated_tactic"),
    (
        "provenance full_name is an int",
        _prov_name_int,
        "traced_tactics[0].annotated_tactic[1][1].full_name",
    ),
    ("annotated_tactic is a string", _annotated_str, "traced_tactics[0].annotated_tactic"),
    ("traced_tactics is null", _traced_null, "traced_tactics"),
    ("url missing", _no_url, "url"),
    ("traced tactic is a string", _tactic_not_object, "traced_tactics[1]"),
]


def assert_names(message: str, *parts: str) -> None:
    """Every part occurs in the error message."""
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


@pytest.mark.parametrize(
    ("mutate", "field"), [(m, f) for _, m, f in FIELD_ERRORS], ids=[i for i, _, _ in FIELD_ERRORS]
)
def test_field_errors_name_file_theorem_and_field(
    tmp_path: Path, mutate: Mutation, field: str
) -> None:
    """A missing or mistyped field, or a mark mismatch, names file, theorem and field."""
    theorems = tiny_theorems()
    mutate(theorems)
    path = write_split(tmp_path, theorems)
    with pytest.raises(BenchmarkFormatError) as plain:
        load_split(path, FormatOptions(), use_cache=False)
    assert_names(str(plain.value), str(path), "theorem #3", "(Tiny.whitespace)", f"'{field}'")
    with pytest.raises(BenchmarkFormatError) as through_dataset:
        GeneratorDataset(path)
    assert str(through_dataset.value) == str(plain.value)


def test_mistyped_full_name(tmp_path: Path) -> None:
    """full_name: 3 is reported with the theorem's index and the field name."""
    theorems = tiny_theorems()
    theorems[2]["full_name"] = 3
    path = write_split(tmp_path, theorems)
    with pytest.raises(BenchmarkFormatError) as err:
        GeneratorDataset(path)
    assert_names(str(err.value), str(path), "theorem #2", "'full_name'", "int")


def test_malformed_json_names_file_theorem_and_line(tmp_path: Path) -> None:
    """A syntax error inside a theorem names the file, the theorem index and its line."""
    path = write_split(tmp_path, tiny_theorems())
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[3] = lines[3].replace(
        '"full_name": "Tiny.whitespace",', '"full_name": "Tiny.whitespace",,'
    )
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(BenchmarkFormatError) as err:
        GeneratorDataset(path)
    assert_names(str(err.value), str(path), "theorem #3", "line 4", "invalid JSON")


def _invalid_utf8_file(tmp_path: Path) -> Path:
    path = write_split(tmp_path, tiny_theorems())
    data = path.read_bytes()
    target = "a b : ℕ\\n⊢ a + b = b + a".encode()
    assert data.count(target) == 1
    path.write_bytes(data.replace(target, b"a b : \xff\xfe\\n\xe2\x8a a + b = b + a"))
    return path


def test_invalid_utf8_names_file_and_theorem(tmp_path: Path) -> None:
    """Invalid UTF-8 bytes inside a string are an error naming the file and theorem index."""
    path = _invalid_utf8_file(tmp_path)
    with pytest.raises(BenchmarkFormatError) as err:
        load_split(path, FormatOptions(), use_cache=False)
    assert_names(str(err.value), str(path), "theorem #3", "UTF-8")
    with pytest.raises(BenchmarkFormatError):
        GeneratorDataset(path)


def test_invalid_utf8_names_full_name_and_field(tmp_path: Path) -> None:
    """Invalid UTF-8 in state_before names the theorem's full_name and the field too."""
    path = _invalid_utf8_file(tmp_path)
    with pytest.raises(BenchmarkFormatError) as err:
        load_split(path, FormatOptions(), use_cache=False)
    assert_names(str(err.value), "Tiny.whitespace", "state_before")


@pytest.mark.parametrize(
    "text",
    [
        '{"url": "u"}',
        "[1, 2]",
        '"theorems"',
        '[{"url": "u"}, 3]',
        "[[]]",
        "",
        "[",
        '[{"url": "u"}',
        '[{"url": "u}]',
    ],
)
def test_top_level_not_a_list_of_objects(tmp_path: Path, text: str) -> None:
    """A top level that is not a JSON list of objects is an error naming the file."""
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BenchmarkFormatError) as err:
        load_split(path, FormatOptions(), use_cache=False)
    assert str(path) in str(err.value)
    with pytest.raises(BenchmarkFormatError):
        GeneratorDataset(path)


def test_theorem_without_full_name_is_reported(tmp_path: Path) -> None:
    """A theorem lacking its full_name is reported by index, with the missing field."""
    path = tmp_path / "bad.json"
    path.write_text(
        '[{"url": "u", "commit": "c", "file_path": "f", "start": [1, 1], "traced_tactics": []}]',
        encoding="utf-8",
    )
    with pytest.raises(BenchmarkFormatError) as err:
        load_split(path, FormatOptions(), use_cache=False)
    assert_names(str(err.value), str(path), "theorem #0", "'full_name'", "missing")


@pytest.mark.parametrize("use_cache", [True, False])
def test_missing_file(tmp_path: Path, use_cache: bool) -> None:
    """A missing split file raises FileNotFoundError naming the path."""
    path = tmp_path / "nowhere" / "train.json"
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        load_split(path, FormatOptions(), use_cache=use_cache)
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        GeneratorDataset(path, use_cache=use_cache)
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        read_split_bytes(path)


def test_directory_instead_of_file(tmp_path: Path) -> None:
    """Giving the split folder instead of a file says so."""
    with pytest.raises(BenchmarkFormatError, match="directory"):
        load_split(tmp_path, FormatOptions(), use_cache=False)


# ------------------------------------------------------------------ parallel path


def many_theorems() -> list[dict[str, Any]]:
    """Twelve theorems (fixture train twice, two of val), three without tactics."""
    theorems = tiny_theorems() + copy.deepcopy(tiny_theorems()) + tiny_theorems("val")[:2]
    for i, thm in enumerate(theorems):
        thm["full_name"] = f"{thm['full_name']}_{i}"
    return theorems


@pytest.fixture
def spy_parallel(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records the worker count of each parallel parse."""
    calls: list[int] = []
    original = benchmark._parallel_parse

    def spy(*args: Any) -> Any:
        calls.append(args[2])  # (job, spans, workers)
        return original(*args)

    monkeypatch.setattr(benchmark, "_parallel_parse", spy)
    return calls


@pytest.mark.parametrize("options", OPTIONS[::3], ids=["m1n1", "m0n0"])
def test_parallel_equals_single_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy_parallel: list[int], options: FormatOptions
) -> None:
    """TACGEN_LOAD_WORKERS=2 gives the same table and stats as one worker."""
    theorems = many_theorems()
    path = write_split(tmp_path, theorems)
    monkeypatch.setenv("TACGEN_LOAD_WORKERS", "1")
    single, single_stats = load_split(path, options, use_cache=False)
    assert spy_parallel == []
    monkeypatch.setenv("TACGEN_LOAD_WORKERS", "2")
    table, stats = load_split(path, options, use_cache=False)
    assert spy_parallel == [2]
    assert stats == single_stats == LoadStats(12, 3, 24)
    assert example_rows(table) == example_rows(single)
    assert example_rows(table) == reference_rows(
        theorems, options.keep_marks, options.normalize_tactics
    )
    assert table.theorem_of.tolist() == single.theorem_of.tolist()


@pytest.mark.parametrize("bad_index", [0, 8])
def test_parallel_errors_match_single_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy_parallel: list[int], bad_index: int
) -> None:
    """An error in the main or a worker process gives the single-worker message."""
    theorems = many_theorems()
    theorems[bad_index]["traced_tactics"][0]["annotated_tactic"][1].append({"full_name": "Z"})
    path = write_split(tmp_path, theorems)
    monkeypatch.setenv("TACGEN_LOAD_WORKERS", "1")
    with pytest.raises(BenchmarkFormatError) as single:
        load_split(path, FormatOptions(), use_cache=False)
    monkeypatch.setenv("TACGEN_LOAD_WORKERS", "2")
    with pytest.raises(BenchmarkFormatError) as parallel:
        GeneratorDataset(path)
    assert spy_parallel == [2]
    assert str(parallel.value) == str(single.value)
    assert_names(
        str(parallel.value),
        str(path),
        f"theorem #{bad_index}",
        f"({theorems[bad_index]['full_name']})",
        "'traced_tactics[0].annotated_tactic'",
    )


def test_parallel_invalid_json_matches_single_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy_parallel: list[int]
) -> None:
    """A syntax error in a worker's share is reported with the same index and line."""
    path = write_split(tmp_path, many_theorems())
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[6] = lines[6].replace('"commit":', '"commit"', 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    monkeypatch.setenv("TACGEN_LOAD_WORKERS", "1")
    with pytest.raises(BenchmarkFormatError) as single:
        load_split(path, FormatOptions(), use_cache=False)
    monkeypatch.setenv("TACGEN_LOAD_WORKERS", "2")
    with pytest.raises(BenchmarkFormatError) as parallel:
        load_split(path, FormatOptions(), use_cache=False)
    assert spy_parallel == [2, 2]  # guessed spans, then the exact scan after the guess failed
    assert str(parallel.value) == str(single.value)
    assert_names(str(parallel.value), str(path), "theorem #6", "line 7")


def _nested_url_object(ts: list[dict[str, Any]]) -> None:
    # An inner object whose first key is "url" looks like the start of a theorem.
    ts[5]["extra"] = {"url": "u", "full_name": "fake", "traced_tactics": []}


def _key_order_varies(ts: list[dict[str, Any]]) -> None:
    ts[7] = dict(reversed(list(ts[7].items())))


def _url_first_in_last_tactic(ts: list[dict[str, Any]]) -> None:
    tactics = next(t["traced_tactics"] for t in reversed(ts) if t["traced_tactics"])
    tactics[-1] = {"url": "u", **tactics[-1]}


@pytest.fixture
def spy_scan(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records each exact scan of a file (the fall-back when guessed spans are wrong)."""
    calls: list[int] = []
    original = benchmark.element_spans

    def spy(buffer: bytes) -> Any:
        calls.append(len(buffer))
        return original(buffer)

    monkeypatch.setattr(benchmark, "element_spans", spy)
    return calls


@pytest.mark.parametrize("workers", ["1", "2"])
def test_leandojo_layout_needs_no_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spy_scan: list[int], workers: str
) -> None:
    """Files laid out as LeanDojo writes them load from the guessed spans alone."""
    theorems = many_theorems()
    path = write_split(tmp_path, theorems)
    monkeypatch.setenv("TACGEN_LOAD_WORKERS", workers)
    table, stats = load_split(path, FormatOptions(), use_cache=False)
    assert spy_scan == []
    assert stats == LoadStats(12, 3, 24)
    assert example_rows(table) == reference_rows(theorems, True, True)


@pytest.mark.parametrize(
    "damage", [_nested_url_object, _key_order_varies, _url_first_in_last_tactic]
)
@pytest.mark.parametrize("workers", ["1", "2"])
def test_wrong_guessed_spans_fall_back_to_the_scan(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    spy_scan: list[int],
    damage: Callable[[list[dict[str, Any]]], None],
    workers: str,
) -> None:
    """Layouts that defeat the guessed spans (an inner object starting with "url", a
    theorem with another first key) are scanned exactly and load what the reference
    formatter gives."""
    theorems = many_theorems()
    damage(theorems)
    path = write_split(tmp_path, theorems)
    monkeypatch.setenv("TACGEN_LOAD_WORKERS", workers)
    table, stats = load_split(path, FormatOptions(), use_cache=False)
    assert spy_scan == [path.stat().st_size]
    assert stats == LoadStats(12, 3, 24)
    assert example_rows(table) == reference_rows(theorems, True, True)
