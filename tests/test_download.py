"""``tacgen download`` against an HTTP server on 127.0.0.1 that the test starts: a good
archive, a corrupted copy, a ``../evil`` member, a symlink out, and a dropped connection."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tarfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from tacgen.cli import main
from tacgen.data import download as dl

FOLDER = "leandojo_benchmark_4"


def _archive(extra: list[tarfile.TarInfo] | None = None) -> bytes:
    """A small benchmark archive: random/{train,val,test}.json and corpus.jsonl."""
    theorem = {"url": "u", "commit": "c", "file_path": "F.lean", "full_name": "T", "start": [1, 1]}
    files = {
        f"{FOLDER}/random/{split}.json": json.dumps([theorem] * n).encode()
        for split, n in (("train", 3), ("val", 2), ("test", 1))
    }
    files[f"{FOLDER}/corpus.jsonl"] = b'{"path": "F.lean", "imports": [], "premises": []}\n'
    files[f"{FOLDER}/padding.bin"] = bytes(range(256)) * 4096  # 1 MB: a transfer worth cutting
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra or []:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isfile() else None)
    return buffer.getvalue()


def _member(name: str, link: str | None = None) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    if link is None:
        info.size = 1
    else:
        info.type, info.linkname = tarfile.SYMTYPE, link
    return info


def _archive_without_folder() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("other/readme.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    return buffer.getvalue()


GOOD = _archive()
FILES = {
    "/good.tar.gz": GOOD,
    "/corrupt.tar.gz": GOOD[:-100] + bytes(100),
    "/evil.tar.gz": _archive([_member(f"{FOLDER}/../evil")]),
    "/link.tar.gz": _archive([_member(f"{FOLDER}/out", link="../../etc")]),
    "/drop.tar.gz": GOOD,
    "/always-drop.tar.gz": GOOD,
    "/no-range.tar.gz": GOOD,
    "/no-folder.tar.gz": _archive_without_folder(),
}
MD5 = hashlib.md5(GOOD).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    drops: ClassVar[dict[str, int]] = {}
    requests: ClassVar[list[tuple[str, str | None, int]]] = []
    """(path, its Range header, the bytes sent) for each GET, in order."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        data = FILES.get(self.path)
        if data is None:
            self.send_error(404)
            return
        start = 0
        if self.headers.get("Range") and self.path != "/no-range.tar.gz":
            start = int(self.headers["Range"].removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                self.requests.append((self.path, self.headers["Range"], 0))
                self.send_response(416)
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path == "/always-drop.tar.gz" or (
            self.path == "/drop.tar.gz" and self.drops.get(self.path, 0) < 1
        ):
            self.drops[self.path] = 1
            body = body[: len(body) // 2]  # then the connection drops
            self.close_connection = True
        self.requests.append((self.path, self.headers.get("Range"), len(body)))
        self.wfile.write(body)
        self.wfile.flush()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def run(server: str, path: str, out: Path, md5: str = MD5) -> int:
    argv = ["download", "leandojo-benchmark-4", "--out", str(out), "--url", server + path]
    return main([*argv, "--md5", md5])


def test_download_checks_extracts_and_summarises(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(server, "/good.tar.gz", tmp_path) == 0
    folder = tmp_path / FOLDER
    assert sorted(p.name for p in (folder / "random").iterdir()) == [
        "test.json", "train.json", "val.json"
    ]  # fmt: skip
    captured = capsys.readouterr()
    out = captured.out
    assert "random: train.json 3, val.json 2, test.json 1 theorems" in out
    assert "corpus.jsonl: 1 Lean files" in out and "next: tacgen fit --config" in out
    assert "leandojo-benchmark-4: 100%" in captured.err  # the progress bar
    assert not list(tmp_path.glob(".extract-*"))  # the staging folder is gone


def test_corrupted_archive_is_refused_and_kept(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_cli import one_error_line

    assert run(server, "/corrupt.tar.gz", tmp_path) == 2
    line = one_error_line(capsys.readouterr().err, "md5 of", "expected " + MD5)
    assert line.endswith("the file is kept under that name; delete it to download again")
    assert (tmp_path / f"{FOLDER}.tar.gz.partial").is_file()
    assert not (tmp_path / FOLDER).exists()


@pytest.mark.parametrize(("path", "what"), [("/evil.tar.gz", "outside"), ("/link.tar.gz", "link")])
def test_unsafe_members_are_refused(
    server: str, tmp_path: Path, path: str, what: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_cli import one_error_line

    data = FILES[path]
    out = tmp_path / "out" / "deep"  # made, with its parents
    assert run(server, path, out, hashlib.md5(data).hexdigest()) == 2
    one_error_line(capsys.readouterr().err, "unsafe archive member", what)
    assert out.is_dir() and not (tmp_path / "evil").exists() and not (out / FOLDER).exists()


def test_dropped_connection_resumes_with_range(server: str, tmp_path: Path) -> None:
    """The second request asks for the bytes after those kept, and gets only those."""
    _Handler.requests.clear()
    _Handler.drops.clear()  # the connection drops once per test, whatever ran before
    assert run(server, "/drop.tar.gz", tmp_path) == 0
    assert _Handler.drops["/drop.tar.gz"] == 1
    half = len(GOOD) // 2
    assert _Handler.requests == [
        ("/drop.tar.gz", None, half),
        ("/drop.tar.gz", f"bytes={half}-", len(GOOD) - half),
    ]
    assert (tmp_path / f"{FOLDER}.tar.gz").read_bytes() == GOOD
    assert (tmp_path / FOLDER / "corpus.jsonl").is_file()


def test_a_partial_file_from_a_killed_run_is_resumed(server: str, tmp_path: Path) -> None:
    """The 1000 bytes a killed run left are kept: one request, for the rest of the file."""
    _Handler.requests.clear()
    (tmp_path / f"{FOLDER}.tar.gz.partial").write_bytes(GOOD[:1000])
    assert run(server, "/good.tar.gz", tmp_path) == 0
    assert _Handler.requests == [("/good.tar.gz", "bytes=1000-", len(GOOD) - 1000)]
    assert (tmp_path / f"{FOLDER}.tar.gz").read_bytes() == GOOD


def test_a_complete_partial_file_is_not_fetched_again(server: str, tmp_path: Path) -> None:
    """A kill after the last byte, before the check: the server answers 416, nothing more is
    fetched, and the kept file is checked and extracted."""
    _Handler.requests.clear()
    (tmp_path / f"{FOLDER}.tar.gz.partial").write_bytes(GOOD)
    assert run(server, "/good.tar.gz", tmp_path) == 0
    assert _Handler.requests == [("/good.tar.gz", f"bytes={len(GOOD)}-", 0)]  # 416: none left
    assert (tmp_path / f"{FOLDER}.tar.gz").read_bytes() == GOOD
    assert (tmp_path / FOLDER / "corpus.jsonl").is_file()


def test_the_published_source_is_one_row() -> None:
    row = dl.DATASETS["leandojo-benchmark-4"]
    assert "12740403" in row.url and row.md5 == "25e1ee60cd8925b9d2e8673ddcc34b4c"


def test_progress_counts_the_kept_bytes_and_the_whole_size(server: str, tmp_path: Path) -> None:
    """The bar starts from the bytes kept and ends at the archive's size, one request after
    the drop; a finished transfer is not fetched again."""
    _Handler.requests.clear()
    _Handler.drops.clear()
    partial = tmp_path / "a.partial"
    calls: list[tuple[int, int | None]] = []
    dl.fetch(server + "/drop.tar.gz", partial, lambda done, total: calls.append((done, total)))
    assert partial.read_bytes() == GOOD
    assert [r[1] for r in _Handler.requests] == [None, f"bytes={len(GOOD) // 2}-"]
    assert calls[-1] == (len(GOOD), len(GOOD))
    assert {total for _, total in calls} == {len(GOOD)}
    done = [d for d, _ in calls]
    assert done == sorted(done) and len(set(done)) == len(done)  # always forward
    resumed = calls[calls.index((len(GOOD) // 2, len(GOOD))) + 1]  # the first after the drop
    assert resumed[0] > len(GOOD) // 2


def test_http_errors_and_refused_connections_are_one_line(server: str, tmp_path: Path) -> None:
    """A 404 is the server's answer, even with bytes kept; a refused connection is retried,
    then names what was kept."""
    partial = tmp_path / "a.partial"
    with pytest.raises(dl.DownloadError) as error:
        dl.fetch(server + "/missing.tar.gz", partial)
    assert str(error.value) == f"{server}/missing.tar.gz: HTTP 404 Not Found"
    partial.write_bytes(b"kept")
    with pytest.raises(dl.DownloadError, match=r"HTTP 404 Not Found$"):
        dl.fetch(server + "/missing.tar.gz", partial)
    from server_fixtures import free_port

    closed = f"http://127.0.0.1:{free_port()}/a.tar.gz"
    with pytest.raises(dl.DownloadError) as error:
        dl.fetch(closed, partial, retries=1)
    assert str(error.value).endswith(f" (kept {partial}; run again to resume)")
    with pytest.raises(dl.DownloadError) as error:
        dl.fetch(closed, tmp_path / "none.partial", retries=0)
    assert str(error.value).startswith(f"{closed}: ") and str(error.value).endswith("refused>")


def test_links_are_resolved_as_tar_resolves_them(tmp_path: Path) -> None:
    """A symlink points from its own folder, a hard link from the archive's root; a FIFO is
    refused by name."""
    root = tmp_path.resolve()

    def link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, target
        return info

    dl._check_member(link(f"{FOLDER}/sub/s", "../../x", tarfile.SYMTYPE), root)  # root/x
    dl._check_member(link(f"{FOLDER}/sub/h", f"{FOLDER}/x", tarfile.LNKTYPE), root)
    with pytest.raises(dl.DownloadError, match=r"a link to '\.\./x'"):
        dl._check_member(link(f"{FOLDER}/sub/h", "../x", tarfile.LNKTYPE), root)
    fifo = tarfile.TarInfo(f"{FOLDER}/pipe")
    fifo.type = tarfile.FIFOTYPE
    with pytest.raises(dl.DownloadError) as error:
        dl._check_member(fifo, root)
    assert str(error.value) == f"unsafe archive member '{FOLDER}/pipe': not a file or a folder"


def test_retries_are_counted_and_logged(
    server: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A connection that keeps dropping: each drop resumes, and after retries + 1 tries the
    error names what was kept. A refused connection: retried, each try logged."""
    partial = tmp_path / "a.partial"
    url = server + "/always-drop.tar.gz"
    log = caplog.at_level(logging.INFO, logger="tacgen.data.download")
    with log, pytest.raises(dl.DownloadError) as error:
        dl.fetch(url, partial, retries=2)
    assert (
        str(error.value) == f"{url}: incomplete after 3 tries (kept {partial}; run again to resume)"
    )
    assert caplog.messages == [f"{url}: connection dropped; resuming"] * 3
    caplog.clear()
    from server_fixtures import free_port

    closed = f"http://127.0.0.1:{free_port()}/a.tar.gz"
    log = caplog.at_level(logging.INFO, logger="tacgen.data.download")
    with log, pytest.raises(dl.DownloadError) as error:
        dl.fetch(closed, tmp_path / "b.partial", retries=2)
    assert str(error.value).startswith(f"{closed}: <urlopen error")
    reason = str(error.value).removeprefix(f"{closed}: ")
    assert caplog.messages == [f"{closed}: {reason}; trying again ({n} of 2)" for n in (1, 2)]


def test_a_server_that_ignores_range_gets_the_file_rewritten(server: str, tmp_path: Path) -> None:
    """A 200 to a Range request is the whole file: written over the kept bytes, not after
    them, and counted from 0."""
    partial = tmp_path / "a.partial"
    partial.write_bytes(GOOD[:1000])
    calls: list[tuple[int, int | None]] = []
    dl.fetch(server + "/no-range.tar.gz", partial, lambda done, total: calls.append((done, total)))
    assert partial.read_bytes() == GOOD
    assert calls[-1] == (len(GOOD), len(GOOD))  # not 1000 more
    assert {total for _, total in calls} == {len(GOOD)}


def test_an_unknown_dataset_and_an_archive_without_its_folder(server: str, tmp_path: Path) -> None:
    with pytest.raises(dl.UsageError) as error:
        dl.download("nope", tmp_path)
    assert str(error.value) == "unknown dataset 'nope': choose one of leandojo-benchmark-4"
    data = FILES["/no-folder.tar.gz"]
    url = server + "/no-folder.tar.gz"
    with pytest.raises(dl.DownloadError) as failed:
        dl.download("leandojo-benchmark-4", tmp_path, url, hashlib.md5(data).hexdigest())
    archive = tmp_path / f"{FOLDER}.tar.gz"
    assert str(failed.value) == f"{archive}: no folder {FOLDER!r} inside"
    assert sorted(p.name for p in tmp_path.iterdir()) == [archive.name]  # no staging left


def test_a_local_mirror_by_file_url_and_md5_digits(tmp_path: Path) -> None:
    """--url file://... is a source like any other; --md5 is 32 hexadecimal digits."""
    mirror = tmp_path / "mirror.tar.gz"
    mirror.write_bytes(GOOD)
    out = tmp_path / "out"
    assert dl.download("leandojo-benchmark-4", out, mirror.as_uri(), MD5) == out / FOLDER
    assert (out / FOLDER / "corpus.jsonl").is_file()
    with pytest.raises(dl.UsageError, match="--md5 must be 32 hexadecimal digits"):
        dl.download("leandojo-benchmark-4", out, mirror.as_uri(), "x" * 32)
