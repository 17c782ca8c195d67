"""Exact resume after kill -9, for the generator and the retriever.

Each test trains twice from the same seed, in subprocesses run as a user would
(``python -m tacgen.cli``, one intra-op thread, so that CPU kernels are bit-reproducible):

- an uninterrupted run of ``STEPS`` optimizer steps;
- a run SIGKILLed as soon as its first ``last.ckpt`` exists (step ``EVERY``, in the middle of
  the first epoch), then resumed with ``--ckpt_path last.ckpt`` to ``STEPS``.

Validation runs every 3 steps, as it would in a real run (it must not disturb the random
states training draws from). The resumed run must log the same training loss at every step
after the checkpoint (to 1e-6) and end with the same weights. The runs cross epoch
boundaries after the resume, so the epoch reseeding of the sampler is covered too, and
training draws randomness in all the places it does: dropout (torch), premise dropout
(generator) and negative sampling (retriever). A resume that restarted the epoch, lost the
random states or re-drew the premise dropout shows as a different loss at the first
resumed step.
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
MINUSCULE = str(REPO / "tests" / "fixtures" / "configs" / "minuscule_t5.json")
TINY = REPO / "tests" / "fixtures" / "tiny"
STEPS = 24
EVERY = 4
TIMEOUT_S = 300
DISTRIBUTED_VARIABLES = {"RANK", "LOCAL_RANK", "WORLD_SIZE", "NODE_RANK", "GROUP_RANK"}

CALLBACKS = f"""\
trainer:
  callbacks:
    - class_path: tacgen.nn.checkpointing.LastCheckpoint
      init_args:
        dirpath: checkpoints
        every_n_train_steps: {EVERY}
"""


def environment(cwd: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PL_") and key not in DISTRIBUTED_VARIABLES
    }
    env.update(HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", TACGEN_CACHE_DIR=str(cwd / "cache"))
    env.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()))  # for DDP runs
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def command(base: list[str], cwd: Path, logs: str) -> list[str]:
    """``python -m tacgen.cli`` with the base arguments, our callbacks and a CSV logger."""
    overlay = cwd / "callbacks.yaml"
    overlay.write_text(CALLBACKS, encoding="utf-8")
    return [
        sys.executable,
        "-m",
        "tacgen.cli",
        *base,
        "--config",
        str(overlay),
        "--trainer.max_steps",
        str(STEPS),
        "--trainer.limit_val_batches",
        "1",
        "--trainer.val_check_interval",
        "3",
        "--trainer.check_val_every_n_epoch",
        "null",
        "--trainer.log_every_n_steps",
        "1",
        "--trainer.enable_progress_bar",
        "false",
        "--trainer.logger",
        "lightning.pytorch.loggers.CSVLogger",
        "--trainer.logger.save_dir",
        logs,
    ]


def run(argv: list[str], cwd: Path) -> None:
    result = subprocess.run(
        argv, cwd=cwd, env=environment(cwd), capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert result.returncode == 0, result.stderr[-4000:]


def run_and_kill(argv: list[str], cwd: Path) -> Path:
    """Runs ``argv`` and SIGKILLs it once ``checkpoints/last.ckpt`` exists."""
    last = cwd / "checkpoints" / "last.ckpt"
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=environment(cwd),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + TIMEOUT_S
    while not last.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    os.killpg(process.pid, signal.SIGKILL)
    _, stderr = process.communicate()
    assert process.returncode == -signal.SIGKILL, (
        f"the run was not killed mid-way (exit {process.returncode}):\n"
        + stderr.decode(errors="replace")[-4000:]
    )
    return last


def step_losses(logs: Path) -> dict[int, float]:
    """``loss_train_step`` by optimizer step (1-based: the step it was computed at)."""
    (path,) = logs.rglob("metrics.csv")
    with open(path, newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row.get("loss_train_step")]
    return {int(row["step"]) + 1: float(row["loss_train_step"]) for row in rows}


def loader_position(ckpt: Path) -> dict[str, int]:
    """The training loader's saved position (epoch, batches handed out, batches per epoch)."""
    checkpoint = torch.load(ckpt, map_location="cpu", weights_only=True)
    (state,) = checkpoint["loops"]["fit_loop"]["state_dict"]["combined_loader"]
    return {key: int(state[key]) for key in ("epoch", "batches", "length")}


def check_resume_is_exact(base: list[str], tmp_path: Path) -> None:
    """Uninterrupted vs killed-and-resumed: equal losses after the checkpoint, equal weights."""
    straight, broken = tmp_path / "straight", tmp_path / "broken"
    straight.mkdir()
    broken.mkdir()
    run(command(base, straight, "logs"), straight)

    ckpt = run_and_kill(command(base, broken, "logs_killed"), broken)
    position = loader_position(ckpt)
    assert 0 < position["batches"] < position["length"], f"not mid-epoch: {position}"
    saved_step = torch.load(ckpt, map_location="cpu", weights_only=True)["global_step"]
    assert saved_step < STEPS
    assert (saved_step // position["length"]) < (STEPS - 1) // position["length"], "no epoch left"
    run([*command(base, broken, "logs_resumed"), "--ckpt_path", str(ckpt)], broken)

    expected = step_losses(straight / "logs")
    resumed = step_losses(broken / "logs_resumed")
    assert sorted(resumed) == list(range(saved_step + 1, STEPS + 1))
    for step, loss in resumed.items():
        assert loss == pytest.approx(expected[step], abs=1e-6), (step, loss, expected[step])
    final = torch.load(straight / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    final_resumed = torch.load(ckpt, weights_only=True)["state_dict"]
    assert final.keys() == final_resumed.keys()
    for name, tensor in final.items():
        assert torch.equal(tensor, final_resumed[name]), name


@pytest.mark.slow  # kill -9 and resume: two training processes
@pytest.mark.parametrize("num_workers", [0, 1])
def test_generator_resumes_exactly_after_kill(tmp_path: Path, num_workers: int) -> None:
    """The tiny config with premises (dropout 0.5), batches of 2: 5 batches an epoch. With a
    worker process, premise dropout is drawn there, where no checkpoint sees its state."""
    base = ["fit", "--config", str(REPO / "tests" / "fixtures" / "configs" / "tiny.yaml")]
    base += ["--model.model_name", MINUSCULE, "--data.data_path", str(TINY)]
    base += ["--data.preds_path", str(TINY / "predictions.jsonl"), "--data.batch_size", "2"]
    base += ["--data.num_workers", str(num_workers)]
    check_resume_is_exact(base, tmp_path)


@pytest.mark.slow  # kill -9 and resume: two training processes
def test_retriever_resumes_exactly_after_kill(tmp_path: Path) -> None:
    """The retriever demo (sampled negatives), minuscule encoder: 20 batches an epoch."""
    base = ["retriever", "fit", "--config", str(REPO / "configs" / "retriever-demo.yaml")]
    base += ["--model.model_name", MINUSCULE, "--model.max_input_length", "128"]
    base += ["--model.warmup_steps", "2", "--data.batch_size", "16"]
    check_resume_is_exact(base, tmp_path)


@pytest.mark.slow
def test_generator_resumes_exactly_under_ddp(tmp_path: Path) -> None:
    """Two CPU processes (gloo): each rank's position and random states come back."""
    base = ["fit", "--config", str(REPO / "tests" / "fixtures" / "configs" / "tiny.yaml")]
    base += ["--model.model_name", MINUSCULE, "--data.data_path", str(TINY)]
    base += ["--data.preds_path", str(TINY / "predictions.jsonl"), "--data.batch_size", "1"]
    base += ["--trainer.strategy", "ddp", "--trainer.devices", "2"]
    check_resume_is_exact(base, tmp_path)
