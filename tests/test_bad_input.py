"""Malformed, truncated, empty, oversized and wrong-type input: one clear line, no traceback.

The cases were found by trying every command and the Python API with bad input; each one
used to end in a traceback, a usage dump, a wrong message or a silent acceptance. Cases
that other test files already hold (checkpoints, splits, predictions, corpora, YAML syntax,
devices, num-samples) are not repeated here.
"""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import pytest
import torch

from tacgen.cli import main
from tacgen.core.atomic import atomic_write_text
from tacgen.core.errors import RecordError, TacgenError, UsageError
from tacgen.core.records import Query, make_queries
from tacgen.generator.options import GenerationOptions, check_num_samples
from tacgen.serving.remote import RemoteGenerator

REPO = Path(__file__).resolve().parents[1]
DEMO_CONFIG = str(REPO / "configs" / "demo.yaml")
DEMO_TEST = "tacgen:demo/random/test.json"


def error_line(capsys: pytest.CaptureFixture[str], argv: list[str], *fragments: str) -> str:
    """Runs ``tacgen ARGV``: exit status 2, and stderr is one error line holding fragments.

    argparse's errors leave through SystemExit (as they do in the ``tacgen`` script)."""
    capsys.readouterr()
    try:
        status = main(argv)
    except SystemExit as exit_:
        status = exit_.code  # type: ignore[assignment]
    assert status == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and ": error: " in lines[0], err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def retriever_checkpoint(tmp_path: Path) -> Path:
    """A file that reads as a retriever checkpoint (its backbone config key) and no more."""
    path = tmp_path / "retriever.ckpt"
    torch.save({"t5_encoder_config": {"d_model": 8}, "state_dict": {}}, path)
    return path


# ------------------------------------------------------------------------ argument values


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["generate", "--ckpt", "x.ckpt", "--num-samples", "abc"], ["--num-samples", "'abc'"]),
        (["summary", "--data-path", "tacgen:demo/random", "--top", "-1"], ["--top", "-1"]),
        (["summary", "--data-path", "tacgen:demo/random", "--max-input-length", "0"], ["0"]),
        (["index", "--ckpt", "r.ckpt", "--out", "i.st", "--batch-size", "0"], ["--batch-size"]),
        (
            ["retrieve", "--bm25", "--state", "s", "--file-path", "A.lean", "--position", "a", "1"],
            ["--position", "'a'"],
        ),
        (["serve", "--ckpt", "x.ckpt", "--log-level", "loud"], ["--log-level", "'loud'"]),
        (
            [
                "prove",
                "--data-path",
                DEMO_TEST,
                "--ckpt",
                "x.ckpt",
                "--out",
                "r.jsonl",
                "--max-expansions",
                "0",
            ],
            ["--max-expansions"],
        ),
    ],
)
def test_bad_argument_values_are_one_line_not_a_usage_dump(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragments: list[str]
) -> None:
    line = error_line(capsys, argv, *fragments)
    assert "--help" in line  # where the full usage is


def test_prove_refuses_bad_workers_before_any_progress_bar(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["prove", "--data-path", DEMO_TEST, "--ckpt", str(tmp_path / "x.ckpt")]
    error_line(capsys, [*argv, "--out", str(tmp_path / "r.jsonl"), "--workers", "0"], "--workers")


@pytest.mark.parametrize("url", ["notaurl", "127.0.0.1:23337", "ftp://127.0.0.1/x"])
def test_prove_refuses_a_server_url_that_is_not_http(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str
) -> None:
    argv = ["prove", "--data-path", DEMO_TEST, "--server", url, "--out", str(tmp_path / "r")]
    error_line(capsys, argv, "http://", repr(url))
    with pytest.raises(UsageError, match="http"):
        RemoteGenerator(url)


def test_serve_refuses_a_port_in_use_before_loading_the_model(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        # The checkpoint does not exist: the address is checked first, in one line.
        argv = ["serve", "--ckpt", str(tmp_path / "x.ckpt"), "--port", port]
        error_line(capsys, argv, f"127.0.0.1:{port}", "in use")


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        (["--url", "ftp://127.0.0.1/x.tar.gz"], ["--url", "http"]),
        (["--url", "data:text/plain,x"], ["--url"]),
        (["--md5", "xyz"], ["--md5", "32 hexadecimal"]),
        (["--md5", "g" * 32], ["--md5"]),
    ],
)
def test_download_refuses_bad_sources_before_connecting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: list[str], fragments: list[str]
) -> None:
    argv = ["download", "leandojo-benchmark-4", "--out", str(tmp_path / "data"), *extra]
    error_line(capsys, argv, *fragments)
    assert not (tmp_path / "data").exists()  # nothing was started


def test_download_refuses_an_out_that_is_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "afile").write_text("x")
    argv = ["download", "leandojo-benchmark-4", "--out", str(tmp_path / "afile")]
    error_line(capsys, [*argv, "--url", "http://127.0.0.1:9/x.tar.gz"], "is a file")


# ------------------------------------------------------------------------ configs and ckpts


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        (b"", ["empty"]),
        (b"# only a comment\n", ["empty"]),
        (b"- a\n- b\n", ["YAML list"]),
        (b"just a string\n", ["YAML str"]),
        (b"\xff\xfe\x00binary", ["UTF-8"]),
    ],
)
def test_a_config_that_is_not_a_mapping_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, fragments: list[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(content)
    error_line(capsys, ["fit", "--config", str(path)], str(path), *fragments)


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["fit", "--config", DEMO_CONFIG, "--model.lr", "fast"], ["model.lr", "fast"]),
        (["fit", "--config", DEMO_CONFIG, "--model.nope", "1"], ["--model.nope"]),
        (["retriever", "fit", "--model.lr", "x"], ["model.lr"]),
        (["validate", "--config", DEMO_CONFIG, "--trainer.max_steps", "many"], ["max_steps"]),
    ],
)
def test_lightning_parser_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragments: list[str]
) -> None:
    line = error_line(capsys, argv, *fragments)
    assert line.startswith("tacgen: error:") and "--help" in line


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        (["--data.num_workers", "-1"], ["num_workers must be >= 0"]),
        (["--data.data_path", "tacgen:demo/random/train.json"], ["split folder", "train.json"]),
        (["--model.lr", "-1"], ["lr > 0"]),
        (
            [
                "--trainer.callbacks+=tacgen.nn.checkpointing.LastCheckpoint",
                "--trainer.callbacks.every_n_train_steps",
                "0",
            ],
            ["every_n_train_steps"],
        ),
    ],
)
def test_bad_fit_values_are_one_line(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
    fragments: list[str],
) -> None:
    """Refused by a constructor (wrapped by jsonargparse) or at the optimizer's creation."""
    monkeypatch.chdir(tmp_path)
    argv = ["fit", "--config", DEMO_CONFIG, "--trainer.max_steps", "1", *extra]
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.startswith("tacgen: error:")]
    assert err.rstrip().endswith(line) and all(f in line for f in fragments), err


@pytest.mark.parametrize("command", ["fit", "validate", "test", "predict"])
def test_a_retriever_checkpoint_given_to_the_generator_is_named(
    capsys: pytest.CaptureFixture[str], retriever_checkpoint: Path, command: str
) -> None:
    argv = [command, "--config", DEMO_CONFIG, "--ckpt_path", str(retriever_checkpoint)]
    error_line(capsys, argv, "is a retriever checkpoint, not a generator one")


def test_a_generator_checkpoint_given_to_the_retriever_is_named(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "generator.ckpt"
    torch.save({"t5_config": {"d_model": 8}, "state_dict": {}}, path)
    argv = ["retriever", "fit", "--config", str(REPO / "configs" / "retriever-demo.yaml")]
    error_line(capsys, [*argv, "--ckpt_path", str(path)], "is a generator checkpoint")


def test_writing_an_output_over_a_directory_is_refused_up_front(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError, match="is a directory"):
        atomic_write_text(tmp_path, "x")
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


# ------------------------------------------------------------------------ results files


def test_summary_of_a_results_file_cut_by_a_kill_skips_the_partial_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "results.jsonl"
    row = {"file_path": "A.lean", "full_name": "A.t", "status": "proved"}
    path.write_text(json.dumps(row) + '\n{"file_path": "A.lean", "full_na')
    capsys.readouterr()
    with caplog.at_level(logging.WARNING):
        assert main(["prove", "--summary", str(path)]) == 0
    assert "Pass@1: 1/1" in capsys.readouterr().out
    assert "partial last line" in caplog.text


@pytest.mark.parametrize(
    "content", [b"\xff\xfe\x00garbage\n", b'{"status": "proved"}\n\xc3\x28\n{"status": "failed"}\n']
)
def test_summary_of_a_binary_results_file_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "results.jsonl"
    path.write_bytes(content)
    error_line(capsys, ["prove", "--summary", str(path)], f"{path}:", "not a result line")


# ------------------------------------------------------------------------ the Python API


@pytest.mark.parametrize("value", ["3", 2.5, None, True, [2]])
def test_num_samples_must_be_an_int(value: Any) -> None:
    with pytest.raises(UsageError, match="num_samples must be an int"):
        check_num_samples(value)


def test_num_samples_accepts_numpy_ints() -> None:
    """A numpy int is an int: accepted up to the bound, refused past it as an int is, and
    kept by the search's config."""
    import numpy as np

    from tacgen.generator.options import MAX_NUM_SAMPLES
    from tacgen.prover.search import SearchConfig

    for value in (np.int64(1), np.int32(4), np.int64(MAX_NUM_SAMPLES)):
        check_num_samples(value)  # no error
    for value in (np.int64(0), np.int64(MAX_NUM_SAMPLES + 1)):
        with pytest.raises(UsageError, match=rf"must be in \[1, {MAX_NUM_SAMPLES}\], got {value}$"):
            check_num_samples(value)
    config = SearchConfig(num_sampled_tactics=np.int64(4))  # type: ignore[arg-type]
    assert config.num_sampled_tactics == 4


@pytest.mark.parametrize("field", ["state", "file_path", "full_name"])
@pytest.mark.parametrize("value", [5, None, b"bytes"])
def test_query_fields_must_be_strings(field: str, value: Any) -> None:
    with pytest.raises(RecordError, match=f"{field} must be a string"):
        Query(**{"state": "s", field: value})


@pytest.mark.parametrize("text", ["\ud800", "goal ⊢ \udfff x"])
def test_a_state_without_utf8_form_is_refused(text: str) -> None:
    with pytest.raises(RecordError, match="not valid Unicode"):
        Query(text)


def test_one_string_is_not_a_list_of_states() -> None:
    """``batch_generate("state", ...)`` would otherwise ask once per character."""
    with pytest.raises(UsageError, match="one string"):
        make_queries("abc", ["", "", ""], ["", "", ""], [(0, 0)] * 3)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"prefix": 5}, "prefix must be a string"),
        ({"banned_tactics": "aesop"}, "collection of tactics"),
    ],
)
def test_generation_options_check_types(options: dict[str, Any], match: str) -> None:
    with pytest.raises(UsageError, match=match):
        GenerationOptions(**options)


def test_every_api_refusal_is_a_tacgen_error() -> None:
    """So that callers (and the CLI, and the server's 422) catch one class."""
    for call in (
        lambda: check_num_samples("3"),
        lambda: Query("\ud800"),
        lambda: GenerationOptions(prefix=1),
        lambda: RemoteGenerator("x"),
    ):
        with pytest.raises(TacgenError):
            call()
