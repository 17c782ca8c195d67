"""``tacgen prove`` with a tactic library and ``--trace``, then ``tacgen report`` on what it
wrote: the library's candidates are scored by the model and tried, the trees are recorded,
and the report draws them with the proof path highlighted."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tacgen.cli import main

HERE = Path(__file__).resolve().parent
TINY_TRAIN = HERE / "fixtures" / "tiny" / "train.json"


def prove(*argv: str) -> int:
    return main(["prove", "--data-path", str(TINY_TRAIN), "--env", "replay", *argv])


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def traced(prover_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One traced run with the model's 2 beams and the training split's frequent tactics."""
    out = tmp_path_factory.mktemp("library") / "results.jsonl"
    argv = ["--ckpt", str(prover_checkpoint), "--out", str(out), "--num-sampled-tactics", "6"]
    argv += ["--num-beams", "2", "--library", "auto", "--library-from", str(TINY_TRAIN)]
    assert prove(*argv, "--max-expansions", "8", "--trace") == 0
    return out


def test_trace_has_one_tree_per_theorem_matching_its_result(traced: Path) -> None:
    results = {r["full_name"]: r for r in rows(traced)}
    trees = {t["full_name"]: t for t in rows(traced.with_name("results.trace.jsonl"))}
    assert trees.keys() == results.keys()
    origins = set()
    for name, tree in trees.items():
        result = results[name]
        assert tree["status"] == result["status"]
        edges = {e["id"]: e for e in tree["edges"]}
        origins |= {e["origin"] for e in tree["edges"]}
        if result["status"] == "proved":
            assert [edges[i]["tactic"] for i in tree["proof_edges"]] == result["proof"]
            assert edges[tree["proof_edges"][-1]]["outcome"] == "proved"
        errors = sum(e["outcome"] == "error" for e in tree["edges"])
        assert errors == result["tactic_errors"], name
        # At most --num-sampled-tactics edges per expanded node.
        per_node: dict[int, int] = {}
        for edge in tree["edges"]:
            per_node[edge["source"]] = per_node.get(edge["source"], 0) + 1
        assert max(per_node.values()) <= 6 and len(per_node) <= result["expansions"]
    assert {"beam", "library"} <= origins  # both sources reached the search


def test_library_scores_are_the_models(traced: Path, prover_checkpoint: Path) -> None:
    from tacgen.generator.inference import load_generator

    generator = load_generator(prover_checkpoint, device="cpu")
    tree = rows(traced.with_name("results.trace.jsonl"))[0]
    root = next(n for n in tree["nodes"] if n["parent"] is None)
    library = [e for e in tree["edges"] if e["source"] == root["id"] and e["origin"] == "library"]
    assert library
    scores = generator.score(root["state"], [e["tactic"] for e in library])
    assert [e["score"] for e in library] == pytest.approx(scores, abs=1e-4)


def test_an_untraced_run_writes_no_trace(prover_checkpoint: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    assert prove("--ckpt", str(prover_checkpoint), "--out", str(out), "--limit", "1") == 0
    assert not out.with_name("results.trace.jsonl").exists()


def test_report_draws_the_trees_with_the_proof_path(traced: Path, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    assert main(["report", str(traced), "--out", str(html)]) == 0
    text = html.read_text(encoding="utf-8")
    proved = [r for r in rows(traced) if r["status"] == "proved"]
    assert proved

    class Trees(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.theorems: list[str] = []
            self.proof_edges = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found = dict(attrs)
            if tag == "details" and "data-theorem" in found:
                self.theorems.append(str(found["data-theorem"]))
            if tag == "li" and "proof" in (found.get("class") or "").split():
                self.proof_edges += 1

    parser = Trees()
    parser.feed(text)
    assert sorted(parser.theorems) == sorted(r["full_name"] for r in rows(traced))
    assert parser.proof_edges == sum(len(r["proof"]) for r in proved)


def test_library_flags_are_one_line_errors(
    prover_checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = str(tmp_path / "r.jsonl")
    # The fixture's checkpoint was trained without a data module: no recorded tactics.
    assert prove("--ckpt", str(prover_checkpoint), "--out", out, "--library", "auto") == 2
    assert "--library-from" in capsys.readouterr().err
    assert prove("--ckpt", str(prover_checkpoint), "--out", out, "--library-from", "x") == 2
    assert "goes with --library auto" in capsys.readouterr().err
    assert prove("--ckpt", str(prover_checkpoint), "--out", out, "--library", "nope.txt") == 2
    assert "no file at nope.txt" in capsys.readouterr().err


def test_prior_and_renaming_flags_reach_the_search(tmp_path: Path) -> None:
    from tacgen.cli.prove import _parser, _search_config
    from tacgen.core.errors import TacgenError

    library = tmp_path / "library.txt"
    library.write_text("rfl\nexact hp\n", encoding="utf-8")
    argv = ["--data-path", str(TINY_TRAIN), "--env", "replay", "--ckpt", "x.ckpt"]
    argv += ["--library", str(library), "--library-slots", "3"]
    config = _search_config(
        _parser().parse_args([*argv, "--library-prior", "2", "--library-renamings", "7"])
    )
    assert config.library == ("rfl", "exact hp") and config.library_slots == 3
    assert config.library_prior == 2.0 and config.library_renamings == 7
    plain = _search_config(_parser().parse_args(argv))
    assert plain.library_prior == 0.0 and plain.library_renamings == 0
    with pytest.raises(TacgenError, match="library_prior"):
        _search_config(_parser().parse_args([*argv, "--library-prior", "-1"]))
