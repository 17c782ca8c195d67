"""Candidate sources (model beams, a scored tactic library) merged by one score, the search
trace, and the tactic library's sources, on hand-built graphs."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import pytest

from tacgen.core.errors import TacgenError
from tacgen.core.records import Query
from tacgen.generator.options import Candidates
from tacgen.prover.candidates import (
    Candidate,
    LibrarySource,
    edge_score,
    merge_candidates,
    rank_prior,
)
from tacgen.prover.library import load_library, read_library_file
from tacgen.prover.observer import TraceRecorder
from tacgen.prover.search import SearchConfig, best_first_search
from test_prover import THEOREM, GraphEnv, TableGenerator


class ScoringGenerator(TableGenerator):
    """A table generator that also scores: state -> tactic -> log-prob (default -9)."""

    def __init__(self, table: dict[str, Candidates], scores: dict[str, dict[str, float]]) -> None:
        super().__init__(table)
        self.scores = scores
        self.scored: list[list[str]] = []

    def score_queries(
        self, queries: Sequence[Query], tactics: Sequence[Sequence[str]]
    ) -> list[list[float]]:
        self.scored.append([q.state for q in queries])
        return [
            [self.scores.get(q.state, {}).get(t, -9.0) for t in ts]
            for q, ts in zip(queries, tactics)
        ]


def test_merge_keeps_each_tactics_best_score_in_order_and_cuts() -> None:
    beams = [Candidate("simp", -2.0, "beam"), Candidate("rfl", -1.0, "beam")]
    library = [Candidate("simp", -0.5, "library"), Candidate("omega", -3.0, "library")]
    merged = merge_candidates([beams, library], limit=3)
    assert merged == [
        Candidate("simp", -0.5, "library"),
        Candidate("rfl", -1.0, "beam"),
        Candidate("omega", -3.0, "library"),
    ]
    assert merge_candidates([beams, library], limit=1) == [Candidate("simp", -0.5, "library")]
    ties = [Candidate("a", -1.0, "beam"), Candidate("b", -1.0, "library")]
    assert [c.tactic for c in merge_candidates([ties], 2)] == ["a", "b"]  # stable


def test_reserved_slots_keep_an_origins_best_whatever_the_others_score() -> None:
    beams = [Candidate(f"b{i}", -float(i), "beam") for i in range(5)]
    library = [Candidate("l1", -10.0, "library"), Candidate("l2", -20.0, "library")]
    assert [c.tactic for c in merge_candidates([beams, library], 3)] == ["b0", "b1", "b2"]
    kept = merge_candidates([beams, library], 3, {"library": 1})
    assert [c.tactic for c in kept] == ["b0", "b1", "l1"]  # still in score order
    both = merge_candidates([beams, library], 3, {"library": 5})
    assert [c.tactic for c in both] == ["b0", "l1", "l2"]  # the library's two, then score
    # A library tactic that a beam scores higher keeps its claim on the library's slots.
    shared = [Candidate("l1", -0.5, "beam")]
    kept = merge_candidates([beams, shared, library], 2, {"library": 2})
    assert [(c.tactic, c.origin) for c in kept] == [("l1", "beam"), ("l2", "library")]
    with pytest.raises(TacgenError, match="library_slots"):
        SearchConfig(num_sampled_tactics=4, library_slots=5)


def test_mean_token_score_divides_by_bytes_and_eos() -> None:
    assert edge_score("simp", -5.0, "sum") == -5.0
    assert edge_score("simp", -5.0, "mean-token") == pytest.approx(-1.0)  # 4 bytes + eos
    assert edge_score("ℕ", -4.0, "mean-token") == pytest.approx(-1.0)  # 3 UTF-8 bytes + eos


def test_the_library_proves_what_the_beams_miss_and_is_traced() -> None:
    # The model proposes only a dead end; the library's "omega" closes the goal.
    graph = {"s0": {"a": "s1", "omega": "proved"}, "s1": {}}
    generator = ScoringGenerator({"s0": [("a", -0.1)]}, {"s0": {"omega": -2.0, "simp": -4.0}})
    alone = best_first_search(THEOREM, GraphEnv(graph), generator, SearchConfig())
    assert alone.status == "failed" and generator.scored == []  # no library, no scoring
    recorder = TraceRecorder()
    config = SearchConfig(library=("simp", "omega"))
    result = best_first_search(THEOREM, GraphEnv(graph), generator, config, recorder)
    assert result.status == "proved" and result.proof == ("omega",)
    assert generator.scored == [["s0"]]  # one scoring call per expansion
    # Tried in score order across sources: a (-0.1, beam), omega (-2, library) proves.
    tried = [(e["tactic"], e["origin"], e["outcome"]) for e in recorder.edges]
    assert tried == [("a", "beam", "new"), ("omega", "library", "proved")]
    record = recorder.record(result.full_name, result.file_path, result.status)
    assert record["proof_edges"] == [1]
    assert [(n["id"], n["parent"], n["edge"], n["depth"]) for n in record["nodes"]] == [
        (0, None, None, 0),
        (1, 0, 0, 1),
    ]


def test_trace_proof_path_runs_from_the_root() -> None:
    # s0 -a-> s1 -b-> s2 -c-> proved, with a dead branch x from s0 and a revisit of s0.
    graph = {"s0": {"a": "s1", "x": "s9"}, "s1": {"b": "s2", "back": "s0"}, "s2": {"c": "proved"}}
    table = {
        "s0": [("a", -1.0), ("x", -1.5)],
        "s1": [("back", -0.1), ("b", -1.0)],
        "s2": [("c", -1.0)],
        "s9": [],
    }
    recorder = TraceRecorder()
    result = best_first_search(THEOREM, GraphEnv(graph), TableGenerator(table), SearchConfig(),
                               recorder)  # fmt: skip
    assert result.proof == ("a", "b", "c")
    record = recorder.record(result.full_name, result.file_path, result.status)
    path = [
        next(e for e in record["edges"] if e["id"] == i)["tactic"] for i in record["proof_edges"]
    ]
    assert path == ["a", "b", "c"]
    back = next(e for e in record["edges"] if e["tactic"] == "back")
    assert back["outcome"] == "seen" and back["target"] == 0
    scores = {e["tactic"]: e["score"] for e in record["edges"]}
    assert scores == {"a": -1.0, "x": -1.5, "back": -0.1, "b": -1.0, "c": -1.0}
    assert json.loads(json.dumps(record)) == record  # one JSON line


def test_num_beams_and_score_kind_reach_the_search() -> None:
    graph = {"s0": {"long tactic": "s1", "t": "s2"}, "s1": {"z": "proved"}, "s2": {"z": "proved"}}
    table = {"s0": [("long tactic", -2.2), ("t", -1.9)], "s1": [("z", -0.1)], "s2": [("z", -0.1)]}
    # Sum: t (-1.9) is expanded first. Per token: "long tactic" (-2.2/12) beats t (-1.9/2).
    summed = best_first_search(THEOREM, GraphEnv(graph), TableGenerator(table), SearchConfig())
    assert summed.proof == ("t", "z")
    per_token = SearchConfig(score="mean-token")
    normed = best_first_search(THEOREM, GraphEnv(graph), TableGenerator(table), per_token)
    assert normed.proof == ("long tactic", "z")
    # One beam asked of the model: only its first candidate is tried.
    one = best_first_search(
        THEOREM, GraphEnv(graph), TableGenerator(table), SearchConfig(num_beams=1)
    )
    assert one.proof == ("long tactic", "z")
    with pytest.raises(TacgenError, match="score must be one of"):
        SearchConfig(score="max")  # type: ignore[arg-type]


def test_the_frequency_prior_ranks_the_library_by_its_order() -> None:
    assert rank_prior(0, 3.0) == 0.0 and rank_prior(5, 0.0) == 0.0
    assert rank_prior(1, 2.0) == pytest.approx(-2.0 * math.log(2))
    query = Query("s0")
    generator = ScoringGenerator({}, {"s0": {"common": -6.0, "rare": -5.0}})
    plain = LibrarySource(["common", "rare"]).propose(generator, [query], "sum")[0]
    assert [(c.tactic, c.score) for c in plain] == [("common", -6.0), ("rare", -5.0)]
    ranked = LibrarySource(["common", "rare"], prior=2.0).propose(generator, [query], "sum")[0]
    assert ranked[0].score == -6.0 and ranked[1].score == pytest.approx(-5.0 - 2 * math.log(2))
    # Two library slots of three kept by score + prior: the frequent tactic wins the one.
    beams = [Candidate("b0", -1.0, "beam"), Candidate("b1", -2.0, "beam")]
    assert [c.tactic for c in merge_candidates([beams, plain], 2, {"library": 1})] == ["b0", "rare"]
    assert [c.tactic for c in merge_candidates([beams, ranked], 2, {"library": 1})] == [
        "b0",
        "common",
    ]
    with pytest.raises(TacgenError, match="prior"):
        LibrarySource(["simp"], prior=-1.0)
    with pytest.raises(TacgenError, match="library_prior"):
        SearchConfig(library_prior=float("inf"))


def test_library_source_refuses_an_empty_library() -> None:
    with pytest.raises(TacgenError, match="empty"):
        LibrarySource(["", "  "])


def test_library_files_and_auto(tmp_path: Path) -> None:
    lines = tmp_path / "lib.txt"
    lines.write_text("# closers\nsimp\n\nrfl\nsimp\n", encoding="utf-8")
    assert read_library_file(lines) == ("simp", "rfl")
    listed = tmp_path / "lib.json"
    listed.write_text(json.dumps(["omega", "norm_num"]), encoding="utf-8")
    assert load_library(str(listed), None, None) == ("omega", "norm_num")
    listed.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(TacgenError, match="list of strings"):
        read_library_file(listed)
    tiny = Path(__file__).parent / "fixtures" / "tiny" / "train.json"
    auto = load_library("auto", None, str(tiny))
    from tacgen.prover.theorems import load_theorems

    counts: dict[str, int] = {}
    for theorem in load_theorems(tiny):
        for step in theorem.traced:
            counts[step.tactic] = counts.get(step.tactic, 0) + 1
    assert set(auto) == set(counts) and counts[auto[0]] == max(counts.values())
    with pytest.raises(TacgenError, match="with --server give --library-from"):
        load_library("auto", None, None)
    with pytest.raises(TacgenError, match="--library-from goes with --library auto"):
        load_library(str(lines), None, str(tiny))
