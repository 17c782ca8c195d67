"""Arguments and loading that several commands share (generate, serve, prove)."""

from __future__ import annotations

import argparse
from typing import Any

from tacgen.cli import setup_torch
from tacgen.core.errors import UsageError
from tacgen.generator.options import BACKENDS, GenerationOptions


def add_decoding_arguments(parser: argparse.ArgumentParser) -> None:
    """The :class:`GenerationOptions` flags (mode, sampling, prefix, filters)."""
    group = parser.add_argument_group("decoding")
    group.add_argument(
        "--mode", choices=("beam", "sample"), default="beam",
        help="beam search (scores: log-probs of the best beams) or sampling",
    )  # fmt: skip
    group.add_argument("--temperature", type=float, default=1.0, help="sampling temperature")
    group.add_argument("--top-k", type=int, default=0, help="sample among the k best (0: all)")
    group.add_argument("--top-p", type=float, default=1.0, help="nucleus sampling mass")
    group.add_argument("--seed", type=int, help="sampling seed (same seed, same samples)")
    group.add_argument("--prefix", default="", help="every tactic starts with this text")
    group.add_argument(
        "--ban", action="append", default=[], metavar="TACTIC", dest="banned_tactics",
        help="remove candidates using this tactic (repeatable), e.g. --ban aesop",
    )  # fmt: skip
    group.add_argument(
        "--exclude-theorem-name", action="store_true",
        help="remove candidates that mention the theorem's own name",
    )  # fmt: skip


def options_from(args: argparse.Namespace) -> GenerationOptions:
    """The :class:`GenerationOptions` of parsed :func:`add_decoding_arguments` flags."""
    return GenerationOptions.from_attributes(args)


def add_ckpt_argument(parser: argparse.ArgumentParser, help: str) -> None:
    """``--ckpt`` (alias ``--ckpt_path``, LightningCLI's name), required."""
    parser.add_argument("--ckpt", "--ckpt_path", dest="ckpt", required=True, help=help)


def add_backend_arguments(parser: argparse.ArgumentParser) -> None:
    """``--backend``, ``--compute-type`` and ``--device``: how a checkpoint is loaded."""
    parser.add_argument("--backend", choices=BACKENDS, default="torch", help="decoding backend")
    parser.add_argument(
        "--compute-type", help="ct2: int8 (CPU default), int8_float32, int8_float16 (CUDA "
        "default), bfloat16, float32",
    )  # fmt: skip
    parser.add_argument("--device", default="auto", help="cpu, cuda, cuda:1, ... or auto")


def add_retriever_arguments(
    parser: argparse.ArgumentParser, description: str | None = None
) -> None:
    """The retriever flags (the ``retriever_*`` fields of ``GeneratorSpec``).

    Args:
        parser: the command's parser.
        description: what the command does with them (shown by ``--help``).
    """
    group = parser.add_argument_group("retrieval (premises put before each state)", description)
    group.add_argument("--retriever-ckpt", help="a premise retriever checkpoint (retrieval on)")
    group.add_argument(
        "--retriever-index", help="its embeddings file from `tacgen index` (else re-encoded)"
    )
    group.add_argument(
        "--retriever-corpus", help="the corpus.jsonl to retrieve from (default: the retriever's)"
    )
    group.add_argument(
        "--retriever-exact", action="store_true",
        help="search the embeddings exactly (float32), not through the ANN index beside them",
    )  # fmt: skip


def add_model_arguments(parser: argparse.ArgumentParser, ckpt_help: str) -> None:
    """``--ckpt``, the backend and device, the template flags and the retriever flags of
    :func:`load_from_args`."""
    add_ckpt_argument(parser, ckpt_help)
    add_backend_arguments(parser)
    add_template_arguments(parser)
    add_retriever_arguments(parser)


def add_template_arguments(parser: argparse.ArgumentParser, server: bool = False) -> None:
    """``--template`` and ``--force-template`` (causal models; ``GeneratorSpec``'s fields).

    Args:
        parser: the command's parser.
        server: the command also takes ``--server openai:URL``, which needs a template.
    """
    with_server = "required with --server openai:URL; " if server else ""
    parser.add_argument(
        "--template",
        help=f"a causal model's prompt template: bfs, internlm-step, reprover-causal, or a "
        f"format string with {{state}}, {{name}}, {{proof_before}} ({with_server}a checkpoint "
        "or export uses the one it saved; a published model's directory saves none)",
    )
    parser.add_argument(
        "--force-template",
        action="store_true",
        help="query a local causal model with --template although it was trained on another",
    )


def spec_from_args(args: argparse.Namespace) -> Any:
    """The ``GeneratorSpec`` that parsed model flags name: ``--server``, or ``--ckpt`` with
    :func:`add_backend_arguments` and :func:`add_retriever_arguments`.

    Raises:
        UsageError: for retriever flags without ``--retriever-ckpt``, or with ``--server``
            (the server's own retriever answers).
    """
    from tacgen.prover.generators import GeneratorSpec

    given = [
        f"--{name.replace('_', '-')}"
        for name in ("retriever_ckpt", "retriever_index", "retriever_corpus", "retriever_exact")
        if getattr(args, name, None)
    ]
    server = getattr(args, "server", None)
    if server is not None:
        if given:
            raise UsageError(
                f"{given[0]} goes with --ckpt; with --server the server's own retriever is "
                "used (tacgen serve --retriever-ckpt ...)"
            )
        model, template = getattr(args, "model", None), getattr(args, "template", None)
        return GeneratorSpec(server=server, model=model, template=template)
    if given and not args.retriever_ckpt:
        raise UsageError(
            "--retriever-index, --retriever-corpus and --retriever-exact need --retriever-ckpt"
        )
    return GeneratorSpec(
        path=args.ckpt,
        device=args.device,
        backend=args.backend,
        compute_type=args.compute_type,
        retriever_ckpt=args.retriever_ckpt,
        retriever_index=args.retriever_index,
        retriever_corpus=args.retriever_corpus,
        retriever_exact=args.retriever_exact,
        template=getattr(args, "template", None),
        force_template=getattr(args, "force_template", False),
    )


def load_from_args(args: argparse.Namespace) -> Any:
    """The generator that :func:`add_model_arguments` flags name (``build_generator``)."""
    from tacgen.prover.generators import build_generator

    spec = spec_from_args(args)
    if spec.server is None:
        setup_torch()
    return build_generator(spec)


def positive_float(text: str) -> float:
    """An argparse ``type``: a number above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value:g}")
    return value


def add_repl_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--env repl`` flags (the fields of ``ReplSettings``; defaults there)."""
    from tacgen.cli import int_at_least

    group = parser.add_argument_group("--env repl (the Lean REPL)")
    group.add_argument(
        "--project", metavar="DIR",
        help="the Lean project the REPL runs in (requires Mathlib and the REPL; lake build done)",
    )  # fmt: skip
    group.add_argument(
        "--repl-path", metavar="DIR",
        help="a built leanprover-community/repl (default: PROJECT/.lake/packages/REPL)",
    )  # fmt: skip
    group.add_argument("--lake-path", metavar="LAKE", help="the lake executable (default: lake)")
    group.add_argument(
        "--tactic-timeout", type=positive_float, metavar="SECONDS",
        help="seconds per tactic; past it the tactic is an error and the REPL restarts "
        "(default: 10)",
    )  # fmt: skip
    group.add_argument(
        "--command-timeout", type=positive_float, metavar="SECONDS",
        help="seconds for a header import, a statement or a whole-proof check (default: 600)",
    )  # fmt: skip
    group.add_argument(
        "--repl-memory-mb", type=int_at_least(1), metavar="MIB",
        help="hard limit of each REPL process's address space (RLIMIT_AS, which counts "
        "the mapped .olean files: give a Mathlib REPL several GiB; default: none)",
    )  # fmt: skip
    group.add_argument(
        "--repl-restart-every", type=int_at_least(0), metavar="N",
        help="start a fresh REPL every N theorems, against memory growth (0: never; "
        "default: 200)",
    )  # fmt: skip
