"""End-to-end tests of the ``tacgen`` command on the tiny fixture split, in-process.

One module-scoped ``tacgen fit`` run (4 steps of the minuscule T5 of
``fixtures/configs/minuscule_t5.json`` on ``fixtures/tiny``) feeds ``validate``, ``test``,
``generate``, ``export`` and the error cases. Every command runs from a temporary
directory with absolute overrides, so nothing depends on the working directory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch

from model_fixtures import assert_same_candidates, read_csv_metrics
from tacgen.cli import main
from tacgen.nn.tokenizer import ByteTokenizer

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
TINY = FIXTURES / "tiny"
CONFIG = FIXTURES / "configs" / "tiny.yaml"
MODEL_CONFIG = FIXTURES / "configs" / "minuscule_t5.json"
BASE = ["--config", str(CONFIG), "--model.model_name", str(MODEL_CONFIG)]
TINY_ARGS = [*BASE, "--data.data_path", str(TINY)]
STATE = "n : ℕ\n⊢ n + 0 = n"
MAX_STEPS = 4  # tiny.yaml's trainer.max_steps


@dataclass(frozen=True)
class FitRun:
    """What the module's ``tacgen fit`` left behind."""

    root: Path
    ckpt: Path
    """``runs/tiny/checkpoints/last.ckpt``, as fit wrote it."""


@pytest.fixture(autouse=True, scope="module")
def _one_thread() -> Iterator[None]:
    """One intra-op thread: on a shared 2-core machine, two spin-waiting threads make these
    minuscule models over 10 times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _in_tmp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test runs in its own directory, with a bare ``sys.argv`` (``main`` gets argv)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["tacgen"])
    yield


@pytest.fixture(scope="module")
def fit_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FitRun]:
    """``tacgen fit --config tiny.yaml`` for 4 steps, run once for the module."""
    root = tmp_path_factory.mktemp("fit")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        mp.setenv("TACGEN_CACHE_DIR", str(root / "cache"))  # module scope: set it here
        mp.setattr(sys, "argv", ["tacgen"])
        assert main(["fit", *TINY_ARGS]) == 0
    yield FitRun(root=root, ckpt=root / "runs" / "tiny" / "checkpoints" / "last.ckpt")


def one_error_line(err: str, *fragments: str) -> str:
    """Checks stderr holds exactly one ``tacgen: error:`` line, no traceback; returns it."""
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("tacgen: error:")]
    assert len(lines) == 1, err
    # Nothing of the error continues on further lines.
    assert err.rstrip().endswith(lines[0].rstrip()), err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def generate_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, Any]]:
    """Runs ``tacgen generate ... --json`` and parses its JSON Lines output."""
    capsys.readouterr()
    assert main(["generate", *argv, "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def assert_ranked(
    tactics: list[dict[str, Any]], num_samples: int, allow_none: bool = False
) -> None:
    """Distinct, non-blank tactics with float scores, best first, at most ``num_samples``
    (none only with ``allow_none``: an untrained model may beam nothing but blanks)."""
    assert (0 if allow_none else 1) <= len(tactics) <= num_samples
    assert all(t["tactic"].strip() for t in tactics)
    scores = [t["score"] for t in tactics]
    assert all(isinstance(s, float) and s <= 0.0 for s in scores)
    assert scores == sorted(scores, reverse=True)
    names = [t["tactic"] for t in tactics]
    assert len(set(names)) == len(names)


# ---------------------------------------------------------------- fit / validate / test


def test_fit_writes_checkpoint_tensorboard_logs_and_linked_lengths(fit_run: FitRun) -> None:
    """fit trains max_steps steps, saves last.ckpt, logs to TensorBoard, links the lengths."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    assert fit_run.ckpt.is_file()
    checkpoint = torch.load(fit_run.ckpt, map_location="cpu", weights_only=True)
    assert checkpoint["global_step"] == MAX_STEPS
    hparams = checkpoint["hyper_parameters"]
    assert (hparams["max_input_length"], hparams["max_output_length"]) == (256, 24)
    data_hparams = checkpoint["datamodule_hyper_parameters"]
    # The data module got the model's lengths through the link, not its own defaults.
    assert (data_hparams["max_input_length"], data_hparams["max_output_length"]) == (256, 24)
    assert data_hparams["data_path"] == str(TINY)
    assert checkpoint["t5_config"]["d_model"] == 32
    log_dir = fit_run.root / "runs" / "tiny"
    assert (log_dir / "config.yaml").is_file()
    events = EventAccumulator(str(log_dir))
    events.Reload()
    scalars = set(events.Tags()["scalars"])
    assert {"loss_train_step", "loss_val", "top1_acc_val", "top2_acc_val"} <= scalars
    assert "io_val/text_summary" in events.Tags()["tensors"]


@pytest.mark.filterwarnings("ignore:The dirpath has changed")  # ckpt_path from another run
@pytest.mark.parametrize(("command", "split"), [("validate", "val"), ("test", "test")])
def test_evaluation_commands_report_loss_and_topk(
    fit_run: FitRun, tmp_path: Path, command: str, split: str
) -> None:
    """validate/test --ckpt_path log loss and top-1..num_beams accuracy of that split."""
    argv = [command, *TINY_ARGS, "--ckpt_path", str(fit_run.ckpt)]
    argv += ["--trainer.logger", "lightning.pytorch.loggers.CSVLogger"]
    argv += ["--trainer.logger.save_dir", str(tmp_path / "csv")]
    assert main(argv) == 0
    metrics = read_csv_metrics(tmp_path / "csv")
    assert metrics[f"loss_{split}"] > 0.0
    top1, top2 = metrics[f"top1_acc_{split}"], metrics[f"top2_acc_{split}"]
    assert 0.0 <= top1 <= top2 <= 1.0
    # A trained model's accuracy is not known in advance, but it is a count of the split's
    # examples (5 tactics in val, 3 in test), not a mean of batch means.
    from tacgen.generator.dataset import GeneratorDataset

    examples = len(GeneratorDataset(TINY / f"{split}.json"))
    assert examples == {"val": 5, "test": 3}[split]
    for accuracy in (top1, top2):
        assert accuracy * examples == pytest.approx(round(accuracy * examples), abs=1e-4)
    assert f"top3_acc_{split}" not in metrics  # num_beams is 2 in tiny.yaml


# ---------------------------------------------------------------- generate


def test_generate_json_is_ranked(fit_run: FitRun, capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints the request with its distinct tactics and scores, best first."""
    (row,) = generate_json(capsys, "--ckpt", str(fit_run.ckpt), "--state", STATE)
    assert row["state"] == STATE
    assert row["position"] == [0, 0]
    assert_ranked(row["tactics"], num_samples=8)
    (row3,) = generate_json(
        capsys, "--ckpt", str(fit_run.ckpt), "--state", STATE, "--num-samples", "3"
    )
    assert_ranked(row3["tactics"], num_samples=3)


def test_generate_prints_a_ranked_table(
    fit_run: FitRun, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --json, generate prints rank, log-prob and tactic, one row per candidate."""
    argv = ["--ckpt", str(fit_run.ckpt), "--state", STATE, "--num-samples", "3"]
    (row,) = generate_json(capsys, *argv)
    assert main(["generate", *argv]) == 0
    out = capsys.readouterr().out
    expected = f"{'rank':>4}  {'log-prob':>9}  tactic\n"
    for rank, candidate in enumerate(row["tactics"], start=1):
        expected += f"{rank:>4}  {candidate['score']:9.4f}  {candidate['tactic']}\n"
    assert out == expected


def test_generate_input_file_writes_one_ranked_line_per_state(
    fit_run: FitRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--input/--output: one JSON line per state, in order, tactics sorted by score desc."""
    requests: list[dict[str, Any]] = [
        {"state": STATE},
        {"state": "⊢ True", "file_path": "Foo.lean", "full_name": "Foo.t", "position": [3, 1]},
        {"state": "a b : ℕ\nh : a = b\n⊢ b = a", "full_name": "Foo.symm"},
    ]
    states = tmp_path / "states.jsonl"
    # A blank line is skipped.
    states.write_text("\n".join(json.dumps(r) for r in requests) + "\n\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    argv = ["generate", "--ckpt", str(fit_run.ckpt), "--input", str(states), "--output", str(out)]
    assert main([*argv, "--num-samples", "3", "--batch-size", "2"]) == 0
    assert capsys.readouterr().out == ""
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["state"] for r in rows] == [r["state"] for r in requests]
    assert rows[1]["position"] == [3, 1]
    assert (rows[1]["file_path"], rows[1]["full_name"]) == ("Foo.lean", "Foo.t")
    assert rows[0]["position"] == [0, 0]
    for row in rows:
        assert_ranked(row["tactics"], num_samples=3)
    # Batching with longer states (padding) does not change a state's candidates.
    (single,) = generate_json(
        capsys, "--ckpt", str(fit_run.ckpt), "--state", STATE, "--num-samples", "3"
    )
    assert [t["tactic"] for t in rows[0]["tactics"]] == [t["tactic"] for t in single["tactics"]]
    for batched, alone in zip(rows[0]["tactics"], single["tactics"]):
        assert batched["score"] == pytest.approx(alone["score"], abs=1e-3)


# ---------------------------------------------------------------- export


def test_export_loads_in_transformers_and_generates(
    fit_run: FitRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """export writes a directory transformers loads as is, with the same weights; generate
    accepts the directory too."""
    from transformers import AutoTokenizer, T5ForConditionalGeneration

    from tacgen.generator.module import RetrievalAugmentedGenerator

    out_dir = tmp_path / "exported"
    assert main(["export", "--ckpt", str(fit_run.ckpt), "--out", str(out_dir)]) == 0
    assert str(out_dir) in capsys.readouterr().out
    model = T5ForConditionalGeneration.from_pretrained(out_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(out_dir)
    assert tokenizer(STATE).input_ids == ByteTokenizer().encode(STATE)
    original = RetrievalAugmentedGenerator.load(fit_run.ckpt).model
    ids = torch.tensor([ByteTokenizer().encode(STATE)])
    labels = torch.tensor([ByteTokenizer().encode("simp")])
    with torch.no_grad():
        expected = original(input_ids=ids, labels=labels).logits
        actual = model(input_ids=ids, labels=labels).logits
    torch.testing.assert_close(actual, expected)

    argv = ["--ckpt", str(out_dir), "--state", STATE, "--num-samples", "2"]
    (row,) = generate_json(capsys, *argv)
    assert_ranked(row["tactics"], num_samples=2)
    # Replacing an export needs --overwrite.
    argv = ["export", "--ckpt", str(fit_run.ckpt), "--out", str(out_dir), "--overwrite"]
    assert main(argv) == 0


def test_export_onto_an_existing_directory_is_a_one_line_error(
    fit_run: FitRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exporting onto a non-empty directory without --overwrite: one line, exit 2."""
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("x")
    assert main(["export", "--ckpt", str(fit_run.ckpt), "--out", str(tmp_path / "taken")]) == 2
    one_error_line(capsys.readouterr().err, "taken")


# ---------------------------------------------------------------- summary / help


def test_summary_prints_counts(capsys: pytest.CaptureFixture[str]) -> None:
    """summary prints theorems and examples of each split file, and frequent tactics."""
    assert main(["summary", "--data-path", str(TINY)]) == 0
    out = capsys.readouterr().out
    for name in ("train", "val", "test"):
        assert f"== {TINY / name}.json" in out
    assert "theorems 5 (1 without traced tactics), examples 11" in out
    assert "theorems 3 (1 without traced tactics), examples 5" in out
    assert "theorems 3 (1 without traced tactics), examples 3" in out
    assert "most frequent tactics" in out
    assert "       2  rfl" in out  # rfl is train's only repeated tactic
    assert main(["summary", "--data-path", "tacgen:demo/random", "--top", "1"]) == 0
    out = capsys.readouterr().out
    assert ", examples 399" in out and out.count(", examples 40\n") == 2


def test_fit_help_lists_the_model_and_data_options(capsys: pytest.CaptureFixture[str]) -> None:
    """``tacgen fit --help`` shows the LightningCLI options of the model and data module."""
    with pytest.raises(SystemExit) as exit_info:
        main(["fit", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--model.model_name" in out and "--data.data_path" in out


def test_python_m_tacgen_cli_help() -> None:
    """``python -m tacgen.cli --help`` works in a fresh process and lists every command."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "tacgen.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for command in ("fit", "validate", "test", "predict", "generate", "export", "summary"):
        assert command in result.stdout


def test_command_line_run_does_not_warn_about_args(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``tacgen fit ...`` from the shell (main() reading sys.argv) gives no LightningCLI warning."""
    monkeypatch.setattr(sys, "argv", ["tacgen", "fit", *TINY_ARGS, "--print_config"])
    with warnings.catch_warnings(record=True) as caught, pytest.raises(SystemExit):
        warnings.simplefilter("always")
        main()
    capsys.readouterr()
    assert not [w for w in caught if "args parameter" in str(w.message)]


def test_repeated_runs_do_not_stack_log_handlers(capsys: pytest.CaptureFixture[str]) -> None:
    """Calling main() several times in one process keeps one handler: each line logs once."""
    for _ in range(3):
        assert main(["summary", "--data-path", str(TINY / "val.json")]) == 0
    handlers = logging.getLogger("tacgen").handlers  # pytest may attach capture handlers too
    assert sum(getattr(h, "tacgen_stderr", False) for h in handlers) == 1, handlers


# ---------------------------------------------------------------- errors


def test_missing_checkpoint(capsys: pytest.CaptureFixture[str]) -> None:
    """A checkpoint path that does not exist: one line naming it, exit 2."""
    assert main(["generate", "--ckpt", "missing.ckpt", "--state", STATE]) == 2
    one_error_line(capsys.readouterr().err, "missing.ckpt")
    assert main(["export", "--ckpt", "missing.ckpt", "--out", "out"]) == 2
    one_error_line(capsys.readouterr().err, "missing.ckpt")


@pytest.mark.parametrize(
    "extra",
    [[], ["--state", STATE, "--input", "states.jsonl"]],
    ids=["neither", "both"],
)
def test_generate_needs_exactly_one_of_state_and_input(
    fit_run: FitRun, extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """generate without --state/--input, or with both: one line, exit 2."""
    assert main(["generate", "--ckpt", str(fit_run.ckpt), *extra]) == 2
    one_error_line(capsys.readouterr().err, "--state", "--input")


def test_retriever_index_needs_a_retriever(
    fit_run: FitRun, capsys: pytest.CaptureFixture[str]
) -> None:
    """--retriever-index without --retriever-ckpt: one line naming both, exit 2."""
    args = ["generate", "--ckpt", str(fit_run.ckpt), "--state", STATE]
    assert main([*args, "--retriever-index", "index.safetensors"]) == 2
    one_error_line(capsys.readouterr().err, "--retriever-index", "--retriever-ckpt")
    assert main([*args, "--retriever-exact"]) == 2
    one_error_line(capsys.readouterr().err, "--retriever-exact", "--retriever-ckpt")


def test_bad_input_files(
    fit_run: FitRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing --input file, or a line without a state: one line naming the file, exit 2."""
    ckpt = str(fit_run.ckpt)
    assert main(["generate", "--ckpt", ckpt, "--input", str(tmp_path / "none.jsonl")]) == 2
    one_error_line(capsys.readouterr().err, "none.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"state": "⊢ True"}) + "\n" + json.dumps({"goal": "x"}) + "\n")
    assert main(["generate", "--ckpt", ckpt, "--input", str(bad)]) == 2
    one_error_line(capsys.readouterr().err, f"{bad}:2", "state")
    assert main(["generate", "--ckpt", ckpt, "--state", STATE, "--num-samples", "0"]) == 2
    one_error_line(capsys.readouterr().err, "--num-samples")
    assert main(["generate", "--ckpt", ckpt, "--state", STATE, "--num-samples", "100000"]) == 2
    one_error_line(capsys.readouterr().err, "--num-samples must be in [1, 512]")


def test_missing_data_folder_during_fit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """fit on a folder without split files: one line naming the missing train.json, exit 2."""
    missing = tmp_path / "no_such_split"
    assert main(["fit", *BASE, "--data.data_path", str(missing)]) == 2
    one_error_line(capsys.readouterr().err, "not found", str(missing / "train.json"))
    assert not (tmp_path / "runs" / "tiny" / "checkpoints").exists()


def test_bad_config_key(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown config key is one error line naming the key (exit 2), not a usage dump."""
    assert main(["fit", *TINY_ARGS, "--model.no_such_key", "1"]) == 2
    one_error_line(capsys.readouterr().err, "no_such_key", "--help")


def test_missing_checkpoint_in_validate(capsys: pytest.CaptureFixture[str]) -> None:
    """validate --ckpt_path on a missing file: one line naming it, exit 2."""
    assert main(["validate", *TINY_ARGS, "--ckpt_path", "missing.ckpt"]) == 2
    one_error_line(capsys.readouterr().err, "missing.ckpt")


def test_checkpoint_of_something_else(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A readable torch file that is not a generator checkpoint: one line, exit 2."""
    other = tmp_path / "other.ckpt"
    torch.save({"state_dict": {}}, other)
    assert main(["generate", "--ckpt", str(other), "--state", STATE]) == 2
    one_error_line(capsys.readouterr().err, "not a RetrievalAugmentedGenerator checkpoint")


_CORRUPTIONS = ["garbage", "binary", "truncated", "empty"]


@pytest.fixture(params=_CORRUPTIONS)
def corrupt_ckpt(request: pytest.FixtureRequest, fit_run: FitRun, tmp_path: Path) -> Path:
    """A corrupt .ckpt file: text, binary garbage, a truncated real checkpoint, or empty."""
    contents = {
        "garbage": b"garbage",  # torch's weights-only unpickler: UnpicklingError
        "binary": b"this is not a checkpoint\x00\x01",  # ...: IndexError
        "truncated": fit_run.ckpt.read_bytes()[:20000],  # a cut zip archive: OSError
        "empty": b"",  # EOFError with an empty message
    }
    path = tmp_path / f"{request.param}.ckpt"
    path.write_bytes(contents[request.param])
    return path


@pytest.mark.parametrize("command", ["generate", "export"])
def test_corrupt_checkpoint(
    corrupt_ckpt: Path,
    command: str,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    """generate/export on a corrupt .ckpt: one line naming the file, exit 2."""
    extra = ["--state", STATE] if command == "generate" else ["--out", "out"]
    assert main([command, "--ckpt", str(corrupt_ckpt), *extra]) == 2
    one_error_line(capsys.readouterr().err, f"cannot read checkpoint {corrupt_ckpt}")


def test_corrupt_checkpoint_in_validate(
    corrupt_ckpt: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """validate --ckpt_path on a corrupt file: one line naming the file, exit 2."""
    assert main(["validate", *TINY_ARGS, "--ckpt_path", str(corrupt_ckpt)]) == 2
    one_error_line(capsys.readouterr().err, str(corrupt_ckpt))


# ---------------------------------------------------------------- predict


def test_predict_writes_ranked_tactics_for_every_state(
    fit_run: FitRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """predict --ckpt_path --data.predict_file: one JSON line per example of that split, in
    file order, with the tactics `generate` gives for the same state."""
    out = tmp_path / "preds" / "val.jsonl"
    argv = ["predict", *TINY_ARGS, "--ckpt_path", str(fit_run.ckpt)]
    argv += ["--data.predict_file", "val.json", "--predictions.output_path", str(out)]
    assert main(argv) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    theorems = json.loads((TINY / "val.json").read_text(encoding="utf-8"))
    expected = [(t["full_name"], i) for t in theorems for i in range(len(t["traced_tactics"]))]
    assert [(r["full_name"], r["tactic_index"]) for r in rows] == expected
    assert not list(out.parent.glob(".*"))  # the temporary file was renamed
    for row in rows:
        assert_ranked(row["tactics"], num_samples=2, allow_none=True)  # tiny.yaml: 2 beams
        assert set(row) >= {"file_path", "position", "state", "reference"}
    (generated,) = generate_json(
        capsys, "--ckpt", str(fit_run.ckpt), "--state", rows[0]["state"], "--num-samples", "2"
    )
    # predict decodes a batch, generate one state: the same answer up to float noise.
    assert_same_candidates(
        [(t["tactic"], t["score"]) for t in rows[0]["tactics"]],
        [(t["tactic"], t["score"]) for t in generated["tactics"]],
        atol=1e-4,
    )


# ---------------------------------------------------------------- bugs vs bad input


def test_a_bug_shows_a_traceback_bad_input_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only input errors become one line: a failing internal function propagates."""
    import tacgen.cli.summary

    assert main(["summary", "--data-path", "no/such/folder"]) == 2
    one_error_line(capsys.readouterr().err, "no/such/folder")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("an internal bug")  # a builtin error: not a TacgenError

    monkeypatch.setattr(tacgen.cli.summary, "load_split", broken)
    with pytest.raises(ValueError, match="an internal bug"):
        main(["summary", "--data-path", str(TINY)])


def test_a_bug_in_a_subprocess_exits_non_zero_with_a_traceback() -> None:
    code = (
        "import sys, tacgen.cli.summary as s\n"
        "def broken(*a, **k): raise KeyError('internal')\n"
        "s.load_split = broken\n"
        "from tacgen.cli import main\n"
        f"sys.exit(main(['summary', '--data-path', {str(TINY)!r}]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" in result.stderr and "KeyError: 'internal'" in result.stderr
    assert "tacgen: error" not in result.stderr


def test_last_checkpoint_for_any_max_steps(tmp_path: Path) -> None:
    """A run that stops between validations (or never validates) still leaves last.ckpt,
    holding its final step: saved every 3 steps (tiny.yaml) and at the end."""
    for steps in (2, 5):
        root = tmp_path / str(steps)
        argv = ["fit", *TINY_ARGS, "--trainer.max_steps", str(steps)]
        argv += ["--trainer.limit_val_batches", "0", "--trainer.default_root_dir", str(root)]
        argv += ["--trainer.callbacks.init_args.dirpath", str(root / "ckpt")]
        assert main(argv) == 0
        last = root / "ckpt" / "last.ckpt"
        assert torch.load(last, weights_only=False)["global_step"] == steps
        assert not list(last.parent.glob(".*partial"))


def test_invalid_yaml_config_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("model:\n  lr: [1, 2\ntrainer: x\n", encoding="utf-8")
    assert main(["fit", "--config", str(bad)]) == 2
    one_error_line(capsys.readouterr().err, f"{bad}:3:8: invalid YAML")
    assert main(["retriever", "fit", "-c", str(tmp_path / "missing.yaml")]) == 2
    one_error_line(capsys.readouterr().err, "config file not found", "missing.yaml")


# ---------------------------------------------------------------- provenance


def test_info_describes_a_checkpoint_and_an_export(
    fit_run: FitRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["info", "--ckpt", str(fit_run.ckpt)]) == 0
    out = capsys.readouterr().out
    assert "a tacgen generator checkpoint" in out and "d_model 32" in out
    assert f"trained: {MAX_STEPS} optimizer steps" in out
    assert f"training data: {TINY}" in out and "training theorems: 4" in out
    train_sha = hashlib.sha256((TINY / "train.json").read_bytes()).hexdigest()
    assert f"sha256 {train_sha[:16]}" in out
    exported = tmp_path / "hf"
    assert main(["export", "--ckpt", str(fit_run.ckpt), "--out", str(exported)]) == 0
    capsys.readouterr()
    assert main(["info", "--ckpt", str(exported)]) == 0
    assert "ReProver's generator layout: yes" in capsys.readouterr().out
    assert main(["info", "--ckpt", str(tmp_path / "none.ckpt")]) == 2
    one_error_line(capsys.readouterr().err, "none.ckpt")


def test_evaluating_on_trained_theorems_warns_or_refuses(
    fit_run: FitRun, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["validate", *TINY_ARGS, "--data.val_file", "train.json"]
    argv += ["--ckpt_path", str(fit_run.ckpt)]
    capsys.readouterr()
    assert main(argv) == 0
    assert (
        "4 of the 4 theorems of the val split were in the training data" in capsys.readouterr().err
    )
    assert main([*argv, "--strict-provenance"]) == 2
    one_error_line(capsys.readouterr().err, "were in the training data", "--strict-provenance")
    # The held-out val split: no warning.
    assert main(["validate", *TINY_ARGS, "--ckpt_path", str(fit_run.ckpt)]) == 0
    assert "training data" not in capsys.readouterr().err
    prove = ["prove", "--data-path", str(TINY / "train.json"), "--ckpt", str(fit_run.ckpt)]
    prove += ["--out", "r.jsonl", "--max-expansions", "1", "--num-sampled-tactics", "2"]
    assert main(prove) == 0
    assert "were in the training data" in capsys.readouterr().err
    assert main([*prove, "--strict-provenance"]) == 2
    one_error_line(capsys.readouterr().err, "were in the training data")


def test_fit_records_the_training_splits_frequent_tactics(fit_run: FitRun) -> None:
    """The tactic library of ``prove --library auto``: recorded at fit, read from the
    checkpoint, equal to what the training split's traced tactics give."""
    from tacgen.nn.checkpoint import read_provenance
    from tacgen.prover.library import load_library, split_library

    record = read_provenance(fit_run.ckpt)
    assert record is not None
    expected = list(split_library(str(TINY / "train.json")))
    assert record["frequent_tactics"] == expected and expected
    assert load_library("auto", str(fit_run.ckpt), None) == tuple(expected)
