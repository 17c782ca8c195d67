"""``OpenAIGenerator`` against a fake OpenAI-compatible server that fronts a real model
(tests/fake_openai.py): the same candidates and scores as the local model, the fallback
for servers that refuse ``n > 1``, scoring by echo, and one-line errors."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from causal_fixtures import CAUSAL_PAIRS, beam_search, continuation, load_reference, teacher_forced
from fake_openai import FakeOpenAI, running_fake
from server_fixtures import free_port
from tacgen.core.errors import UsageError
from tacgen.core.records import Query
from tacgen.generator.options import GenerationOptions
from tacgen.generator.templates import TEMPLATES
from tacgen.serving.openai import OpenAIGenerator
from tacgen.serving.remote import ServerError

pytest.importorskip("fastapi")

BFS = TEMPLATES["bfs"]
QUERIES = [Query(state, full_name=f"t{i}") for i, (state, _) in enumerate(CAUSAL_PAIRS)]
ATOL = 1e-3
"""Issue 16's tolerance between backends (float32 scores)."""
SAMPLE = GenerationOptions(mode="sample", temperature=1.0, seed=5)


@pytest.fixture(scope="module")
def fake(mini_causal_dir: Path) -> Iterator[tuple[str, FakeOpenAI]]:
    with running_fake(mini_causal_dir) as running:
        yield running


@pytest.fixture(scope="module")
def reference(mini_causal_dir: Path) -> tuple[Any, Any]:
    return load_reference(mini_causal_dir)


def test_same_candidates_and_scores_as_the_local_model(
    fake: tuple[str, FakeOpenAI], reference: tuple[Any, Any]
) -> None:
    """Greedy sampling gives the local model's greedy tactic and score; every sampled
    tactic's score is the local teacher-forced log-probability of its tokens and eos."""
    url, _ = fake
    model, tokenizer = reference
    client = OpenAIGenerator(url, "m", BFS, max_tokens=24)
    greedy = client.generate_queries(QUERIES, 4, GenerationOptions(mode="sample", top_k=1))
    for query, ranked, (_, tactic) in zip(QUERIES, greedy, CAUSAL_PAIRS):
        ids = tokenizer(BFS.render(query.state))["input_ids"]
        ((best, score),) = beam_search(model, ids, 1, 24, tokenizer.eos_token_id)
        assert ranked == [(tactic, pytest.approx(score, abs=ATOL))]
        assert tokenizer.decode(best, skip_special_tokens=True) == tactic
    sampled = client.generate_queries(QUERIES, 8, SAMPLE)
    # The server's token counts tell a completion that ended at eos with exactly the
    # tactic's tokens (so the tactic re-scores) from one cut at max_tokens or stripped of
    # whitespace, whichever tactics the sampler happened to draw on this machine.
    counts = client.token_counts(QUERIES, [[t for t, _ in row] for row in sampled])
    checked = 0
    for query, ranked, numbers in zip(QUERIES, sampled, counts):
        ids = tokenizer(BFS.render(query.state))["input_ids"]
        assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
        assert len({t for t, _ in ranked}) == len(ranked)
        for (tactic, score), number in zip(ranked, numbers):
            tokens = continuation(tokenizer, BFS, tactic)
            if number == len(tokens) < 24 and "\ufffd" not in tactic:
                expected = teacher_forced(model, ids, tokens)
                assert score == pytest.approx(expected, abs=ATOL), tactic
                checked += 1
    assert checked >= len(QUERIES)


def test_requests_carry_template_and_sampling(fake: tuple[str, FakeOpenAI]) -> None:
    url, server = fake
    template = TEMPLATES["internlm-step"]
    query = Query("⊢ True", full_name="demo", proof_before=("intro h", "simp"))
    before = len(server.requests)
    options = GenerationOptions(mode="sample", temperature=0.7, top_p=0.9, top_k=20, seed=1)
    OpenAIGenerator(url, "m", template, max_tokens=8).generate_queries([query], 3, options)
    (body,) = server.requests[before:]
    assert body["prompt"] == [template.render("⊢ True", "demo", ("intro h", "simp"))]
    assert "PROOF_BEFORE: intro h\nsimp\n" in body["prompt"][0]
    assert {k: body[k] for k in ("model", "n", "logprobs", "temperature", "top_p", "top_k")} == {
        "model": "m", "n": 3, "logprobs": 1, "temperature": 0.7, "top_p": 0.9, "top_k": 20,
    }  # fmt: skip
    assert body["stop"] == ["<|im_end|>"] and body["max_tokens"] == 8 and body["seed"] == 1


def test_score_queries_by_echo(fake: tuple[str, FakeOpenAI], reference: tuple[Any, Any]) -> None:
    url, _ = fake
    model, tokenizer = reference
    client = OpenAIGenerator(url, "m", BFS, eos_text=tokenizer.eos_token)
    tactics = [["simp", "ring", "exact Or.inl hp"], []]
    scores = client.score_queries(QUERIES[:2], tactics)
    assert scores[1] == []
    ids = tokenizer(BFS.render(QUERIES[0].state))["input_ids"]
    expected = [teacher_forced(model, ids, continuation(tokenizer, BFS, t)) for t in tactics[0]]
    assert scores[0] == pytest.approx(expected, abs=ATOL)
    counts = client.token_counts(QUERIES[:1], tactics[:1])
    assert counts == [[len(continuation(tokenizer, BFS, t)) for t in tactics[0]]]
    with pytest.raises(UsageError, match="needs the model's eos token as text"):
        OpenAIGenerator(url, "m", BFS).score_queries(QUERIES[:1], [["simp"]])


def test_a_server_that_refuses_n_gets_one_request_per_sample(
    mini_causal_dir: Path, reference: tuple[Any, Any]
) -> None:
    model, tokenizer = reference
    with running_fake(mini_causal_dir, refuse_n=True) as (url, server):
        client = OpenAIGenerator(url, "m", BFS, max_tokens=24)
        first = client.generate_queries(QUERIES[:2], 3, SAMPLE)
        counts = client.token_counts(QUERIES[:2], [[t for t, _ in row] for row in first])
        assert client.one_per_request
        assert [b["n"] for b in server.requests] == [3, 1, 1, 1, 1, 1, 1]
        assert [b["seed"] for b in server.requests[1:4]] == [5, 6, 7]  # distinct samples
        server.requests.clear()
        assert client.generate_queries(QUERIES[:2], 3, SAMPLE) == first  # remembered
        assert [b["n"] for b in server.requests] == [1] * 6
        for query, ranked, numbers in zip(QUERIES, first, counts):
            ids = tokenizer(BFS.render(query.state))["input_ids"]
            for (tactic, score), number in zip(ranked, numbers):
                tokens = continuation(tokenizer, BFS, tactic)
                if number == len(tokens) < 24 and "\ufffd" not in tactic:  # see above
                    assert score == pytest.approx(teacher_forced(model, ids, tokens), abs=ATOL)
        with pytest.raises(UsageError, match="cannot score given tactics: Only no echo"):
            OpenAIGenerator(url, "m", BFS, eos_text="<|endoftext|>").score_queries(
                QUERIES[:1], [["simp"]]
            )


def test_forbidden_words_duplicates_and_order(monkeypatch: pytest.MonkeyPatch) -> None:
    def choice(index: int, text: str, values: list[float]) -> dict[str, Any]:
        return {"index": index, "text": text, "logprobs": {"token_logprobs": values}}

    answer = {
        "choices": [
            choice(0, "simp", [-1.0, -0.5]),
            choice(1, "x:::  simp ", [-0.2, -0.1, -0.1]),  # the state echoed: after ":::"
            choice(2, "sorry", [-0.1]),
            choice(3, "exact foo <;> native_decide", [-0.1]),
            choice(4, "nlinarith [sq_nonneg (a - b)]", [-3.0]),
            choice(5, "admitted_lemma", [-0.3]),  # a word containing admit is kept
            choice(6, "", [-0.01]),
        ]
    }
    client = OpenAIGenerator("http://127.0.0.1:9", "m", BFS)
    monkeypatch.setattr(client, "_call", lambda *_: answer)
    (ranked,) = client.generate_queries([Query("⊢ True")], 7, SAMPLE)
    assert ranked == [
        ("admitted_lemma", -0.3),
        ("simp", pytest.approx(-0.4)),  # its best completion, 3 tokens
        ("nlinarith [sq_nonneg (a - b)]", -3.0),
    ]
    assert client.token_counts([Query("⊢ True")], [[t for t, _ in ranked]]) == [[1, 3, 1]]


class _NotOpenAI(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>hello</html>")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def html_server() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", free_port()), _NotOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_one_line_errors(fake: tuple[str, FakeOpenAI], html_server: str) -> None:
    url, _ = fake
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ServerError, match="cannot reach the OpenAI-compatible server") as error:
        OpenAIGenerator(closed, "m", BFS).check()
    assert "\n" not in str(error.value)
    with pytest.raises(ServerError, match="not an OpenAI-compatible server"):
        OpenAIGenerator(html_server, "m", BFS).check()
    with pytest.raises(UsageError, match="serves m, not --model other"):
        OpenAIGenerator(url + "/v1", "other", BFS).check()
    OpenAIGenerator(url + "/v1/", "m", BFS).check()
    with pytest.raises(UsageError, match="give --mode sample"):
        OpenAIGenerator(url, "m", BFS).generate_queries(QUERIES[:1], 2)
    with pytest.raises(UsageError, match="must start with http"):
        OpenAIGenerator("127.0.0.1:8000", "m", BFS)
