"""Building, loading and exporting the seq2seq model; retriever loading errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer, T5ForConditionalGeneration

from model_fixtures import SMALL_CONFIG
from tacgen.nn.architectures import (
    BYT5_SMALL,
    SEQ2SEQ_ARCHITECTURES,
    build_model,
    model_from_config,
    t5_config,
)
from tacgen.nn.checkpoint import export_pretrained
from tacgen.nn.tokenizer import ByteTokenizer
from tacgen.retrieval.loading import load_retriever

INPUT = torch.tensor([[40, 50, 60, 70, 1], [45, 55, 1, 0, 0]])  # (2, 5)
MASK = (INPUT != 0).long()  # (2, 5)
LABELS = torch.tensor([[80, 90, 1], [85, 1, -100]])  # (2, 3)


def _logits(model: T5ForConditionalGeneration) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        return model(input_ids=INPUT, attention_mask=MASK, labels=LABELS).logits


def _small_model(seed: int = 0) -> T5ForConditionalGeneration:
    torch.manual_seed(seed)
    return model_from_config(t5_config(SMALL_CONFIG))


def test_named_tiny_builds_untied_in_train_mode() -> None:
    model = build_model("tiny")
    assert model.training
    assert model.lm_head.weight is not model.shared.weight
    assert model.config.vocab_size == 384
    assert sum(p.numel() for p in model.parameters()) < 5_000_000


def test_byt5_small_shape() -> None:
    config = t5_config(SEQ2SEQ_ARCHITECTURES["byt5-small"].config_dict())
    assert (config.d_model, config.d_ff, config.num_layers, config.num_decoder_layers) == (
        1472,
        3584,
        12,
        4,
    )
    assert (config.num_heads, config.d_kv, config.vocab_size) == (6, 64, 384)
    assert config.feed_forward_proj == "gated-gelu" and config.dropout_rate == 0.1
    with torch.device("meta"):  # shape only, no 1.2 GB of weights
        model = model_from_config(config)
    assert model.lm_head.weight is not model.shared.weight
    # google/byt5-small has 299,637,760 parameters (lm_head untied).
    assert sum(p.numel() for p in model.parameters()) == 299_637_760
    assert BYT5_SMALL is SEQ2SEQ_ARCHITECTURES["byt5-small"]


def test_config_json_path_trains_from_scratch(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**SMALL_CONFIG, "model_type": "t5"}))
    model = build_model(str(path))
    assert model.training and model.config.d_model == 32


def _reprover_layout(directory: Path, model: T5ForConditionalGeneration) -> None:
    """Writes what kaiyuy/leandojo-lean4-tacgen-byt5-small holds, at a tiny size."""
    from transformers import ByT5Tokenizer

    directory.mkdir()
    config = {
        "_name_or_path": "google/byt5-small",
        "architectures": ["T5ForConditionalGeneration"],
        "model_type": "t5",
        "is_encoder_decoder": True,
        "gradient_checkpointing": False,
        "initializer_factor": 1.0,
        "layer_norm_epsilon": 1e-06,
        "relative_attention_num_buckets": 32,
        "tokenizer_class": "ByT5Tokenizer",
        "torch_dtype": "float32",
        "transformers_version": "4.34.1",
        "use_cache": True,
        **SMALL_CONFIG,
    }
    (directory / "config.json").write_text(json.dumps(config, indent=2))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    torch.save(state, directory / "pytorch_model.bin")
    ByT5Tokenizer().save_pretrained(str(directory))


def test_reprover_layout_directory_loads(tmp_path: Path) -> None:
    source = _small_model()
    directory = tmp_path / "leandojo-lean4-tacgen-byt5-small"
    _reprover_layout(directory, source)
    loaded = build_model(str(directory))
    assert loaded.training  # ready to fine-tune
    assert loaded.lm_head.weight is not loaded.shared.weight
    assert torch.equal(loaded.lm_head.weight, source.lm_head.weight)
    torch.testing.assert_close(_logits(loaded), _logits(source), rtol=0, atol=0)
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    assert tokenizer("a ⊢ b").input_ids == ByteTokenizer().encode("a ⊢ b")


def test_export_round_trip(tmp_path: Path) -> None:
    source = _small_model(1)
    out = export_pretrained(source, tmp_path / "export")
    assert out == tmp_path / "export"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left
    loaded = T5ForConditionalGeneration.from_pretrained(str(out))
    torch.testing.assert_close(_logits(loaded), _logits(source), rtol=0, atol=0)
    assert loaded.lm_head.weight is not loaded.shared.weight
    tokenizer = AutoTokenizer.from_pretrained(str(out))
    text = "⊢ ∀ x, x = x"
    assert tokenizer(text).input_ids == ByteTokenizer().encode(text)
    # And through build_model, as model_name.
    torch.testing.assert_close(_logits(build_model(str(out))), _logits(source))


def test_export_refuses_to_clobber(tmp_path: Path) -> None:
    out = tmp_path / "export"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError, match=str(out)):
        export_pretrained(_small_model(), out)
    assert (out / "keep.txt").exists()
    export_pretrained(_small_model(), out, overwrite=True)
    assert not (out / "keep.txt").exists() and (out / "config.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


def test_missing_paths_fail_clearly(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError, match=r"model path does not exist: .*nowhere"):
        build_model(str(missing))
    with pytest.raises(FileNotFoundError, match=r"model path does not exist: .*nowhere.json"):
        build_model(str(missing) + ".json")
    with pytest.raises(FileNotFoundError, match=r"model path does not exist: \./nowhere"):
        build_model("./nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match=r"no config.json: .*empty"):
        build_model(str(empty))
    with pytest.raises(ValueError, match="unknown model 'huge'"):
        build_model("huge")


def test_uncached_hub_name_fails_offline() -> None:
    import huggingface_hub

    if not huggingface_hub.constants.HF_HUB_OFFLINE:
        pytest.skip("only run offline")
    with pytest.raises(FileNotFoundError, match="cannot load model 'nobody-x/not-a-model'"):
        build_model("nobody-x/not-a-model")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "bad model config"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"model_type": "bert"}), "model_type is 'bert'"),
        (json.dumps({**SMALL_CONFIG, "vocab_size": 100}), "vocab_size 100"),
        (json.dumps({**SMALL_CONFIG, "feed_forward_proj": "gated-gelu-x"}), "bad model config"),
        (json.dumps({**SMALL_CONFIG, "d_model": "wide"}), "bad model config"),
    ],
)
def test_bad_configs_fail_clearly(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as info:
        build_model(str(path))
    assert "\n" not in str(info.value)


def test_load_retriever_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="retriever checkpoint does not exist"):
        load_retriever(str(tmp_path / "r.ckpt"))
    (tmp_path / "r.ckpt").write_bytes(b"")
    with pytest.raises(ValueError, match="cannot read checkpoint"):
        load_retriever(str(tmp_path / "r.ckpt"))
