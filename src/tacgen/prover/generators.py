"""The one builder of the search's generator, for threads and Ray actors alike.

A :class:`GeneratorSpec` says where candidates come from (a ``tacgen serve`` server, or a
checkpoint loaded in this process); :func:`build_generator` makes it, and
:func:`search_generator` shares it between worker threads. ``tacgen prove`` builds its
generator here, and so does each Ray actor, so a threaded run and a Ray run cannot differ.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from tacgen.core.errors import UsageError
from tacgen.generator.interface import TacticGenerator


@dataclass(frozen=True)
class GeneratorSpec:
    """Where the search's tactics come from (picklable: Ray actors receive it)."""

    server: str | None = None
    """A ``tacgen serve`` URL; when set, the other fields are unused."""
    path: str | None = None
    """A generator checkpoint or directory (``load_generator``'s ``path``)."""
    device: str = "auto"
    """``auto``, ``cpu``, ``cuda:1``, ..."""
    backend: str = "torch"
    """``torch`` or ``ct2``."""
    compute_type: str | None = None
    """The ct2 compute type."""

    def __post_init__(self) -> None:
        if (self.server is None) == (self.path is None):
            raise UsageError("give exactly one of --ckpt PATH or --server URL")


def build_generator(spec: GeneratorSpec) -> TacticGenerator:
    """The generator a spec names, in this process.

    Args:
        spec: a server, or a checkpoint to load.

    Returns:
        A ``RemoteGenerator`` or an ``InferenceGenerator``.
    """
    if spec.server is not None:
        from tacgen.serving.remote import RemoteGenerator

        return RemoteGenerator(spec.server)
    from tacgen.generator.inference import load_generator

    assert spec.path is not None  # checked by GeneratorSpec
    return load_generator(
        spec.path, device=spec.device, backend=spec.backend, compute_type=spec.compute_type
    )


@contextlib.contextmanager
def search_generator(
    generator: TacticGenerator, workers: int, expansion_batch: int
) -> Iterator[TacticGenerator]:
    """The generator that ``workers`` search threads share.

    With more than one worker, a local generator is wrapped in a ``SharedGenerator`` (the
    workers' concurrent expansions are decoded together, one model in memory), closed on
    exit; a remote generator is used as it is (its server batches).

    Args:
        generator: the built generator.
        workers: search threads.
        expansion_batch: nodes per generator call of one worker.

    Yields:
        The generator to hand to every worker.
    """
    from tacgen.serving.remote import RemoteGenerator

    if workers <= 1 or isinstance(generator, RemoteGenerator):
        yield generator
        return
    from tacgen.serving.shared import SharedGenerator

    shared = SharedGenerator(generator, max_batch_size=workers * expansion_batch)
    try:
        yield shared
    finally:
        shared.close()
