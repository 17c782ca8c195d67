"""Calibrating the ANN index at build time: the smallest ``nprobe`` reaching the recall
target (more on unclustered embeddings), stored in the file and used on load unless
overridden, old files without it still load, and a one-line warning (and the exact search)
when the index cannot reach the target or is no faster than the exact search."""

from __future__ import annotations

import json
import struct
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest
import torch

from tacgen.cli import main
from tacgen.data.corpus import AccessibleSet, Corpus
from tacgen.retrieval import calibrate as calibration_module
from tacgen.retrieval.ann import (
    ANN_FORMAT,
    AnnSettings,
    AnnStamp,
    Calibration,
    build_ann,
    load_ann,
    read_calibration,
)
from tacgen.retrieval.calibrate import (
    CalibrationSettings,
    calibrate,
    nprobe_ladder,
    prefers_exact,
    proxy_queries,
    recall_at,
    write_calibrated_ann,
)
from tacgen.retrieval.exact import ExactSearcher
from tacgen.retrieval.loading import load_retriever
from tacgen.retrieval.searcher import AccessibleSearch
from test_indexing import checkpoint  # noqa: F401 - a fixture
from test_searchers import PER_FILE, brute_force, unit, write_corpus

FILES, DIM = 25, 32
"""1000 premises; file i imports all earlier ones."""
STAMP = AnnStamp("ab" * 32, FILES * PER_FILE, DIM, {"weights_sha256": "00"})
QUICK = CalibrationSettings(target_recall=0.95, queries=200, timing_queries=3)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return write_corpus(tmp_path_factory.mktemp("calibrate") / "corpus.jsonl", FILES)


def clustered() -> np.ndarray:
    """Premises of file i around the i-th axis: one k-means list per file."""
    e = np.repeat(np.eye(DIM, dtype=np.float32)[:FILES], PER_FILE, axis=0)
    e += 0.05 * unit(FILES * PER_FILE, DIM, 2)
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def test_calibration_scans_more_lists_on_unclustered_data(corpus: Corpus) -> None:
    chosen = {}
    for name, e in (("clustered", clustered()), ("isotropic", unit(FILES * PER_FILE, DIM, 7))):
        ann = build_ann(e, AnnSettings(nlist=FILES))
        found = calibrate(ann, e, corpus, QUICK)
        assert found.calibrated and found.queries == QUICK.queries, name
        assert found.reached and found.recall >= 0.95, name
        assert [p for p, _ in found.curve] == nprobe_ladder(FILES)[: len(found.curve)]
        assert all(r < 0.95 for _, r in found.curve[:-1]), name  # the smallest that reaches
        assert ann.settings.nprobe == found.nprobe == found.curve[-1][0]
        # The estimate is what the search returns, against an independent brute force.
        queries, allowed = proxy_queries(e, corpus, QUICK, 64)
        search = AccessibleSearch(ExactSearcher(torch.from_numpy(e)), ann)
        truth = brute_force(queries, e, allowed, 10)
        assert recall_at(search.search(queries, 10, allowed)[0], truth) == found.recall
        chosen[name] = found.nprobe
    assert chosen["clustered"] < chosen["isotropic"], chosen


def test_proxies_are_accessible_premises_asked_at_a_premise_position(corpus: Corpus) -> None:
    e = unit(FILES * PER_FILE, DIM, 3)
    queries, allowed = proxy_queries(e, corpus, replace(QUICK, mix=1, noise=0.0), 64)
    assert len(queries) == QUICK.queries and all(len(a) > 64 for a in allowed)
    used = [int(np.argmax(e @ q)) for q in queries]  # mix 1, noise 0: the premise itself
    np.testing.assert_allclose(queries, e[used], atol=1e-6)
    assert all(a.mask(np.array([u]))[0] for a, u in zip(allowed, used))
    noisy, _ = proxy_queries(e, corpus, QUICK, 64)  # three premises and as much noise
    assert np.allclose(np.linalg.norm(noisy, axis=1), 1.0, atol=1e-5)
    assert nprobe_ladder(1) == [1] and nprobe_ladder(25) == [1, 2, 4, 8, 16, 25]


def test_stored_nprobe_is_used_on_load_and_nprobe_overrides(corpus: Corpus, tmp_path: Path) -> None:
    e = unit(FILES * PER_FILE, DIM, 7)
    embeddings = tmp_path / "premises.safetensors"
    lists, target = AnnSettings(nlist=FILES), replace(QUICK, target_recall=0.9)
    path, found = write_calibrated_ann(embeddings, e, corpus, lists, STAMP, target)
    assert path == tmp_path / "premises.ann" and found.nprobe == 16  # 64 before calibration
    assert read_calibration(path, STAMP) == found
    assert load_ann(path, STAMP).settings.nprobe == found.nprobe
    assert load_ann(path, STAMP, nprobe=3).settings.nprobe == 3  # a search-time override
    fixed = replace(QUICK, nprobe=5)
    path, found = write_calibrated_ann(embeddings, e, corpus, lists, STAMP, fixed)
    assert (found.nprobe, found.calibrated, len(found.curve)) == (5, False, 1)
    assert load_ann(path, STAMP).settings.nprobe == 5 and not found.use_exact


def test_an_index_written_before_calibration_still_loads(tmp_path: Path) -> None:
    e = unit(FILES * PER_FILE, DIM, 4)
    settings = AnnSettings(nlist=FILES)  # nprobe 64, as every file then stored
    ann = build_ann(e, settings)
    header = json.dumps(
        {"settings": asdict(settings), **asdict(STAMP), "encoder": dict(STAMP.encoder)},
        sort_keys=True,
    ).encode()  # what issue 19's first version wrote: no "calibration"
    path = tmp_path / "old.ann"
    with path.open("wb") as out:
        out.write(ANN_FORMAT + struct.pack("<Q", len(header)) + header)
        ann.to_bytes().tofile(out)
    assert read_calibration(path, STAMP) is None and not prefers_exact(path, STAMP)
    loaded = load_ann(path, STAMP)
    assert loaded.settings.nprobe == 64
    q = unit(3, DIM, 5)
    assert np.array_equal(loaded.search(q, 4)[0], ann.search(q, 4)[0])


class Stub:
    """An approximate searcher that is wrong (the worst accessible premises) or slow."""

    exact = False

    def __init__(self, e: np.ndarray, wrong: bool, sleep_s: float = 0.0) -> None:
        self.e, self.wrong, self.sleep_s = e, wrong, sleep_s
        self.settings = AnnSettings(nlist=8)

    def search(
        self, queries: np.ndarray, k: int, allowed: Sequence[AccessibleSet] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        assert allowed is not None
        time.sleep(self.sleep_s)
        ids = brute_force(-queries if self.wrong else queries, self.e, allowed, k)  # (q, k)
        scores = np.einsum("qkd,qd->qk", self.e[ids], queries)  # what the query scores
        return ids, np.where(ids >= 0, scores, -np.inf).astype(np.float32)


def test_an_unreachable_target_warns_and_searches_exactly(corpus: Corpus) -> None:
    e = unit(FILES * PER_FILE, DIM, 6)
    missed = calibrate(Stub(e, wrong=True), e, corpus, QUICK)  # type: ignore[arg-type]
    assert (missed.nprobe, missed.reached, missed.use_exact) == (8, False, True)
    assert [p for p, _ in missed.curve] == [1, 2, 4, 8]  # up to nlist, in vain
    warning = missed.warning(8)
    assert warning is not None and "\n" not in warning
    assert warning.startswith("warning: even nprobe = nlist (8 of 8) reaches only Recall@10")
    assert "searches will be exact" in warning
    fixed = calibrate(Stub(e, wrong=True), e, corpus, replace(QUICK, nprobe=2))  # type: ignore[arg-type]
    assert not fixed.use_exact and "search with --exact" in (fixed.warning(8) or "")
    slow = calibrate(Stub(e, wrong=False, sleep_s=0.01), e, corpus, QUICK)  # type: ignore[arg-type]
    assert slow.reached and slow.nprobe == 1 and slow.use_exact
    assert "no faster than the exact search" in (slow.warning(8) or "")
    fine = Calibration(4, 0.995, 500, 0.99, 1.0, 60.0)
    assert fine.warning(1024) is None and not fine.use_exact


def test_index_command_prints_the_calibration_and_honours_it(
    checkpoint: tuple[Path, Path],  # noqa: F811 - the fixture
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "argv", ["tacgen"])
    ckpt, _ = checkpoint
    out = tmp_path / "premises.safetensors"
    assert main(["index", "--ckpt", str(ckpt), "--out", str(out)]) == 0
    printed = capsys.readouterr()
    # 14 premises: every search is exact at once, nothing to estimate, one list.
    summary = "ANN index: nlist 1, nprobe 1, estimated Recall@10 1.000 on 0 proxy queries"
    assert summary in printed.out and "warning" not in printed.err
    assert load_retriever(str(ckpt), index=str(out)).uses_ann
    missed = Calibration(1, 0.5, 100, 0.99, 1.0, 60.0, use_exact=True, curve=((1, 0.5),))
    monkeypatch.setattr(calibration_module, "calibrate", lambda *args: missed)
    assert main(["index", "--ckpt", str(ckpt), "--out", str(out), "--target-recall", "0.9"]) == 0
    err = [x for x in capsys.readouterr().err.splitlines() if x and "index:" not in x]  # no bar
    assert len(err) == 1 and err[0].startswith("warning: even nprobe = nlist (1 of 1)")
    assert not load_retriever(str(ckpt), index=str(out)).uses_ann  # the index said exact
    with pytest.raises(SystemExit, match="2"):
        main(["index", "--ckpt", str(ckpt), "--out", str(out), "--target-recall", "2"])
    assert "--target-recall: expected a number in (0, 1], got '2'" in capsys.readouterr().err
