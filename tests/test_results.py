"""``results.jsonl`` and its Pass@1 (:mod:`tacgen.prover.results`), pinned to the definition
the README gives: proved / attempted, where a Lean crash (``env_error``) is not an attempt
and a timeout is; a cut last line is dropped, every complete line kept."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from tacgen.core.errors import UsageError
from tacgen.prover.results import (
    STATUSES,
    ResultsWriter,
    Summary,
    export_proofs,
    proof_file_name,
    read_results,
    repair,
    summarize,
)
from tacgen.prover.search import ProofResult


def row(name: str, status: str, env: str = "replay", **extra: Any) -> dict[str, Any]:
    return {"file_path": "A.lean", "full_name": name, "status": status, "env": env, **extra}


def test_the_statuses_in_their_order() -> None:
    assert STATUSES == ("proved", "failed", "timeout", "env_error")


def test_pass_at_1_leaves_env_error_out_and_counts_timeouts_and_failures() -> None:
    rows = [row("a", "proved"), row("b", "proved"), row("c", "failed"), row("d", "timeout")]
    rows += [row("e", "env_error"), row("f", "env_error")]
    summary = summarize(rows)
    assert summary.counts == {"proved": 2, "failed": 1, "timeout": 1, "env_error": 2}
    assert summary.env == "replay"
    assert summary.attempted == 4
    assert summary.pass_at_1 == 0.5
    assert summary.line() == (
        "Pass@1 (replay): 2/4 = 0.500 (failed 1, timeout 1, env_error 2; env_error not attempted)"
    )


def test_a_timeout_is_an_attempt_that_did_not_prove() -> None:
    summary = summarize([row("a", "proved"), row("b", "timeout")])
    assert (summary.attempted, summary.pass_at_1) == (2, 0.5)


def test_only_env_errors_is_nothing_attempted_and_pass_at_1_zero() -> None:
    summary = summarize([row("a", "env_error", env="repl")])
    assert (summary.attempted, summary.pass_at_1) == (0, 0.0)
    assert summary.line() == (
        "Pass@1: 0/0 = 0.000 (failed 0, timeout 0, env_error 1; env_error not attempted)"
    )


def test_an_empty_file_and_mixed_environments() -> None:
    assert summarize([]) == Summary({}, "mixed")
    assert summarize([]).pass_at_1 == 0.0
    mixed = summarize([row("a", "proved", env="replay"), row("b", "failed", env="repl")])
    assert mixed.env == "mixed"
    assert mixed.line().startswith("Pass@1: 1/2 = 0.500 ")


def test_rows_without_an_environment() -> None:
    assert summarize([{"status": "proved"}]).env == ""


def test_all_proved_is_one() -> None:
    summary = summarize([row("a", "proved"), row("b", "proved"), row("c", "proved")])
    assert (summary.attempted, summary.pass_at_1) == (3, 1.0)


# ---------------------------------------------------------------- reading and repairing


def test_repair_drops_only_a_partial_last_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "results.jsonl"
    assert repair(path) == 0 and not path.exists()
    whole = json.dumps(row("a", "proved")) + "\n" + json.dumps(row("b", "failed")) + "\n"
    path.write_text(whole + '{"full_name": "c", "sta')
    with caplog.at_level(logging.WARNING):
        assert repair(path) == 23
    assert caplog.messages == [f"{path}: dropped a partial last line (23 bytes)"]
    assert path.read_text() == whole
    assert repair(path) == 0
    assert path.read_text() == whole


def test_read_results_keeps_lines_in_order_and_skips_a_cut_last_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "results.jsonl"
    assert read_results(path) == []
    first, second = row("a", "proved"), row("b", "failed")
    path.write_text(json.dumps(first) + "\n\n" + json.dumps(second) + '\n{"full_na')
    with caplog.at_level(logging.WARNING):
        assert read_results(path) == [first, second]
    assert caplog.messages == [f"{path}:4: skipped a partial last line"]
    path.write_text(json.dumps(first) + "\n" + json.dumps(second))  # no newline, complete
    assert read_results(path) == [first, second]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"status": "proved"}\nnot json\n{"status": "failed"}\n', ":2: not a result line: "),
        ('{"status": "proved"}\n{"status": "maybe"}\n', ":2: not a result line (no valid status)"),
        ('["proved"]\n', ":1: not a result line (no valid status)"),
    ],
)
def test_a_bad_complete_line_names_the_file_and_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text(content)
    with pytest.raises(UsageError) as error:
        read_results(path)
    assert str(error.value).startswith(f"{path}{message}")


def test_the_writer_makes_its_folders_and_keeps_text_readable(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "results.jsonl"
    writer = ResultsWriter(path, "repl")
    writer.write(ProofResult("Nat.α_le", "A.lean", "failed", (), 1, 1.0, 0.5, 0.5))
    writer.close()
    assert '"full_name": "Nat.α_le"' in path.read_text(encoding="utf-8")  # not an escape


def test_the_writer_appends_after_repairing(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps(row("a", "failed")) + '\n{"cut')
    writer = ResultsWriter(path, "replay")
    result = ProofResult("b", "B.lean", "proved", ("intro h", "exact h"), 3, 1.5, 1.0, 0.25)
    writer.write(result)
    writer.close()
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0]) == row("a", "failed")
    assert json.loads(lines[1]) == {
        "full_name": "b", "file_path": "B.lean", "status": "proved",
        "proof": ["intro h", "exact h"], "expansions": 3, "seconds": 1.5,
        "generator_seconds": 1.0, "env_seconds": 0.25, "tactic_errors": 0, "error": None,
        "proof_source": None, "env": "replay",
    }  # fmt: skip


# ---------------------------------------------------------------- exported proofs


def test_proof_file_names() -> None:
    assert proof_file_name("Nat.add_comm") == "Nat.add_comm.lean"
    assert proof_file_name("Foo/bar baz") == "Foo_bar_baz.lean"
    assert proof_file_name("..hidden") == "hidden.lean"
    assert proof_file_name("a'-b") == "a'-b.lean"
    assert proof_file_name("Xor.comm") == "Xor.comm.lean"


def test_export_writes_one_file_per_proved_theorem_with_source(tmp_path: Path) -> None:
    rows = [
        row("A.one", "proved", proof_source="theorem one : True := by trivial"),
        row("A.two", "proved", proof_source=""),  # no source: nothing to write
        row("A.three", "proved"),
        row("A.four", "failed", proof_source="theorem four : False := by sorry"),
        row("A.five", "proved", proof_source="theorem five : 1 = 1 := by rfl"),
    ]
    out = tmp_path / "a" / "proofs"
    assert export_proofs(rows, out) == 2
    assert sorted(p.name for p in out.iterdir()) == ["A.five.lean", "A.one.lean"]
    assert (out / "A.one.lean").read_text() == "theorem one : True := by trivial"
    assert export_proofs(rows[:1], out) == 1  # into a folder that exists: overwritten
