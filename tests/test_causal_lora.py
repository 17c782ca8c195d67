"""LoRA fine-tuning of causal generators (peft): adapter-only checkpoints that reload and
resume exactly, and merged exports that generate as the adapter does."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from causal_module_fixtures import MINI_CAUSAL, causal_pairs, train_causal
from conftest import build_once
from model_fixtures import assert_same_candidates
from tacgen.cli import main
from tacgen.core.records import Query
from tacgen.generator.inference import load_generator

REPO = Path(__file__).resolve().parents[1]
STATES = ["n : ℕ\n⊢ n + 0 = n", "⊢ True", "x : ℤ\n⊢ x * 1 = x"]


def lora_module(base: Path) -> dict[str, object]:
    return {"model_name": str(base), "lora_r": 4, "lora_alpha": 8, "lora_dropout": 0.1}


@pytest.fixture(scope="module")
def lora_checkpoint(run_dir: Path, causal_export: Path) -> Path:
    """A LoRA adapter trained on top of the exported fixture model."""
    return build_once(
        run_dir / "causal-lora.ckpt",
        lambda path: train_causal(path, causal_pairs(), 10, lr=5e-3, **lora_module(causal_export)),
    )


def test_the_checkpoint_keeps_the_adapter_only(lora_checkpoint: Path) -> None:
    checkpoint = torch.load(lora_checkpoint, map_location="cpu", weights_only=True)
    keys = list(checkpoint["state_dict"])
    assert keys and all(".lora_A." in k or ".lora_B." in k for k in keys)
    assert checkpoint["hyper_parameters"]["lora_r"] == 4


def test_the_merged_export_generates_as_the_adapter(lora_checkpoint: Path, tmp_path: Path) -> None:
    out = tmp_path / "merged"
    assert main(["export", "--ckpt", str(lora_checkpoint), "--out", str(out)]) == 0
    assert not (out / "adapter_config.json").exists()
    config = (out / "config.json").read_text(encoding="utf-8")
    assert "lora" not in config
    queries = [Query(state) for state in STATES]
    adapter = load_generator(lora_checkpoint, device="cpu")
    merged = load_generator(out, device="cpu")
    ours, theirs = adapter.generate_queries(queries, 3), merged.generate_queries(queries, 3)
    for a, b in zip(ours, theirs):
        assert a and [t for t, _ in a] == [t for t, _ in b]
        assert_same_candidates(a, b, 1e-4)
    tactics = [[t for t, _ in row] for row in ours]
    scored = merged.score_queries(queries, tactics)
    assert scored == [pytest.approx(s, abs=1e-4) for s in adapter.score_queries(queries, tactics)]


def test_the_adapter_changed_the_model(lora_checkpoint: Path, causal_export: Path) -> None:
    queries = [Query(state) for state in STATES]
    base = load_generator(causal_export, device="cpu").score_queries(queries, [["simp"]] * 3)
    tuned = load_generator(lora_checkpoint, device="cpu").score_queries(queries, [["simp"]] * 3)
    assert base != tuned


def test_training_resumes_exactly_from_an_adapter_checkpoint(
    causal_export: Path, tmp_path: Path
) -> None:
    """A 7-step run saves an adapter-only checkpoint after step 3 (mid-epoch); resuming
    from it ends with the same adapter (base weights read again from the base directory;
    loader position, premise dropout and LoRA dropout states restored)."""
    import lightning as L

    from tacgen.generator.causal_module import CausalGenerator
    from tacgen.generator.datamodule import GeneratorDataModule

    tiny = REPO / "tests" / "fixtures" / "tiny"
    saved = tmp_path / "step3.ckpt"

    class SaveAtStep3(L.Callback):
        def on_train_batch_end(self, trainer: L.Trainer, *args: object) -> None:
            if trainer.global_step == 3 and not saved.exists():
                trainer.save_checkpoint(saved)

    def fit(ckpt: Path | None = None) -> CausalGenerator:
        torch.manual_seed(0 if ckpt is None else 123)  # a resumed run's own state must win
        module = CausalGenerator(lr=5e-3, warmup_steps=1, **lora_module(causal_export))  # type: ignore[arg-type]
        trainer = L.Trainer(
            max_steps=7, accelerator="cpu", logger=False, enable_checkpointing=False,
            enable_progress_bar=False, enable_model_summary=False, limit_val_batches=0,
            callbacks=[SaveAtStep3()],
        )  # fmt: skip
        data = GeneratorDataModule(
            str(tiny), batch_size=2, num_workers=0, max_input_length=256,
            preds_path=str(tiny / "predictions.jsonl"),
        )  # fmt: skip
        trainer.fit(module, datamodule=data, ckpt_path=str(ckpt) if ckpt else None)
        return module

    straight = fit()
    assert all(".lora_" in k for k in torch.load(saved, weights_only=True)["state_dict"])
    resumed = fit(saved)
    ours, theirs = straight.state_dict(), resumed.state_dict()
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert torch.equal(ours[name], theirs[name]), name


@pytest.mark.slow  # kill -9 and resume: two training processes
def test_lora_resumes_exactly_after_kill(tmp_path: Path) -> None:
    """As ``test_resume``'s generator test, for a LoRA adapter on a minuscule base model."""
    from tacgen.nn.causal import build_causal
    from test_resume import check_resume_is_exact

    torch.manual_seed(0)
    model, tokenizer = build_causal("mini", MINI_CAUSAL)
    base = tmp_path / "base"
    model.save_pretrained(base)
    tokenizer.save_pretrained(base)
    tiny = REPO / "tests" / "fixtures" / "tiny"
    argv = [
        "fit",
        "--config",
        str(REPO / "tests" / "fixtures" / "configs" / "tiny-causal-lora.yaml"),
    ]
    argv += ["--model.init_args.model_name", str(base), "--data.data_path", str(tiny)]
    argv += ["--data.preds_path", str(tiny / "predictions.jsonl"), "--data.batch_size", "2"]
    check_resume_is_exact(argv, tmp_path)
