"""Shared fixtures: real data location, isolated caches, offline hub."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

# Tiny models on a shared 2-core machine run many times faster on one thread.
torch.set_num_threads(1)


os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("TACGEN_DATA_DIR", REPO.parent / "shared" / "data")).resolve()
"""Real LeanDojo-format data; ``$TACGEN_DATA_DIR`` overrides ``../shared/data``."""
FIXTURES = REPO / "tests" / "fixtures"
DEMO_DATA = REPO / "src" / "tacgen" / "demo_data"


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test gets its own split cache, never the user's."""
    monkeypatch.setenv("TACGEN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(autouse=True)
def _no_log_handler_on_a_closed_stream() -> None:
    """Libraries that give a logger a ``StreamHandler()`` at import (transformers'
    continuous batching does) bind the ``sys.stderr`` of that moment. Imported first inside
    a test that captures output, that stream is closed after the test, and every later
    record prints "--- Logging error ---" and a traceback into another test's stderr, which
    the one-line error checks then see. Such handlers are pointed at the current stream."""
    loggers = [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
    for logger in loggers:
        for handler in logger.handlers:
            stream = getattr(handler, "stream", None)
            if type(handler) is logging.StreamHandler and getattr(stream, "closed", False):
                handler.stream = sys.stderr  # not setStream: it flushes the closed one


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real data folder; tests that need it skip (with the reason) when it is absent."""
    if not (DATA_DIR / "minif2f-mathlib4-traced" / "random" / "val.json").is_file():
        pytest.skip(f"real LeanDojo data not found in {DATA_DIR} (set TACGEN_DATA_DIR)")
    return DATA_DIR


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder shared by every pytest-xdist worker of this run (the run's base temp)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    shared = root / "shared"
    shared.mkdir(exist_ok=True)
    return shared


def build_once(path: Path, build: Callable[[Path], object]) -> Path:
    """``path``, built by ``build(path)`` by whichever worker asks first; the others wait
    for it (a file lock) and reuse it. What is built is treated as read-only."""
    from filelock import FileLock

    with FileLock(str(path) + ".lock"):
        if not path.exists():
            partial = path.with_name(path.name + ".partial")
            build(partial)
            partial.rename(path)
    return path


@pytest.fixture(scope="session")
def tiny_checkpoint(run_dir: Path) -> Path:
    """The model fixtures' minuscule T5, trained once per run (``train_checkpoint``)."""
    from model_fixtures import train_checkpoint

    return build_once(run_dir / "tiny.ckpt", train_checkpoint)


@pytest.fixture(scope="session")
def prover_checkpoint(run_dir: Path) -> Path:
    """A minuscule generator that memorised the tiny split's traced tactics (proof search)."""
    from model_fixtures import train_checkpoint
    from tacgen.prover.theorems import load_theorems

    train = FIXTURES / "tiny" / "train.json"
    pairs = [(s.state_before, s.tactic) for t in load_theorems(train) for s in t.traced]
    return build_once(
        run_dir / "prover.ckpt",
        lambda path: train_checkpoint(path, pairs, steps=300, lr=5e-3, max_output_length=48),
    )


@pytest.fixture(scope="session")
def causal_checkpoint(run_dir: Path) -> Path:
    """A minuscule Qwen2 (``CausalGenerator``, ``bfs`` template) that memorised the model
    fixtures' pairs and the tiny split's traced tactics (``causal_pairs``)."""
    from causal_module_fixtures import causal_pairs, train_causal

    return build_once(
        run_dir / "causal.ckpt", lambda path: train_causal(path, causal_pairs(), steps=120)
    )


@pytest.fixture(scope="session")
def causal_export(run_dir: Path, causal_checkpoint: Path) -> Path:
    """``causal_checkpoint`` exported as a transformers directory (``tacgen export``)."""
    from tacgen.cli import main

    def export(path: Path) -> None:
        assert main(["export", "--ckpt", str(causal_checkpoint), "--out", str(path)]) == 0

    return build_once(run_dir / "causal-hf", export)


@pytest.fixture(scope="session")
def tiny_ct2_cache(run_dir: Path, tiny_checkpoint: Path) -> Path:
    """A ``TACGEN_CACHE_DIR`` holding the CTranslate2 conversion of ``tiny_checkpoint``."""
    from tacgen.generator.ct2 import cached_ct2_dir

    def convert(path: Path) -> None:
        path.mkdir()
        cached_ct2_dir(tiny_checkpoint, path)

    return build_once(run_dir / "ct2-cache", convert)


@pytest.fixture(scope="session")
def mini_causal_dir(run_dir: Path) -> Path:
    """A small Qwen2 trained briefly on the model fixtures' pairs with the ``bfs`` template,
    saved as a transformers directory with its tokenizer (``train_causal_dir``)."""
    from causal_fixtures import train_causal_dir
    from tacgen.generator.templates import TEMPLATES

    return build_once(
        run_dir / "mini-causal", lambda path: train_causal_dir(path, TEMPLATES["bfs"])
    )
