"""Two-process DDP on CPU (gloo): synced top-k accuracy equals the single-process value.

``tacgen fit|validate`` run as subprocesses (``python -m tacgen.cli``): Lightning's DDP
launcher re-executes the command line for rank 1, so they cannot run in-process.

Why the validation split has an EVEN number of examples: under DDP, Lightning wraps the
validation loader in a ``DistributedSampler``, which pads a split whose size is not a
multiple of the number of processes by repeating its first examples. With 5 examples
rank 0 would see 0, 2, 4 and rank 1 would see 1, 3, 0: example 0 counted twice, so the
synced accuracy would legitimately differ from the single-process one. With 6 examples
the ranks get the disjoint halves 0, 2, 4 and 1, 3, 5 and the summed counts are exact.

The split is also arranged so that a wrong sync shows: the same 6 examples are the
training data, the three ``simp`` examples sit at even positions (all on rank 0), the
others at odd positions (rank 1). A model that has learnt to say ``simp`` is right on
rank 0 and wrong on rank 1, so rank 0's own accuracy (1.0) differs from the global one.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from model_fixtures import read_csv_metrics
from tacgen.cli import main
from tacgen.data.formatting import remove_marks

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "tests" / "fixtures" / "configs" / "tiny.yaml"
MODEL_CONFIG = REPO / "tests" / "fixtures" / "configs" / "minuscule_t5.json"
TIMEOUT_S = 300

PAIRS: list[tuple[str, str]] = [
    ("n : ℕ\n⊢ n + 0 = n", "simp"),
    ("a b : ℕ\n⊢ a + b = b + a", "omega"),
    ("l : List ℕ\n⊢ l ++ [] = l", "simp"),
    ("⊢ 2 + 2 = 4", "rfl"),
    ("s : Set ℕ\n⊢ s ∩ s = s", "simp"),
    ("p : Prop\nhp : p\n⊢ p", "exact hp"),
]
"""(state, tactic): an even number, ``simp`` at the even positions (rank 0's half)."""
TOPK = ("top1_acc_val", "top2_acc_val")  # tiny.yaml: num_beams 2


def write_split(folder: Path) -> Path:
    """A LeanDojo split folder whose train, val and test files all hold PAIRS, in order."""
    theorems = [
        {
            "url": "https://github.com/example/ddp",
            "commit": "0" * 40,
            "file_path": "Ddp.lean",
            "full_name": f"Ddp.t{i}",
            "start": [3 * i + 1, 1],
            "end": [3 * i + 3, 1],
            "traced_tactics": [
                {
                    "tactic": tactic,
                    "annotated_tactic": [tactic, []],
                    "state_before": state,
                    "state_after": "no goals",
                }
            ],
        }
        for i, (state, tactic) in enumerate(PAIRS)
    ]
    folder.mkdir(parents=True)
    for name in ("train.json", "val.json", "test.json"):
        (folder / name).write_text(json.dumps(theorems, ensure_ascii=False), encoding="utf-8")
    return folder


def free_port() -> int:
    """A TCP port nobody listens on now (for MASTER_PORT)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_tacgen(argv: list[str], cwd: Path) -> None:
    """Runs ``python -m tacgen.cli ARGV`` in a fresh process group, as a user would."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PL_")
        and key not in {"RANK", "LOCAL_RANK", "WORLD_SIZE", "NODE_RANK", "GROUP_RANK"}
    }
    env.update(
        HF_HUB_OFFLINE="1",
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(free_port()),
        OMP_NUM_THREADS="1",  # two processes on a shared 2-core machine
    )
    try:
        result = subprocess.run(
            [sys.executable, "-m", "tacgen.cli", *argv],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"tacgen {argv[0]} did not finish in {TIMEOUT_S} s: {error.stderr!r}")
    assert result.returncode == 0, f"tacgen {argv[0]} failed:\n{result.stderr[-4000:]}"


def common_args(split: Path) -> list[str]:
    """The tiny config with absolute paths; eval batches of 2 so each rank sums 2 batches."""
    return [
        "--config",
        str(CONFIG),
        "--model.model_name",
        str(MODEL_CONFIG),
        "--data.data_path",
        str(split),
        "--data.eval_batch_size",
        "2",
        "--trainer.limit_val_batches",
        "1.0",
    ]


DDP = ["--trainer.accelerator", "cpu", "--trainer.strategy", "ddp", "--trainer.devices", "2"]
CSV = "lightning.pytorch.loggers.CSVLogger"


@pytest.fixture(autouse=True)
def _in_process_hygiene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """For the in-process runs: the test's directory as cwd, one intra-op thread (the shared
    machine has 2 cores), a bare ``sys.argv``, and the ``tacgen`` logger's handlers restored
    (``main`` adds one per call)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["tacgen"])
    package_logger = logging.getLogger("tacgen")
    handlers = list(package_logger.handlers)
    package_logger.handlers[:] = []  # none bound to an earlier test's (closed) stderr
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    package_logger.handlers[:] = handlers


def single_process_validate(split: Path, ckpt: Path, save_dir: Path) -> dict[str, float]:
    """``tacgen validate`` on one process (in-process), metrics read from its CSV log."""
    argv = ["validate", *common_args(split), "--ckpt_path", str(ckpt)]
    argv += ["--trainer.devices", "1", "--trainer.strategy", "auto"]
    argv += ["--trainer.logger", CSV, "--trainer.logger.save_dir", str(save_dir)]
    assert main(argv) == 0
    return read_csv_metrics(save_dir)


def hits_by_generation(ckpt: Path) -> dict[str, list[bool]]:
    """For top-1 and top-2: whether each example of PAIRS is a hit, from ``batch_generate``."""
    from tacgen.generator.module import RetrievalAugmentedGenerator

    generator = RetrievalAugmentedGenerator.load(ckpt)
    n = len(PAIRS)
    ranked = generator.batch_generate(
        [s for s, _ in PAIRS], [""] * n, [""] * n, [(0, 0)] * n, len(TOPK)
    )
    return {
        name: [
            remove_marks(tactic) in [t for t, _ in candidates[:k]]
            for (_, tactic), candidates in zip(PAIRS, ranked)
        ]
        for k, name in enumerate(TOPK, start=1)
    }


def check_ddp_equals_single(tmp_path: Path, split: Path, ckpt: Path) -> dict[str, float]:
    """Runs a 2-process DDP validate and a 1-process validate of ``ckpt``; compares top-k."""
    ddp_argv = ["validate", *common_args(split), *DDP, "--ckpt_path", str(ckpt)]
    ddp_argv += ["--trainer.logger", CSV, "--trainer.logger.save_dir", str(tmp_path / "csv_ddp")]
    run_tacgen(ddp_argv, cwd=tmp_path)
    synced = read_csv_metrics(tmp_path / "csv_ddp")
    single = single_process_validate(split, ckpt, tmp_path / "csv_single")
    for name in TOPK:
        assert synced[name] == pytest.approx(single[name], abs=1e-6), (name, synced, single)
    # ...and both are what generation itself gives on the 6 examples.
    hits = hits_by_generation(ckpt)
    for name in TOPK:
        assert single[name] == pytest.approx(sum(hits[name]) / len(PAIRS), abs=1e-6), hits
    # The comparison can catch a rank-0-only metric: rank 0's half (the even positions)
    # scores differently from the whole split for some k.
    assert any(
        sum(hits[name][0::2]) / len(hits[name][0::2]) != sum(hits[name]) / len(hits[name])
        for name in TOPK
    ), f"both halves score alike, the test lost its power: {hits}"
    return single


@pytest.mark.slow
def test_ddp_fit_then_validate_matches_single_process(tmp_path: Path) -> None:
    """``tacgen fit`` on 2 DDP processes trains and saves last.ckpt; validating it on 2
    processes gives the same synced top-k accuracy as on 1 process."""
    split = write_split(tmp_path / "split")
    fit_argv = ["fit", *common_args(split), *DDP, "--trainer.max_steps", "30"]
    fit_argv += ["--model.lr", "1e-2", "--data.batch_size", "3"]  # 1 step/epoch per rank
    fit_argv += ["--trainer.limit_val_batches", "0", "--trainer.logger", "false"]
    run_tacgen(fit_argv, cwd=tmp_path)
    ckpt = tmp_path / "runs" / "tiny" / "checkpoints" / "last.ckpt"
    checkpoint = torch.load(ckpt, map_location="cpu", weights_only=True)
    assert checkpoint["global_step"] == 30
    single = check_ddp_equals_single(tmp_path, split, ckpt)
    assert single["top2_acc_val"] > 0.0  # not a trivial 0 == 0


@pytest.mark.slow  # a multi-process DDP run
def test_ddp_validate_matches_single_process(tmp_path: Path) -> None:
    """The default-run variant: a checkpoint trained in-process (one process, 30 steps),
    then the same 2-process vs 1-process validate comparison."""
    split = write_split(tmp_path / "split")
    fit_argv = ["fit", *common_args(split), "--trainer.max_steps", "30", "--model.lr", "1e-2"]
    fit_argv += ["--data.batch_size", "6", "--trainer.limit_val_batches", "0"]
    fit_argv += ["--trainer.logger", "false"]
    assert main(fit_argv) == 0
    ckpt = tmp_path / "runs" / "tiny" / "checkpoints" / "last.ckpt"
    single = check_ddp_equals_single(tmp_path, split, ckpt)
    assert single["top2_acc_val"] > 0.0
