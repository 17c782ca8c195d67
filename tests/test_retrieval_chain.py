"""The whole retrieval chain on CPU, through the ``tacgen`` command, one config per step:

``tacgen retriever fit`` (configs/retriever-demo.yaml) -> ``tacgen index`` -> ``tacgen retriever
predict`` -> ``tacgen fit`` (configs/demo-rag.yaml, with ``preds_path`` and the retriever
attached for validation) -> ``tacgen generate --retriever-ckpt``. Models are the minuscule T5
of ``fixtures/configs/minuscule_t5.json`` and every run is a few steps.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from tacgen.cli import main
from tacgen.cli.lightning import parse_retriever_config as parse_config
from tacgen.core.paths import resolve_data_path
from tacgen.generator.dataset import GeneratorDataset
from tacgen.generator.inputs import InputBuilder
from tacgen.nn.tokenizer import ByteTokenizer
from tacgen.retrieval.predict import split_queries

REPO = Path(__file__).resolve().parents[1]
MINUSCULE = str(REPO / "tests" / "fixtures" / "configs" / "minuscule_t5.json")
RETRIEVER_CONFIG = str(REPO / "configs" / "retriever-demo.yaml")
RAG_CONFIG = str(REPO / "configs" / "demo-rag.yaml")
DEMO = resolve_data_path("tacgen:demo/random")


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Runs the chain once for the module; yields the files it wrote and what it saw."""
    root = tmp_path_factory.mktemp("chain")
    seen: dict[str, Any] = {"phase": "", "retrieved": {}}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("TACGEN_CACHE_DIR", str(root / "cache"))
        mp.setattr(sys, "argv", ["tacgen"])
        original = InputBuilder.retrieve

        def counting(*args: Any, **kwargs: Any) -> Any:
            """Counts, per phase of the chain, the queries given premises by the retriever."""
            premises = original(*args, **kwargs)
            count = seen["retrieved"].get(seen["phase"], 0)
            seen["retrieved"][seen["phase"]] = count + sum(1 for p in premises if p)
            return premises

        mp.setattr(InputBuilder, "retrieve", counting)
        yield _run_chain(root, seen)


def _run_chain(root: Path, seen: dict[str, Any]) -> dict[str, Any]:
    quiet = ["--trainer.enable_progress_bar", "false", "--trainer.enable_model_summary", "false"]
    fit = ["retriever", "fit", "--config", RETRIEVER_CONFIG, "--model.model_name", MINUSCULE]
    fit += ["--model.max_seq_len", "256", "--model.warmup_steps", "2", "--trainer.max_steps", "6"]
    fit += ["--trainer.limit_train_batches", "6", "--trainer.check_val_every_n_epoch", "1"]
    assert main([*fit, *quiet]) == 0
    ckpt = root / "runs" / "retriever-demo" / "checkpoints" / "last.ckpt"
    index = root / "index.safetensors"
    assert main(["index", "--ckpt", str(ckpt), "--out", str(index)]) == 0
    preds = root / "predictions.jsonl"
    predict = ["retriever", "predict", "--config", RETRIEVER_CONFIG, "--ckpt_path", str(ckpt)]
    assert main([*predict, "--index", str(index), "--out", str(preds), "-k", "20"]) == 0
    rag = ["fit", "--config", RAG_CONFIG, "--model.model_name", MINUSCULE]
    rag += ["--data.preds_path", str(preds), "--model.retriever_ckpt", str(ckpt)]
    rag += ["--model.retriever_index", str(index), "--model.num_retrieved", "20"]
    rag += ["--model.max_output_length", "24", "--model.num_beams", "2"]
    rag += ["--trainer.max_steps", "2", "--trainer.val_check_interval", "2"]
    rag += ["--trainer.limit_val_batches", "1", "--data.eval_batch_size", "4"]
    seen["phase"] = "rag fit"
    assert main([*rag, *quiet]) == 0
    seen["phase"] = "after"
    generator = root / "runs" / "demo-rag" / "checkpoints" / "last.ckpt"
    requests = root / "states.jsonl"
    theorems = json.loads((DEMO / "test.json").read_text(encoding="utf-8"))[:3]
    rows = [
        {
            "state": thm["traced_tactics"][0]["state_before"],
            "file_path": thm["file_path"],
            "full_name": thm["full_name"],
            "position": thm["start"],
        }
        for thm in theorems
    ]
    requests.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = root / "tactics.jsonl"
    generate = ["generate", "--ckpt", str(generator), "--retriever-ckpt", str(ckpt)]
    generate += ["--retriever-index", str(index)]
    generate += ["--input", str(requests), "--output", str(out), "--num-samples", "2"]
    seen["phase"] = "generate"
    assert main(generate) == 0
    seen["phase"] = "after"
    return {"root": root, "ckpt": ckpt, "index": index, "preds": preds, "tactics": out, **seen}


def test_retriever_fit_validates_and_checkpoints(chain: dict[str, Any]) -> None:
    import torch

    checkpoint = torch.load(chain["ckpt"], map_location="cpu", weights_only=True)
    assert checkpoint["global_step"] == 6  # last.ckpt holds the final weights
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(chain["root"] / "runs" / "retriever-demo"))
    events.Reload()
    tags = set(events.Tags()["scalars"])
    assert {"Recall@1_val", "Recall@10_val", "MRR_val", "loss_train_epoch"} <= tags
    # A trained model's scores are not known exactly (they vary with the CPU's kernels);
    # what holds for any model is asserted: each logged once, ordered as the metrics are.
    at_1, at_10, mrr = (events.Scalars(t) for t in ("Recall@1_val", "Recall@10_val", "MRR_val"))
    assert len(at_1) == len(at_10) == len(mrr) == 1  # one validation, after the last step
    assert 0.0 <= at_1[0].value <= at_10[0].value <= 1.0
    assert at_1[0].value <= mrr[0].value <= 1.0


def test_predictions_cover_every_generator_example(chain: dict[str, Any]) -> None:
    lines = [orjson.loads(line) for line in chain["preds"].read_bytes().splitlines()]
    queries, examples = split_queries([DEMO / f"{s}.json" for s in ("train", "val", "test")])
    assert len(lines) == len(queries) and examples == 399 + 40 + 40
    assert all(len(line["retrieved_premises"]) == len(line["scores"]) == 20 for line in lines)
    assert all(line["scores"] == sorted(line["scores"], reverse=True) for line in lines)
    for split in ("train", "val", "test"):  # no MissingPredictionError: the keys match
        dataset = GeneratorDataset(DEMO / f"{split}.json", preds_path=chain["preds"])
        assert dataset.missing_predictions == 0
        assert "</a>" in dataset[0].state  # premises (name marked) come before the state


def test_generator_validated_with_the_retriever_and_generated(chain: dict[str, Any]) -> None:
    # Validation's queries (the sanity check's batch of 4 and step 2's batch of 4) and
    # generate's 3 got premises from the attached retriever; training read preds_path.
    assert chain["retrieved"] == {"rag fit": 8, "generate": 3}
    rows = [json.loads(line) for line in chain["tactics"].read_text().splitlines()]
    assert len(rows) == 3
    assert all(1 <= len(row["tactics"]) <= 2 for row in rows)
    assert all(isinstance(t["score"], float) for row in rows for t in row["tactics"])


def test_one_line_errors(
    chain: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    ckpt = str(chain["ckpt"])
    unknown = ["retrieve", "--ckpt", ckpt, "--index", str(chain["index"]), "--state", "⊢ True"]
    unknown += ["--file-path", "Nope.lean", "--position", "1", "1"]
    cases = [
        (["retriever", "predict", "--ckpt", ckpt, "--out", "p.jsonl"], "give --data-path"),
        (unknown, "'Nope.lean' is not in corpus"),
        (["index", "--ckpt", str(tmp_path / "x.ckpt"), "--out", "i.safetensors"], "does not exist"),
    ]
    for argv, message in cases:
        capsys.readouterr()
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("tacgen: error: "), err
        assert message in err
    assert not (tmp_path / "i.safetensors").exists()
    assert main(["retriever", "--help"]) == 0
    assert main(["retriever", "nope"]) == 2


def test_retriever_validate_command_reads_the_checkpoint(
    chain: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    validate = ["retriever", "validate", "--config", RETRIEVER_CONFIG, "--model.model_name"]
    validate += [MINUSCULE, "--model.max_seq_len", "256", "--ckpt_path", str(chain["ckpt"])]
    assert main([*validate, "--trainer.enable_progress_bar", "false"]) == 0
    out = capsys.readouterr().out
    assert "Recall@10_val" in out and "MRR_val" in out


@pytest.mark.parametrize("name", ["random", "novel-premises"])
def test_leandojo4_retriever_configs_hold_the_published_recipe(name: str) -> None:
    config = parse_config(REPO / "configs" / f"retriever-leandojo4-{name}.yaml")
    model, data, trainer = config.model, config.data, config.trainer
    assert config.seed_everything == 3407
    assert (model.model_name, model.lr, model.warmup_steps) == ("google/byt5-small", 1e-4, 2000)
    assert (model.max_input_length, data.max_input_length, model.num_retrieved) == (1024, 1024, 100)
    assert (data.num_negatives, data.num_in_file_negatives) == (3, 1)
    assert (data.batch_size, data.eval_batch_size, model.loss) == (8, 64, "mse")
    assert (trainer.precision, trainer.gradient_clip_val) == ("bf16-mixed", 1.0)
    assert Path(data.data_path).name == name.replace("-", "_")
    assert model.corpus_path == str(Path(data.corpus_path).resolve())  # linked, absolute


def test_demo_configs_parse() -> None:
    config = parse_config(RETRIEVER_CONFIG)
    assert config.model.corpus_path == config.data.corpus_path == "tacgen:demo/corpus.jsonl"
    assert config.data.max_input_length == config.model.max_input_length
    with pytest.raises(SystemExit):
        parse_config(RETRIEVER_CONFIG, ["--data.max_input_length", "7"])  # linked: on the model
    # The deprecated model.max_seq_len still sets both, under the new name only.
    with pytest.warns(UserWarning, match="max_seq_len is deprecated"):
        old = parse_config(RETRIEVER_CONFIG, ["--model.max_seq_len", "77"])
    assert (old.model.max_input_length, old.model.max_seq_len) == (77, None)
    assert old.data.max_input_length == 77


def test_attached_retriever_stays_outside_the_generator(tmp_path: Path) -> None:
    from tacgen.core.records import Example
    from tacgen.data.formatting import format_augmented_state
    from tacgen.generator.batch import Batch
    from tacgen.generator.module import RetrievalAugmentedGenerator
    from tacgen.retrieval.dense import PremiseRetriever
    from test_retrieval_datamodule import write_synthetic

    corpus, _ = write_synthetic(tmp_path)
    retriever = PremiseRetriever(MINUSCULE, max_input_length=128, corpus_path=str(corpus))
    generator = RetrievalAugmentedGenerator(MINUSCULE, max_input_length=300, num_retrieved=3)
    names = {name for name, _ in generator.named_parameters()}
    generator.attach_retriever(retriever)
    assert {name for name, _ in generator.named_parameters()} == names
    assert not any(key.startswith("retriever") for key in generator.state_dict())
    assert all(m is not retriever for m in generator.modules())
    assert not any(p.requires_grad for p in retriever.parameters()) and not retriever.training
    generator.train()
    assert not retriever.training  # the generator's train() does not reach it
    example = Example("u", "c", "Lib/B.lean", "Lib.B.thm", (35, 1), 0, "n : Nat\n⊢ n = n", "rfl")
    ids, mask = ByteTokenizer().batch_encode([example.state], 300)
    tactic, tactic_mask = ByteTokenizer().batch_encode([example.tactic], 16)
    batch = Batch((example.state,), (example.tactic,), ids, mask, tactic, tactic_mask, (example,))
    augmented = generator._with_retrieved_inputs(batch)
    retrieved = retriever.batch_retrieve([example.state], ["Lib/B.lean"], ["t"], [(35, 1)], 3)
    premises = [[p for p, _ in row] for row in retrieved]
    assert augmented.state == (format_augmented_state(example.state, premises[0], 300, 0.0),)
    assert augmented.state[0].endswith(example.state) and "</a>" in augmented.state[0]
    assert ByteTokenizer().decode(augmented.state_ids[0]) == augmented.state[0]
    generator.attach_retriever(None)
    assert generator.retriever is None
    with pytest.raises(TypeError, match="must subclass Retriever"):
        generator.attach_retriever(object())  # type: ignore[arg-type]
