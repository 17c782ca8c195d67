"""``tacgen prove --server openai:URL --model NAME --template NAME`` under replay, against
the fake OpenAI-compatible server (tests/fake_openai.py); ``proof_before`` in the search's
queries; ``--score mean-token`` with the generator's token counts."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from fake_openai import FakeOpenAI, running_fake
from server_fixtures import free_port
from tacgen.cli import main
from tacgen.core.records import Query
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.options import Candidates, GenerationOptions
from tacgen.generator.templates import TEMPLATES
from tacgen.prover.candidates import ModelSource
from tacgen.prover.generators import GeneratorSpec, build_generator, search_generator
from tacgen.serving.openai import OpenAIGenerator
from test_cli import one_error_line

pytest.importorskip("fastapi")

HERE = Path(__file__).resolve().parent
DEMO_TEST = "tacgen:demo/random/test.json"
TINY_TRAIN = HERE / "fixtures" / "tiny" / "train.json"
SAMPLING = ["--mode", "sample", "--temperature", "0.7", "--num-sampled-tactics", "4"]


@pytest.fixture(scope="module")
def fake(mini_causal_dir: Path) -> Iterator[tuple[str, FakeOpenAI]]:
    with running_fake(mini_causal_dir) as running:
        yield running


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_prove_replay_through_an_openai_server(
    fake: tuple[str, FakeOpenAI], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, server = fake
    out = tmp_path / "results.jsonl"
    before = len(server.requests)
    argv = ["prove", "--data-path", DEMO_TEST, "--env", "replay", "--out", str(out)]
    openai = ["--server", f"openai:{url}", "--model", "m", "--template", "bfs"]
    budget = ["--max-expansions", "2", "--limit", "3", "--score", "mean-token", "--seed", "1"]
    assert main([*argv, *openai, *SAMPLING, *budget]) == 0
    results = rows(out)
    assert len(results) == 3 and all(r["status"] in ("proved", "failed") for r in results)
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("Pass@1 (replay): ")
    asked = server.requests[before:]
    assert asked and all(b["n"] == 4 and b["temperature"] == 0.7 for b in asked)
    assert all(p.endswith(":::") for b in asked for p in b["prompt"])


def test_workers_share_one_client(
    fake: tuple[str, FakeOpenAI], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two worker threads search with the one OpenAIGenerator the command built."""
    url, _ = fake
    seen: list[tuple[int, int]] = []
    original = OpenAIGenerator.generate_queries

    def recording(self: OpenAIGenerator, *args: Any, **kwargs: Any) -> list[Candidates]:
        seen.append((id(self), threading.get_ident()))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(OpenAIGenerator, "generate_queries", recording)
    argv = ["prove", "--data-path", DEMO_TEST, "--env", "replay", "--out", str(tmp_path / "r")]
    openai = ["--server", f"openai:{url}", "--model", "m", "--template", "bfs"]
    assert main([*argv, *openai, *SAMPLING, "--max-expansions", "2", "--limit", "4",
                 "--workers", "2"]) == 0  # fmt: skip
    assert len({client for client, _ in seen}) == 1
    assert len({thread for _, thread in seen}) == 2
    spec = GeneratorSpec(server=f"openai:{url}", model="m", template="bfs")
    generator = build_generator(spec)
    with search_generator(generator, 2, 1) as shared:
        assert shared is generator  # not wrapped: the server batches


def test_bad_servers_and_flags_are_one_line(
    fake: tuple[str, FakeOpenAI], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = fake
    out = str(tmp_path / "r.jsonl")
    base = ["prove", "--data-path", DEMO_TEST, "--env", "replay", "--out", out, *SAMPLING]
    closed = f"openai:http://127.0.0.1:{free_port()}"
    cases = [
        (["--server", closed, "--model", "m", "--template", "bfs"], "cannot reach"),
        (["--server", f"openai:{url}", "--template", "bfs"], "needs --model NAME"),
        (["--server", f"openai:{url}", "--model", "m"], "--template NAME|FORMAT"),
        (["--server", f"openai:{url}", "--model", "m", "--template", "nope"], "unknown template"),
        (["--server", f"openai:{url}", "--model", "x", "--template", "bfs"], "not --model x"),
        (["--server", f"openai:{url}", "--model", "m", "--template", "bfs", "--mode", "beam"],
         "give --mode sample"),
        (["--server", url, "--model", "m"], "--model goes with --server openai:URL"),
        (["--server", url, "--template", "bfs"], "--template goes with --ckpt"),
        (["--server", "openai:ftp://x", "--model", "m", "--template", "bfs"], "http://"),
    ]  # fmt: skip
    for extra, message in cases:
        assert main([*base, *extra]) == 2, extra
        one_error_line(capsys.readouterr().err, message)


class _Recorder(TacticGenerator):
    """Proposes each theorem's traced tactics, and records the queries it is asked."""

    def __init__(self, tactics: Sequence[str]) -> None:
        self.tactics, self.queries = list(tactics), []  # type: list[str], list[Query]

    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: GenerationOptions | None = None
    ) -> list[Candidates]:
        self.queries.extend(queries)
        return [[(t, -1.0 - i) for i, t in enumerate(self.tactics)] for _ in queries]


def test_queries_carry_the_tactics_of_their_path() -> None:
    from tacgen.prover.replay import ReplayEnvironment
    from tacgen.prover.search import SearchConfig, best_first_search
    from tacgen.prover.theorems import load_theorems

    theorem = next(t for t in load_theorems(TINY_TRAIN) if len(t.traced) >= 2)
    tactics = [step.tactic for step in theorem.traced]
    generator = _Recorder(tactics)
    result = best_first_search(theorem, ReplayEnvironment(), generator, SearchConfig(8))
    assert result.status == "proved"
    paths = [q.proof_before for q in generator.queries]
    assert paths[:2] == [(), (tactics[0],)]
    assert all(q.full_name == theorem.full_name for q in generator.queries)


def test_mean_token_divides_by_the_servers_token_count(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = {
        "choices": [
            {"index": 0, "text": "simp", "logprobs": {"token_logprobs": [-1.0, -1.0]}},
            {"index": 1, "text": "ring_nf", "logprobs": {"token_logprobs": [-0.5] * 5}},
        ]
    }
    client = OpenAIGenerator("http://127.0.0.1:9", "m", TEMPLATES["bfs"])
    monkeypatch.setattr(client, "_call", lambda *_: answer)
    options = GenerationOptions(mode="sample")
    (candidates,) = ModelSource(2, options).propose(client, [Query("⊢ True")], "mean-token")
    assert {c.tactic: c.score for c in candidates} == {"simp": -1.0, "ring_nf": -0.5}
    (summed,) = ModelSource(2, options).propose(client, [Query("⊢ True")], "sum")
    assert {c.tactic: c.score for c in summed} == {"simp": -2.0, "ring_nf": -2.5}


def test_the_spec_travels_to_ray_actors(fake: tuple[str, FakeOpenAI]) -> None:
    """Ray actors receive the picklable spec and build their own client from it."""
    import pickle

    url, _ = fake
    spec = GeneratorSpec(server=f"openai:{url}/v1", model="m", template="internlm-step")
    copy = pickle.loads(pickle.dumps(spec))
    assert copy == spec and copy.is_openai
    client = build_generator(copy)
    assert isinstance(client, OpenAIGenerator)
    assert (client.url, client.model, client.template) == (url, "m", TEMPLATES["internlm-step"])


@pytest.mark.slow  # a local Ray cluster
def test_prove_on_ray_through_an_openai_server(
    fake: tuple[str, FakeOpenAI], tmp_path: Path
) -> None:
    pytest.importorskip("ray")
    url, server = fake
    before = len(server.requests)
    out = tmp_path / "ray.jsonl"
    argv = ["prove", "--data-path", DEMO_TEST, "--env", "replay", "--out", str(out)]
    openai = ["--server", f"openai:{url}", "--model", "m", "--template", "bfs"]
    ray = ["--ray-address", "local", "--workers", "2", "--max-expansions", "2", "--limit", "3"]
    assert main([*argv, *openai, *SAMPLING, *ray]) == 0
    assert len(rows(out)) == 3
    assert len(server.requests) > before
