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
