"""``tacgen prove --retriever-ckpt``: retrieval-augmented proof search on the demo corpus.

Real prove runs (replay, the fake REPL, threads) with a minuscule untrained dense
retriever; a spy on ``InputBuilder.retrieve`` records the premises of every model input.
Accessibility is checked against the corpus file itself (imports read from the JSON, not
from :class:`Corpus`): a premise later in the theorem's own file, or from a file it does not
import, must never reach the generator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import DEMO_DATA, build_once
from tacgen.cli import main
from tacgen.core.records import Premise, Query
from tacgen.generator.inputs import InputBuilder
from tacgen.prover.environment import Environment, Outcome, ProofState, Theorem
from tacgen.retrieval.dense import PremiseRetriever

CORPUS = DEMO_DATA / "corpus.jsonl"
TEST_SPLIT = DEMO_DATA / "random" / "test.json"
TINY_TRAIN = Path(__file__).resolve().parent / "fixtures" / "tiny" / "train.json"
MINUSCULE = Path(__file__).resolve().parent / "fixtures" / "configs" / "minuscule_t5.json"
SEARCH = ["--num-sampled-tactics", "4", "--max-expansions", "6", "--device", "cpu"]


def _save_retriever(path: Path) -> None:
    import torch

    torch.manual_seed(0)
    retriever = PremiseRetriever(str(MINUSCULE), corpus_path=str(CORPUS))
    torch.save(
        {
            "state_dict": retriever.state_dict(),
            "hyper_parameters": dict(retriever.hparams),
            "t5_encoder_config": retriever.encoder.config.to_dict(),
        },
        path,
    )


@pytest.fixture(scope="module")
def retriever(run_dir: Path) -> Path:
    """An untrained minuscule dense retriever over the demo corpus (any ranking will do:
    accessibility must hold whatever the scores)."""
    return build_once(run_dir / "demo-retriever.ckpt", _save_retriever)


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Query, list[Premise]]]]:
    """Every (query, premises) that reached a model input, and every retriever call."""
    records: list[tuple[Query, list[Premise]]] = []
    original = InputBuilder.retrieve

    def spy(self: InputBuilder, queries: Any, device: Any = None) -> list[list[Premise]]:
        premises = original(self, queries, device)
        records.extend(zip(queries, premises))
        return premises

    monkeypatch.setattr(InputBuilder, "retrieve", spy)
    yield records


def _closures() -> dict[str, set[str]]:
    """Each corpus file's transitive imports, from the corpus file itself."""
    imports = {}
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        imports[entry["path"]] = set(entry["imports"])
    closure: dict[str, set[str]] = {}

    def visit(path: str) -> set[str]:
        if path not in closure:
            closure[path] = set()
            for child in imports[path]:
                closure[path] |= {child, *visit(child)}
        return closure[path]

    for path in imports:
        visit(path)
    return closure


def _inaccessible(query: Query, premise: Premise, closure: dict[str, set[str]]) -> bool:
    if premise.path == query.file_path:
        return premise.end > query.position
    return premise.path not in closure[query.file_path]


def prove(*argv: str) -> int:
    return main(["prove", *SEARCH, *argv])


def test_split_theorems_get_only_accessible_premises(
    prover_checkpoint: Path, retriever: Path, seen: list[Any], tmp_path: Path
) -> None:
    argv = ["--data-path", str(TEST_SPLIT), "--env", "replay", "--out", str(tmp_path / "r.jsonl")]
    argv += ["--ckpt", str(prover_checkpoint), "--retriever-ckpt", str(retriever)]
    assert prove(*argv) == 0
    closure = _closures()
    assert seen and all(premises for _, premises in seen)  # retrieval reached the inputs
    bad = [(q.full_name, p.full_name) for q, ps in seen for p in ps if _inaccessible(q, p, closure)]
    assert not bad, bad[:5]
    # The rule was tested: later premises of their own files existed and were left out.
    later = {(q.file_path, q.position) for q, _ in seen}
    corpus = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    own_later = [
        p for e in corpus for p in e["premises"] for f, pos in later
        if e["path"] == f and tuple(p["end"]) > pos
    ]  # fmt: skip
    assert own_later


def _statements(path: Path, header: str, names: int = 4) -> Path:
    rows = [json.loads(x) for x in (DEMO_DATA / "statements.jsonl").read_text().splitlines()]
    chosen = [r for r in rows if r["name"].startswith("TacgenDemo.Nat.")][:names]
    text = "".join(json.dumps({**r, "header": header}) + "\n" for r in chosen)
    path.write_text(text, encoding="utf-8")
    return path


def test_repl_statements_get_the_premises_of_their_header_imports(
    prover_checkpoint: Path,
    retriever: Path,
    seen: list[Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("lean_interact")
    from repl_fixtures import make_fake_lean

    fake = make_fake_lean(tmp_path / "lean", monkeypatch)
    header = "import TacgenDemo.Logic\n\nuniverse u"  # Logic imports Init only
    data = json.loads((fake.project / "fake_repl_data.json").read_text())
    data["headers"].append(header)
    (fake.project / "fake_repl_data.json").write_text(json.dumps(data))
    statements = _statements(tmp_path / "nat.jsonl", header)
    argv = ["--data-path", str(statements), "--env", "repl", *fake.flags()]
    argv += ["--ckpt", str(prover_checkpoint), "--retriever-ckpt", str(retriever)]
    assert prove(*argv, "--out", str(tmp_path / "r.jsonl")) == 0
    assert seen and all(q.imports == ("TacgenDemo.Logic",) for q, _ in seen)
    paths = {p.path for _, premises in seen for p in premises}
    allowed = {"TacgenDemo/Logic.lean", *_closures()["TacgenDemo/Logic.lean"]}
    assert paths and paths <= allowed, paths - allowed
    assert "TacgenDemo/Logic.lean" in paths  # the imported module itself counts, whole


def test_a_theorem_outside_the_corpus_is_one_line_before_any_search(
    prover_checkpoint: Path,
    retriever: Path,
    seen: list[Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from test_cli import one_error_line

    out = tmp_path / "r.jsonl"
    argv = ["--ckpt", str(prover_checkpoint), "--retriever-ckpt", str(retriever), "--out", str(out)]
    assert prove("--data-path", str(TINY_TRAIN), "--env", "replay", *argv) == 2
    line = one_error_line(capsys.readouterr().err, "cannot retrieve premises for Tiny.")
    assert "'Tiny/" in line and "is not in corpus" in line
    assert not seen and not out.exists()  # refused before any search
    pytest.importorskip("lean_interact")
    from repl_fixtures import make_fake_lean

    fake = make_fake_lean(tmp_path / "lean", monkeypatch)
    statements = _statements(tmp_path / "mathlib.jsonl", "import Mathlib")
    assert prove("--data-path", str(statements), "--env", "repl", *fake.flags(), *argv) == 2
    one_error_line(capsys.readouterr().err, "imported module 'Mathlib'", "is not in corpus")
    # Retriever flags are refused with --server: the server's own retriever answers.
    assert main(["prove", "--data-path", str(TEST_SPLIT), "--server", "http://x", *argv[2:]]) == 2
    one_error_line(capsys.readouterr().err, "--retriever-ckpt goes with --ckpt")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of queries of each call of the dense retriever."""
    sizes: list[int] = []
    original = PremiseRetriever.retrieve_queries

    def counting(self: PremiseRetriever, queries: Any, k: int) -> Any:
        sizes.append(len(queries))
        return original(self, queries, k)

    monkeypatch.setattr(PremiseRetriever, "retrieve_queries", counting)
    return sizes


def test_two_workers_and_a_library_retrieve_once_per_expanded_node(
    prover_checkpoint: Path, retriever: Path, calls: list[int], tmp_path: Path
) -> None:
    """Threads share one generator (and retriever); the library scores the nodes the model
    generated for without retrieving again."""
    library = tmp_path / "library.txt"
    library.write_text("rfl\nsimp\nomega\n", encoding="utf-8")
    out = tmp_path / "r.jsonl"
    argv = ["--data-path", str(TEST_SPLIT), "--env", "replay", "--out", str(out)]
    argv += ["--ckpt", str(prover_checkpoint), "--retriever-ckpt", str(retriever)]
    argv += ["--workers", "2", "--expansion-batch", "2", "--library", str(library)]
    assert prove(*argv, "--limit", "6") == 0
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(results) == 6
    assert sum(calls) == sum(r["expansions"] for r in results) > 0


class AnyTactic(Environment):
    """Every tactic gives a new state: the frontier grows, so expansion batches fill up."""

    name = "any"

    def __init__(self) -> None:
        self.made = 0

    def start(self, theorem: Theorem) -> ProofState:
        return ProofState("n : Nat\n⊢ n + 0 = n")

    def run_tactic(self, state: ProofState, tactic: str) -> Outcome:
        self.made += 1
        return ProofState(f"n : Nat\n⊢ n + {self.made} = n")


def test_the_nodes_of_an_expansion_batch_are_retrieved_in_one_call(
    prover_checkpoint: Path, retriever: Path, calls: list[int]
) -> None:
    from tacgen.prover.generators import GeneratorSpec, build_generator
    from tacgen.prover.search import SearchConfig, best_first_search
    from tacgen.prover.theorems import load_theorems

    spec = GeneratorSpec(path=str(prover_checkpoint), device="cpu", retriever_ckpt=str(retriever))
    generator = build_generator(spec)
    theorem = load_theorems(TEST_SPLIT, limit=1)[0]
    config = SearchConfig(num_sampled_tactics=4, max_expansions=7, expansion_batch=3)
    result = best_first_search(theorem, AnyTactic(), generator, config)
    assert result.expansions == 7
    assert calls == [1, 3, 3]  # the root, then two batches of three nodes
    stats = generator.inputs.stats
    assert (stats.calls, stats.queries) == (3, 7) and stats.seconds > 0


def test_header_imports_and_the_accessible_premises_of_imported_modules() -> None:
    from tacgen.core.errors import UnknownFileError
    from tacgen.data.corpus import Corpus
    from tacgen.prover.environment import header_imports

    header = (
        "import Mathlib\nimport Aesop Batteries -- two\n\nset_option maxHeartbeats 0\nopen Real"
    )
    assert header_imports(header) == ("Mathlib", "Aesop", "Batteries")
    assert header_imports("") == ()
    corpus = Corpus(CORPUS)
    closure = _closures()
    logic = {"TacgenDemo/Logic.lean", *closure["TacgenDemo/Logic.lean"]}
    found = corpus.accessible_by_imports(["TacgenDemo.Logic"])
    assert {corpus.premises[i].path for i in found.indices()} == {
        p.path for p in corpus.premises if p.path in logic
    }
    assert len(found) == sum(p.path in logic for p in corpus.premises)
    # A corpus file keeps ReProver's rule, whatever the imports say.
    theorem = corpus.accessible_to("TacgenDemo/Nat.lean", (30, 1), ["TacgenDemo"])
    assert list(theorem.indices()) == list(
        corpus.accessible("TacgenDemo/Nat.lean", (30, 1)).indices()
    )
    with pytest.raises(UnknownFileError, match=r"imported module 'Nope\.Module'"):
        corpus.accessible_to("statements.jsonl", (1, 1), ["TacgenDemo", "Nope.Module"])
    with pytest.raises(UnknownFileError, match=r"'statements\.jsonl' is not in corpus"):
        corpus.accessible_to("statements.jsonl", (1, 1), [])


def test_a_server_receives_the_imports() -> None:
    """``--server``: the query's imports reach the server's retriever (and an older server
    never sees the field when there are none)."""
    from tacgen.generator.options import DEFAULT_OPTIONS
    from tacgen.serving.remote import _query_json
    from tacgen.serving.schemas import ScoreQuery, TacticQuery

    query = Query("⊢ True", "s.jsonl", "t", (1, 1), ("TacgenDemo",))
    body = _query_json(query, 4, DEFAULT_OPTIONS)
    assert TacticQuery(**body).query() == query
    assert ScoreQuery(**_query_json(query, 4, DEFAULT_OPTIONS, False), tactics=[]).query() == query
    assert "imports" not in _query_json(Query("⊢ True"), 4, DEFAULT_OPTIONS)


@pytest.mark.slow  # a local Ray cluster
def test_ray_actors_build_the_retriever(
    prover_checkpoint: Path, retriever: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each actor builds its generator with the retriever (from the spec): a theorem
    outside the corpus then fails at its first expansion, in one line (the driver holds no
    generator to check it before)."""
    pytest.importorskip("ray")
    from test_cli import one_error_line

    argv = ["--ckpt", str(prover_checkpoint), "--retriever-ckpt", str(retriever)]
    argv += ["--ray-address", "local", "--workers", "2", "--limit", "2"]
    out = tmp_path / "demo.jsonl"
    assert prove("--data-path", str(TEST_SPLIT), "--env", "replay", "--out", str(out), *argv) == 0
    assert len(out.read_text().splitlines()) == 2
    tiny = tmp_path / "tiny.jsonl"
    assert prove("--data-path", str(TINY_TRAIN), "--env", "replay", "--out", str(tiny), *argv) == 2
    one_error_line(capsys.readouterr().err, "the generator failed on Tiny.", "is not in corpus")
