"""``tacgen download``: LeanDojo Benchmark archives, resumable, checked, safely extracted.

The archive is downloaded to ``<name>.partial`` (resumed with an HTTP ``Range`` request when
the connection drops or a run is killed), checked against its MD5 before anything is
extracted, extracted into a temporary folder that refuses members that would land outside
it (``..``, absolute paths, links), and renamed into place when complete.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tacgen.core.atomic import replace_tree
from tacgen.core.errors import TacgenError, UsageError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """A published archive."""

    url: str
    """Where it is."""
    md5: str
    """Its MD5, as published."""
    folder: str
    """The folder it extracts to."""


DATASETS: dict[str, Dataset] = {
    # The archive ReProver's download script fetches (Zenodo record 12740403).
    "leandojo-benchmark-4": Dataset(
        url="https://zenodo.org/records/12740403/files/leandojo_benchmark_4.tar.gz?download=1",
        md5="25e1ee60cd8925b9d2e8673ddcc34b4c",
        folder="leandojo_benchmark_4",
    ),
}
"""Known datasets; a new version is one more row."""


class DownloadError(TacgenError):
    """The download failed, its checksum did not match, or the archive is unsafe."""


Progress = Callable[[int, int | None], None]
"""Called with (bytes so far, total bytes or None)."""

_CHUNK = 1 << 20


def _fetch(url: str, partial: Path, progress: Progress | None, timeout: float) -> bool:
    """Appends the rest of ``url`` to ``partial``; True when the whole file is there."""
    have = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:  # nothing left to fetch
            return True
        raise DownloadError(f"{url}: HTTP {error.code} {error.reason}") from None
    with response:
        resumed = response.status == 206
        length = response.headers.get("Content-Length")
        total = (int(length) + (have if resumed else 0)) if length else None
        done = have if resumed else 0
        with open(partial, "ab" if resumed else "wb") as handle:
            while block := response.read(_CHUNK):
                handle.write(block)
                done += len(block)
                if progress is not None:
                    progress(done, total)
            handle.flush()
            os.fsync(handle.fileno())
    return total is None or done >= total


def fetch(url: str, partial: Path, progress: Progress | None = None, retries: int = 5) -> None:
    """Downloads ``url`` into ``partial``, resuming after a dropped connection.

    Raises:
        DownloadError: when the server refuses or keeps dropping the connection.
    """
    for attempt in range(retries + 1):
        try:
            if _fetch(url, partial, progress, timeout=60):
                return
        except (OSError, http.client.HTTPException) as error:
            if attempt == retries:
                raise DownloadError(f"{url}: {error}{_kept(partial)}") from None
            logger.info("%s: %s; trying again (%d of %d)", url, error, attempt + 1, retries)
            continue
        logger.info("%s: connection dropped; resuming", url)
    raise DownloadError(f"{url}: incomplete after {retries + 1} tries{_kept(partial)}")


def _kept(partial: Path) -> str:
    if partial.is_file() and partial.stat().st_size:
        return f" (kept {partial}; run again to resume)"
    return ""


def check_source(url: str, md5: str) -> None:
    """Refuses, before any download, a URL urllib cannot fetch or an MD5 that is not one.

    Args:
        url: the archive's URL: ``http://``, ``https://`` or ``file://`` (a local mirror).
        md5: the expected checksum.

    Raises:
        UsageError: naming the bad value.
    """
    if not url.startswith(("http://", "https://", "file://")):
        raise UsageError(f"--url must start with http://, https:// or file://, got {url!r}")
    if len(md5) != 32 or any(c not in "0123456789abcdef" for c in md5.lower()):
        raise UsageError(f"--md5 must be 32 hexadecimal digits, got {md5!r}")


def md5_of(path: Path) -> str:
    """The MD5 of a file (hex)."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _check_member(member: tarfile.TarInfo, root: Path) -> None:
    """Refuses a member that would land (or point) outside ``root``."""
    name = member.name
    where = (root / name).resolve()
    if os.path.isabs(name) or ".." in Path(name).parts or not where.is_relative_to(root):
        raise DownloadError(f"unsafe archive member {name!r}: it would land outside {root}")
    if member.issym() or member.islnk():
        pointee = (where.parent / member.linkname) if member.issym() else root / member.linkname
        if os.path.isabs(member.linkname) or not pointee.resolve().is_relative_to(root):
            raise DownloadError(f"unsafe archive member {name!r}: a link to {member.linkname!r}")
    elif not (member.isfile() or member.isdir()):
        raise DownloadError(f"unsafe archive member {name!r}: not a file or a folder")


def extract(archive: Path, out_dir: Path, folder: str) -> Path:
    """Extracts an archive into ``out_dir / folder``, safely and atomically.

    Raises:
        DownloadError: for an unsafe member, or when the archive has no ``folder``.
    """
    target = out_dir / folder
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=out_dir))
    try:
        root = staging.resolve()
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            for member in members:
                _check_member(member, root)
            tar.extractall(staging, members=members)
        if not (staging / folder).is_dir():
            raise DownloadError(f"{archive}: no folder {folder!r} inside")
        replace_tree(staging / folder, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def download(
    name: str,
    out_dir: str | os.PathLike[str],
    url: str | None = None,
    md5: str | None = None,
    progress: Progress | None = None,
) -> Path:
    """Downloads, checks and extracts a dataset.

    Args:
        name: a key of :data:`DATASETS`.
        out_dir: where the archive and the extracted folder go.
        url: another source of the same archive (a mirror).
        md5: the expected checksum, instead of the published one.
        progress: called with (bytes so far, total).

    Returns:
        The extracted folder.

    Raises:
        UsageError: for an unknown dataset, a URL that is not http(s), an MD5 that is not
            32 hex digits or an ``out_dir`` that is a file.
        DownloadError: on a failed download, a checksum mismatch (the file is kept as
            ``.partial``) or an unsafe archive.
    """
    if name not in DATASETS:
        raise UsageError(f"unknown dataset {name!r}: choose one of {', '.join(DATASETS)}")
    dataset = DATASETS[name]
    url, md5 = url or dataset.url, md5 or dataset.md5
    check_source(url, md5)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    out.mkdir(parents=True, exist_ok=True)
    archive = out / f"{dataset.folder}.tar.gz"
    partial = archive.with_name(archive.name + ".partial")
    if not archive.is_file():
        fetch(url, partial, progress)
        _check_md5(partial, md5)
        os.replace(partial, archive)
    return extract(archive, out, dataset.folder)


def _check_md5(partial: Path, md5: str) -> None:
    """Refuses a downloaded file whose MD5 is not ``md5``; the file stays for inspection."""
    actual, expected = md5_of(partial), md5.lower()
    if actual != expected:
        raise DownloadError(
            f"md5 of {partial} is {actual}, expected {expected}: the file is kept under "
            "that name; delete it to download again"
        )
