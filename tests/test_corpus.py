"""The premise corpus: reading, checking, accessibility, locating provenances."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from conftest import DATA_DIR, DEMO_DATA, FIXTURES
from retrieval_fixtures import load_tactics, minif2f_corpus
from tacgen.data.corpus import Corpus, CorpusError

__all__ = ["minif2f_corpus"]  # the session fixture, imported to be found by pytest

SMALL = FIXTURES / "corpus" / "small.jsonl"
BASE = ".lake/packages/core/Core/Base.lean"
LEFT = ".lake/packages/core/Core/Left.lean"
RIGHT = ".lake/packages/core/Core/Right.lean"
SAMPLE = DATA_DIR / "corpus-sample"


@pytest.fixture(scope="module")
def small() -> Corpus:
    return Corpus(SMALL)


def names(corpus: Corpus, path: str, pos: tuple[int, int]) -> set[str]:
    listed = [p.full_name for p in corpus.get_accessible_premises(path, pos)]
    assert len(listed) == len(set(listed)) == len(corpus.accessible(path, pos))
    return set(listed)


BASE_NAMES = {"Base.zero", "Base.one", "Base.add"}


def test_files_sorted_imports_first_and_premises_grouped(small: Corpus) -> None:
    assert small.files.index(BASE) < small.files.index(LEFT) < small.files.index("Pkg/Top.lean")
    assert small.files.index(RIGHT) < small.files.index("Pkg/Top.lean")
    assert small.files.index("Pkg/Top.lean") < small.files.index("Pkg/Leaf.lean")
    assert len(small) == 14 and small.dropped_premises == 0
    assert small.fingerprint == hashlib.sha256(SMALL.read_bytes()).hexdigest()
    assert small.premise_file.dtype == np.int32 and small.premise_file.shape == (14,)
    for i, premise in enumerate(small.premises):
        assert small.files[small.premise_file[i]] == premise.path
    assert np.all(np.diff(small.premise_file) >= 0)
    lo, hi = small.file_range("Pkg/Top.lean")
    # Given out of order in the file; sorted by position on load.
    top = [p.full_name for p in small.premises[lo:hi]]
    assert top == ["Top.t1", "Top.t2", "Top.t3", "Top.m1", "Top.m2"]
    assert small.file_range("Pkg/Empty.lean")[0] == small.file_range("Pkg/Empty.lean")[1]


def test_diamond_and_same_file_cut(small: Corpus) -> None:
    core = BASE_NAMES | {"Left.l1", "Left.l2", "Right.r1"}
    assert names(small, "Pkg/Top.lean", (1, 1)) == core
    # Top.t1 ends at (12, 5): accessible at (12, 5), not at (12, 4).
    assert names(small, "Pkg/Top.lean", (12, 4)) == core
    assert names(small, "Pkg/Top.lean", (12, 5)) == core | {"Top.t1"}
    # Top.t2 spans (14, 1)-(15, 20): a theorem starting inside it does not see it.
    assert names(small, "Pkg/Top.lean", (15, 1)) == core | {"Top.t1"}
    assert names(small, "Pkg/Top.lean", (40, 1)) == core | {
        "Top.t1",
        "Top.t2",
        "Top.t3",
        "Top.m1",
        "Top.m2",
    }


def test_transitive_imports(small: Corpus) -> None:
    top = {"Top.t1", "Top.t2", "Top.t3", "Top.m1", "Top.m2"}
    expected = BASE_NAMES | {"Left.l1", "Left.l2", "Right.r1"} | top
    assert names(small, "Pkg/Leaf.lean", (1, 1)) == expected
    assert names(small, "Pkg/Leaf.lean", (3, 1)) == expected | {"Leaf.x"}
    assert names(small, LEFT, (5, 1)) == BASE_NAMES | {"Left.l1"}
    assert names(small, "Pkg/Empty.lean", (1, 1)) == BASE_NAMES | {"Right.r1"}


def test_file_importing_nothing(small: Corpus) -> None:
    assert names(small, "Pkg/Alone.lean", (1, 1)) == set()
    assert names(small, "Pkg/Alone.lean", (3, 1)) == {"Alone.a1"}
    assert names(small, BASE, (100, 1)) == BASE_NAMES
    empty = small.accessible("Pkg/Alone.lean", (1, 1))
    assert empty.indices().dtype == np.int64 and empty.indices().shape == (0,)


def test_mask_agrees_with_indices(small: Corpus) -> None:
    everything = np.arange(len(small))
    for path in small.files:
        for pos in [(1, 1), (5, 1), (12, 5), (31, 1), (99, 1)]:
            access = small.accessible(path, pos)
            assert np.array_equal(np.flatnonzero(access.mask(everything)), access.indices())
            assert np.all(np.diff(access.indices()) > 0)


def test_resolve_path_aliases(small: Corpus, tmp_path: Path) -> None:
    assert small.resolve_path("Core/Left.lean") == LEFT
    assert small.resolve_path("Pkg/Top.lean") == "Pkg/Top.lean"
    assert small.resolve_path(".lake/packages/pkg/Pkg/Top.lean") == "Pkg/Top.lean"
    assert names(small, "Core/Left.lean", (5, 1)) == BASE_NAMES | {"Left.l1"}
    with pytest.raises(KeyError, match=r"Core/Nowhere.lean.*not in corpus"):
        small.resolve_path("Core/Nowhere.lean")
    lines = [
        {"path": ".lake/packages/a/X/Y.lean", "imports": [], "premises": []},
        {"path": ".lake/packages/b/X/Y.lean", "imports": [], "premises": []},
    ]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    with pytest.raises(KeyError, match="ambiguous"):
        Corpus(tmp_path / "c.jsonl").resolve_path("X/Y.lean")


def test_locate(small: Corpus) -> None:
    lo, _ = small.file_range("Pkg/Top.lean")
    assert small.locate("Pkg/Top.lean", (10, 1)) == lo
    assert small.locate("Pkg/Top.lean", (12, 5)) == lo
    assert small.locate("Pkg/Top.lean", (13, 1)) is None
    # Shared span of a mutual block: the first premise of the span.
    assert small.locate("Pkg/Top.lean", (31, 3)) == lo + 3
    assert small.locate("Core/Base.lean", (8, 2)) == small.file_range(BASE)[0] + 2
    assert small.locate("Nowhere.lean", (1, 1)) is None
    provs: list[dict[str, Any]] = [
        {"full_name": "Top.m2", "def_path": "Pkg/Top.lean", "def_pos": [30, 5]},
        {"full_name": "Left.l2", "def_path": LEFT, "def_pos": [6, 9]},
        {"full_name": "Renamed", "def_path": "Core/Left.lean", "def_pos": [6, 9]},
        {"full_name": "X", "def_path": "Nowhere.lean", "def_pos": [1, 1]},
        {"full_name": "Y", "def_path": LEFT, "def_pos": [5, 1]},
        {"full_name": "Z", "def_path": LEFT},
    ]
    found, missing = small.locate_provenances(provs)
    assert [small.premises[i].full_name for i in found] == ["Top.m2", "Left.l2"]
    assert missing == 3


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("bad_missing_field", r"bad_missing_field.jsonl: line 2 .*B.lean.*premises\[0\].end"),
        ("bad_unknown_import", r"line 2 .*B.lean.*unknown import 'Nowhere.lean'"),
        ("bad_cycle", r"import cycle .*A.lean.*->.*->.*->"),
        ("bad_duplicate_name", r"line 2 .*B.lean.*duplicate premise full_name 'B.b'"),
        ("bad_start_after_end", r"line 2 .*B.lean.*premises\[0\]: start \[4, 1\] is after end"),
        ("bad_overlap", r"line 2 .*B.lean.*B.c .* overlaps premise B.b"),
    ],
)
def test_bad_corpora(name: str, pattern: str) -> None:
    with pytest.raises(CorpusError, match=pattern):
        Corpus(FIXTURES / "corpus" / f"{name}.jsonl")


def test_dropped_premises_are_counted(caplog: pytest.LogCaptureFixture) -> None:
    corpus = Corpus(FIXTURES / "corpus" / "bad_dropped.jsonl")
    assert corpus.dropped_premises == 4
    assert [p.full_name for p in corpus.premises] == ["A.a", "B.b", "B.c"]
    assert "dropped 4 premises" in caplog.text


def test_bad_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text(SMALL.read_text().splitlines()[0] + "\n{not json\n")
    with pytest.raises(CorpusError, match=r"broken.jsonl:2: not valid JSON"):
        Corpus(path)


def test_demo_corpus_loads() -> None:
    corpus = Corpus(DEMO_DATA / "corpus.jsonl")
    assert (len(corpus.files), len(corpus), corpus.dropped_premises) == (16, 510, 0)
    split = orjson.loads((DEMO_DATA / "random" / "test.json").read_bytes())
    for theorem in split:
        for tactic in theorem["traced_tactics"]:
            found, missing = corpus.locate_provenances(tactic["annotated_tactic"][1])
            assert missing == 0
            access = corpus.accessible(theorem["file_path"], tuple(theorem["start"]))
            assert access.mask(np.array(found, dtype=np.int64)).all()


def test_real_json_list_sample() -> None:
    if not (SAMPLE / "leanDojo_corpus.json").is_file():
        pytest.skip(f"corpus sample not found in {SAMPLE}")
    with pytest.raises(CorpusError, match="unknown import"):
        Corpus(SAMPLE / "leanDojo_corpus.json")
    # One entry of a real corpus, its other files absent: its imports are dropped.
    corpus = Corpus(SAMPLE / "leanDojo_corpus.json", unknown_imports="drop")
    assert corpus.dropped_imports == 3 and len(corpus) == 2
    theorem = orjson.loads((SAMPLE / "leanDojo.json").read_bytes())["records"][0]
    provenances = [p for t in theorem["traced_tactics"] for p in t["annotated_tactic"][1]]
    found, missing = corpus.locate_provenances(provenances)
    assert missing == 0 and [corpus.premises[i].full_name for i in found] == [
        "WithLp.prod_norm_eq_add"
    ]
    access = corpus.accessible(theorem["file_path"], tuple(theorem["start"]))
    assert [
        p.full_name
        for p in corpus.get_accessible_premises(theorem["file_path"], tuple(theorem["start"]))
    ] == ["WithLp.prod_norm_eq_add"]
    assert access.mask(np.array(found)).all()


def test_minif2f_provenances_locate_and_are_accessible(
    minif2f_corpus: tuple[Corpus, dict[str, int]], data_dir: Path
) -> None:
    corpus, stats = minif2f_corpus
    assert stats == {"nested_provenances": 0, "merged_names": 5, "dropped_import_edges": 0}
    assert corpus.dropped_premises == 0
    total = not_found = by_position = inaccessible = 0
    for split in ("val", "test"):
        for tactic in load_tactics(data_dir, split):
            found, missing = corpus.locate_provenances(tactic.provenances)
            total, not_found = total + len(tactic.provenances), not_found + missing
            for prov in tactic.provenances:
                # Position alone (ReProver's rule) finds the same premise as the name.
                index = corpus.locate(prov["def_path"], tuple(prov["def_pos"]))
                by_position += index is not None and index in found
            # Theorem paths are repo-relative ("Mathlib/X.lean"): resolve_path aliases them.
            access = corpus.accessible(tactic.file_path, tactic.start)
            inaccessible += int((~access.mask(np.array(found, dtype=np.int64))).sum())
    print(f"\nminiF2F corpus: {len(corpus)} premises in {len(corpus.files)} files; "
          f"{total} provenances, {not_found} not found, {inaccessible} not accessible")  # fmt: skip
    assert (not_found, inaccessible, by_position) == (0, 0, total)
