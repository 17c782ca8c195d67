"""Causal generators through the command line: ``tacgen fit`` from the shipped demo config,
``tacgen export``, ``tacgen serve`` and ``tacgen prove`` under replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from model_fixtures import assert_same_candidates
from server_fixtures import request, running_server
from tacgen.cli import main
from tacgen.generator.inference import load_generator

REPO = Path(__file__).resolve().parents[1]
STATES = ["n : ℕ\n⊢ n + 0 = n", "⊢ True", "x : ℤ\n⊢ x * 1 = x", "h : 1 = 2\n⊢ False"]


def test_fit_trains_and_validates_from_the_demo_causal_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The shipped config, shortened: 2 steps, one validation batch with beam search."""
    monkeypatch.chdir(tmp_path)
    argv = ["fit", "--config", str(REPO / "configs" / "demo-causal.yaml")]
    argv += ["--trainer.max_steps", "2", "--trainer.val_check_interval", "2"]
    argv += ["--trainer.limit_val_batches", "1", "--data.eval_batch_size", "2"]
    argv += ["--model.init_args.num_beams", "2", "--model.init_args.max_output_length", "16"]
    argv += ["--trainer.enable_progress_bar", "false"]
    assert main(argv) == 0
    out, err = capfd.readouterr()
    summary = [line for line in (out + err).splitlines() if line.startswith("validation (")]
    assert summary and "top1_acc_val" in summary[-1] and "top2_acc_val" in summary[-1], out + err
    last = tmp_path / "runs" / "demo-causal" / "checkpoints" / "last.ckpt"
    checkpoint = torch.load(last, map_location="cpu", weights_only=True)
    assert checkpoint["global_step"] == 2 and checkpoint["prompt_template"]["name"] == "bfs"
    assert checkpoint["causal_config"]["model_type"] == "qwen2"
    assert checkpoint["tacgen_provenance"]["frequent_tactics"]  # tacgen prove --library auto
    generator = load_generator(last, device="cpu")
    assert generator.template is not None and generator.template.name == "bfs"


def test_a_model_class_path_that_is_no_generator_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("model:\n  class_path: tacgen.nn.module.eval_mode\n", encoding="utf-8")
    assert main(["fit", "--config", str(config)]) == 2
    assert capsys.readouterr().err.strip().endswith("is not a tacgen generator module")
    assert main(["fit", "--model.class_path", "tacgen.nowhere.Generator"]) == 2
    assert capsys.readouterr().err.strip().endswith("no such class")


def test_export_writes_model_tokenizer_and_template(
    causal_export: Path, causal_checkpoint: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    info = json.loads((causal_export / "tacgen_causal.json").read_text(encoding="utf-8"))
    assert info["kind"] == "causal" and info["template"]["prompt"] == "{state}:::"
    assert info["settings"]["max_output_length"] == 64
    names = {p.name for p in causal_export.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= names
    for source in (causal_export, causal_checkpoint):
        assert main(["info", "--ckpt", str(source)]) == 0
        shown = capsys.readouterr().out
        assert "architecture: qwen2 hidden_size 64" in shown
        assert "prompt template: bfs '{state}:::'" in shown


def test_serve_answers_as_the_local_generator(causal_checkpoint: Path) -> None:
    local = load_generator(causal_checkpoint, device="cpu")
    with running_server(causal_checkpoint, "--num-samples", "3") as (url, _):
        status, answer = request(
            url + "/v1/generate", [{"state": s, "num_samples": 3} for s in STATES]
        )
        assert status == 200 and len(answer) == len(STATES)
        for state, ranked in zip(STATES, answer):
            expected = local.generate(state, "", "", (0, 0), 3)
            assert_same_candidates([(r["tactic"], r["log_prob"]) for r in ranked], expected, 1e-4)
        status, copilot = request(url + "/generate", {"name": "x", "input": STATES[1]})
        assert status == 200 and copilot["outputs"][0]["output"] == "trivial"


def test_prove_under_replay_with_a_causal_checkpoint(
    causal_checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = REPO / "tests" / "fixtures" / "tiny" / "train.json"
    out = tmp_path / "results.jsonl"
    argv = ["prove", "--data-path", str(data), "--env", "replay", "--ckpt", str(causal_checkpoint)]
    assert main([*argv, "--out", str(out), "--num-sampled-tactics", "4"]) == 0
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    proved = [r for r in results if r["status"] == "proved"]
    assert proved and all(r["proof"] for r in proved), results  # the model memorised them
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith("Pass@1 (replay): ")


def test_template_flags_load_a_published_directory_and_override_a_saved_one(
    mini_causal_dir: Path, causal_export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A transformers directory that saved no template (a published model) needs
    ``--template``; a model that saved one refuses another unless ``--force-template``."""
    from test_cli import one_error_line

    base = ["generate", "--state", "⊢ True", "--num-samples", "2"]
    assert main([*base, "--ckpt", str(mini_causal_dir)]) == 2
    one_error_line(capsys.readouterr().err, "saves no prompt template", "--template")
    assert main([*base, "--ckpt", str(mini_causal_dir), "--template", "bfs", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    assert len(rows) == 1 and len(rows[0]["tactics"]) == 2
    other = ["--ckpt", str(causal_export), "--template", "reprover-causal"]
    assert main([*base, *other]) == 2
    one_error_line(capsys.readouterr().err, "trained with prompt template bfs", "--force-template")
    assert main([*base, *other, "--force-template"]) == 0
    capsys.readouterr()
    assert main([*base, "--ckpt", str(causal_export), "--force-template"]) == 2
    one_error_line(capsys.readouterr().err, "--force-template needs --template")
