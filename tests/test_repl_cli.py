"""``tacgen prove --env repl`` and ``tacgen check`` end to end on the fake REPL (through the
fake ``lake`` and the real ``lean-interact``), beside ``--env replay`` on the same theorems
and model; and one smoke test against a real Lean REPL, when one is installed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import DEMO_DATA
from model_fixtures import train_checkpoint
from repl_fixtures import STATEMENTS, FakeLean, dead, make_fake_lean
from tacgen.cli import main
from tacgen.prover.theorems import load_theorems
from test_cli import one_error_line

pytest.importorskip("lean_interact")

TEST_SPLIT = DEMO_DATA / "random" / "test.json"
SEARCH = ["--num-sampled-tactics", "4", "--max-expansions", "6", "--device", "cpu", "--limit", "12"]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A minuscule generator that saw the demo test split's traced tactics."""
    pairs = [(s.state_before, s.tactic) for t in load_theorems(TEST_SPLIT) for s in t.traced]
    path = tmp_path_factory.mktemp("repl_cli") / "gen.ckpt"
    return train_checkpoint(path, pairs, steps=150, lr=5e-3, max_output_length=48)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeLean:
    return make_fake_lean(tmp_path / "lean", monkeypatch)


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def repl_prove(fake: FakeLean, checkpoint: Path, out: Path, *argv: str) -> int:
    return main(
        ["prove", "--env", "repl", "--data-path", str(STATEMENTS), "--split", "test",
         "--ckpt", str(checkpoint), "--out", str(out), *fake.flags(), *SEARCH, *argv]
    )  # fmt: skip


def test_pass_at_1_under_the_fake_repl_equals_replay_and_proofs_check(
    fake: FakeLean, checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replay, repl = tmp_path / "replay.jsonl", tmp_path / "repl.jsonl"
    argv = ["prove", "--env", "replay", "--data-path", str(TEST_SPLIT), "--ckpt", str(checkpoint)]
    assert main([*argv, "--out", str(replay), *SEARCH]) == 0
    replay_line = capsys.readouterr().out.strip().splitlines()[-1]
    exported = tmp_path / "proofs"
    assert repl_prove(fake, checkpoint, repl, "--export-proofs", str(exported)) == 0
    repl_line = capsys.readouterr().out.strip().splitlines()[-1]
    # The same theorems, statuses and proofs; the same Pass@1.
    by_name = {r["full_name"]: (r["status"], r["proof"]) for r in rows(replay)}
    assert {r["full_name"]: (r["status"], r["proof"]) for r in rows(repl)} == by_name
    proved = [r for r in rows(repl) if r["status"] == "proved"]
    assert 0 < len(proved) < len(by_name), by_name  # something to compare on both sides
    assert replay_line.replace("Pass@1 (replay)", "Pass@1") == repl_line
    assert all(r["env"] == "repl" and r["file_path"] == str(STATEMENTS) for r in rows(repl))
    # One NAME.lean per proof, its whole checked source.
    files = sorted(p.name for p in exported.iterdir())
    assert files == sorted(f"{r['full_name']}.lean" for r in proved)
    for row in proved:
        assert (exported / f"{row['full_name']}.lean").read_text() == row["proof_source"]
    assert all(dead(pid) for pid in fake.pids())  # no REPL outlives the run
    # tacgen check confirms them all in a fresh REPL ...
    before = len(fake.pids())
    assert main(["check", "--results", str(repl), "--env", "repl", *fake.flags()]) == 0
    assert (
        capsys.readouterr().out.strip()
        == f"confirmed {len(proved)}, refuted 0 (of {len(proved)} proved)"
    )
    assert len(fake.pids()) == before + 1
    # ... and refutes a proof that lost its last tactic.
    tampered = tmp_path / "tampered.jsonl"
    bad = dict(proved[0], proof_source=proved[0]["proof_source"].rstrip().rsplit("\n", 1)[0])
    tampered.write_text("".join(json.dumps(r) + "\n" for r in [bad, *proved[1:]]))
    assert main(["check", "--results", str(tampered), *fake.flags()]) == 1
    out = capsys.readouterr().out
    assert f"refuted {bad['full_name']}: " in out and "does not check" in out
    assert out.strip().endswith(f"confirmed {len(proved) - 1}, refuted 1 (of {len(proved)} proved)")
    assert all(dead(pid) for pid in fake.pids())


def test_workers_each_have_their_own_repl(fake: FakeLean, checkpoint: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert repl_prove(fake, checkpoint, one, "--limit", "4") == 0
    starts = len(fake.pids())
    assert repl_prove(fake, checkpoint, two, "--limit", "4", "--workers", "2") == 0
    new = fake.pids()[starts:]
    assert len(new) == 2
    # each worker's REPL opened its own theorems, each once (no restarts, no sharing)
    opened = [line.rsplit(" [", 1)[1] for line in fake.lines("statement ")][-4:]
    assert sorted(set(opened)) == sorted(f"{pid}]" for pid in new)
    assert len(fake.lines("statement ")) == 8 and len(fake.lines("header ")) == 3
    assert {r["full_name"]: r["status"] for r in rows(two)} == {
        r["full_name"]: r["status"] for r in rows(one)
    }
    assert all(dead(pid) for pid in fake.pids())


@pytest.mark.slow
def test_ray_actors_each_have_their_own_repl(
    fake: FakeLean, checkpoint: Path, tmp_path: Path
) -> None:
    pytest.importorskip("ray")
    one, two = tmp_path / "one.jsonl", tmp_path / "ray.jsonl"
    assert repl_prove(fake, checkpoint, one, "--limit", "4") == 0
    starts = len(fake.pids())
    argv = ["--limit", "4", "--workers", "2", "--ray-address", "local"]
    assert repl_prove(fake, checkpoint, two, *argv) == 0
    assert len(fake.pids()) == starts + 2
    assert {r["full_name"]: r["status"] for r in rows(two)} == {
        r["full_name"]: r["status"] for r in rows(one)
    }
    assert all(dead(pid) for pid in fake.pids())  # no REPL outlives the run


def test_bad_repl_inputs_are_one_line(
    fake: FakeLean, checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.jsonl"
    base = ["prove", "--ckpt", str(checkpoint), "--out", str(out)]
    assert main([*base, "--env", "repl", "--data-path", str(STATEMENTS)]) == 2
    one_error_line(capsys.readouterr().err, "--env repl needs --project DIR")
    assert main([*base, "--env", "repl", "--data-path", str(TEST_SPLIT), *fake.flags()]) == 2
    one_error_line(capsys.readouterr().err, "proves a statements file (.jsonl)")
    assert main([*base, "--env", "replay", "--data-path", str(STATEMENTS)]) == 2
    one_error_line(capsys.readouterr().err, "--env replay needs a LeanDojo split")
    broken = tmp_path / "broken.jsonl"
    broken.write_text(STATEMENTS.read_text().splitlines()[0] + "\n{oops\n")
    assert main([*base, "--env", "repl", "--data-path", str(broken), *fake.flags()]) == 2
    one_error_line(capsys.readouterr().err, f"{broken}:2: not JSON")
    with pytest.raises(SystemExit):
        repl_prove(fake, checkpoint, out, "--tactic-timeout", "0")
    assert "--tactic-timeout: must be positive" in capsys.readouterr().err
    assert main(["check", "--results", str(tmp_path / "none.jsonl"), *fake.flags()]) == 2
    one_error_line(capsys.readouterr().err, "none.jsonl")
    assert not out.exists()


@pytest.mark.lean
def test_smoke_against_a_real_lean_repl(tmp_path: Path) -> None:
    """Runs with a real ``lake`` on PATH and ``TACGEN_LEAN_PROJECT`` naming a Lean project
    whose REPL is built (``TACGEN_LEAN_REPL``: the REPL folder, when not the project's
    ``.lake/packages/REPL``)."""
    from tacgen.prover.environment import Theorem
    from tacgen.prover.recheck import check_proofs
    from tacgen.prover.repl import ReplEnvironment, ReplSettings
    from tacgen.prover.search import SearchConfig, best_first_search
    from test_prover import TableGenerator

    project = os.environ.get("TACGEN_LEAN_PROJECT")
    if shutil.which("lake") is None or not project:
        pytest.skip("needs lake on PATH and TACGEN_LEAN_PROJECT (a project with the REPL)")
    settings = ReplSettings(project=project, repl_path=os.environ.get("TACGEN_LEAN_REPL"))
    statement = "theorem tacgen_smoke (n : Nat) : n + 0 = n := by"
    theorem = Theorem("tacgen_smoke", "smoke.jsonl", "", "", (1, 1), (), statement, "import Init")
    env = ReplEnvironment(settings)
    try:
        root = env.start(theorem)
        assert "⊢ n + 0 = n" in root.text
        generator = TableGenerator({root.text: [("exact nonsense_lemma", -0.1), ("simp", -0.2)]})
        result = best_first_search(theorem, env, generator, SearchConfig(timeout=120))
    finally:
        env.shutdown()
    assert result.status == "proved" and result.proof == ("simp",), result
    assert result.tactic_errors == 1
    row = {"status": "proved", "full_name": "tacgen_smoke", "proof_source": result.proof_source}
    assert [v.confirmed for v in check_proofs([row], settings)] == [True]


def test_every_new_flag_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    from tacgen.cli import check, prove

    for parser in (prove._parser(), check._parser()):
        assert all(action.help for action in parser._actions), parser.prog
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    text = capsys.readouterr().out
    assert "--results" in text and "exits 1 when any proof is refuted" in text
    with pytest.raises(SystemExit):
        main(["prove", "--help"])
    text = capsys.readouterr().out
    flags = ["--env {replay,leandojo,repl}", "--split", "--export-proofs", "--project",
             "--repl-path", "--lake-path", "--tactic-timeout", "--command-timeout",
             "--repl-memory-mb", "--repl-restart-every"]  # fmt: skip
    assert all(flag in text for flag in flags), text
