"""The dense premise retriever: encoder, pooling, loss, training mode, retrieval, metrics, loading.

Models are the 1-layer, 32-wide T5 of ``fixtures/configs/minuscule_t5.json`` (an encoder-only
model is built from it), on the synthetic corpus of ``test_retrieval_datamodule``.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import pytest
import torch

from tacgen.data.corpus import Corpus
from tacgen.nn.architectures import ENCODER_ARCHITECTURES, build_model, t5_config
from tacgen.nn.tokenizer import ByteTokenizer
from tacgen.retrieval.datamodule import RetrievalDataModule, load_contexts
from tacgen.retrieval.dense import PremiseRetriever
from tacgen.retrieval.encoder import masked_mean_pool
from tacgen.retrieval.loading import load_retriever
from tacgen.retrieval.training import ranking_metrics
from test_retrieval_datamodule import write_synthetic

REPO = Path(__file__).resolve().parents[1]
MINUSCULE = REPO / "tests" / "fixtures" / "configs" / "minuscule_t5.json"


@pytest.fixture
def data(tmp_path: Path) -> tuple[Path, Path]:
    return write_synthetic(tmp_path)


def make_retriever(corpus: Path | None = None, **kwargs: Any) -> PremiseRetriever:
    torch.manual_seed(0)
    path = None if corpus is None else str(corpus)
    kwargs.setdefault("max_input_length", 128)
    return PremiseRetriever(str(MINUSCULE), corpus_path=path, **kwargs)


def trainer(**kwargs: Any) -> L.Trainer:
    warnings.filterwarnings("ignore", message=".*does not have many workers.*")
    options: dict[str, Any] = {
        "accelerator": "cpu",
        "max_steps": 2,
        "logger": False,
        "enable_checkpointing": False,
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "num_sanity_val_steps": 0,
        **kwargs,
    }
    return L.Trainer(**options)


def test_named_encoders_and_errors(tmp_path: Path) -> None:
    small = t5_config(ENCODER_ARCHITECTURES["byt5-small"].config_dict(), kind="encoder")
    shape = (small.d_model, small.d_ff, small.num_layers, small.num_heads, small.d_kv)
    assert shape == (1472, 3584, 12, 6, 64)
    assert (small.feed_forward_proj, small.vocab_size) == ("gated-gelu", 384)
    encoder = build_model("tiny", "encoder")
    assert encoder.training and encoder.config.d_model == ENCODER_ARCHITECTURES["tiny"].d_model
    assert build_model(str(MINUSCULE), "encoder").config.d_model == 32
    with pytest.raises(ValueError, match="unknown encoder 'nope'"):
        build_model("nope", "encoder")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        build_model(str(tmp_path / "missing.json"), "encoder")
    (tmp_path / "bad.json").write_text(json.dumps({"vocab_size": 100}), encoding="utf-8")
    with pytest.raises(ValueError, match="vocab_size 100"):
        build_model(str(tmp_path / "bad.json"), "encoder")
    with pytest.raises(FileNotFoundError, match=r"no config\.json"):
        build_model(str(tmp_path), "encoder")


def test_saved_encoder_directory_loads_in_train_mode(tmp_path: Path) -> None:
    encoder = build_model(str(MINUSCULE), "encoder")
    encoder.save_pretrained(tmp_path / "enc")
    loaded = build_model(str(tmp_path / "enc"), "encoder")
    assert loaded.training  # from_pretrained gives eval mode; training needs dropout
    for (name, a), (_, b) in zip(encoder.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name


def test_pooling_ignores_padding_and_is_unit_length() -> None:
    hidden = torch.randn(2, 4, 3)
    mask = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]])
    pooled = masked_mean_pool(hidden, mask)
    assert torch.allclose(pooled[0], torch.nn.functional.normalize(hidden[0, :2].mean(0), dim=0))
    assert torch.allclose(pooled.norm(dim=-1), torch.ones(2))
    retriever = make_retriever().eval()
    alone = retriever.encode_states(["⊢ True"])
    padded = retriever.encode_states(["⊢ True", "a much longer state ⊢ 1 + 1 = 2 ∧ True"])
    assert torch.allclose(alone[0], padded[0], atol=1e-5)


def test_premises_are_encoded_from_their_serialization(data: tuple[Path, Path]) -> None:
    retriever = make_retriever(data[0])
    premises = retriever.corpus.premises[:5]
    embeddings = retriever.encode_premises(premises, batch_size=2)
    expected = retriever.encode_states([p.serialize() for p in premises])
    assert torch.allclose(embeddings, expected, atol=1e-5)
    assert retriever.training  # encoding switched to eval mode and back


def test_losses_match_their_definitions() -> None:
    similarity = torch.tensor([[0.9, -0.2, 0.4], [0.1, 0.3, 0.8]])
    labels = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    mse = make_retriever(loss="mse").similarity_loss(similarity, labels)
    assert mse.item() == pytest.approx(((similarity - labels) ** 2).mean().item())
    infonce = make_retriever(loss="infonce", temperature=0.5).similarity_loss(similarity, labels)
    logits = similarity / 0.5
    row0 = -math.log((logits[0, 0].exp() + logits[0, 2].exp()) / logits[0].exp().sum())
    row1 = -math.log(logits[1, 2].exp() / logits[1].exp().sum())
    assert infonce.item() == pytest.approx((row0 + row1) / 2, rel=1e-5)
    with pytest.raises(ValueError, match="loss"):
        make_retriever(loss="hinge")  # type: ignore[arg-type]


def test_dropout_is_on_in_training_step(data: tuple[Path, Path]) -> None:
    corpus, split = data
    retriever = make_retriever(corpus, warmup_steps=1).eval()  # as load() leaves it
    modes: list[tuple[bool, bool]] = []
    original = retriever.training_step

    def spy(batch: Any, batch_idx: int) -> torch.Tensor:
        modes.append((retriever.training, retriever.encoder.training))
        return original(batch, batch_idx)

    retriever.training_step = spy  # type: ignore[method-assign]
    dm = RetrievalDataModule(
        str(split), str(corpus), batch_size=2, num_workers=0, max_input_length=128
    )
    before = [p.detach().clone() for p in retriever.parameters()]
    trainer(limit_val_batches=0).fit(retriever, datamodule=dm)
    assert modes == [(True, True), (True, True)]
    assert any(not torch.equal(a, b) for a, b in zip(before, retriever.parameters()))


def brute_force(
    retriever: PremiseRetriever, state: str, path: str, pos: tuple[int, int], k: int
) -> list[tuple[int, float]]:
    """Full sort of the accessible premises by similarity (ties: lower index first)."""
    index = retriever.index_corpus()
    scores = (retriever.encode_states([state]) @ index.T)[0].numpy()
    accessible = retriever.corpus.accessible(path, pos).indices()
    ranked = sorted(accessible.tolist(), key=lambda i: (-scores[i], i))[:k]
    return [(i, float(scores[i])) for i in ranked]


def test_retrieval_is_the_accessible_top_k(data: tuple[Path, Path]) -> None:
    retriever = make_retriever(data[0]).eval()
    corpus = retriever.corpus
    state = "n : Nat\n⊢ n + 1 = 1 + n"
    expected = brute_force(retriever, state, "Lib/B.lean", (35, 1), 5)
    got = retriever.retrieve(state, "Lib/B.lean", "Lib.B.thm", (35, 1), 5)
    assert [corpus.premises.index(p) for p, _ in got] == [i for i, _ in expected]
    assert [s for _, s in got] == pytest.approx([s for _, s in expected], abs=1e-5)
    assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)
    # Lib.A.foo at line 4 sees a0-a2 only: fewer than k come back, all of them accessible.
    few = retriever.batch_retrieve([state, state], ["Lib/A.lean"] * 2, ["f", "f"], [(4, 1)] * 2, 9)
    assert [sorted(p.full_name for p, _ in row) for row in few] == [["a0", "a1", "a2"]] * 2
    assert retriever.batch_retrieve([state], ["Lib/B.lean"], ["t"], [(35, 1)], 5)[0] == got
    with pytest.raises(ValueError, match="k must be"):
        retriever.retrieve(state, "Lib/B.lean", "t", (35, 1), 0)
    with pytest.raises(KeyError, match="not in corpus"):
        retriever.retrieve(state, "Lib/Z.lean", "t", (35, 1), 3)


def test_ranking_metrics() -> None:
    indices = np.array([[4, 7, 1, -1], [2, 3, 5, 6], [9, 9, 9, 9]])
    values = ranking_metrics(indices, [(7, 1), (2,), (0,)])
    assert values[0].tolist() == pytest.approx([0.0, 1.0, 0.5])
    assert values[1].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert values[2].tolist() == pytest.approx([0.0, 0.0, 0.0])


def test_validation_indexes_with_current_weights_and_logs_metrics(
    data: tuple[Path, Path],
) -> None:
    corpus, split = data
    retriever = make_retriever(corpus, num_retrieved=5)
    dm = RetrievalDataModule(str(split), str(corpus), num_workers=0, max_input_length=128)
    t = trainer()
    t.validate(retriever, datamodule=dm, verbose=False)
    metrics = {k: float(v) for k, v in t.callback_metrics.items()}
    assert set(metrics) == {"Recall@1_val", "Recall@10_val", "MRR_val"}
    assert 0.0 <= metrics["Recall@1_val"] <= metrics["Recall@10_val"] <= 1.0
    assert retriever.corpus is dm.corpus  # the data module's corpus, not a second read
    # Expected values from the same retriever, computed by hand over the 3 val tactics.
    contexts = [c for c in load_contexts(split / "val.json", dm.corpus)[0] if c.positives]
    rows = [
        [i for i, _ in brute_force(retriever, c.state, c.file_path, c.theorem_pos, 10)]
        for c in contexts
    ]
    padded = np.array([r + [-1] * (10 - len(r)) for r in rows])
    expected = ranking_metrics(padded, [c.positives for c in contexts]).mean(0)
    assert [metrics[k] for k in ("Recall@1_val", "Recall@10_val", "MRR_val")] == pytest.approx(
        expected.tolist(), abs=1e-5
    )


def test_checkpoint_round_trip_and_load_retriever(data: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, split = data
    retriever = make_retriever(corpus, warmup_steps=1)
    dm = RetrievalDataModule(
        str(split), str(corpus), batch_size=2, num_workers=0, max_input_length=128
    )
    t = trainer(limit_val_batches=0, max_steps=1)
    t.fit(retriever, datamodule=dm)
    ckpt = tmp_path / "r.ckpt"
    t.save_checkpoint(ckpt)
    stored = torch.load(ckpt, map_location="cpu", weights_only=True)
    stored["hyper_parameters"]["_instantiator"] = "lightning.pytorch.cli.instantiate_module"
    torch.save(stored, ckpt)  # as LightningCLI writes it
    loaded = load_retriever(str(ckpt))  # corpus from the checkpoint, indexed on load
    assert not loaded.training and not any(p.requires_grad for p in loaded.parameters())
    assert loaded.is_indexed and len(loaded.corpus) == len(Corpus(corpus))
    retriever.eval()
    state = "n : Nat\n⊢ n + 1 = 1 + n"
    want = retriever.retrieve(state, "Lib/B.lean", "t", (35, 1), 4)
    got = loaded.retrieve(state, "Lib/B.lean", "t", (35, 1), 4)
    assert [p for p, _ in got] == [p for p, _ in want]
    assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-5)


def test_load_retriever_errors(tmp_path: Path, data: tuple[Path, Path]) -> None:
    with pytest.raises(FileNotFoundError, match="retriever checkpoint does not exist"):
        load_retriever(str(tmp_path / "none.ckpt"))
    (tmp_path / "empty.ckpt").write_bytes(b"")
    with pytest.raises(ValueError, match="cannot read checkpoint"):
        load_retriever(str(tmp_path / "empty.ckpt"))
    torch.save({"state_dict": {}}, tmp_path / "other.ckpt")
    with pytest.raises(ValueError, match="not a PremiseRetriever checkpoint"):
        load_retriever(str(tmp_path / "other.ckpt"))
    retriever = make_retriever()  # no corpus_path
    retriever.encoder.save_pretrained(tmp_path / "enc")
    with pytest.raises(ValueError, match="names no corpus"):
        load_retriever(str(tmp_path / "enc"))
    ready = load_retriever(str(tmp_path / "enc"), corpus=str(data[0]))
    assert ready.is_indexed and ready.corpus_path is None


def test_tokenizer_truncates_to_max_input_length() -> None:
    retriever = make_retriever(max_input_length=16)
    ids, _ = retriever.tokenizer.batch_encode(["x" * 100], retriever.max_input_length)
    assert ids.shape == (1, 16)
    assert isinstance(retriever.tokenizer, ByteTokenizer)
