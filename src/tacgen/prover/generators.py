"""The one builder of the search's generator, for threads and Ray actors alike.

A :class:`GeneratorSpec` says where candidates come from (a ``tacgen serve`` server, an
OpenAI-compatible ``/v1/completions`` server such as vLLM, or a checkpoint loaded in this
process); :func:`build_generator` makes it, and
:func:`search_generator` shares it between worker threads. ``tacgen prove`` builds its
generator here, and so does each Ray actor, so a threaded run and a Ray run cannot differ.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from tacgen.core.errors import UnknownFileError, UsageError
from tacgen.generator.interface import TacticGenerator
from tacgen.prover.environment import Theorem

OPENAI_PREFIX = "openai:"
"""``--server openai:URL``: an OpenAI-compatible completions server, not ``tacgen serve``."""


@dataclass(frozen=True)
class GeneratorSpec:
    """Where the search's tactics come from (picklable: Ray actors receive it)."""

    server: str | None = None
    """A ``tacgen serve`` URL, or ``openai:URL`` for an OpenAI-compatible completions
    server (with :attr:`model` and :attr:`template`); when set, the checkpoint fields are
    unused."""
    model: str | None = None
    """The model an ``openai:`` server serves (its ``--served-model-name``)."""
    template: str | None = None
    """A causal model's prompt template: a name (``bfs``, ``internlm-step``,
    ``reprover-causal``) or a format string with ``{state}``. Required for an ``openai:``
    server's model; for a checkpoint or directory, the one saved with it is used when None
    (a published model's directory saves none)."""
    force_template: bool = False
    """Query a local causal model with :attr:`template` although it saved another."""
    path: str | None = None
    """A generator checkpoint or directory (``load_generator``'s ``path``)."""
    device: str = "auto"
    """``auto``, ``cpu``, ``cuda:1``, ..."""
    backend: str = "torch"
    """``torch`` or ``ct2``."""
    compute_type: str | None = None
    """The ct2 compute type."""
    retriever_ckpt: str | None = None
    """A premise retriever checkpoint: retrieval on (premises put before each state)."""
    retriever_index: str | None = None
    """Its embeddings file from ``tacgen index`` (the corpus is encoded at load without)."""
    retriever_corpus: str | None = None
    """The corpus to retrieve from (the retriever's own when None)."""
    retriever_exact: bool = False
    """Search the embeddings exactly, not through the ANN index beside them."""

    def __post_init__(self) -> None:
        if (self.server is None) == (self.path is None):
            raise UsageError("give exactly one of --ckpt PATH or --server URL")
        if self.server is not None and self.retriever_ckpt is not None:
            raise UsageError("a retriever goes with --ckpt; a server uses its own")
        if not self.is_openai and self.model is not None:
            raise UsageError("--model goes with --server openai:URL")
        if self.server is not None and not self.is_openai and self.template is not None:
            raise UsageError("--template goes with --ckpt or --server openai:URL")
        if self.force_template and self.path is None:
            raise UsageError("--force-template goes with --ckpt (and --template)")
        if self.force_template and self.template is None:
            raise UsageError("--force-template needs --template")
        if self.is_openai:
            if not self.model or not self.template:
                raise UsageError(
                    "--server openai:URL needs --model NAME (the served model) and "
                    "--template NAME|FORMAT (the prompt format it was trained on, e.g. bfs)"
                )
            from tacgen.generator.templates import resolve_template

            resolve_template(self.template)  # an unknown name fails now, in one line

    @property
    def is_openai(self) -> bool:
        """Whether the server is an OpenAI-compatible one (``openai:URL``)."""
        return self.server is not None and self.server.startswith(OPENAI_PREFIX)


def build_generator(spec: GeneratorSpec) -> TacticGenerator:
    """The generator a spec names, in this process.

    Args:
        spec: a server, or a checkpoint to load.

    Returns:
        An ``OpenAIGenerator``, a ``RemoteGenerator`` or an ``InferenceGenerator`` (with the
        spec's retriever, if any, attached through ``load_generator``).
    """
    if spec.is_openai:
        from tacgen.generator.templates import resolve_template
        from tacgen.serving.openai import OpenAIGenerator

        assert spec.server is not None and spec.model and spec.template  # checked by the spec
        url = spec.server[len(OPENAI_PREFIX) :]
        return OpenAIGenerator(url, spec.model, resolve_template(spec.template))
    if spec.server is not None:
        from tacgen.serving.remote import RemoteGenerator

        return RemoteGenerator(spec.server)
    from tacgen.generator.inference import load_generator

    assert spec.path is not None  # checked by GeneratorSpec
    return load_generator(
        spec.path,
        device=spec.device,
        backend=spec.backend,
        compute_type=spec.compute_type,
        retriever_ckpt=spec.retriever_ckpt,
        retriever_corpus=spec.retriever_corpus,
        retriever_index=spec.retriever_index,
        retriever_exact=spec.retriever_exact or None,
        template=spec.template,
        force_template=spec.force_template,
    )


def check_retrieval_context(generator: TacticGenerator, theorems: list[Theorem]) -> None:
    """Refuses, in one line, a theorem whose premises a local retriever cannot tell.

    A theorem's accessible premises come from its file, or, for a file outside the corpus
    (a REPL statement), from the modules its header imports; a theorem with neither in the
    retriever's corpus would fail at its first expansion, so the run stops before any
    search. Nothing is checked without a local retriever (a server checks its own).

    Args:
        generator: the built generator.
        theorems: the theorems to search.

    Raises:
        UsageError: naming the theorem, its file and the corpus.
    """
    retriever = getattr(generator, "retriever", None)
    if retriever is None:
        return
    corpus = retriever.corpus
    for theorem in theorems:
        try:
            corpus.accessible_to(theorem.file_path, theorem.start, theorem.imports)
        except UnknownFileError as error:
            raise UsageError(
                f"cannot retrieve premises for {theorem.full_name}: {error.args[0]}; give the "
                "corpus of its repository (--retriever-corpus), or a header importing its modules"
            ) from None


@contextlib.contextmanager
def search_generator(
    generator: TacticGenerator, workers: int, expansion_batch: int
) -> Iterator[TacticGenerator]:
    """The generator that ``workers`` search threads share.

    With more than one worker, a local generator is wrapped in a ``SharedGenerator`` (the
    workers' concurrent expansions are decoded together, one model in memory), closed on
    exit; a remote generator (``tacgen serve`` or OpenAI-compatible) is used as it is: one
    client for every thread, its server batches.

    Args:
        generator: the built generator.
        workers: search threads.
        expansion_batch: nodes per generator call of one worker.

    Yields:
        The generator to hand to every worker.
    """
    from tacgen.serving.openai import OpenAIGenerator
    from tacgen.serving.remote import RemoteGenerator

    if workers <= 1 or isinstance(generator, RemoteGenerator | OpenAIGenerator):
        yield generator
        return
    from tacgen.serving.shared import SharedGenerator

    shared = SharedGenerator(generator, max_batch_size=workers * expansion_batch)
    try:
        yield shared
    finally:
        shared.close()
