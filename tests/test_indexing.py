"""Premise embedding files: round trip, refusal of another corpus/encoder/shape, atomic writes,
and the ``tacgen index`` / ``tacgen retrieve`` commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

import tacgen.retrieval.indexing as indexing
from tacgen.cli import main
from tacgen.retrieval.dense import PremiseRetriever
from tacgen.retrieval.indexing import IndexFileError, PremiseIndex, load_index, save_index
from test_dense import make_retriever
from test_retrieval_datamodule import write_synthetic

FINGERPRINT = "ab" * 32
ENCODER = {"model_name": "m", "max_seq_len": 64, "dim": 4, "weights_sha256": "00"}


def _index(rows: int = 5, dim: int = 4) -> PremiseIndex:
    embeddings = torch.nn.functional.normalize(torch.randn(rows, dim), dim=-1)
    return PremiseIndex(embeddings, FINGERPRINT, ENCODER)


def test_round_trip_keeps_rows_and_stamps(tmp_path: Path) -> None:
    index = _index()
    path = save_index(tmp_path / "sub" / "index.safetensors", index)
    loaded = load_index(path, FINGERPRINT, 5, 4, ENCODER)
    assert torch.equal(loaded.embeddings, index.embeddings)
    assert loaded.corpus_fingerprint == FINGERPRINT and dict(loaded.encoder) == ENCODER
    assert [p.name for p in path.parent.iterdir()] == ["index.safetensors"]  # no temp left


def test_another_corpus_shape_or_encoder_is_refused(tmp_path: Path) -> None:
    path = save_index(tmp_path / "index.safetensors", _index())
    with pytest.raises(IndexFileError, match=r"index\.safetensors: built from another corpus"):
        load_index(path, "cd" * 32, 5, 4)
    with pytest.raises(IndexFileError, match=r"shape \(5, 4\), expected \(6, 4\)"):
        load_index(path, FINGERPRINT, 6, 4)
    with pytest.raises(IndexFileError, match=r"expected \(5, 8\)"):
        load_index(path, FINGERPRINT, 5, 8)
    with pytest.raises(IndexFileError, match="another encoder"):
        load_index(path, FINGERPRINT, 5, 4, {**ENCODER, "weights_sha256": "11"})
    with pytest.raises(FileNotFoundError, match="embeddings file not found"):
        load_index(tmp_path / "none.safetensors", FINGERPRINT, 5)
    (tmp_path / "junk.safetensors").write_bytes(b"not safetensors at all")
    with pytest.raises(IndexFileError, match=r"junk\.safetensors: not a readable safetensors"):
        load_index(tmp_path / "junk.safetensors", FINGERPRINT, 5)
    from safetensors.torch import save_file

    save_file({"other": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(IndexFileError, match="not a premise index"):
        load_index(tmp_path / "other.safetensors", FINGERPRINT, 5)


def test_failed_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = save_index(tmp_path / "index.safetensors", _index())
    before = path.read_bytes()

    def broken(tensors: object, filename: str, metadata: object = None) -> None:
        Path(filename).write_bytes(b"half")
        raise OSError("disk full")

    import safetensors.torch

    monkeypatch.setattr(safetensors.torch, "save_file", broken)
    with pytest.raises(OSError, match="disk full"):
        save_index(path, _index(7))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["index.safetensors"]
    assert indexing.INDEX_FORMAT.startswith("tacgen-premise-index/")


def test_retriever_index_file_round_trip(tmp_path: Path) -> None:
    corpus, _ = write_synthetic(tmp_path)
    retriever = make_retriever(corpus).eval()
    with pytest.raises(ValueError, match="not indexed yet"):
        retriever.save_index(tmp_path / "i.safetensors")
    embeddings = retriever.index_corpus(batch_size=3)
    retriever.save_index(tmp_path / "i.safetensors")
    fresh = make_retriever(corpus).eval()
    fresh.load_index(tmp_path / "i.safetensors")
    state = "n : Nat\n⊢ n + 1 = 1 + n"
    assert fresh.retrieve(state, "Lib/B.lean", "t", (35, 1), 4) == retriever.retrieve(
        state, "Lib/B.lean", "t", (35, 1), 4
    )
    assert embeddings.shape == (len(retriever.corpus), retriever.embedding_dim)
    torch.manual_seed(1)
    other = PremiseRetriever(retriever.hparams["model_name"], max_input_length=128)
    other.corpus = retriever.corpus
    with pytest.raises(IndexFileError, match="another encoder"):
        other.load_index(tmp_path / "i.safetensors")


@pytest.fixture
def checkpoint(tmp_path: Path) -> tuple[Path, Path]:
    """A retriever checkpoint (written as Lightning writes one) and its corpus."""
    import lightning as L

    from test_dense import trainer

    corpus, split = write_synthetic(tmp_path)
    retriever = make_retriever(corpus, warmup_steps=1)
    from tacgen.retrieval.datamodule import RetrievalDataModule

    dm = RetrievalDataModule(
        str(split), str(corpus), batch_size=2, num_workers=0, max_input_length=128
    )
    t: L.Trainer = trainer(limit_val_batches=0, max_steps=1)
    t.fit(retriever, datamodule=dm)
    t.save_checkpoint(tmp_path / "r.ckpt")
    return tmp_path / "r.ckpt", corpus


def test_index_and_retrieve_commands(
    checkpoint: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "argv", ["tacgen"])
    ckpt, corpus = checkpoint
    out = tmp_path / "idx" / "index.safetensors"
    assert main(["index", "--ckpt", str(ckpt), "--out", str(out), "--batch-size", "4"]) == 0
    assert "indexed 14 premises (dim 32)" in capsys.readouterr().out
    args = ["--state", "n : Nat\n⊢ n + 1 = 1 + n", "--file-path", "Lib/B.lean"]
    args += ["--theorem", "Lib.B.thm", "--position", "35", "1", "-k", "3"]
    assert main(["retrieve", "--ckpt", str(ckpt), "--index", str(out), *args, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 and {"full_name", "path", "start", "end", "code", "score"} <= set(rows[0])
    assert main(["retrieve", "--ckpt", str(ckpt), *args]) == 0  # indexes on the fly
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["rank", "score", "premise"] and len(table) == 4
    assert rows[0]["full_name"] in table[1]
    assert main(["retrieve", "--bm25", "--corpus", str(corpus), *args]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4


def test_index_of_another_corpus_is_a_one_line_error(
    checkpoint: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "argv", ["tacgen"])
    ckpt, corpus = checkpoint
    out = tmp_path / "index.safetensors"
    assert main(["index", "--ckpt", str(ckpt), "--out", str(out)]) == 0
    changed = tmp_path / "changed.jsonl"
    changed.write_text(corpus.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    capsys.readouterr()
    args = ["--state", "⊢ True", "--file-path", "Lib/B.lean", "--position", "35", "1"]
    code = main(
        ["retrieve", "--ckpt", str(ckpt), "--corpus", str(changed), "--index", str(out), *args]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert (
        err.startswith("tacgen: error: ") and "index.safetensors: built from another corpus" in err
    )
