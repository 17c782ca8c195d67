"""RetrievalAugmentedGenerator: loss, training mode, generation scores, evaluation, checkpoints."""

from __future__ import annotations

import math
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightning as L
import pytest
import torch
from lightning.pytorch.loggers import TensorBoardLogger

from model_fixtures import (
    PAIRS,
    SMALL_CONFIG,
    collate,
    loader,
    printable_head,
    teacher_forced_log_prob,
)
from tacgen.core.records import Premise, Query
from tacgen.data.formatting import format_augmented_state
from tacgen.generator.batch import Batch
from tacgen.generator.decoding import (
    beam_search,
    decode_candidates,
    generated_tokens,
    rank_candidates,
)
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.module import RetrievalAugmentedGenerator
from tacgen.nn.tokenizer import ByteTokenizer
from tacgen.retrieval.interface import Retrieved, Retriever

STATES = ["n : ℕ\n⊢ n + 0 = n", "⊢ True", "p q : Prop\nhp : p\n⊢ p ∨ q"]


def _generator(**kwargs: Any) -> RetrievalAugmentedGenerator:
    torch.manual_seed(0)
    options: dict[str, Any] = {
        "model_config": SMALL_CONFIG,
        "num_beams": 3,
        "warmup_steps": 1,
        "max_output_length": 16,  # random models rarely emit eos: keep generation short
    }
    return RetrievalAugmentedGenerator(**{**options, **kwargs})


def _trainer(**kwargs: Any) -> L.Trainer:
    options: dict[str, Any] = {
        "accelerator": "cpu",
        "devices": 1,
        "logger": False,
        "enable_checkpointing": False,
        "enable_progress_bar": False,
        "enable_model_summary": False,
        "num_sanity_val_steps": 0,
    }
    return L.Trainer(**{**options, **kwargs})


def _batch_generate(generator: RetrievalAugmentedGenerator, states: Sequence[str], n: int) -> Any:
    size = len(states)
    return generator.batch_generate(states, ["F.lean"] * size, ["thm"] * size, [(1, 0)] * size, n)


def test_is_a_tactic_generator_with_saved_hparams() -> None:
    generator = _generator(lr=1e-3)
    assert isinstance(generator, TacticGenerator)
    assert generator.hparams["lr"] == 1e-3 and generator.hparams["num_beams"] == 3
    assert generator.training and generator.model.training
    assert len(generator.topk_val) == 3
    with pytest.raises(ValueError, match="num_beams must be >= 1"):
        _generator(num_beams=0)


def test_forward_matches_manual_cross_entropy() -> None:
    generator = _generator().eval()
    batch = collate(PAIRS[:3])
    loss = generator(batch.state_ids, batch.state_mask, batch.tactic_ids)
    labels = batch.tactic_ids  # (batch, out_len), -100 padded
    start = torch.zeros_like(labels[:, :1])  # (batch, 1)
    decoder_ids = torch.cat([start, labels[:, :-1].clamp(min=0)], dim=1)  # (batch, out_len)
    logits = generator.model(
        input_ids=batch.state_ids, attention_mask=batch.state_mask, decoder_input_ids=decoder_ids
    ).logits  # (batch, out_len, vocab)
    expected = torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100
    )
    torch.testing.assert_close(loss, expected)


class _ModeRecorder(RetrievalAugmentedGenerator):
    modes: list[tuple[bool, bool, bool]]

    def training_step(self, batch: Batch, batch_idx: int) -> torch.Tensor:
        dropout = next(m for m in self.model.modules() if isinstance(m, torch.nn.Dropout))
        self.modes.append((self.training, self.model.training, dropout.training))
        return super().training_step(batch, batch_idx)


def test_dropout_is_active_in_training_step() -> None:
    torch.manual_seed(0)
    module = _ModeRecorder(model_config=SMALL_CONFIG, num_beams=2, warmup_steps=1)
    module.modes = []
    module.eval()  # as from_pretrained / load() leave it
    before = module.model.lm_head.weight.detach().clone()
    trainer = _trainer(max_steps=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.fit(module, train_dataloaders=loader(batch_size=2))
    assert not [w for w in caught if "eval mode" in str(w.message)]
    assert module.modes == [(True, True, True)] * 3
    assert "loss_train" in trainer.callback_metrics
    assert not torch.equal(before, module.model.lm_head.weight)


def _check_scores(
    model: torch.nn.Module, ids: torch.Tensor, mask: torch.Tensor, beams: int
) -> None:
    with torch.inference_mode():
        sequences, scores = beam_search(model, ids, mask, beams, max_new_tokens=12)
    assert sequences.shape[:2] == scores.shape == (ids.shape[0], beams)
    for i in range(ids.shape[0]):
        assert scores[i].tolist() == sorted(scores[i].tolist(), reverse=True)
        for row, score in zip(sequences[i].tolist(), scores[i].tolist()):
            target = generated_tokens(row, eos_token_id=1)
            expected = teacher_forced_log_prob(model, ids[i : i + 1], mask[i : i + 1], target)
            assert score == pytest.approx(expected, abs=1e-4)
    assert model.generation_config.repetition_penalty == 3.0  # restored


@pytest.mark.parametrize("beams", [1, 4])
def test_beam_scores_are_teacher_forced_log_probs(beams: int) -> None:
    model = _generator().model.eval()
    # Options stored with a checkpoint must not change what the scores mean.
    model.generation_config.repetition_penalty = 3.0
    model.generation_config.renormalize_logits = True
    ids, mask = ByteTokenizer().batch_encode(STATES)
    _check_scores(model, ids, mask, beams)


def test_generated_scores_match_teacher_forcing_of_the_text() -> None:
    generator = _generator(max_output_length=40)
    printable_head(generator.model)  # texts then map back to the generated tokens
    tokenizer = ByteTokenizer()
    ids, mask = tokenizer.batch_encode(STATES, generator.max_input_length)
    results = _batch_generate(generator, STATES, 5)
    assert generator.model.training  # mode restored
    generator.model.eval()
    for i, candidates in enumerate(results):
        texts = [text for text, _ in candidates]
        scores = [score for _, score in candidates]
        assert len(set(texts)) == len(texts) and 1 <= len(texts) <= 5
        assert scores == sorted(scores, reverse=True)
        for text, score in candidates:
            target = tokenizer.encode(text)
            if len(target) == 41:  # cut at max_output_length before eos: no eos scored
                target = target[:-1]
            expected = teacher_forced_log_prob(
                generator.model, ids[i : i + 1], mask[i : i + 1], target
            )
            assert score == pytest.approx(expected, abs=1e-4)


def test_generate_is_batch_generate_of_one_and_restores_mode() -> None:
    generator = _generator(max_output_length=16).eval()
    single = generator.generate(STATES[1], "F.lean", "thm", (1, 0), 3)
    assert single == _batch_generate(generator, STATES[1:2], 3)[0]
    assert not generator.model.training
    assert _batch_generate(generator, [], 3) == []
    with pytest.raises(ValueError, match="one file path"):
        generator.batch_generate(STATES, ["F.lean"], ["t"], [(1, 0)], 2)


def test_marks_removed_then_deduplicated_best_first(monkeypatch: pytest.MonkeyPatch) -> None:
    tokenizer = ByteTokenizer()
    texts = ["rw [<a>foo</a>]", "simp", "rw [foo]", "simp", "", "x"]
    scores = [-2.0, -1.5, -1.0, -3.0, -0.5, float("-inf")]
    width = max(len(tokenizer.encode(t)) for t in texts) + 1
    rows = [[0, *tokenizer.encode(t)] + [1] * (width - len(tokenizer.encode(t)) - 1) for t in texts]

    def fake_beam_search(*args: Any, **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.tensor([rows]), torch.tensor([scores])

    monkeypatch.setattr("tacgen.generator.decoding.beam_search", fake_beam_search)
    result = _generator().generate("⊢ True", "F.lean", "thm", (1, 0), 6)
    # The blank tactic (-0.5) is never a candidate: it would be a probability the model
    # gives to doing nothing, not a tactic.
    assert result == [("rw [foo]", -1.0), ("simp", -1.5)]
    assert rank_candidates(["a", "b", "a"], [-3.0, -2.0, -1.0]) == [("a", -1.0), ("b", -2.0)]


class _StubRetriever(Retriever):
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.premises = [
            Premise(
                "Nat.lean",
                f"Nat.lemma{i}",
                (i + 1, 0),
                (i + 1, 30),
                f"theorem lemma{i} : {i} = {i}",
            )
            for i in range(4)
        ]

    def retrieve_queries(self, queries: Sequence[Query], k: int) -> list[Retrieved]:
        states = [q.state for q in queries]
        self.calls.append(
            (states, [q.file_path for q in queries], [q.full_name for q in queries], k)
        )
        return [[(p, 1.0) for p in self.premises[:k]] for _ in queries]


def test_retrieved_premises_are_prepended(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator(num_retrieved=3, max_input_length=120, max_output_length=16)
    retriever = _StubRetriever()
    assert isinstance(retriever, Retriever)
    generator.attach_retriever(retriever)
    seen: list[str] = []
    original = generator.tokenizer.batch_encode

    def spy(texts: Sequence[str], max_length: int | None = None) -> Any:
        seen.extend(texts)
        return original(texts, max_length)

    monkeypatch.setattr(generator.tokenizer, "batch_encode", spy)
    result = _batch_generate(generator, STATES[:2], 2)
    assert retriever.calls == [(STATES[:2], ["F.lean"] * 2, ["thm"] * 2, 3)]
    premises = retriever.premises[:3]
    assert seen == [format_augmented_state(s, premises, 120, 0.0) for s in STATES[:2]]
    assert "<a>Nat.lemma0</a>" in seen[0]
    generator.attach_retriever(None)
    ids, mask = original(seen, 120)
    assert result == decode_candidates(generator.model, generator.tokenizer, ids, mask, 2, 16)


def test_retriever_ckpt_is_loaded_through_load_retriever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``retriever_ckpt`` goes through ``load_retriever``; the result is attached, not a child."""
    calls: list[tuple[object, ...]] = []

    class Stub(Retriever):
        def retrieve_queries(self, queries: Sequence[Query], k: int) -> list[Retrieved]:
            return [[] for _ in queries]

    def fake_load(*args: object, exact: bool = False) -> Stub:
        calls.append((*args, exact))
        return Stub()

    monkeypatch.setattr("tacgen.retrieval.loading.load_retriever", fake_load)
    generator = _generator(retriever_ckpt=str(tmp_path / "retriever.ckpt"))
    assert calls and calls[0][0] == str(tmp_path / "retriever.ckpt")
    assert calls[0][-1] is False  # the ANN index beside retriever_index, when there is one
    _generator(retriever_ckpt=str(tmp_path / "retriever.ckpt"), retriever_exact=True)
    assert calls[1][-1] is True
    assert isinstance(generator.retriever, Stub)
    assert "retriever" not in dict(generator.named_children())


def test_corrupt_retriever_ckpt_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "retriever.ckpt").write_bytes(b"")
    with pytest.raises(ValueError, match="cannot read checkpoint"):
        _generator(retriever_ckpt=str(tmp_path / "retriever.ckpt"))


def test_validation_logs_loss_and_topk() -> None:
    generator = _generator(num_beams=3, max_output_length=8)
    generator.train()
    trainer = _trainer()
    trainer.validate(generator, dataloaders=loader(batch_size=4), verbose=False)
    metrics = trainer.callback_metrics
    assert {"loss_val", "top1_acc_val", "top2_acc_val", "top3_acc_val"} <= set(metrics)
    assert math.isfinite(float(metrics["loss_val"]))
    accuracies = [float(metrics[f"top{k}_acc_val"]) for k in (1, 2, 3)]
    assert accuracies == sorted(accuracies)
    assert generator.model.training  # Lightning restores the mode; generation does too


def test_topk_values_and_test_step(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator(num_beams=3)

    def fake(batch: Batch) -> list[list[tuple[str, float]]]:
        ids, beams = batch.state_ids, generator.num_beams
        assert beams == 3
        # The target is second for even rows and absent for odd ones.
        return [
            [("junk", -1.0), (PAIRS[i][1], -2.0)] if i % 2 == 0 else [] for i in range(len(ids))
        ]

    monkeypatch.setattr(generator, "_decode", fake)
    trainer = _trainer()
    # batch_size 6: rows 0, 2, 4 (marks in PAIRS[1]'s target do not matter) hit at k >= 2.
    trainer.test(generator, dataloaders=loader(batch_size=6), verbose=False)
    metrics = trainer.callback_metrics
    assert float(metrics["top1_acc_test"]) == 0.0
    assert float(metrics["top2_acc_test"]) == pytest.approx(0.5)
    assert float(metrics["top3_acc_test"]) == pytest.approx(0.5)
    assert "loss_test" in metrics


def test_transfer_batch_to_device() -> None:
    generator = _generator()
    batch = collate(PAIRS[:2])
    moved = generator.transfer_batch_to_device(batch, torch.device("cpu"), 0)
    assert isinstance(moved, Batch) and moved.state == batch.state
    assert (
        generator.transfer_batch_to_device({"x": torch.ones(1)}, torch.device("cpu"), 0)["x"] == 1
    )


def test_io_texts_logged_to_tensorboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generator = _generator(log_io_every_n_steps=2, max_output_length=6)
    logger = TensorBoardLogger(str(tmp_path))
    texts: list[tuple[str, str, int]] = []
    monkeypatch.setattr(
        logger.experiment, "add_text", lambda tag, text, step: texts.append((tag, text, step))
    )
    trainer = _trainer(max_steps=3, logger=logger, limit_val_batches=1, val_check_interval=3)
    trainer.fit(generator, train_dataloaders=loader(batch_size=2), val_dataloaders=loader())
    assert [(tag, step) for tag, _, step in texts] == [
        ("io_train", 0),
        ("io_train", 2),
        ("io_val", 3),
    ]
    train_text, val_text = texts[0][1], texts[-1][1]
    assert "    n : ℕ" in train_text and "    simp" in train_text
    assert "**predictions**" in val_text and "**predictions**" not in train_text


def test_checkpoint_round_trip_offline(tmp_path: Path) -> None:
    hf_dir = tmp_path / "hf"
    _generator().export(hf_dir)
    generator = RetrievalAugmentedGenerator(
        model_name=str(hf_dir), num_beams=2, warmup_steps=1, max_output_length=16
    )
    trainer = _trainer(max_steps=2, default_root_dir=str(tmp_path))
    trainer.fit(generator, train_dataloaders=loader(batch_size=3))
    ckpt = tmp_path / "gen.ckpt"
    trainer.save_checkpoint(ckpt)
    shutil.rmtree(hf_dir)  # the checkpoint alone must suffice
    loaded = RetrievalAugmentedGenerator.load(str(ckpt), num_beams=3)
    assert not loaded.training and loaded.hparams["num_beams"] == 3
    assert loaded.hparams["model_name"] == str(hf_dir)
    for name, value in generator.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[name], value, rtol=0, atol=0)
    generator.eval()
    assert loaded.generate("⊢ True", "F", "t", (1, 0), 2) == generator.generate(
        "⊢ True", "F", "t", (1, 0), 2
    )
    # Lightning's own loader works offline too: the config travels in the hyperparameters.
    plain = RetrievalAugmentedGenerator.load_from_checkpoint(ckpt, map_location="cpu")
    torch.testing.assert_close(
        plain.model.lm_head.weight, generator.model.lm_head.weight, rtol=0, atol=0
    )


def test_load_export_directory_and_bad_paths(tmp_path: Path) -> None:
    generator = _generator().eval()
    out = generator.export(tmp_path / "export")
    loaded = RetrievalAugmentedGenerator.load(str(out), max_output_length=16)
    assert not loaded.training and loaded.max_output_length == 16
    batch = collate(PAIRS[:2])
    with torch.no_grad():
        expected = generator(batch.state_ids, batch.state_mask, batch.tactic_ids)
        actual = loaded(batch.state_ids, batch.state_mask, batch.tactic_ids)
    torch.testing.assert_close(actual, expected, rtol=0, atol=0)
    with pytest.raises(FileNotFoundError, match=r"does not exist: .*missing.ckpt"):
        RetrievalAugmentedGenerator.load(str(tmp_path / "missing.ckpt"))
    (tmp_path / "junk.ckpt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"cannot read checkpoint .*junk.ckpt"):
        RetrievalAugmentedGenerator.load(str(tmp_path / "junk.ckpt"))
    torch.save({"state_dict": {}}, tmp_path / "other.ckpt")
    with pytest.raises(ValueError, match="not a RetrievalAugmentedGenerator checkpoint"):
        RetrievalAugmentedGenerator.load(str(tmp_path / "other.ckpt"))
