"""Best-first search compared field by field with known values: whole ``ProofResult``s and
traces on hand-built graphs, under a fake clock (every second of the search is known).

The search's order and statuses are in ``test_prover.py``, the candidate sources in
``test_candidates.py``; these tests pin what those leave loose (issue 22's mutation run).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import pytest

from tacgen.core.errors import TacgenError
from tacgen.core.records import Query
from tacgen.generator.options import Candidates, GenerationOptions
from tacgen.prover import search as search_module
from tacgen.prover.environment import (
    EnvironmentCrash,
    Outcome,
    ProofFinished,
    ProofRefuted,
    ProofState,
    Theorem,
)
from tacgen.prover.observer import TraceRecorder
from tacgen.prover.search import (
    GeneratorError,
    ProofResult,
    SearchConfig,
    best_first_search,
)
from test_candidates import ScoringGenerator
from test_prover import GraphEnv, TableGenerator

THEOREM = Theorem("Nat.add_comm'", "Mathlib/Add.lean", "u", "c", (3, 7), header="import Mathlib")

START, TACTIC, GENERATE = 0.125, 0.25001, 0.123456
"""Fake seconds that starting, one tactic and one generator call take."""


class FakeClock:
    """``time.monotonic`` for the search module: moved on only by the fakes below."""

    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    real_clock = search_module._Clock
    monkeypatch.setattr(search_module, "time", SimpleNamespace(monotonic=fake.monotonic))
    monkeypatch.setattr(search_module, "_Clock", lambda: real_clock(start=fake.monotonic()))
    return fake


class TimedEnv(GraphEnv):
    """A graph environment whose start and tactics take known (fake) seconds; ``finish``
    maps a tactic to the outcome it ends the proof with (finished with a source, refuted)."""

    def __init__(self, graph: dict[str, dict[str, str]], clock: FakeClock, **finish: Any) -> None:
        super().__init__(graph)
        self.clock, self.finish = clock, finish

    def start(self, theorem: Theorem) -> ProofState:
        self.clock.now += START
        return super().start(theorem)

    def run_tactic(self, state: ProofState, tactic: str) -> Outcome:
        self.clock.now += TACTIC
        if tactic in self.finish:
            return self.finish[tactic]  # type: ignore[no-any-return]
        return super().run_tactic(state, tactic)


class TimedGenerator(TableGenerator):
    """A table generator whose calls take known seconds; keeps the queries and options."""

    def __init__(self, table: dict[str, Candidates], clock: FakeClock) -> None:
        super().__init__(table)
        self.clock = clock
        self.queries: list[Query] = []
        self.options: list[GenerationOptions | None] = []

    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: GenerationOptions | None = None
    ) -> list[Candidates]:
        self.clock.now += GENERATE
        self.queries.extend(queries)
        self.options.append(options)
        return super().generate_queries(queries, num_samples, options)


def test_a_whole_result_and_trace_with_known_seconds(clock: FakeClock) -> None:
    graph = {"s0": {"a": "s1"}, "s1": {"b": "proved"}}
    table = {"s0": [("bad", -0.5), ("a", -1.0)], "s1": [("b", -1.0)]}
    generator, recorder = TimedGenerator(table, clock), TraceRecorder()
    result = best_first_search(THEOREM, TimedEnv(graph, clock), generator, SearchConfig(),
                               recorder)  # fmt: skip
    # Start 0.125 + three tactics 0.75003; two generator calls 0.246912 (to 4 places).
    assert result == ProofResult(
        "Nat.add_comm'", "Mathlib/Add.lean", "proved", ("a", "b"), 2, 1.1219, 0.2469, 0.875, 1
    )
    nodes = [(n["id"], n["state"], n["priority"], n["depth"]) for n in recorder.nodes]
    assert nodes == [(0, "s0", 0.0, 0), (1, "s1", -1.0, 1)]
    edges = [(e["tactic"], e["outcome"], e["target"], e["seconds"]) for e in recorder.edges]
    assert edges == [
        ("bad", "error", None, 0.25001),
        ("a", "new", 1, 0.25001),
        ("b", "proved", None, 0.25001),
    ]


def test_a_deeper_better_node_goes_before_an_older_worse_one() -> None:
    """Priority, not age: s3 (-1.1), made after s2 (-1.5), is expanded first."""
    graph = {"s0": {"a": "s1", "b": "s2"}, "s1": {"x": "s3"}, "s2": {"z": "proved"}}
    graph["s3"] = {"y": "proved"}
    table = {"s0": [("a", -1.0), ("b", -1.5)], "s1": [("x", -0.1)], "s2": [("z", -0.1)]}
    table["s3"] = [("y", -0.1)]
    generator = TableGenerator(table)
    result = best_first_search(THEOREM, GraphEnv(graph), generator, SearchConfig())
    assert result.proof == ("a", "x", "y")
    assert [call[0] for call in generator.calls] == ["s0", "s1", "s3"]


def test_the_queries_carry_the_theorem_and_the_options(clock: FakeClock) -> None:
    generator = TimedGenerator({"s0": [("a", -1.0)]}, clock)
    options = GenerationOptions(mode="sample", seed=3)
    recorder = TraceRecorder()
    config = SearchConfig(options=options)
    best_first_search(THEOREM, TimedEnv({}, clock), generator, config, recorder)
    assert generator.queries == [
        Query("s0", "Mathlib/Add.lean", "Nat.add_comm'", (3, 7), ("Mathlib",))
    ]
    assert generator.options == [options] and recorder.edges[0]["origin"] == "sample"


def test_out_of_time_before_any_expansion(clock: FakeClock) -> None:
    """The timeout is reached (exactly: ``>=``) while starting: no generator call."""
    generator = TimedGenerator({"s0": [("a", -1.0)]}, clock)
    config = SearchConfig(timeout=START)
    result = best_first_search(THEOREM, TimedEnv({"s0": {"a": "proved"}}, clock), generator, config)
    assert result == ProofResult(
        "Nat.add_comm'", "Mathlib/Add.lean", "timeout", (), 0, START, 0.0, START
    )
    assert generator.calls == []


def test_the_checked_proof_source_is_kept(clock: FakeClock) -> None:
    source = "theorem t : True := by\n  trivial"
    table = {"s0": [("trivial", -1.0)]}
    for finished, expected in ((ProofFinished(source), source), (ProofFinished(), None)):
        env = TimedEnv({}, clock, trivial=finished)
        result = best_first_search(THEOREM, env, TimedGenerator(table, clock), SearchConfig())
        assert (result.status, result.proof, result.proof_source) == (
            "proved",
            ("trivial",),
            expected,
        )


def test_a_refuted_proof_ends_the_search_failed_with_the_reason(clock: FakeClock) -> None:
    reason = "the whole proof does not check: unknown identifier 'h'"
    table = {"s0": [("a", -0.5), ("c", -1.0), ("d", -2.0)]}
    recorder = TraceRecorder()
    env = TimedEnv({"s0": {"a": "s1", "d": "proved"}}, clock, c=ProofRefuted(reason))
    result = best_first_search(THEOREM, env, TimedGenerator(table, clock), SearchConfig(),
                               recorder)  # fmt: skip
    assert result == ProofResult(
        "Nat.add_comm'", "Mathlib/Add.lean", "failed", (), 1, 0.7485, 0.1235, 0.625, 0, reason
    )
    assert [(e["tactic"], e["outcome"]) for e in recorder.edges] == [("a", "new"), ("c", "refuted")]


def test_the_merged_candidates_are_cut_to_num_sampled_tactics() -> None:
    generator = ScoringGenerator(
        {"s0": [("a", -1.0), ("b", -2.0)]}, {"s0": {"l1": -0.5, "l2": -5.0}}
    )
    tried = []
    for config in (
        SearchConfig(num_sampled_tactics=2, library=("l1", "l2")),
        SearchConfig(num_sampled_tactics=2, num_beams=2, library=("l2",), library_slots=1),
        SearchConfig(num_sampled_tactics=2, num_beams=2, library=("l2",)),
    ):
        recorder = TraceRecorder()
        result = best_first_search(THEOREM, GraphEnv({}), generator, config, recorder)
        assert result.tactic_errors == len(recorder.edges)
        tried.append([e["tactic"] for e in recorder.edges])
    assert tried == [["l1", "a"], ["a", "l2"], ["a", "b"]]


def test_the_batch_width_stops_at_max_expansions() -> None:
    class Endless(GraphEnv):
        def run_tactic(self, state: ProofState, tactic: str) -> Outcome:
            return ProofState(state.text + tactic)

    generator = TableGenerator({}, default=[("a", -1.0), ("b", -2.0), ("c", -3.0)])
    config = SearchConfig(max_expansions=3, expansion_batch=4)
    result = best_first_search(THEOREM, Endless({}), generator, config)
    assert (result.status, result.expansions) == ("failed", 3)
    assert generator.calls == [["s0"], ["s0a", "s0b"]]


def test_the_generators_error_is_named_in_the_message() -> None:
    class Broken(TableGenerator):
        def generate_queries(self, *args: Any, **kwargs: Any) -> list[Candidates]:
            raise MemoryError("CUDA out of memory")

    message = r"^the generator failed on Nat.add_comm': MemoryError: CUDA out of memory$"
    with pytest.raises(GeneratorError, match=message):
        best_first_search(THEOREM, GraphEnv({}), Broken({}), SearchConfig())


def test_a_crash_while_closing_does_not_undo_the_result() -> None:
    class CrashOnClose(GraphEnv):
        def close(self) -> None:
            super().close()
            raise EnvironmentCrash("the REPL died on exit")

    env = CrashOnClose({"s0": {"a": "proved"}})
    result = best_first_search(THEOREM, env, TableGenerator({"s0": [("a", -1.0)]}), SearchConfig())
    assert (result.status, result.proof, env.closed) == ("proved", ("a",), 1)


def test_library_slots_bounds() -> None:
    assert SearchConfig(num_sampled_tactics=4, library_slots=4).library_slots == 4  # all
    for slots in (-1, 5):
        with pytest.raises(
            TacgenError, match=r"^library_slots must be in \[0, num_sampled_tactics\]$"
        ):
            SearchConfig(num_sampled_tactics=4, library_slots=slots)
