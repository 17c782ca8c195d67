"""Shared fixtures: real data location, isolated caches, offline hub."""

from __future__ import annotations

import os
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


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The real data folder; tests that need it skip (with the reason) when it is absent."""
    if not (DATA_DIR / "minif2f-mathlib4-traced" / "random" / "val.json").is_file():
        pytest.skip(f"real LeanDojo data not found in {DATA_DIR} (set TACGEN_DATA_DIR)")
    return DATA_DIR
