"""Writing files so that a kill at any moment leaves the previous file whole.

Everything tacgen writes goes to a temporary name in the target's folder, is fsynced, and
is renamed over the target; the folder is fsynced after the rename. A reader sees the old
file or the new one, never a truncated one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def fsync_path(path: str | os.PathLike[str]) -> None:
    """Flushes a file's (or a folder's) data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path to write ``target``'s new content to.

    When the block ends normally, the temporary file is fsynced and renamed over ``target``;
    when it raises, the temporary file is removed and ``target`` is left as it was.

    Args:
        target: the file to (re)place.

    Yields:
        The temporary path, in the same folder (a rename there is atomic).
    """
    target = Path(target)
    if target.is_dir():  # say so now, not after writing it all under a temporary name
        raise IsADirectoryError(errno.EISDIR, "is a directory, not a file", str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(fd)
    partial = Path(name)
    try:
        yield partial
        # mkstemp made it 0600: give it the target's mode, or what open() would give.
        os.chmod(partial, target.stat().st_mode & 0o7777 if target.exists() else _open_mode())
        fsync_path(partial)
        os.replace(partial, target)
        fsync_path(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _open_mode() -> int:
    """The mode ``open()`` gives a new file: 0666 less the process's umask."""
    try:  # Linux: read the umask without changing it (os.umask is not thread-safe)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Replaces ``target`` with ``data`` atomically (see :func:`atomic_path`)."""
    with atomic_path(target) as partial:
        partial.write_bytes(data)


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    """Replaces ``target`` with ``text`` (UTF-8) atomically (see :func:`atomic_path`)."""
    atomic_write_bytes(target, text.encode("utf-8"))


def fsync_tree(folder: str | os.PathLike[str]) -> None:
    """fsyncs every file under ``folder`` and the folders themselves (before a rename)."""
    for root, _, files in os.walk(folder):
        for name in files:
            fsync_path(os.path.join(root, name))
        fsync_path(root)


def replace_tree(staged: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Publishes a complete folder ``staged`` as ``target`` (same file system), replacing it.

    ``staged`` is fsynced first. An old ``target`` is moved aside before the rename and
    deleted after it, so ``target`` names the old folder or the new one at every moment,
    never a half-deleted one.

    Args:
        staged: the new folder, written in full.
        target: the folder's final name.
    """
    staged, target = Path(staged), Path(target)
    fsync_tree(staged)
    aside = None
    if target.exists():
        aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.replace(target, aside / target.name)
    os.replace(staged, target)
    fsync_path(target.parent)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


@contextlib.contextmanager
def staged_tree(target: str | os.PathLike[str], overwrite: bool = False) -> Iterator[Path]:
    """A staging folder beside ``target``, published as ``target`` (:func:`replace_tree`)
    when the block ends normally, deleted when it raises.

    Args:
        target: the folder to write (an export directory).
        overwrite: replace an existing non-empty ``target``.

    Yields:
        The empty staging folder to fill.

    Raises:
        FileExistsError: when ``target`` exists, is not empty and ``overwrite`` is False.
    """
    target = Path(target)
    occupied = target.exists() and (not target.is_dir() or any(target.iterdir()))
    if occupied and not overwrite:
        raise FileExistsError(f"export directory exists and is not empty: {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield staging
        replace_tree(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
