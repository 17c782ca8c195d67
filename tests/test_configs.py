"""Every shipped config parses with the real ``tacgen`` parser; the recipes are ReProver's.

Only parsing happens here (``--print_config`` prints the merged config and exits before
anything is instantiated), so the LeanDojo configs that name ``google/byt5-small`` neither
build nor download a model; a guard fails the test if a model were built.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import transformers
import yaml

import tacgen.nn.module
from tacgen.cli import main

REPO = Path(__file__).resolve().parents[1]
CONFIGS = sorted((REPO / "configs").glob("*.yaml"))
FIXTURE_CONFIGS = sorted((REPO / "tests" / "fixtures" / "configs").glob("*.yaml"))
LEANDOJO4_CONFIGS = [path for path in CONFIGS if path.name.startswith("leandojo4-")]


@pytest.fixture(autouse=True)
def _parse_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Parsing must not build (let alone download) a model; ``main`` gets a bare sys.argv,
    and the ``tacgen`` logger's handlers (``main`` adds one per call) are restored."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"a model was built while parsing: {args}")

    monkeypatch.setattr(tacgen.nn.module, "build_model", refuse)
    monkeypatch.setattr(transformers.PreTrainedModel, "from_pretrained", classmethod(refuse))
    monkeypatch.setattr(sys, "argv", ["tacgen"])
    package_logger = logging.getLogger("tacgen")
    handlers = list(package_logger.handlers)
    package_logger.handlers[:] = []
    yield
    package_logger.handlers[:] = handlers


def command_for(path: Path) -> list[str]:
    """The command a config is for: ``retriever-*.yaml`` configure ``tacgen retriever fit``,
    every other config ``tacgen fit`` (the generator)."""
    return ["retriever", "fit"] if path.name.startswith("retriever-") else ["fit"]


def print_config(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    """The merged config that ``tacgen ... --print_config`` prints, as a dict."""
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--print_config"])
    out, err = capsys.readouterr()
    assert exit_info.value.code in (0, None), err
    config = yaml.safe_load(out)
    assert isinstance(config, dict), out
    return config


def test_configs_are_found() -> None:
    """The globs see the shipped configs (so a new config is covered without editing here)."""
    names = {path.name for path in CONFIGS}
    assert {"demo.yaml", "leandojo4-random.yaml", "leandojo4-novel-premises.yaml"} <= names
    assert len(LEANDOJO4_CONFIGS) >= 2
    assert FIXTURE_CONFIGS, "tests/fixtures/configs/*.yaml is empty"


@pytest.mark.parametrize("path", CONFIGS + FIXTURE_CONFIGS, ids=lambda p: p.name)
def test_config_parses(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``tacgen [retriever] fit --config FILE`` accepts every key of every config, without
    running."""
    config = print_config(capsys, *command_for(path), "--config", str(path))
    assert set(config) >= {"trainer", "model", "data", "seed_everything"}
    if command_for(path) != ["fit"]:
        return
    # A config naming its model class (the causal generator) nests the arguments.
    model = config["model"].get("init_args", config["model"])
    assert model["model_name"]
    assert config["data"]["data_path"]
    # Linked targets are not settable, so the merged config does not show them.
    assert "max_input_length" not in config["data"]
    assert "max_output_length" not in config["data"]


@pytest.mark.parametrize("command", ["validate", "test", "predict"])
def test_evaluation_commands_parse_the_demo_config(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The other LightningCLI subcommands accept the same config plus ``--ckpt_path``."""
    config = print_config(
        capsys, command, "--config", str(REPO / "configs" / "demo.yaml"), "--ckpt_path", "x.ckpt"
    )
    assert config["ckpt_path"] == "x.ckpt"


@pytest.mark.parametrize("path", LEANDOJO4_CONFIGS, ids=lambda p: p.name)
def test_leandojo4_recipe_is_reprovers(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The LeanDojo Benchmark 4 configs hold ReProver's published generator recipe."""
    config = print_config(capsys, "fit", "--config", str(path))
    trainer, model, data = config["trainer"], config["model"], config["data"]
    assert config["seed_everything"] == 3407
    assert model["model_name"] == "google/byt5-small"
    assert model["lr"] == pytest.approx(5e-4)
    assert model["warmup_steps"] == 2000
    assert model["max_input_length"] == 2300
    assert model["max_output_length"] == 512
    assert model["length_penalty"] == 0.0
    assert data["batch_size"] == 8
    assert data["eval_batch_size"] == 64
    assert data["premise_drop_prob"] == pytest.approx(0.5)
    assert data["keep_marks"] is True
    assert data["normalize_tactics"] is True
    assert data["preds_path"] is None
    assert trainer["precision"] == "bf16-mixed"
    assert trainer["gradient_clip_val"] == pytest.approx(1.0)
    assert trainer["max_steps"] == 500000
    assert trainer["logger"]["class_path"] == "lightning.pytorch.loggers.TensorBoardLogger"
    callbacks = {cb["class_path"]: cb["init_args"] for cb in trainer["callbacks"]}
    best = callbacks["lightning.pytorch.callbacks.ModelCheckpoint"]
    assert best["monitor"] == "top1_acc_val"
    assert best["mode"] == "max"
    # last.ckpt from its own callback, on a step schedule of its own: Lightning 2.6's
    # save_last=True rewrites it only when the monitored metric improves, and only when
    # validation runs.
    last = callbacks["tacgen.nn.checkpointing.LastCheckpoint"]
    assert last["every_n_train_steps"] == 3000
    split = path.stem.removeprefix("leandojo4-")
    assert Path(data["data_path"]).name == split.replace("-", "_")


@pytest.mark.parametrize("key", ["max_input_length", "max_output_length"])
def test_data_lengths_are_linked_to_the_model(key: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Setting a data length directly is rejected: it is given once, via ``model.*``."""
    config_path = str(LEANDOJO4_CONFIGS[0])
    assert main(["fit", "--config", config_path, f"--data.{key}", "10", "--print_config"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert f"data.{key}" in err
    assert f"model.{key}" in err
    # ...and the model's value is what the config carries (and the data module receives).
    config = print_config(capsys, "fit", "--config", config_path, f"--model.{key}", "777")
    assert config["model"][key] == 777


def test_unknown_key_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    """A misspelt key is a parse error naming the key, not silently ignored."""
    demo = str(REPO / "configs" / "demo.yaml")
    assert main(["fit", "--config", demo, "--model.no_such_key", "1", "--print_config"]) == 2
    assert "no_such_key" in capsys.readouterr().err


def test_demo_long_decays_over_its_own_steps(capsys: pytest.CaptureFixture[str]) -> None:
    """``demo-long.yaml`` trains a named architecture longer than the demo, warms up and
    decays over its own ``max_steps``, and writes beside the demo's run, not over it; the
    demo (tests and scripts/demo.sh run it) stays 200 steps."""
    from tacgen.nn.architectures import SEQ2SEQ_ARCHITECTURES

    demo = print_config(capsys, "fit", "--config", str(REPO / "configs" / "demo.yaml"))
    long = print_config(capsys, "fit", "--config", str(REPO / "configs" / "demo-long.yaml"))
    assert demo["trainer"]["max_steps"] == 200
    steps = long["trainer"]["max_steps"]
    assert steps > 4 * demo["trainer"]["max_steps"]
    assert 0 < long["model"]["warmup_steps"] < steps // 4
    assert long["model"]["model_name"] in SEQ2SEQ_ARCHITECTURES
    dirs = {cb["init_args"].get("dirpath") for cb in long["trainer"]["callbacks"]} - {None}
    assert dirs == {"runs/demo-long/checkpoints"}
    assert long["trainer"]["logger"]["init_args"]["name"] == "demo-long"
    assert demo["data"]["rename_locals_prob"] == 0.0 < long["data"]["rename_locals_prob"] < 1.0
