"""On-disk cache of formatted splits, keyed by the file's content and the format options.

A cache entry is a folder of raw arrays (string blobs, offsets, positions) that is
memory-mapped on load, so a second load costs a hash lookup and a few ``mmap`` calls.

Staleness: the key is the SHA-256 of the file's bytes. Hashing a 200 MB split costs about
0.15 s, so the hash is remembered beside the file's stat signature (size, mtime, ctime,
inode, device). Any write to a file changes its ctime, which no tool can set back, so an
unchanged signature means unchanged content; otherwise the file is hashed again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from tacgen.core.atomic import atomic_write_text, replace_tree
from tacgen.data.benchmark import FormatOptions, LoadStats, parse_split, read_split_bytes
from tacgen.data.columns import ExampleTable, StringColumn, map_file

CACHE_VERSION = 1
"""Bump when the formatting or the layout of entries changes."""
_STRING_COLUMNS = ("urls", "commits", "file_paths", "full_names", "states", "tactics")
_ARRAY_COLUMNS = ("starts", "theorem_of", "tactic_indices")


def default_cache_dir() -> Path:
    """``$TACGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/tacgen``, else ``~/.cache/tacgen``."""
    if os.environ.get("TACGEN_CACHE_DIR"):
        return Path(os.environ["TACGEN_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "tacgen"


def _signature(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


class SplitCache:
    """Formatted splits stored under one folder."""

    def __init__(self, directory: str | Path | None = None) -> None:
        """Opens (lazily creates) a cache folder.

        Args:
            directory: the folder; ``default_cache_dir()`` when None.
        """
        self.directory = Path(directory) if directory is not None else default_cache_dir()

    def known_hash(self, path: Path) -> str | None:
        """The remembered SHA-256 of the file if its stat signature is unchanged, else None."""
        known = self._read_index(self.directory / "hashes.json").get(str(path.resolve()))
        if known is not None and known.get("signature") == _signature(path):
            return str(known["sha256"])
        return None

    def content_hash(self, path: Path, data: bytes | None = None) -> str:
        """SHA-256 of the file, reusing a remembered hash while its stat signature holds.

        Args:
            path: the split file.
            data: the file's bytes, when the caller has already read them.

        Returns:
            The hex digest.
        """
        index_path = self.directory / "hashes.json"
        key = str(path.resolve())
        signature = _signature(path)
        index = self._read_index(index_path)
        known = index.get(key)
        if data is None and known is not None and known.get("signature") == signature:
            return str(known["sha256"])
        digest = hashlib.sha256(data).hexdigest() if data is not None else sha256_of(path)
        if _signature(path) == signature:  # the file did not change while we read it
            index[key] = {"signature": signature, "sha256": digest}
            _atomic_write_text(index_path, json.dumps(index))
        return digest

    def _read_index(self, index_path: Path) -> dict[str, dict[str, object]]:
        try:
            loaded = json.loads(index_path.read_text())
        except (OSError, ValueError):
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def entry_dir(self, digest: str, options: FormatOptions) -> Path:
        """The folder of the entry for a content hash and format options."""
        flags = (options.keep_marks, options.normalize_tactics, options.keep_provenances)
        tag = "m{:d}n{:d}p{:d}".format(*flags) + "a" * options.keep_states_after
        tag += f"v{CACHE_VERSION}"
        return self.directory / "splits" / f"{digest[:40]}-{tag}"

    def load(self, digest: str, options: FormatOptions) -> tuple[ExampleTable, LoadStats] | None:
        """The cached split, or None when absent or unreadable."""
        entry = self.entry_dir(digest, options)
        try:
            meta = json.loads((entry / "meta.json").read_text())
            names = _STRING_COLUMNS + _optional_names(
                options.keep_provenances, options.keep_states_after
            )
            columns: dict[str, Any] = {n: _open_strings(entry, n) for n in names}
            for name in _ARRAY_COLUMNS:
                columns[name] = np.load(entry / f"{name}.npy", mmap_mode="r")
            table = ExampleTable(**columns)
            return table, LoadStats(**meta["stats"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(
        self, digest: str, options: FormatOptions, table: ExampleTable, stats: LoadStats
    ) -> None:
        """Writes an entry atomically (a temporary folder renamed into place)."""
        entry = self.entry_dir(digest, options)
        entry.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=entry.parent))
        try:
            optional = _optional_names(
                table.provenances is not None, table.states_after is not None
            )
            for name in _STRING_COLUMNS + optional:
                column: StringColumn = getattr(table, name)
                (tmp / f"{name}.bin").write_bytes(column.data)
                np.save(tmp / f"{name}.offsets.npy", np.asarray(column.offsets))
            for name in _ARRAY_COLUMNS:
                np.save(tmp / f"{name}.npy", np.ascontiguousarray(getattr(table, name)))
            meta = {"version": CACHE_VERSION, "stats": stats.__dict__}
            (tmp / "meta.json").write_text(json.dumps(meta))
            # An existing entry is damaged (load() refused it); readers keep their maps.
            replace_tree(tmp, entry)
        except OSError:
            # Another process won the race (the entry exists) or the disk is full:
            # either way the cache is an optimisation, never a reason to fail.
            shutil.rmtree(tmp, ignore_errors=True)


def _optional_names(provenances: bool, states_after: bool) -> tuple[str, ...]:
    return ("provenances",) * provenances + ("states_after",) * states_after


def _open_strings(entry: Path, name: str) -> StringColumn:
    offsets = np.load(entry / f"{name}.offsets.npy", mmap_mode="r")
    source = str(entry / f"{name}.bin")
    return StringColumn(map_file(source), offsets, source=source)


def sha256_of(path: Path) -> str:
    """SHA-256 (hex) of a file, read in blocks (a split can be hundreds of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _atomic_write_text(path: Path, text: str) -> None:
    with contextlib.suppress(OSError):  # the cache is an optimisation, never a reason to fail
        atomic_write_text(path, text)


def load_split(
    path: str | Path,
    options: FormatOptions,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
) -> tuple[ExampleTable, LoadStats]:
    """Loads and formats a split file, through the cache when enabled.

    Args:
        path: the split file (e.g. ``random/train.json``).
        options: tactic formatting options.
        cache_dir: the cache folder; ``default_cache_dir()`` when None.
        use_cache: read and write the cache.

    Returns:
        The formatted examples and what loading found.
    """
    resolved = Path(path).expanduser()
    if not use_cache:
        resolved, data = read_split_bytes(resolved)
        return parse_split(data, resolved, options)
    if not resolved.is_file():
        read_split_bytes(resolved)  # raises the clear error
    cache = SplitCache(cache_dir)
    known = cache.known_hash(resolved)  # a stat lookup: no read, no hash
    cached = cache.load(known, options) if known is not None else None
    if cached is not None:
        return cached
    # Read once; hash exactly the bytes that are parsed (the file may change meanwhile).
    resolved, data = read_split_bytes(resolved)
    digest = cache.content_hash(resolved, data)
    cached = cache.load(digest, options) if digest != known else None
    if cached is not None:  # same content under a new stat signature (copied, touched)
        return cached
    table, stats = parse_split(data, resolved, options)
    del data
    cache.store(digest, options, table, stats)
    return table, stats
