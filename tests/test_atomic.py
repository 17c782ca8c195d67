"""Writes that survive kill -9: the file on disk is always the old one or the new one."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import torch

from tacgen.core.atomic import atomic_path, atomic_write_text

WRITER = textwrap.dedent(
    """
    import sys, torch
    from tacgen.nn.checkpointing import AtomicCheckpointIO
    io = AtomicCheckpointIO()
    target = sys.argv[1]
    for version in range(1, 10**6):
        state = {"version": version, "weights": torch.full((6_000_000,), float(version))}
        io.save_checkpoint(state, target)  # about 24 MB
        print(version, flush=True)
    """
)


@pytest.mark.slow  # kill -9 loop over a large write
def test_kill_9_while_writing_a_large_checkpoint_leaves_a_loadable_file(tmp_path: Path) -> None:
    target = tmp_path / "last.ckpt"
    rng = random.Random(0)
    seen = set()
    for _ in range(5):
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(target)], stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        process.stdout.readline()  # one complete checkpoint exists
        time.sleep(rng.uniform(0.0, 0.6))  # then kill at a random moment of a later write
        process.send_signal(signal.SIGKILL)
        process.wait()
        checkpoint = torch.load(target, weights_only=True)
        version = checkpoint["version"]
        assert torch.equal(checkpoint["weights"], torch.full((6_000_000,), float(version)))
        seen.add(version)
        for partial in tmp_path.glob(".*partial"):
            partial.unlink()  # what a kill leaves: a temporary name, never the target
    assert seen, "no checkpoint was ever complete"


def test_atomic_path_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_path(target) as partial:
        partial.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]


def test_a_failed_predict_run_leaves_the_old_predictions_and_no_partial_file(
    tmp_path: Path,
) -> None:
    """``TacticPredictionWriter`` writes through ``atomic_path``: an exception mid-run keeps
    the previous file whole and removes the partial one; a complete run replaces it."""
    from types import SimpleNamespace

    from tacgen.generator.callbacks import TacticPredictionWriter

    target = tmp_path / "predictions.jsonl"
    target.write_text("old\n")
    writer = TacticPredictionWriter(str(target))
    trainer: Any = SimpleNamespace(world_size=1, global_rank=0, log_dir=str(tmp_path))
    writer.on_predict_start(trainer, None)  # type: ignore[arg-type]
    writer.write_on_batch_end(trainer, None, [{"state": "s"}], None, None, 0, 0)  # type: ignore[arg-type]
    writer.on_exception(trainer, None, RuntimeError("killed"))  # type: ignore[arg-type]
    assert [p.name for p in tmp_path.iterdir()] == ["predictions.jsonl"]
    assert target.read_text() == "old\n"
    writer.on_predict_start(trainer, None)  # type: ignore[arg-type]
    writer.write_on_batch_end(trainer, None, [{"state": "s"}], None, None, 0, 0)  # type: ignore[arg-type]
    writer.on_predict_end(trainer, None)  # type: ignore[arg-type]
    assert target.read_text() == '{"state":"s"}\n'


def test_atomic_files_get_the_mode_open_would_give_or_keep_theirs(tmp_path: Path) -> None:
    """mkstemp's 0600 must not leak: a checkpoint or report is as readable as any file the
    user writes, and rewriting a file keeps its mode."""
    mask = os.umask(0o022)
    os.umask(mask)
    fresh = tmp_path / "fresh.txt"
    atomic_write_text(fresh, "x")
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~mask
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    atomic_write_text(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o640 and kept.read_text() == "new"


def test_the_mode_without_proc_comes_from_the_umask_which_is_left_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where /proc/self/status cannot be read (macOS), the umask is read by setting it."""
    from tacgen.core import atomic

    real_read_text = Path.read_text

    def no_proc(self: Path, *args: Any, **kwargs: Any) -> str:
        if str(self) == "/proc/self/status":
            raise OSError("no /proc here")
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", no_proc)
    old = os.umask(0o027)
    try:
        assert atomic._open_mode() == 0o640
        assert os.umask(0o002) == 0o027  # left as it was
        assert atomic._open_mode() == 0o664
    finally:
        os.umask(old)


def test_replace_tree_publishes_a_folder_over_an_old_one(tmp_path: Path) -> None:
    """The new folder's files under the target's name; the old folder and the staged name
    gone, and nothing left aside."""
    from tacgen.core.atomic import replace_tree

    target, staged = tmp_path / "data", tmp_path / ".data.staged"
    (target / "old").mkdir(parents=True)
    (target / "old" / "a.json").write_text("old")
    (staged / "random").mkdir(parents=True)
    (staged / "random" / "a.json").write_text("new")
    (staged / "corpus.jsonl").write_text("{}\n")
    replace_tree(staged, target)
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert files == ["corpus.jsonl", "random/a.json"]
    assert (target / "random" / "a.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no .data.old.* left
    (tmp_path / ".again").mkdir()
    replace_tree(tmp_path / ".again", tmp_path / "fresh")  # no old folder to move aside
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "fresh"]
