"""``tacgen prove`` end to end under replay: Pass@1, resume after kill -9, workers, Ray,
and the bad inputs that must give one line (or an env_error) without losing results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tacgen.cli import main
from tacgen.prover.theorems import load_theorems

HERE = Path(__file__).resolve().parent
TINY_TRAIN = HERE / "fixtures" / "tiny" / "train.json"


@pytest.fixture(scope="module")
def checkpoint(prover_checkpoint: Path) -> Path:
    """A minuscule generator that memorised the tiny split's traced tactics."""
    return prover_checkpoint


def prove(*argv: str) -> int:
    return main(["prove", "--data-path", str(TINY_TRAIN), "--env", "replay", *argv])


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_prove_replay_proves_and_reports_pass_at_1(
    checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.jsonl"
    assert prove("--ckpt", str(checkpoint), "--out", str(out), "--num-sampled-tactics", "8") == 0
    results = rows(out)
    names = [t.full_name for t in load_theorems(TINY_TRAIN)]
    assert sorted(r["full_name"] for r in results) == sorted(names)
    fields = {"full_name", "file_path", "status", "proof", "expansions", "seconds"}
    assert all(fields | {"generator_seconds", "env_seconds"} <= set(r) for r in results)
    proved = [r for r in results if r["status"] == "proved"]
    assert proved, results  # the model memorised these proofs
    assert all(r["proof"] and r["env"] == "replay" for r in proved)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith(f"Pass@1 (replay): {len(proved)}/{len(results)} = ")
    assert main(["prove", "--summary", str(out)]) == 0
    assert capsys.readouterr().out.strip() == line
    # Rerunning with the same file proves nothing again.
    assert prove("--ckpt", str(checkpoint), "--out", str(out)) == 0
    assert len(rows(out)) == len(results)


def searched(path: Path) -> dict[str, tuple[str, list[str], int]]:
    """Each theorem's (status, proof, expansions)."""
    return {r["full_name"]: (r["status"], r["proof"], r["expansions"]) for r in rows(path)}


def test_workers_and_expansion_batch(checkpoint: Path, tmp_path: Path) -> None:
    """Two workers search each theorem as one does: the same status, proof and expansions.
    A batch of 2 may expand in another order (prover/search.py), but its first expansion is
    the root alone, so a proof found there is the same, and every proof it finds closes
    its theorem under replay."""
    one, two, batch = tmp_path / "one.jsonl", tmp_path / "two.jsonl", tmp_path / "batch.jsonl"
    common = ["--ckpt", str(checkpoint), "--num-sampled-tactics", "8", "--max-expansions", "20"]
    assert prove(*common, "--out", str(one)) == 0
    assert prove(*common, "--out", str(two), "--workers", "2") == 0
    assert prove(*common, "--out", str(batch), "--workers", "2", "--expansion-batch", "2") == 0
    expected = searched(one)
    assert sorted(expected) == sorted(t.full_name for t in load_theorems(TINY_TRAIN))
    assert any(status == "proved" for status, _, _ in expected.values()), expected
    assert searched(two) == expected
    batched = searched(batch)
    assert batched.keys() == expected.keys()
    for name, (status, proof, expansions) in expected.items():
        if status == "proved" and expansions == 1:  # found at the root
            assert batched[name] == (status, proof, expansions), name
    from tacgen.prover.environment import ProofFinished
    from tacgen.prover.replay import ReplayEnvironment

    theorems = {t.full_name: t for t in load_theorems(TINY_TRAIN)}
    for name, (status, proof, _) in batched.items():
        assert status in ("proved", "failed"), (name, status)
        if status == "proved":
            outcome = replay_proof(ReplayEnvironment(), theorems[name], proof)
            assert isinstance(outcome, ProofFinished), (name, proof)


def replay_proof(env: Any, theorem: Any, proof: list[str]) -> Any:
    """What the tactics of ``proof`` lead to from ``theorem``'s first state."""
    outcome = env.start(theorem)
    for tactic in proof:
        outcome = env.run_tactic(outcome, tactic)
    return outcome


def test_a_resumed_file_counts_each_theorem_once(
    checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Results already in --out are kept and not searched again; Pass@1 counts each theorem
    once: a timeout is an attempt, an env_error is not."""
    theorems = load_theorems(TINY_TRAIN)
    out = tmp_path / "results.jsonl"
    seeded = [
        {"full_name": t.full_name, "file_path": t.file_path, "status": status, "proof": [],
         "expansions": 0, "seconds": 1.0, "env": "replay"}
        for t, status in zip(theorems[:2], ("timeout", "env_error"))
    ]  # fmt: skip
    out.write_text("".join(json.dumps(r) + "\n" for r in seeded))
    argv = ["--ckpt", str(checkpoint), "--num-sampled-tactics", "8", "--max-expansions", "20"]
    assert prove(*argv, "--out", str(out)) == 0
    results = rows(out)
    assert results[:2] == seeded
    assert sorted(r["full_name"] for r in results) == sorted(t.full_name for t in theorems)
    proved = sum(r["status"] == "proved" for r in results)
    failed = sum(r["status"] == "failed" for r in results)
    assert proved, results
    attempted = len(theorems) - 1
    line = (
        f"Pass@1 (replay): {proved}/{attempted} = {proved / attempted:.3f} "
        f"(failed {failed}, timeout 1, env_error 1; env_error not attempted)"
    )
    assert capsys.readouterr().out.strip().splitlines()[-1] == line
    assert prove(*argv, "--out", str(out)) == 0  # all done: nothing searched, same line
    assert rows(out) == results
    assert capsys.readouterr().out.strip().splitlines()[-1] == line
    assert main(["prove", "--summary", str(out)]) == 0
    assert capsys.readouterr().out.strip() == line


@pytest.mark.slow  # kill -9 and resume / a local Ray cluster
def test_ray_local_cluster_with_two_workers(checkpoint: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    out = tmp_path / "ray.jsonl"
    argv = ["--ckpt", str(checkpoint), "--device", "cpu", "--num-sampled-tactics", "8"]
    assert prove(*argv, "--out", str(out), "--ray-address", "local", "--workers", "2") == 0
    assert len(rows(out)) == len(load_theorems(TINY_TRAIN))
    assert any(r["status"] == "proved" for r in rows(out))


@pytest.mark.slow  # kill -9 and resume / a local Ray cluster
def test_resume_after_kill_repairs_a_cut_line(checkpoint: Path, tmp_path: Path) -> None:
    """kill -9 mid-run, then a line cut in half: the rerun keeps every complete line, runs
    the cut theorem and the rest, and each theorem ends up in the file exactly once."""
    out = tmp_path / "results.jsonl"
    command = [
        sys.executable, "-m", "tacgen.cli", "prove", "--data-path", str(TINY_TRAIN),
        "--env", "replay", "--ckpt", str(checkpoint), "--out", str(out),
        "--num-sampled-tactics", "64", "--max-expansions", "200", "--device", "cpu",
    ]  # fmt: skip
    process = subprocess.Popen(command, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out.is_file() and out.read_text().count("\n")):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    complete = rows(out)
    assert complete, "no result was written before the kill"
    with open(out, "a", encoding="utf-8") as handle:  # a line cut mid-write
        handle.write('{"full_name": "Tiny.or_swap", "file_path": "Ti')
    assert prove("--ckpt", str(checkpoint), "--out", str(out), "--num-sampled-tactics", "8") == 0
    final = rows(out)
    assert final[: len(complete)] == complete
    assert sorted(r["full_name"] for r in final) == sorted(
        t.full_name for t in load_theorems(TINY_TRAIN)
    )


def test_bad_inputs_are_one_line(
    checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_cli import one_error_line

    out = tmp_path / "r.jsonl"
    assert prove("--ckpt", str(checkpoint), "--out", str(out), "--theorems", "Nope.nothing") == 2
    one_error_line(capsys.readouterr().err, "no theorem named Nope.nothing")
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps([{**json.loads(TINY_TRAIN.read_text())[2]}]))  # no tactics
    assert (
        main(["prove", "--data-path", str(empty), "--ckpt", str(checkpoint), "--out", str(out)])
        == 2
    )
    one_error_line(capsys.readouterr().err, "has traced tactics")
    from server_fixtures import free_port

    server = f"http://127.0.0.1:{free_port()}"
    assert prove("--server", server, "--out", str(out)) == 2
    one_error_line(capsys.readouterr().err, "cannot reach the tactic server")
    assert prove("--out", str(out)) == 2
    one_error_line(capsys.readouterr().err, "exactly one of --ckpt PATH or --server URL")
    assert main(["prove", "--summary", str(tmp_path / "none.jsonl")]) == 2
    one_error_line(capsys.readouterr().err, "none.jsonl")


def test_a_generator_that_raises_keeps_the_results(
    checkpoint: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from test_cli import one_error_line

    out = tmp_path / "r.jsonl"
    assert prove("--ckpt", str(checkpoint), "--out", str(out), "--limit", "1") == 0
    kept = rows(out)
    import tacgen.generator.inference as inference

    def broken(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the GPU fell over")

    monkeypatch.setattr(inference.InferenceGenerator, "generate_queries", broken)
    capsys.readouterr()
    assert prove("--ckpt", str(checkpoint), "--out", str(out)) == 2
    one_error_line(capsys.readouterr().err, "the generator failed", "the GPU fell over")
    assert rows(out) == kept


def test_a_finished_results_file_loads_no_model_and_keeps_its_environment(
    checkpoint: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every theorem done: the summary, without loading the generator. Results of another
    environment: refused in one line, not silently skipped and mixed into the Pass@1."""
    import tacgen.generator.inference as inference
    from test_cli import one_error_line

    out = tmp_path / "results.jsonl"
    done = [
        {"file_path": t.file_path, "full_name": t.full_name, "status": "failed", "env": "replay"}
        for t in load_theorems(TINY_TRAIN)
    ]
    out.write_text("".join(json.dumps(row) + "\n" for row in done), encoding="utf-8")

    def no_loading(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the generator was loaded")

    monkeypatch.setattr(inference, "load_generator", no_loading)
    capsys.readouterr()
    assert prove("--ckpt", str(checkpoint), "--out", str(out)) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary.startswith(f"Pass@1 (replay): 0/{len(done)} = 0.000"), summary
    argv = ["prove", "--data-path", str(TINY_TRAIN), "--env", "leandojo", "--ckpt", str(checkpoint)]
    assert main([*argv, "--out", str(out)]) == 2
    one_error_line(capsys.readouterr().err, "holds --env replay results")
