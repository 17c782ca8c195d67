"""``tacgen serve``: a real uvicorn server on a free loopback port, driven over HTTP.

Lean Copilot's exact curl request, tacgen's /v1/generate and RemoteGenerator, validation
errors, concurrency and a graceful SIGTERM. Every server is a subprocess stopped at the end.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from model_fixtures import PAIRS, assert_same_candidates
from server_fixtures import request, running_server
from tacgen.core.errors import TacgenError
from tacgen.generator.inference import load_generator
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.options import GenerationOptions
from tacgen.serving.remote import RemoteGenerator, ServerError

STATES = [state for state, _ in PAIRS]


@pytest.fixture(scope="module")
def checkpoint(tiny_checkpoint: Path) -> Path:
    return tiny_checkpoint


@pytest.fixture(scope="module")
def server(checkpoint: Path) -> Iterator[str]:
    with running_server(checkpoint, "--num-samples", "4", "--max-wait-ms", "20") as (url, _):
        yield url


def test_lean_copilots_exact_curl_request(server: str) -> None:
    port = server.rsplit(":", 1)[1]
    body = json.dumps({"name": "kaiyuy/leandojo-lean4-tacgen-byt5-small", "input": STATES[0]})
    for payload in (body, body[:-1] + ', "prefix": ""}', body[:-1] + ', "prefix": null}'):
        out = subprocess.run(
            ["curl", "-sS", "-X", "POST", f"http://localhost:{port}/generate",
             "-H", "accept: application/json", "-H", "Content-Type: application/json",
             "-d", payload],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        outputs = json.loads(out.stdout)["outputs"]
        assert 1 <= len(outputs) <= 4
        scores = [o["score"] for o in outputs]
        assert all(0.0 <= s <= 1.0 for s in scores) and scores == sorted(scores, reverse=True)
        assert len({o["output"] for o in outputs}) == len(outputs)
    status, answer = request(server + "/generate", {"name": "x", "input": STATES[0], "prefix": "s"})
    assert status == 200 and all(o["output"].startswith("s") for o in answer["outputs"])


def test_v1_generate_matches_the_local_generator(server: str, checkpoint: Path) -> None:
    local = load_generator(checkpoint, device="cpu")
    queries = [{"state": s, "num_samples": 3} for s in STATES]
    status, answer = request(server + "/v1/generate", queries)
    assert status == 200 and len(answer) == len(STATES)
    for state, ranked in zip(STATES, answer):
        expected = local.generate(state, "", "", (0, 0), 3)
        # The server decodes the queries as one batch: the same answer up to float noise.
        assert_same_candidates([(r["tactic"], r["log_prob"]) for r in ranked], expected, 1e-4)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/generate", {"input": "⊢ True"}, "name"),
        ("/generate", {"name": "m", "input": 3}, "input"),
        ("/v1/generate", [{"num_samples": 2}], "state"),
        ("/v1/generate", [{"state": "⊢ True", "num_samples": 513}], "num_samples"),
        ("/v1/generate", [{"state": "⊢ True", "position": [-1, 0]}], "position"),
        ("/v1/generate", [{"state": "⊢ True", "mode": "greedy"}], "mode"),
        ("/v1/generate", [], "body"),
        ("/v1/generate", {"state": "⊢ True"}, "body"),
        ("/v1/score", [{"state": "⊢ True"}], "tactics"),
        ("/v1/score", [{"state": "⊢ True", "tactics": "simp"}], "tactics"),
        ("/v1/score", [{"state": "⊢ True", "tactics": ["simp"] * 1025}], "tactics"),
        ("/v1/score", [], "body"),
    ],
)
def test_bad_requests_get_422_naming_the_field(
    server: str, path: str, body: Any, field: str
) -> None:
    status, answer = request(server + path, body)
    assert status == 422, answer
    assert field in json.dumps(answer["detail"]), answer


def test_invalid_json_and_errors_do_not_crash_the_server(server: str) -> None:
    status, answer = request(server + "/generate", raw=b'{"name": "m", "input": ')
    assert status == 422 and "json" in json.dumps(answer).lower()
    long_prefix = "x" * 100  # over max_output_length (24): no tactic within budget has it
    status, answer = request(server + "/v1/generate", [{"state": "⊢ True", "prefix": long_prefix}])
    assert (status, answer) == (200, [[]])
    status, answer = request(server + "/encode", {"name": "m", "input": "⊢ True"})
    assert status == 404 and "retriever" in answer["detail"]
    assert request(server + "/health", method="GET")[0] == 200


def test_a_state_without_utf8_form_is_a_422_not_a_500(server: str) -> None:
    """JSON may spell a lone surrogate ("\\ud800"); the byte-level model cannot read it, and
    an answer that quoted it could not be written as UTF-8."""
    for path, raw in (
        ("/generate", b'{"name": "m", "input": "\\ud800"}'),
        ("/v1/generate", b'[{"state": "x \\udfff"}]'),
        ("/v1/generate", b'[{"state": "x", "prefix": "\\ud800"}]'),
        ("/v1/score", b'[{"state": "x", "tactics": ["simp \\udfff"]}]'),
    ):
        status, answer = request(server + path, raw=raw)
        assert status == 422 and "unicode" in json.dumps(answer).lower(), answer
    status, answer = request(server + "/generate", raw=b'{"input": "\\ud800"}')  # no name
    assert status == 422 and "name" in json.dumps(answer["detail"]), answer


def test_validation_errors_do_not_echo_the_request(server: str) -> None:
    """FastAPI's default 422 quotes each bad input back: megabytes for a large state."""
    status, answer = request(server + "/generate", {"input": "x" * 1_000_000})  # no name
    assert status == 422
    assert len(json.dumps(answer)) < 1000 and all("input" not in e for e in answer["detail"])


def test_over_budget_input_is_truncated_not_refused(server: str) -> None:
    status, answer = request(server + "/v1/generate", [{"state": "⊢ " + "x" * 10_000}])
    assert status == 200 and len(answer) == 1


def test_health_reports_model_backend_device(server: str, checkpoint: Path) -> None:
    status, health = request(server + "/health", method="GET")
    assert status == 200
    assert (health["model"], health["backend"], health["device"]) == (
        str(checkpoint),
        "torch",
        "cpu",
    )


@pytest.mark.parametrize(
    "clients", [24, pytest.param(200, marks=pytest.mark.slow)], ids=["24", "200-load"]
)
def test_concurrent_requests_all_answered(server: str, clients: int) -> None:
    results: list[int] = []
    lock = threading.Lock()
    before = request(server + "/health", method="GET")[1]["batches"]

    start = threading.Barrier(clients)

    def client(i: int) -> None:
        start.wait(timeout=120)  # every client sends at once, however loaded the machine
        status, _ = request(server + "/generate", {"name": "m", "input": STATES[i % len(STATES)]})
        with lock:
            results.append(status)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert results.count(200) == clients, results
    _, health = request(server + "/health", method="GET")
    # Concurrent requests shared decoding batches: fewer batches than requests.
    assert health["batches"] - before < clients


def test_sigterm_lets_requests_in_flight_finish(checkpoint: Path) -> None:
    with running_server(checkpoint, "--max-wait-ms", "0") as (url, process):
        answers: list[Any] = []
        queries = [{"state": s, "num_samples": 64} for s in STATES * 8]
        worker = threading.Thread(
            target=lambda: answers.append(request(url + "/v1/generate", queries))
        )
        before = request(url + "/health", method="GET")[1]["batches"]
        worker.start()
        deadline = time.monotonic() + 120  # not a timing: a bound on a hung server
        while request(url + "/health", method="GET")[1]["batches"] == before:
            assert time.monotonic() < deadline, "the request never reached the decoder"
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)  # the request is being decoded now
        worker.join(timeout=120)
        # uvicorn re-raises the signal once it has shut down gracefully.
        assert process.wait(timeout=60) in (0, -signal.SIGTERM)
    assert answers and answers[0][0] == 200 and len(answers[0][1]) == len(queries)


# ------------------------------------------------------------ the TacticGenerator contract


@pytest.fixture(params=["local", "remote"])
def any_generator(request: pytest.FixtureRequest, server: str, checkpoint: Path) -> TacticGenerator:
    if request.param == "remote":
        return RemoteGenerator(server)
    return load_generator(checkpoint, device="cpu")


def test_tactic_generator_contract(any_generator: TacticGenerator) -> None:
    """What proof search relies on, for the local and the remote generator alike."""
    generator = any_generator
    single = generator.generate(STATES[0], "F.lean", "t", (1, 1), 4)
    batch = generator.batch_generate(STATES[:2], ["F.lean"] * 2, ["t"] * 2, [(1, 1)] * 2, 4)
    assert [t for t, _ in batch[0]] == [t for t, _ in single] and len(batch) == 2
    assert [s for _, s in batch[0]] == pytest.approx([s for _, s in single], abs=1e-4)  # padding
    for ranked in batch:
        assert 1 <= len(ranked) <= 4
        assert len({t for t, _ in ranked}) == len(ranked)
        scores = [s for _, s in ranked]
        assert scores == sorted(scores, reverse=True) and all(s <= 0 for s in scores)
    assert generator.batch_generate([], [], [], [], 4) == []
    # Scoring given tactics (a tactic library): the beams' own scores, one definition.
    tactics = [t for t, _ in single]
    assert generator.score(STATES[0], tactics) == pytest.approx([s for _, s in single], abs=1e-3)
    assert generator.score_queries([], []) == []
    prefixed = generator.generate(STATES[0], "", "", (0, 0), 3, GenerationOptions(prefix="s"))
    assert prefixed and all(t.startswith("s") for t, _ in prefixed)
    banned = GenerationOptions(banned_tactics=frozenset({single[0][0].split()[0]}))
    assert single[0] not in generator.generate(STATES[0], "F.lean", "t", (1, 1), 4, banned)
    seeded = GenerationOptions(mode="sample", seed=5, top_k=20)
    assert generator.generate(STATES[1], "", "", (0, 0), 4, seeded) == generator.generate(
        STATES[1], "", "", (0, 0), 4, seeded
    )
    with pytest.raises(ValueError, match="num_samples"):
        generator.generate(STATES[0], "", "", (0, 0), 0)
    too_long = GenerationOptions(prefix="x" * 100)  # no tactic within the budget has it
    assert generator.generate(STATES[0], "", "", (0, 0), 2, too_long) == []
    with pytest.raises(TacgenError, match=r"empty|at least 1 character"):
        generator.generate("", "", "", (0, 0), 2)


def test_unreachable_server_is_one_clear_error() -> None:
    from server_fixtures import free_port

    remote = RemoteGenerator(f"http://127.0.0.1:{free_port()}", timeout=5)
    with pytest.raises(ServerError, match="cannot reach the tactic server"):
        remote.generate(STATES[0], "", "", (0, 0), 2)


def test_encode_with_a_dense_retriever(checkpoint: Path, tmp_path: Path) -> None:
    """/encode answers the retriever's embedding of the input (Lean Copilot's encoder API)."""
    import torch

    from tacgen.retrieval.dense import PremiseRetriever
    from test_retrieval_datamodule import write_synthetic

    corpus, _ = write_synthetic(tmp_path)
    minuscule = Path(__file__).resolve().parent / "fixtures" / "configs" / "minuscule_t5.json"
    torch.manual_seed(0)
    retriever = PremiseRetriever(str(minuscule), corpus_path=str(corpus))
    ckpt = tmp_path / "retriever.ckpt"
    torch.save(
        {
            "state_dict": retriever.state_dict(),
            "hyper_parameters": dict(retriever.hparams),
            "t5_encoder_config": retriever.encoder.config.to_dict(),
        },
        ckpt,
    )
    expected = retriever.eval().encode_states(["⊢ True"])[0].tolist()
    with running_server(checkpoint, "--retriever-ckpt", str(ckpt)) as (url, _):
        status, answer = request(url + "/encode", {"name": "m", "input": "⊢ True"})
        assert status == 200 and answer["outputs"] == pytest.approx(expected, abs=1e-5)
        # Lean Copilot's queries carry no file: no premises, still answered.
        status, answer = request(url + "/generate", {"name": "m", "input": "⊢ True"})
        assert status == 200 and answer["outputs"]
        assert request(url + "/health", method="GET")[1]["retriever"] is True
