"""A real API fuzzer against a real ``tacgen serve``, once per backend.

schemathesis reads the server's OpenAPI document, sends schema-valid and schema-breaking
requests with a fixed seed, and runs every check (``--checks all``): no 500, every status
and body documented, invalid data refused, valid data accepted. The fast tier sends a few
examples per operation; the slow tier more, with the boundary (coverage) phase as well.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from server_fixtures import running_server

pytest.importorskip("schemathesis")

SERVERS = {
    "torch": ("--backend", "torch"),
    "ct2": ("--backend", "ct2", "--compute-type", "float32"),
}


@pytest.fixture(scope="module", params=list(SERVERS))
def fuzzed_server(
    request: pytest.FixtureRequest, tiny_checkpoint: Path, tiny_ct2_cache: Path
) -> Iterator[str]:
    backend = request.param
    if backend == "ct2":
        pytest.importorskip("ctranslate2")
    extra = SERVERS[backend]
    with running_server(tiny_checkpoint, *extra, "--num-samples", "4", cache=tiny_ct2_cache) as (
        url,
        _,
    ):
        yield url


def run_schemathesis(
    url: str, examples: int, phases: str, workdir: Path, timeout: int = 120
) -> subprocess.CompletedProcess[str]:
    """``schemathesis run`` with every check, a fixed seed and no example database, in a
    fresh folder (it keeps the failures it found under ``./.schemathesis`` and replays
    them first on the next run: not what a reproducible test wants)."""
    command = [
        sys.executable, "-c", "from schemathesis.cli import schemathesis; schemathesis()",
        "run", f"{url}/openapi.json", "--checks", "all", "--seed", "21",
        "--max-examples", str(examples), "--phases", phases, "--workers", "1",
        "--generation-database", "none", "--request-timeout", str(timeout),
        "--max-response-time", str(timeout),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=3600, cwd=workdir)


def test_fuzzer_finds_nothing(fuzzed_server: str, tmp_path: Path) -> None:
    result = run_schemathesis(fuzzed_server, 5, "fuzzing", tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " 0 generated" not in result.stdout


@pytest.mark.slow
def test_fuzzer_finds_nothing_with_more_examples_and_boundaries(
    fuzzed_server: str, tmp_path: Path
) -> None:
    # The boundary phase sends 1024 queries in one request: minutes for torch on a busy CPU.
    result = run_schemathesis(fuzzed_server, 60, "coverage,fuzzing", tmp_path, timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
