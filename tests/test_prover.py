"""Best-first search on hand-built graphs, the replay environment on real traced theorems,
and the LeanDojo adapter against a fake ``lean_dojo``."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tacgen.core.records import Query
from tacgen.data.formatting import format_state
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.options import Candidates, GenerationOptions, gives_up
from tacgen.prover.environment import (
    Environment,
    EnvironmentCrash,
    Outcome,
    ProofFinished,
    ProofState,
    TacticFailed,
    TacticTimeout,
    Theorem,
)
from tacgen.prover.replay import ReplayEnvironment
from tacgen.prover.search import GeneratorError, SearchConfig, best_first_search
from tacgen.prover.theorems import load_theorems

HERE = Path(__file__).resolve().parent
THEOREM = Theorem("T.thm", "T.lean", "u", "c", (1, 1))


class GraphEnv(Environment):
    """Transitions from a dict: state -> tactic -> next state, or a keyword outcome."""

    name = "graph"

    def __init__(self, graph: dict[str, dict[str, str]], root: str = "s0") -> None:
        self.graph, self.root = graph, root
        self.closed = 0

    def start(self, theorem: Theorem) -> ProofState:
        if self.root == "crash":
            raise EnvironmentCrash("could not start")
        return ProofState(self.root)

    def run_tactic(self, state: ProofState, tactic: str) -> Outcome:
        outcome = self.graph.get(state.text, {}).get(tactic, "error")
        if outcome == "proved":
            return ProofFinished()
        if outcome == "error":
            return TacticFailed("no")
        if outcome == "timeout":
            raise TacticTimeout("slow tactic")
        if outcome == "crash":
            raise EnvironmentCrash("Unexpected EOF")
        if outcome == "hang":
            time.sleep(0.3)
            return TacticFailed("late")
        return ProofState(outcome)

    def close(self) -> None:
        self.closed += 1


class TableGenerator(TacticGenerator):
    """Candidates from a dict: state -> [(tactic, log-prob)]; records the calls."""

    def __init__(self, table: dict[str, Candidates], default: Candidates = ()) -> None:  # type: ignore[assignment]
        self.table, self.default = table, list(default)
        self.calls: list[list[str]] = []

    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: GenerationOptions | None = None
    ) -> list[Candidates]:
        self.calls.append([q.state for q in queries])
        return [self.table.get(q.state, self.default)[:num_samples] for q in queries]


def search(graph: dict[str, dict[str, str]], table: dict[str, Candidates], **config: Any) -> Any:
    env, generator = GraphEnv(graph), TableGenerator(table)
    result = best_first_search(THEOREM, env, generator, SearchConfig(**config))
    assert env.closed == 1
    return result, generator


def test_best_first_order_follows_cumulative_log_prob() -> None:
    # s0 -a(-1)-> s1 -x(-5)-> dead ; s0 -b(-2)-> s2 -y(-0.5)-> proved
    graph = {"s0": {"a": "s1", "b": "s2"}, "s1": {"x": "s3"}, "s2": {"y": "proved"}}
    table = {
        "s0": [("a", -1.0), ("b", -2.0)],
        "s1": [("x", -5.0)],
        "s2": [("y", -0.5)],
        "s3": [],
    }
    result, generator = search(graph, table)
    assert result.status == "proved" and result.proof == ("b", "y")
    # s1 (-1) before s2 (-2); s3 (-6) is never expanded: s2's child proves first.
    assert [call[0] for call in generator.calls] == ["s0", "s1", "s2"]
    assert result.expansions == 3 and result.tactic_errors == 0


def test_states_seen_are_not_expanded_again() -> None:
    graph = {"s0": {"a": "s1", "b": "s1", "c": "s0"}, "s1": {"d": "s0"}}
    table = {"s0": [("a", -1.0), ("b", -1.5), ("c", -0.1)], "s1": [("d", -1.0)]}
    result, generator = search(graph, table)
    assert result.status == "failed"
    assert [call[0] for call in generator.calls] == ["s0", "s1"]


def test_tactic_errors_and_timeouts_are_edges_crashes_are_env_errors() -> None:
    graph = {"s0": {"bad": "error", "slow": "timeout", "ok": "proved"}}
    table = {"s0": [("bad", -0.1), ("slow", -0.2), ("ok", -0.3)]}
    result, _ = search(graph, table)
    assert (result.status, result.proof, result.tactic_errors) == ("proved", ("ok",), 2)
    crashed, _ = search({"s0": {"boom": "crash"}}, {"s0": [("boom", -0.1)]})
    assert crashed.status == "env_error" and "Unexpected EOF" in crashed.error
    env = GraphEnv({}, root="crash")
    start_failed = best_first_search(THEOREM, env, TableGenerator({}), SearchConfig())
    assert start_failed.status == "env_error" and env.closed == 1


def test_wall_clock_timeout() -> None:
    graph = {"s0": {f"t{i}": "hang" for i in range(20)}}
    table = {"s0": [(f"t{i}", -float(i)) for i in range(20)]}
    result, _ = search(graph, table, timeout=0.5)
    # The clock is checked before each tactic: after the first 0.3 s hang at most one more
    # runs (0.6 s >= 0.5 s), however slow the machine; never all 20 (6 s).
    assert result.status == "timeout" and 1 <= result.tactic_errors <= 2
    assert result.seconds >= 0.5 and result.env_seconds >= 0.3 * result.tactic_errors - 0.01


def test_max_expansions_on_an_endless_graph() -> None:
    class Endless(GraphEnv):
        def run_tactic(self, state: ProofState, tactic: str) -> Outcome:
            return ProofState(state.text + tactic)

    env = Endless({})
    generator = TableGenerator({}, default=[("a", -1.0), ("b", -2.0)])
    result = best_first_search(THEOREM, env, generator, SearchConfig(max_expansions=7))
    assert (result.status, result.expansions) == ("failed", 7)
    assert len(generator.calls) == 7


def test_expansion_batch_asks_once_for_several_nodes() -> None:
    graph = {"s0": {"a": "s1", "b": "s2"}, "s1": {"x": "s3"}, "s2": {"y": "proved"}}
    table = {"s0": [("a", -1.0), ("b", -2.0)], "s1": [("x", -5.0)], "s2": [("y", -0.5)]}
    result, generator = search(graph, table, expansion_batch=2)
    assert result.status == "proved" and result.proof == ("b", "y")
    assert generator.calls == [["s0"], ["s1", "s2"]]


def test_a_failing_generator_stops_the_run() -> None:
    class Broken(TableGenerator):
        def generate_queries(self, *args: Any, **kwargs: Any) -> list[Candidates]:
            raise RuntimeError("CUDA out of memory")

    with pytest.raises(GeneratorError, match="CUDA out of memory"):
        best_first_search(THEOREM, GraphEnv({}), Broken({}), SearchConfig())


def test_config_checks() -> None:
    with pytest.raises(ValueError, match="num_samples"):
        SearchConfig(num_sampled_tactics=0)
    with pytest.raises(Exception, match=r"^max_expansions must be >= 1, got 0$"):
        SearchConfig(max_expansions=0)
    assert SearchConfig(max_expansions=1, timeout=0.001).max_expansions == 1  # the bounds
    for bad in ({"timeout": 0.0}, {"expansion_batch": 0}):
        with pytest.raises(Exception, match=r"^need timeout > 0 and expansion_batch >= 1$"):
            SearchConfig(**bad)  # type: ignore[arg-type]


# ---------------------------------------------------------------- replay on real data

REAL_SPLITS = [
    "minif2f-mathlib4-traced/random/test.json",
    "benchmark4-random-test-subset/test.json",
    "lean4-example-traced/random/test.json",
]


@pytest.mark.parametrize("split", REAL_SPLITS)
def test_traced_tactics_in_order_prove_real_theorems(data_dir: Path, split: str) -> None:
    path = data_dir / split
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    theorems = load_theorems(path)
    env = ReplayEnvironment()
    finished = [t for t in theorems if t.traced[-1].state_after == "no goals"]
    provable = [t for t in finished if not any(gives_up(s.tactic) for s in t.traced)]
    assert len(finished) >= 0.9 * len(theorems)
    for theorem in provable:
        state = env.start(theorem)
        assert state.text == theorem.traced[0].state_before
        for step in theorem.traced[:-1]:
            outcome = env.run_tactic(state, step.tactic)
            assert isinstance(outcome, ProofState), (theorem.full_name, step)
            state = outcome
        assert isinstance(env.run_tactic(state, theorem.traced[-1].tactic), ProofFinished)
        env.close()


def test_replay_refuses_sorry_and_admit_even_where_the_trace_has_them(data_dir: Path) -> None:
    path = data_dir / REAL_SPLITS[0]
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    given_up = [t for t in load_theorems(path, limit=200) if gives_up(t.traced[0].tactic)]
    assert len(given_up) >= 1  # 4 of the first 200 miniF2F test theorems
    env = ReplayEnvironment()
    for theorem in given_up:
        outcome = env.run_tactic(env.start(theorem), theorem.traced[0].tactic)
        assert outcome == TacticFailed("sorry and admit give the proof up (replay, as LeanDojo)")
    assert [gives_up(t) for t in ("sorry", "exact h; admit", "exact Foo.sorry", "sorry_x")] == [
        True,
        True,
        False,
        False,
    ]


def test_replay_rules(data_dir: Path) -> None:
    path = data_dir / REAL_SPLITS[0]
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    theorems = load_theorems(path)
    # A theorem whose trace has a mid-proof "no goals" (a focused goal closed): it is not
    # finished there, and the next state is the next traced tactic's state_before.
    focused = next(t for t in theorems if any(s.state_after == "no goals" for s in t.traced[:-1]))
    env = ReplayEnvironment()
    state = env.start(focused)
    i = next(i for i, s in enumerate(focused.traced) if s.state_after == "no goals")
    for step in focused.traced[:i]:
        state = env.run_tactic(state, step.tactic)  # type: ignore[assignment]
    after = env.run_tactic(state, focused.traced[i].tactic)
    assert after == ProofState(focused.traced[i + 1].state_before)
    # Whitespace runs and premise marks do not matter; another tactic is an error.
    first = env.start(theorems[0])
    tactic = theorems[0].traced[0].tactic
    assert not isinstance(env.run_tactic(first, "  " + tactic.replace(" ", "   ")), TacticFailed)
    assert isinstance(env.run_tactic(first, "sorry_not_traced"), TacticFailed)
    with pytest.raises(EnvironmentCrash, match="no traced tactics"):
        env.start(Theorem("x", "F.lean", "u", "c", (1, 1)))


def test_search_with_the_traced_tactics_proves_under_replay(data_dir: Path) -> None:
    path = data_dir / REAL_SPLITS[0]
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    theorems = [t for t in load_theorems(path, limit=40) if t.traced[-1].state_after == "no goals"]
    for theorem in [t for t in theorems if not any(gives_up(s.tactic) for s in t.traced)]:
        table: dict[str, Candidates] = {}
        for step in theorem.traced:
            table.setdefault(format_state(step.state_before), []).append((step.tactic, -1.0))
        generator = TableGenerator(table, default=[("skip", -1.0)])
        result = best_first_search(theorem, ReplayEnvironment(), generator, SearchConfig())
        assert result.status == "proved", theorem.full_name
        assert len(result.proof) <= len(theorem.traced)


# ---------------------------------------------------------------- LeanDojo, faked


@pytest.fixture
def fake_lean_dojo(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.syspath_prepend(str(HERE / "fake_lean_dojo"))
    monkeypatch.delitem(sys.modules, "lean_dojo", raising=False)
    import lean_dojo

    lean_dojo.SCRIPT.clear()
    lean_dojo.INITIAL.clear()
    yield lean_dojo
    monkeypatch.delitem(sys.modules, "lean_dojo", raising=False)


def test_leandojo_adapter_maps_every_result(fake_lean_dojo: Any) -> None:
    from tacgen.prover.leandojo import LeanDojoEnvironment, LeanDojoSettings

    fake_lean_dojo.INITIAL["T.thm"] = "⊢ p"
    fake_lean_dojo.SCRIPT["T.thm"] = {
        "⊢ p": {
            "sorry": "given up",
            "bad": "error: unknown id",
            "slow": "timeout",
            "intro": "h ⊢ p",
        },
        "h ⊢ p": {"exact h": "proved"},
    }
    env = LeanDojoEnvironment(LeanDojoSettings(timeout=60))
    state = env.start(THEOREM)
    assert state.text == "⊢ p" and state.handle.pp == "⊢ p"
    assert env.run_tactic(state, "sorry") == TacticFailed("ProofGivenUp")
    assert env.run_tactic(state, "bad") == TacticFailed("unknown id")
    with pytest.raises(TacticTimeout):
        env.run_tactic(state, "slow")
    env.close()
    first = [("bad", -0.1), ("slow", -0.2), ("sorry", -0.3), ("intro", -0.4)]
    generator = TableGenerator({"⊢ p": first, "h ⊢ p": [("exact h", -0.1)]})
    result = best_first_search(THEOREM, env, generator, SearchConfig())
    assert (result.status, result.proof, result.tactic_errors) == (
        "proved",
        ("intro", "exact h"),
        3,
    )
    assert fake_lean_dojo.OPENED == fake_lean_dojo.CLOSED == ["T.thm", "T.thm"]


def test_leandojo_crashes_are_env_errors(fake_lean_dojo: Any) -> None:
    from tacgen.prover.leandojo import LeanDojoEnvironment

    fake_lean_dojo.INITIAL["T.thm"] = "⊢ p"
    fake_lean_dojo.SCRIPT["T.thm"] = {"⊢ p": {"simp": "crash"}}
    env = LeanDojoEnvironment()
    generator = TableGenerator({"⊢ p": [("simp", -0.1)]})
    crashed = best_first_search(THEOREM, env, generator, SearchConfig())
    assert crashed.status == "env_error" and "Unexpected EOF" in crashed.error
    missing = Theorem("Other.thm", "T.lean", "u", "c", (1, 1))
    init_failed = best_first_search(missing, env, generator, SearchConfig())
    assert init_failed.status == "env_error" and "DojoInitError" in init_failed.error


def test_leandojo_missing_package_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from tacgen.prover.leandojo import LeanDojoEnvironment

    monkeypatch.setitem(sys.modules, "lean_dojo", None)
    with pytest.raises(ValueError, match="needs the lean_dojo package"):
        LeanDojoEnvironment()


# ---------------------------------------------------------------- the registry


def test_environments_are_made_by_name_with_their_own_settings() -> None:
    from types import SimpleNamespace

    from tacgen.prover.environments import ENVIRONMENTS, make_environment, settings_from
    from tacgen.prover.leandojo import LeanDojoSettings
    from tacgen.prover.replay import ReplaySettings

    assert {"replay", "leandojo"} <= set(ENVIRONMENTS)
    assert isinstance(make_environment("replay"), ReplayEnvironment)
    args = SimpleNamespace(timeout=42.0, unrelated=1)
    assert settings_from("leandojo", args) == LeanDojoSettings(timeout=42.0)
    assert settings_from("replay", args) == ReplaySettings()
    with pytest.raises(ValueError, match="--env must be one of"):
        make_environment("lean3")
    with pytest.raises(ValueError, match="takes ReplaySettings"):
        make_environment("replay", LeanDojoSettings())


def test_replay_without_data() -> None:
    """A two-step trace: each traced tactic leads on, the last one finishes; a tactic or a
    state that was not traced is a tactic error with its reason, and a "no goals" reached
    before the last step is not a finished proof."""
    from tacgen.prover.environment import TracedStep

    steps = (
        TracedStep("⊢ p ∧ q", "constructor", "case left\n⊢ p\n\ncase right\n⊢ q"),
        TracedStep("case left\n⊢ p\n\ncase right\n⊢ q", "exact hp", "no goals"),
        TracedStep("case right\n⊢ q", "exact hq", "no goals"),
    )
    theorem = Theorem("T.and", "T.lean", "u", "c", (1, 1), traced=steps)
    env = ReplayEnvironment()
    first = env.start(theorem)
    assert first == ProofState("⊢ p ∧ q")
    second = env.run_tactic(first, "constructor")
    assert second == ProofState(steps[1].state_before)
    third = env.run_tactic(second, "exact   hp")  # whitespace runs do not matter
    assert third == ProofState("case right\n⊢ q")  # "no goals" mid-proof: the next state
    assert env.run_tactic(third, "exact hq") == ProofFinished()
    refused = TacticFailed("not a traced tactic of this state (replay)")
    assert env.run_tactic(first, "simp") == refused
    assert env.run_tactic(ProofState("⊢ r"), "exact hq") == refused  # an unknown state
    env.close()
    assert env.run_tactic(first, "constructor") == refused  # the theorem is forgotten
    # A trace that does not end in "no goals" (cut short): its last tactic finishes nothing.
    cut = Theorem("T.cut", "T.lean", "u", "c", (1, 1), traced=steps[:1])
    start = env.start(cut)
    assert env.run_tactic(start, "constructor") == ProofState(steps[0].state_after)
