"""What the generator needs from a premise retriever, and loading a trained one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from tacgen.data.records import Position, Premise

if TYPE_CHECKING:
    from tacgen.retrieval.corpus import Corpus
    from tacgen.retrieval.dense import PremiseRetriever


@runtime_checkable
class PremiseRetrieverLike(Protocol):
    """Anything that retrieves premises for proof states (the dense retriever, a stub)."""

    def retrieve_premises(
        self,
        states: Sequence[str],
        file_paths: Sequence[str],
        theorem_full_names: Sequence[str],
        theorem_positions: Sequence[Position],
        k: int,
    ) -> list[list[Premise]]:
        """Retrieves premises for a batch of states.

        Args:
            states: the proof states.
            file_paths: for each state, the Lean file of its theorem.
            theorem_full_names: for each state, the theorem's full name.
            theorem_positions: for each state, the theorem's (line, column).
            k: how many premises to return per state.

        Returns:
            For each state, up to ``k`` premises, best first.
        """
        ...


def load_retriever(
    path: str,
    corpus: str | Corpus | None = None,
    index: str | None = None,
    device: str = "cpu",
    batch_size: int | None = None,
    progress: bool = False,
) -> PremiseRetriever:
    """Loads a trained dense retriever, ready to retrieve (corpus read, premises indexed).

    Args:
        path: a ``PremiseRetriever`` checkpoint (``tacgen retriever fit``) or a
            ``T5EncoderModel`` directory.
        corpus: the corpus (a path, ``tacgen:demo/corpus.jsonl``, or a loaded
            :class:`Corpus`); the one the checkpoint was trained with when None.
        index: an embeddings file written by ``tacgen index`` for this corpus and
            checkpoint; when None, the corpus is encoded now.
        device: where to run the encoder.
        batch_size: premises per forward pass when indexing; the checkpoint's
            ``index_batch_size`` when None.
        progress: show a progress bar while indexing.

    Returns:
        The retriever, in eval mode, with gradients off.

    Raises:
        FileNotFoundError: when a path does not exist.
        ValueError: when the checkpoint is not a retriever's, there is no corpus, or the
            index belongs to another corpus or encoder.
    """
    from tacgen.data.paths import resolve_data_path
    from tacgen.retrieval.corpus import Corpus
    from tacgen.retrieval.dense import PremiseRetriever

    retriever = PremiseRetriever.load(path, device=device)
    if isinstance(corpus, Corpus):
        retriever.corpus = corpus
    elif corpus is not None:
        retriever.corpus = Corpus(resolve_data_path(corpus))
    elif retriever.corpus_path is None:
        raise ValueError(f"retriever {path} names no corpus: give one (--corpus FILE)")
    if index is not None:
        retriever.load_index(index)
    else:
        retriever.index_corpus(batch_size, progress=progress)
    retriever.requires_grad_(False)
    return retriever.eval()
