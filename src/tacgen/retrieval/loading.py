"""Loading a trained dense retriever, ready to retrieve."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tacgen.core.errors import ConfigError

if TYPE_CHECKING:
    from tacgen.data.corpus import Corpus
    from tacgen.retrieval.dense import PremiseRetriever


def load_retriever(
    path: str,
    corpus: str | Corpus | None = None,
    index: str | None = None,
    device: str = "cpu",
    batch_size: int | None = None,
    progress: bool = False,
    exact: bool = False,
) -> PremiseRetriever:
    """Loads a trained dense retriever, ready to retrieve (corpus read, premises indexed).

    Args:
        path: a ``PremiseRetriever`` checkpoint (``tacgen retriever fit``) or a
            ``T5EncoderModel`` directory.
        corpus: the corpus (a path, ``tacgen:demo/corpus.jsonl``, or a loaded
            :class:`Corpus`); the one the checkpoint was trained with when None.
        index: an embeddings file written by ``tacgen index`` for this corpus and
            checkpoint; when None, the corpus is encoded now (and searched exactly). The
            ANN index beside it (``tacgen index`` writes ``<index>.ann``), when there is
            one, answers searches unless ``exact``.
        device: where to run the encoder.
        batch_size: premises per forward pass when indexing; the checkpoint's
            ``index_batch_size`` when None.
        progress: show a progress bar while indexing.
        exact: search the float32 embeddings exactly, even with an ANN index beside them.

    Returns:
        The retriever, in eval mode, with gradients off.

    Raises:
        FileNotFoundError: when a path does not exist.
        CheckpointError: when the checkpoint is not a retriever's.
        ConfigError: when there is no corpus.
        IndexFileError: when the index or its ANN index belongs to another corpus,
            encoder or width, or is damaged.
    """
    from tacgen.core.paths import resolve_data_path
    from tacgen.data.corpus import Corpus
    from tacgen.retrieval.dense import PremiseRetriever

    retriever = PremiseRetriever.load(path, device=device)
    if isinstance(corpus, Corpus):
        retriever.corpus = corpus
    elif corpus is not None:
        retriever.corpus = Corpus(resolve_data_path(corpus))
    elif retriever.corpus_path is None:
        raise ConfigError(f"retriever {path} names no corpus: give one (--corpus FILE)")
    if index is not None:
        retriever.load_index(index, ann=not exact)
    else:
        retriever.index_corpus(batch_size, progress=progress)
    retriever.requires_grad_(False)
    return retriever.eval()
