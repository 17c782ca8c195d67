"""The REPL environment against a fake REPL started through a fake ``lake`` by the real
``lean-interact``: search, the whole-proof check, each fault, processes, statements files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from repl_fixtures import STATEMENTS, FakeLean, dead, make_fake_lean, traced_by_name
from tacgen.prover.environment import ProofState, TacticFailed
from tacgen.prover.search import SearchConfig, best_first_search
from tacgen.prover.statements import load_statements
from test_prover import TableGenerator

pytest.importorskip("lean_interact")


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeLean:
    return make_fake_lean(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def theorems() -> list[Any]:
    """Two test-split statements whose traced proofs have two steps or more."""
    traced = traced_by_name()
    found = [
        t for t in load_statements(STATEMENTS, split="test") if len(traced[t.full_name].traced) > 1
    ]
    return found[:2]


def table(theorem: Any, extra: dict[int, list[str]] | None = None) -> TableGenerator:
    """Candidates: at step i, the ``extra[i]`` tactics (best first), then the traced one."""
    steps = traced_by_name()[theorem.full_name].traced
    rows: dict[str, list[tuple[str, float]]] = {}
    for i, step in enumerate(steps):
        tactics = [*(extra or {}).get(i, []), step.tactic]
        rows.setdefault(step.state_before, []).extend(
            (t, -0.1 * (j + 1)) for j, t in enumerate(tactics)
        )
    return TableGenerator(rows)


def search(env: Any, theorem: Any, extra: dict[int, list[str]] | None = None) -> Any:
    return best_first_search(theorem, env, table(theorem, extra), SearchConfig(timeout=60))


def make_env(fake: FakeLean, **settings: Any) -> Any:
    from tacgen.prover.repl import ReplEnvironment

    return ReplEnvironment(fake.settings(**settings))


def test_search_proves_with_one_header_and_one_process(fake: FakeLean, theorems: list[Any]) -> None:
    env = make_env(fake)
    try:
        results = [search(env, t, {0: ["simp [nope]", "exact?oops"]}) for t in theorems]
    finally:
        env.shutdown()
    for theorem, result in zip(theorems, results):
        assert result.status == "proved", result
        assert result.tactic_errors == 2  # an error message and a Lean error
        assert result.proof == tuple(s.tactic for s in traced_by_name()[theorem.full_name].traced)
        source = result.proof_source
        assert source.startswith(theorem.header + "\n\n" + theorem.statement + "\n  ")
        assert all(f"  {line}" in source for t in result.proof for line in t.splitlines())
    assert len(fake.pids()) == 1 and len(fake.lines("header ")) == 1
    assert len(fake.lines("check ")) == 2  # every proof checked again as a whole
    assert all(dead(pid) for pid in fake.pids())  # no REPL outlives shutdown


def test_a_crash_mid_theorem_restarts_and_rebuilds_the_open_states(
    fake: FakeLean, theorems: list[Any]
) -> None:
    env = make_env(fake)
    try:
        result = search(env, theorems[0], {1: ["fake_crash"]})
    finally:
        env.shutdown()
    assert result.status == "proved" and result.tactic_errors == 1, result
    assert len(fake.pids()) == 2
    # the second process was given the header, the statement and the path again
    assert len(fake.lines("header ")) == 2 and len(fake.lines("statement ")) == 2
    assert all(dead(pid) for pid in fake.pids())


def test_three_crashes_are_env_error_and_the_next_theorem_gets_a_fresh_process(
    fake: FakeLean, theorems: list[Any]
) -> None:
    env = make_env(fake)
    try:
        crashes = ["fake_overflow", "fake_crash", "fake_crash 2"]  # distinct: the search
        # runs each distinct candidate once
        crashed = search(env, theorems[0], {0: crashes})
        starts = len(fake.pids())
        after = search(env, theorems[1])
    finally:
        env.shutdown()
    assert crashed.status == "env_error", crashed
    assert "crashed 3 times" in crashed.error and "fake crash" in crashed.error
    assert after.status == "proved"
    assert len(fake.pids()) == starts + 1  # the next theorem started on a new process
    assert all(dead(pid) for pid in fake.pids())


def test_a_hung_tactic_is_an_edge_error_and_the_search_goes_on(
    fake: FakeLean, theorems: list[Any]
) -> None:
    env = make_env(fake, tactic_timeout=1.0, max_crashes=1)  # a timeout is no crash
    try:
        result = search(env, theorems[0], {1: ["fake_hang"]})
    finally:
        env.shutdown()
    assert result.status == "proved" and result.tactic_errors == 1, result
    assert len(fake.pids()) == 2  # the hung REPL was killed, a new one rebuilt the state
    assert all(dead(pid) for pid in fake.pids())


def test_a_repl_whose_lake_died_is_killed_too(fake: FakeLean, theorems: list[Any]) -> None:
    """``lake env`` does not exec: the REPL is its child, and outlives a killed lake unless
    its whole process group is killed."""
    env = make_env(fake, tactic_timeout=1.0)
    try:
        result = search(env, theorems[0], {1: ["fake_orphan"]})
        assert result.status == "proved" and result.tactic_errors == 1, result
        assert dead(fake.pids()[0])  # killed when it timed out, not only at shutdown
    finally:
        env.shutdown()
    assert all(dead(pid) for pid in fake.pids())


def test_a_stale_proof_state_is_rebuilt_from_its_path(fake: FakeLean, theorems: list[Any]) -> None:
    env = make_env(fake)
    try:
        result = search(env, theorems[0], {1: ["fake_forget"]})
    finally:
        env.shutdown()
    assert result.status == "proved", result
    assert len(fake.pids()) == 1  # same process: the states were replayed in it
    assert len(fake.lines("statement ")) == 2


def test_sorry_and_the_invalid_tactic_trap_never_prove(fake: FakeLean, theorems: list[Any]) -> None:
    env = make_env(fake)
    try:
        root = env.start(theorems[0])
        for tactic in ("sorry", "admit", "fake_bad_elab"):
            outcome = env.run_tactic(root, tactic)
            assert isinstance(outcome, TacticFailed), (tactic, outcome)
        env.close()
        only_sorry = search(env, theorems[0], {0: ["sorry"]})
    finally:
        env.shutdown()
    assert only_sorry.status == "proved" and only_sorry.tactic_errors == 1


def test_a_proof_refuted_by_the_whole_check_is_failed_with_the_reason(
    fake: FakeLean, theorems: list[Any]
) -> None:
    env = make_env(fake)
    try:
        result = search(env, theorems[0], {0: ["fake_unsound"]})
    finally:
        env.shutdown()
    assert result.status == "failed" and result.proof == () and result.proof_source is None
    assert "whole proof fails its check" in result.error and "does not check" in result.error


def test_a_crash_in_the_whole_proof_check_is_env_error_not_a_failed_proof(
    fake: FakeLean, theorems: list[Any]
) -> None:
    """Lean dying while it checks a proof says nothing about the proof: env_error."""
    env = make_env(fake)
    try:
        result = search(env, theorems[0], {0: ["fake_check_crash"]})
    finally:
        env.shutdown()
    assert result.status == "env_error" and result.proof == ()
    assert "died in the whole-proof check" in result.error


@pytest.mark.parametrize("errors", ["0", "1"])
def test_a_header_or_statement_that_fails_is_env_error(
    fake: FakeLean, theorems: list[Any], monkeypatch: pytest.MonkeyPatch, errors: str
) -> None:
    """A header that fails to import: upstream answers a plain env (its statements then fail),
    a newer REPL an error; either way env_error, never a failed proof."""
    import dataclasses

    monkeypatch.setenv("FAKE_REPL_HEADER_ERRORS", errors)
    env = make_env(fake)
    try:
        bad_header = dataclasses.replace(theorems[0], header="import Nope")
        result = search(env, bad_header)
        assert result.status == "env_error" and "does not elaborate" in result.error, result
        assert ("unknown module" if errors == "1" else "unknown identifier") in result.error
        bad_statement = dataclasses.replace(theorems[0], statement="theorem x : foo := by")
        result = search(env, bad_statement)
        assert result.status == "env_error" and "statement does not elaborate" in result.error
        own_sorry = dataclasses.replace(
            theorems[0], statement="theorem x (h : sorry) : 1 = 1 := by"
        )
        result = search(env, own_sorry)
        assert result.status == "env_error" and "2 sorries" in result.error, result
        assert search(env, theorems[0]).status == "proved"  # the process is fine
    finally:
        env.shutdown()


def test_the_runner_shuts_every_worker_repl_down(
    fake: FakeLean, theorems: list[Any], tmp_path: Path
) -> None:
    from tacgen.prover.results import ResultsWriter, read_results
    from tacgen.prover.runner import prove_theorems

    made: list[Any] = []

    def make() -> Any:
        made.append(make_env(fake))
        return made[-1]

    generator = table(theorems[0])
    generator.table.update(table(theorems[1]).table)
    writer = ResultsWriter(tmp_path / "results.jsonl", "repl")
    prove_theorems(theorems, make, generator, SearchConfig(timeout=60), writer, workers=2)
    writer.close()
    statuses = [r["status"] for r in read_results(tmp_path / "results.jsonl")]
    assert statuses == ["proved", "proved"] and len(made) == 2
    assert len(fake.pids()) == 2 and all(dead(pid, within=2.0) for pid in fake.pids())


def test_restart_every_n_theorems(fake: FakeLean, theorems: list[Any]) -> None:
    env = make_env(fake, repl_restart_every=1)
    try:
        assert [search(env, t).status for t in theorems * 2] == ["proved"] * 4
    finally:
        env.shutdown()
    assert len(fake.pids()) == 4 and all(dead(pid) for pid in fake.pids())


def test_missing_project_or_repl_is_one_line(tmp_path: Path) -> None:
    from tacgen.prover.environments import make_environment
    from tacgen.prover.repl import ReplSettings

    with pytest.raises(ValueError, match="needs --project"):
        make_environment("repl")
    with pytest.raises(ValueError, match="not a Lean project"):
        make_environment("repl", ReplSettings(project=str(tmp_path)))
    (tmp_path / "lean-toolchain").write_text("leanprover/lean4:v4.19.0\n")
    with pytest.raises(ValueError, match=r"no REPL built at .*lake build repl"):
        make_environment("repl", ReplSettings(project=str(tmp_path)))


def test_a_state_is_the_goals_joined_by_a_blank_line(fake: FakeLean, theorems: list[Any]) -> None:
    env = make_env(fake)
    try:
        root = env.start(theorems[0])
        two = env.run_tactic(root, "fake_two_goals")
    finally:
        env.shutdown()
    assert isinstance(two, ProofState)
    assert two.text == f"case left\n{root.text}\n\ncase right\n{root.text}"


# ---------------------------------------------------------------- statements files


def test_statements_files(tmp_path: Path) -> None:
    path = tmp_path / "minif2f.jsonl"
    rows = [
        {"name": "a", "split": "valid", "formal_statement": "theorem a : 1 = 1 := by"},
        {"name": "b", "split": "test", "formal_statement": "theorem b : 2 = 2 := by\n",
         "header": "import Mathlib\nopen Nat", "informal_prefix": "/-- two -/", "goal": "⊢ 2 = 2"},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n")
    every = load_statements(path)
    assert [t.full_name for t in every] == ["a", "b"]
    assert every[0].header == "import Mathlib" and every[1].header == "import Mathlib\nopen Nat"
    assert every[1].statement == "theorem b : 2 = 2 := by" and every[0].file_path == str(path)
    assert [t.full_name for t in load_statements(path, split="test")] == ["b"]
    assert [t.full_name for t in load_statements(path, names=["b", "a"], limit=1)] == ["b"]
    with pytest.raises(ValueError, match="no theorem named c"):
        load_statements(path, names=["c"])
    with pytest.raises(ValueError, match="no statements in split 'train'"):
        load_statements(path, split="train")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "not JSON"),
        ('["a"]', "not a JSON object"),
        ('{"name": "x"}', "'formal_statement' must be a non-empty string"),
        ('{"name": "x", "formal_statement": "theorem x : True := trivial"}', "must end in"),
        ('{"name": "", "formal_statement": "theorem x : True := by"}', "'name' must be"),
        ('{"name": "a", "formal_statement": "theorem a : True := by"}', "a appears twice"),
    ],
)
def test_a_malformed_line_names_the_file_and_line(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"name": "a", "formal_statement": "theorem a : True := by"})
    path.write_text(f"{good}\n{line}\n")
    with pytest.raises(ValueError, match=f"^{re.escape(str(path))}:2: .*{re.escape(expected)}"):
        load_statements(path)
