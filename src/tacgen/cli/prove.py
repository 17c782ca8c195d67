"""``tacgen prove``: best-first proof search over a split, Pass@1, resumable."""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from tacgen.cli import CommandParser, int_at_least
from tacgen.cli.common import (
    add_backend_arguments,
    add_decoding_arguments,
    add_repl_arguments,
    add_retriever_arguments,
    add_template_arguments,
    load_from_args,
    options_from,
    spec_from_args,
)
from tacgen.core.errors import UsageError
from tacgen.prover.candidates import SCORES
from tacgen.prover.environments import ENVIRONMENTS

logger = logging.getLogger("tacgen.prove")

_RETRIEVAL_HELP = (
    "With --ckpt and --retriever-ckpt, the best accessible premises of every expanded state "
    "are put before it (ReProver's retrieval-augmented prover; the nodes of one "
    "--expansion-batch are retrieved in one batch). Accessible: for a split's theorem, the "
    "files its file imports and its own file's premises before the theorem; for a "
    "statements file (--env repl), the modules its header imports (and Init), transitively. "
    "A theorem whose file is not in the corpus, and whose header imports nothing or a "
    "module the corpus lacks, stops the run with a one-line error before any search (not a "
    "retrieval over all premises). With --server, the server's own retriever (tacgen serve "
    "--retriever-ckpt) answers."
)


def _parser() -> argparse.ArgumentParser:
    p = CommandParser(
        prog="tacgen prove",
        description="Best-first proof search (ReProver's) for every theorem of a split, one "
        "JSON line per theorem in --out, flushed as each ends; rerunning with the same --out "
        "resumes. Prints Pass@1 (proved / attempted, env_error not attempted). --env replay "
        "needs no Lean: it accepts the traced tactics only, so its Pass@1 is a lower bound. "
        "--env repl searches in real Lean through the Lean REPL, on a statements file "
        "(.jsonl, miniF2F's format), and checks every proof again as a whole.",
    )
    p.add_argument("--summary", type=Path, metavar="RESULTS", help="only summarise a results file")
    p.add_argument(
        "--data-path",
        help="a LeanDojo split file (random/test.json, tacgen:demo/random/test.json) for "
        "replay and leandojo, or a statements file (.jsonl: name, split, formal_statement, "
        "header) for repl",
    )
    p.add_argument("--split", help="only the statements of this split (a .jsonl's 'split')")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--ckpt", "--ckpt_path", dest="ckpt", help="a generator to load")
    source.add_argument(
        "--server",
        help="a tacgen serve URL to ask (http://127.0.0.1:23337), or openai:URL for an "
        "OpenAI-compatible /v1/completions server (vLLM, SGLang) with --model and --template",
    )
    p.add_argument("--model", help="with --server openai:URL: the served model's name")
    add_template_arguments(p, server=True)
    add_backend_arguments(p)
    add_retriever_arguments(p, _RETRIEVAL_HELP)
    p.add_argument(
        "--env", choices=tuple(ENVIRONMENTS), default="replay",
        help="replay: the traced proofs stand in for Lean (no Lean needed); leandojo: real "
        "Lean through LeanDojo; repl: real Lean through the Lean REPL",
    )  # fmt: skip
    p.add_argument("--out", type=Path, help="results.jsonl (appended; done theorems skipped)")
    p.add_argument("--num-sampled-tactics", type=int, default=64, help="candidates per node")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per theorem")
    p.add_argument(
        "--max-expansions", type=int_at_least(1), help="expanded nodes per theorem at most"
    )
    p.add_argument(
        "--expansion-batch", type=int_at_least(1), default=1,
        help="frontier nodes expanded per generator call (1: ReProver's order)",
    )  # fmt: skip
    p.add_argument("--workers", type=int_at_least(1), default=1, help="theorems searched at once")
    p.add_argument("--ray-address", help="run the workers as Ray actors (auto, ray://..., local)")
    p.add_argument("--theorems", nargs="+", metavar="NAME", help="only these theorems")
    p.add_argument("--limit", type=int_at_least(1), help="at most this many theorems")
    p.add_argument(
        "--strict-provenance", action="store_true",
        help="refuse (instead of warning) when the model was trained on these theorems",
    )  # fmt: skip
    p.add_argument(
        "--export-proofs", type=Path, metavar="DIR",
        help="write each proof found (with --env repl) as DIR/NAME.lean, checkable with "
        "`lake env lean`",
    )  # fmt: skip
    _add_candidate_arguments(p)
    add_repl_arguments(p)
    add_decoding_arguments(p)
    return p


def _add_candidate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--library", metavar="FILE|auto",
        help="a tactic library tried on every state beside the model's candidates, each "
        "scored by the model (teacher forcing, the beams' score) and merged by score: a file "
        "(one tactic per line, or a JSON list), or auto (the training split's 64 most "
        "frequent tactics, from the checkpoint's provenance or --library-from)",
    )  # fmt: skip
    p.add_argument(
        "--library-from", metavar="SPLIT",
        help="with --library auto: the training split file to take the frequent tactics from",
    )  # fmt: skip
    p.add_argument(
        "--num-beams", type=int_at_least(1),
        help="beams (or samples) asked of the model per node (default: --num-sampled-tactics); "
        "with --library, the merged list is cut to --num-sampled-tactics",
    )  # fmt: skip
    p.add_argument(
        "--library-slots", type=int_at_least(0), default=0,
        help="slots of --num-sampled-tactics kept for the library's best tactics whatever the "
        "beams score (default 0: the merged list is cut by score alone)",
    )  # fmt: skip
    p.add_argument(
        "--library-renamings", type=int_at_least(0), default=0, metavar="N",
        help="also score, on each state, up to N library tactics with their local names "
        "(h, hp, h₁, x) renamed to the state's (exact ⟨hq, hp⟩ -> exact ⟨h₁, h₂⟩); default 0",
    )  # fmt: skip
    p.add_argument(
        "--library-prior", type=float, default=0.0, metavar="W",
        help="add W * -log(rank + 1) to each library tactic's score, its rank in the library "
        "(auto: by training frequency): a Zipf frequency prior (default 0: the model's alone)",
    )  # fmt: skip
    p.add_argument(
        "--score", choices=SCORES, default="sum",
        help="edge score: sum (the tactic's log-probability, ReProver's) or mean-token (per "
        "token, BFS-Prover's length normalisation); a node's priority sums its path's scores",
    )  # fmt: skip
    p.add_argument(
        "--trace", action="store_true",
        help="record each theorem's search tree (nodes, and edges with tactic, score, origin, "
        "outcome and seconds) in OUT.trace.jsonl beside --out, for tacgen report",
    )  # fmt: skip


def prove(name: str, argv: list[str]) -> int:
    """``tacgen prove``."""
    args = _parser().parse_args(argv)
    from tacgen.prover.results import read_results, repair, summarize

    if args.summary is not None:
        if not args.summary.is_file():
            raise FileNotFoundError(f"results file not found: {args.summary}")
        print(summarize(read_results(args.summary)).line())
        return 0
    _check(args)
    from tacgen.prover.environments import make_environment, settings_from
    from tacgen.prover.report import trace_path
    from tacgen.prover.results import ResultsWriter, TraceWriter
    from tacgen.prover.runner import Progress

    theorems = _theorems(args)
    keys = {t.key for t in theorems}
    if args.ckpt is not None:
        from tacgen.data.provenance import check_overlap
        from tacgen.nn.checkpoint import read_provenance

        record = read_provenance(Path(args.ckpt).expanduser())
        check_overlap(record, keys, args.data_path, args.strict_provenance)
    repair(args.out)  # a line cut by a kill: dropped, its theorem runs again
    previous = [r for r in read_results(args.out) if _key(r) in keys]
    _check_same_environment(previous, args)
    done = {_key(r) for r in previous}
    todo = [t for t in theorems if t.key not in done]
    if previous:
        logger.info("%s: %d of %d theorems already done", args.out, len(done), len(theorems))
    config = _search_config(args)
    settings = settings_from(args.env, args)
    make_environment(args.env, settings)  # fails now, in one line, if it cannot work
    if todo:  # else nothing to load: the summary below is all there is
        generator = None if args.ray_address else _generator(args)
        if generator is not None:
            from tacgen.prover.generators import check_retrieval_context

            check_retrieval_context(generator, todo)
            _log_retrieval(generator)
        writer = ResultsWriter(args.out, args.env)
        traces = TraceWriter(trace_path(args.out)) if args.trace else None
        progress = Progress(len(theorems), Counter(r["status"] for r in previous), enabled=True)
        try:
            _run(args, settings, todo, config, writer, progress, generator, traces)
        finally:
            progress.close()
            writer.close()
            if traces is not None:
                traces.close()
    rows = [r for r in read_results(args.out) if _key(r) in keys]
    if args.export_proofs is not None:
        from tacgen.prover.results import export_proofs

        written = export_proofs(rows, args.export_proofs)
        logger.info("%s: %d proofs written", args.export_proofs, written)
    print(summarize(rows).line())
    return 0


def _search_config(args: argparse.Namespace) -> Any:
    """The search's budget and candidate sources, from the arguments."""
    from tacgen.prover.search import SearchConfig

    library: tuple[str, ...] = ()
    if args.library is not None:
        from tacgen.prover.library import load_library

        library = load_library(args.library, args.ckpt, args.library_from)
        logger.info("tactic library: %d tactics (%s)", len(library), args.library)
    elif args.library_from is not None:
        raise UsageError("--library-from goes with --library auto")
    return SearchConfig(
        args.num_sampled_tactics, args.timeout, args.max_expansions, args.expansion_batch,
        options_from(args), library=library, num_beams=args.num_beams,
        library_slots=args.library_slots, score=args.score, library_prior=args.library_prior,
        library_renamings=args.library_renamings,
    )  # fmt: skip


def _theorems(args: argparse.Namespace) -> list[Any]:
    """The theorems of --data-path (a statements file or a split), checked against --env."""
    from tacgen.prover.statements import is_statements_file, load_statements

    if is_statements_file(args.data_path):
        if args.env != "repl":
            raise UsageError(f"--env {args.env} needs a LeanDojo split, not a statements file")
        return load_statements(args.data_path, args.split, args.theorems, args.limit)
    if args.env == "repl":
        raise UsageError("--env repl proves a statements file (.jsonl), not a LeanDojo split")
    if args.split is not None:
        raise UsageError("--split selects the lines of a statements file (.jsonl)")
    from tacgen.prover.theorems import load_theorems

    return load_theorems(args.data_path, args.theorems, args.limit)


def _key(row: dict[str, Any]) -> tuple[Any, Any]:
    return (row.get("file_path"), row.get("full_name"))


def _check(args: argparse.Namespace) -> None:
    if args.data_path is None or args.out is None:
        raise UsageError("give --data-path SPLIT.json and --out results.jsonl (or --summary)")
    if (args.ckpt is None) == (args.server is None):
        raise UsageError("give exactly one of --ckpt PATH or --server URL")
    if args.server is not None and (args.backend != "torch" or args.compute_type):
        raise UsageError("--backend and --compute-type choose how --ckpt is loaded")
    if args.ckpt is not None and not Path(args.ckpt).expanduser().exists():
        raise FileNotFoundError(f"generator checkpoint does not exist: {args.ckpt}")
    spec = spec_from_args(args)  # the retriever flags, checked before anything loads
    if spec.is_openai and args.mode != "sample":
        raise UsageError(
            "--server openai: samples: give --mode sample (BFS-Prover: --num-sampled-tactics "
            "16 --temperature 0.7); OpenAI-compatible servers have no beam search"
        )
    if args.server is not None and not args.ray_address:
        from tacgen.prover.generators import build_generator
        from tacgen.serving.openai import OpenAIGenerator
        from tacgen.serving.remote import RemoteGenerator

        # An unreachable (or not OpenAI-compatible) server is one line now, before any
        # theorem is loaded.
        client = build_generator(spec)
        if isinstance(client, OpenAIGenerator):
            client.check()
        elif isinstance(client, RemoteGenerator):
            client.health()


def _check_same_environment(previous: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """Refuses to add one environment's results to a file of another's (the theorems done
    there would be skipped, and the Pass@1 would mix both)."""
    others = {r["env"] for r in previous if r.get("env") not in (None, args.env)}
    if others:
        other = sorted(others)[0]
        raise UsageError(
            f"{args.out} holds --env {other} results; give another --out, or --env {other}"
        )


def _generator(args: argparse.Namespace) -> Any:
    """The generator of ``--server`` or ``--ckpt`` (and its retriever), in this process
    (its server's health was checked by _check)."""
    return load_from_args(args)


def _log_retrieval(generator: Any) -> None:
    """Says whether inputs get premises (a generator's checkpoint may name a retriever)."""
    retriever = getattr(generator, "retriever", None)
    if retriever is None:
        return
    search = "ANN index" if getattr(retriever, "uses_ann", False) else "exact"
    logger.info(
        "retrieval: %d premises per state from %s (%d premises, %s search)",
        generator.inputs.num_retrieved, retriever.corpus.path, len(retriever.corpus), search,
    )  # fmt: skip


def _run(
    args: argparse.Namespace,
    settings: Any,
    todo: list[Any],
    config: Any,
    writer: Any,
    progress: Any,
    generator: Any,
    traces: Any,
) -> None:
    from tacgen.prover.environments import make_environment
    from tacgen.prover.runner import prove_theorems, prove_with_ray

    if args.ray_address:  # each actor loads its own generator
        spec = spec_from_args(args)
        prove_with_ray(
            todo,
            args.env,
            settings,
            spec,
            config,
            writer,
            args.workers,
            args.ray_address,
            progress,
            traces,
        )
        return

    def make_env() -> Any:
        return make_environment(args.env, settings)

    prove_theorems(todo, make_env, generator, config, writer, args.workers, progress, traces)
