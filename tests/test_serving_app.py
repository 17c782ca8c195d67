"""Each endpoint of the server, in process with a fake generator: the answer for a known
generator, and what reaches the generator (queries, samples, options, batches).

``test_serving.py`` drives a real server with a trained model in a subprocess, where a
mutation tool cannot see which test reaches which function; these tests are the ones
``scripts/mutation.sh serving/app.py`` runs (with ``test_api_rules.py``).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from tacgen.core.records import Query
from tacgen.generator.options import Candidates, GenerationOptions
from tacgen.serving.app import create_app
from test_api_rules import FakeGenerator

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

QUERY = {
    "state": "⊢ p",
    "file_path": "Mathlib/P.lean",
    "full_name": "P.p",
    "position": [4, 2],
    "imports": ["Mathlib", "Mathlib.Logic"],
}
EXPECTED = Query("⊢ p", "Mathlib/P.lean", "P.p", (4, 2), ("Mathlib", "Mathlib.Logic"))


class Recording(FakeGenerator):
    """The fake generator, keeping each call's queries, samples and options; it scores a
    tactic by minus its length."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[tuple[list[Query], int, GenerationOptions | None]] = []
        self.scored: list[tuple[list[Query], list[list[str]]]] = []

    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: GenerationOptions | None = None
    ) -> list[Candidates]:
        self.asked.append((list(queries), num_samples, options))
        return super().generate_queries(queries, num_samples, options)

    def score_queries(
        self, queries: Sequence[Query], tactics: Sequence[Sequence[str]]
    ) -> list[list[float]]:
        self.scored.append((list(queries), [list(t) for t in tactics]))
        return [[-float(len(t)) for t in ts] for ts in tactics]


@pytest.fixture
def fake() -> Recording:
    return Recording()


@contextmanager
def serve(fake: Recording, **settings: Any) -> Iterator[TestClient]:
    app = create_app(fake, "the.ckpt", **settings)  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(fake: Recording) -> Iterator[TestClient]:
    with serve(fake, num_samples=4, max_batch_size=16, max_wait_ms=1) as test_client:
        yield test_client


def test_copilot_generate(client: TestClient, fake: Recording) -> None:
    response = client.post("/generate", json={"name": "any", "input": "⊢ p", "prefix": "si"})
    assert response.json() == {"outputs": [{"output": "simp", "score": math.exp(-0.5)}]}
    assert fake.asked == [([Query("⊢ p")], 4, GenerationOptions(prefix="si"))]
    client.post("/generate", json={"name": "any", "input": "⊢ p", "prefix": None})
    assert fake.asked[-1][2] == GenerationOptions()  # no prefix


def test_v1_generate_passes_each_querys_samples_options_and_place(
    client: TestClient, fake: Recording
) -> None:
    sampled = {**QUERY, "num_samples": 3, "mode": "sample", "seed": 5, "banned_tactics": ["x"]}
    response = client.post("/v1/generate", json=[sampled])
    assert response.json() == [[{"tactic": "simp", "log_prob": -0.5}]]
    options = GenerationOptions(mode="sample", seed=5, banned_tactics=frozenset({"x"}))
    assert fake.asked == [([EXPECTED], 3, options)]


def test_v1_score_passes_the_queries_and_their_tactics(client: TestClient, fake: Recording) -> None:
    other = {"state": "⊢ q", "tactics": []}
    response = client.post("/v1/score", json=[{**QUERY, "tactics": ["rfl", "simp"]}, other])
    assert response.json() == [[-3.0, -4.0], []]
    assert fake.scored == [([EXPECTED, Query("⊢ q")], [["rfl", "simp"], []])]


def test_health_and_the_documents_title(client: TestClient) -> None:
    client.post("/v1/generate", json=[{"state": "⊢ p"}])
    assert client.get("/health").json() == {
        "status": "ok", "model": "the.ckpt", "backend": "fake", "device": "cpu",
        "retriever": False, "max_batch_size": 16, "max_wait_ms": 1.0, "batches": 1,
    }  # fmt: skip
    assert client.get("/openapi.json").json()["info"]["title"] == "tacgen"


def test_the_defaults_of_create_app(fake: Recording) -> None:
    with serve(fake) as client:
        health = client.get("/health").json()
        assert (health["max_batch_size"], health["max_wait_ms"]) == (16, 5.0)
        client.post("/generate", json={"name": "m", "input": "⊢ p"})
        assert fake.asked[0][1] == 32  # Lean Copilot's beams


def test_a_batch_holds_at_most_max_batch_size_queries(fake: Recording) -> None:
    with serve(fake, max_batch_size=2, max_wait_ms=0) as client:
        states = [f"⊢ p{i}" for i in range(5)]
        response = client.post("/v1/generate", json=[{"state": s} for s in states])
        assert response.status_code == 200
    assert sorted(len(call) for call in fake.calls) == [1, 2, 2]
    assert sorted(s for call in fake.calls for s in call) == states


def test_a_query_waits_max_wait_ms_for_company(fake: Recording) -> None:
    """A lone query waits (here up to a minute) for a second one to share its batch."""
    with serve(fake, max_batch_size=2, max_wait_ms=60_000) as client:
        statuses: list[int] = []

        def ask(state: str) -> None:
            statuses.append(client.post("/v1/generate", json=[{"state": state}]).status_code)

        first = threading.Thread(target=ask, args=("⊢ a",))
        first.start()
        time.sleep(0.5)  # not a timing: the first query is waiting, however slow the machine
        ask("⊢ b")
        first.join(timeout=120)
    assert statuses == [200, 200] and fake.calls == [["⊢ a", "⊢ b"]]


def test_encode_answers_the_retrievers_embedding(fake: Recording) -> None:
    class Retriever:
        def encode_states(self, states: list[str]) -> Any:
            import numpy as np

            return np.array([[float(len(s)), 0.5] for s in states])

    fake.retriever = Retriever()  # type: ignore[assignment]
    with serve(fake) as client:
        response = client.post("/encode", json={"name": "m", "input": "⊢ pq"})
        assert response.json() == {"outputs": [4.0, 0.5]}
        assert client.get("/health").json()["retriever"] is True


def test_nan_and_infinity_are_refused_as_not_finite(client: TestClient, fake: Recording) -> None:
    headers = {"content-type": "application/json"}
    for field in ("temperature", "top_p"):
        for value in ("NaN", "Infinity", "-Infinity"):
            body = f'[{{"state": "⊢ p", "mode": "sample", "{field}": {value}}}]'
            response = client.post("/v1/generate", content=body.encode(), headers=headers)
            assert response.status_code == 422
            (error,) = response.json()["detail"]
            assert (error["loc"][-1], error["type"]) == (field, "finite_number"), error
    assert fake.calls == []


def test_encode_without_a_dense_retriever_is_a_404(fake: Recording) -> None:
    fake.retriever = object()  # type: ignore[assignment]  # a retriever that cannot encode (BM25)
    with serve(fake) as client:
        response = client.post("/encode", json={"name": "m", "input": "⊢ p"})
    assert response.status_code == 404 and "retriever" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/v1/generate", "/v1/score"])
def test_a_request_holds_1_to_1024_queries(client: TestClient, fake: Recording, path: str) -> None:
    query = {"state": "⊢ p", "tactics": ["simp"]} if path == "/v1/score" else {"state": "⊢ p"}
    assert client.post(path, json=[]).status_code == 422
    assert client.post(path, json=[query] * 1025).status_code == 422
    assert fake.calls == fake.scored == []
    assert client.post(path, json=[query] * 1024).status_code == 200


def test_query_fields_defaults_and_refusals(client: TestClient, fake: Recording) -> None:
    assert client.post("/v1/generate", json=[{"state": "⊢ p"}]).status_code == 200
    assert fake.asked == [([Query("⊢ p")], 32, GenerationOptions())]  # the defaults
    refused = [
        ("/v1/generate", {"state": "⊢ p", "num_beams": 4}, "extra_forbidden"),  # a typo
        ("/v1/score", {"state": "⊢ p", "tactics": [], "mode": "beam"}, "extra_forbidden"),
        ("/v1/generate", {"state": "⊢ p", "position": [-1, 0]}, "greater_than_equal"),
        ("/v1/score", {"state": "⊢ p", "tactics": ["simp"] * 1025}, "too_long"),
    ]
    for path, query, kind in refused:
        response = client.post(path, json=[query])
        assert response.status_code == 422
        assert [e["type"] for e in response.json()["detail"]] == [kind], response.text
    ok = {"state": "⊢ p", "tactics": ["simp"] * 1024}
    assert client.post("/v1/score", json=[ok]).status_code == 200
