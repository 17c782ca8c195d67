"""The server's rules, in process: one definition of every option's range for the Python API,
the CLI and the schema; documented statuses; 500s without exception text; one failing query
failing alone. Regression tests of the findings of a schemathesis run (issue 21).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from tacgen.cli import main
from tacgen.core.errors import TacgenError, UsageError
from tacgen.core.records import Query
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.options import BOUNDS, MAX_SEED, Candidates, GenerationOptions
from tacgen.serving.app import create_app
from tacgen.serving.schemas import TacticQuery

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

BOOM = "⊢ boom"
"""A state the fake generator fails on, inside decoding."""


class FakeBackend:
    name = "fake"
    device = "cpu"


class FakeGenerator(TacticGenerator):
    """Answers ``simp`` to every state but :data:`BOOM`; records each decoding call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.backend = FakeBackend()
        self.retriever = None

    def generate_queries(
        self, queries: Sequence[Query], num_samples: int, options: GenerationOptions | None = None
    ) -> list[Candidates]:
        self.calls.append([q.state for q in queries])
        if any(q.state == BOOM for q in queries):
            raise RuntimeError("secret internals: /home/user/model.bin at 0xdeadbeef")
        return [[("simp", -0.5)] for _ in queries]


@pytest.fixture
def fake() -> FakeGenerator:
    return FakeGenerator()


@pytest.fixture
def client(fake: FakeGenerator) -> Iterator[TestClient]:
    app = create_app(fake, "fake", num_samples=4, max_batch_size=16, max_wait_ms=300)  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


# ---------------------------------------------------------------- one definition, strict


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seed", -5),  # the fuzzer's 500 on ct2 (set_random_seed takes no negative)
        ("seed", MAX_SEED),
        ("seed", "4"),
        ("seed", 2.5),
        ("exclude_theorem_name", 0),  # the fuzzer's schema-violating request accepted
        ("exclude_theorem_name", "true"),
        ("num_samples", "4"),
        ("num_samples", 513),
        ("num_samples", True),
        ("temperature", 0),
        ("temperature", 1e300),
        ("temperature", "1"),
        ("top_p", 0),
        ("top_p", 1.5),
        ("top_k", -1),
        ("top_k", 2.5),
        ("position", [0, False]),
        ("prefix", 5),
        ("banned_tactics", [1]),
    ],
)
def test_the_schema_refuses_what_the_api_refuses(
    client: TestClient, fake: FakeGenerator, field: str, value: Any
) -> None:
    response = client.post("/v1/generate", json=[{"state": "⊢ True", field: value}])
    assert response.status_code == 422, response.text
    assert field in response.text
    assert not fake.calls  # refused before decoding
    if field in ("position", "num_samples"):
        return
    with pytest.raises(TacgenError):
        GenerationOptions(**{field: value})


@pytest.mark.parametrize("name", ["temperature", "top_k", "top_p", "seed", "num_samples"])
def test_schema_ranges_are_the_bounds(name: str) -> None:
    """The OpenAPI document states the ranges of ``BOUNDS``: no copy to drift."""
    schema = TacticQuery.model_json_schema()["properties"][name]
    schema = next(s for s in schema.get("anyOf", [schema]) if s.get("type") != "null")
    bounds = BOUNDS[name]
    assert schema["type"] == ("integer" if bounds.kind is int else "number")
    low = "exclusiveMinimum" if bounds.low_open else "minimum"
    assert schema[low] == bounds.low
    if bounds.high is not None:
        assert schema["exclusiveMaximum" if bounds.high_open else "maximum"] == bounds.high


def test_values_at_the_bounds_are_accepted(client: TestClient) -> None:
    query = {"state": "⊢ True", "mode": "sample", "seed": MAX_SEED - 1, "temperature": 100}
    extremes = [query, {**query, "seed": 0, "temperature": 0.01, "top_p": 5e-324, "top_k": 10**30}]
    extremes.append({"state": "⊢ True", "num_samples": 512.0, "position": [3.0, 0]})  # ints
    response = client.post("/v1/generate", json=extremes)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("flags", "fragment"),
    [
        (["--seed", "-5"], "seed must be in [0, 2147483648)"),
        (["--temperature", "nan"], "temperature must be in [0.01, 100]"),
        (["--top-p", "0"], "top_p must be in (0, 1]"),
        (["--num-samples", "0"], "--num-samples must be in [1, 512], got 0"),
    ],
)
def test_the_cli_refuses_by_the_same_rule(
    capsys: pytest.CaptureFixture[str], flags: list[str], fragment: str
) -> None:
    status = main(["generate", "--ckpt", "missing.ckpt", "--state", "⊢ True", *flags])
    err = capsys.readouterr().err
    assert status == 2 and fragment in err and "Traceback" not in err, err


def test_python_api_refuses_non_strict_values() -> None:
    with pytest.raises(UsageError, match="exclude_theorem_name must be a bool"):
        GenerationOptions(exclude_theorem_name=1)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="seed must be an int"):
        GenerationOptions(seed=True)
    with pytest.raises(UsageError, match="temperature must be in"):
        GenerationOptions(temperature=float("inf"))
    with pytest.raises(TacgenError, match="prefix is not valid Unicode"):
        GenerationOptions(prefix="\ud800")


# ------------------------------------------------------------------- documented statuses


def test_every_status_is_documented(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    expected = {
        "/generate": {"200", "400", "422", "500"},
        "/v1/generate": {"200", "400", "422", "500"},
        "/v1/score": {"200", "400", "422", "500"},
        "/encode": {"200", "400", "404", "422", "500"},
    }
    for path, statuses in expected.items():
        responses = paths[path]["post"]["responses"]
        assert set(responses) == statuses, (path, set(responses))
        assert all("schema" in r["content"]["application/json"] for r in responses.values())
    # And the server gives them: 400 for a body that is not UTF-8, 404 without a retriever.
    for path in ("/generate", "/v1/generate", "/v1/score"):
        headers = {"content-type": "application/json"}
        response = client.post(path, content=b'["\xff"]', headers=headers)
        assert response.status_code == 400, (path, response.text)
    assert client.post("/encode", json={"name": "m", "input": "x"}).status_code == 404


# --------------------------------------------------------------------- 500s and batching


def test_a_500_names_a_request_id_not_the_exception(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="tacgen.serving"):
        response = client.post("/v1/generate", json=[{"state": BOOM}])
    assert response.status_code == 500
    body = response.json()
    assert "secret" not in response.text and "RuntimeError" not in response.text
    assert body["request_id"] in body["detail"]
    (record,) = [r for r in caplog.records if body["request_id"] in r.getMessage()]
    assert record.exc_info is not None and "secret internals" in str(record.exc_info[1])


def test_one_failing_query_does_not_fail_its_batch(client: TestClient, fake: FakeGenerator) -> None:
    states = ["⊢ a", "⊢ b", BOOM, "⊢ c"]
    statuses: dict[str, int] = {}

    def ask(state: str) -> None:
        statuses[state] = client.post("/v1/generate", json=[{"state": state}]).status_code

    threads = [threading.Thread(target=ask, args=(s,)) for s in states]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == {"⊢ a": 200, "⊢ b": 200, BOOM: 500, "⊢ c": 200}
    assert any(BOOM in call and len(call) > 1 for call in fake.calls)  # they shared a batch
