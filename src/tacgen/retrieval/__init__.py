"""Premise retrieval: the corpus, BM25 and dense retrievers, indexing and loading.

Heavy modules (Lightning, transformers) are imported lazily, so ``tacgen.retrieval``
stays cheap for the data-only users of :class:`PremiseRetrieverLike`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from tacgen.retrieval.base import PremiseRetrieverLike, load_retriever

_LAZY = {
    "Corpus": "tacgen.retrieval.corpus",
    "CorpusError": "tacgen.retrieval.corpus",
    "AccessibleSet": "tacgen.retrieval.corpus",
    "Retriever": "tacgen.retrieval.interface",
    "masked_topk": "tacgen.retrieval.search",
    "BM25Retriever": "tacgen.retrieval.bm25",
    "PremiseRetriever": "tacgen.retrieval.dense",
    "RetrievalDataModule": "tacgen.retrieval.datamodule",
    "TacticContext": "tacgen.retrieval.examples",
    "RetrievalExample": "tacgen.retrieval.examples",
    "IndexFileError": "tacgen.retrieval.indexing",
    "PremiseIndex": "tacgen.retrieval.indexing",
    "write_retrieval_predictions": "tacgen.retrieval.predict",
}

__all__ = [
    "AccessibleSet",
    "BM25Retriever",
    "Corpus",
    "CorpusError",
    "IndexFileError",
    "PremiseIndex",
    "PremiseRetriever",
    "PremiseRetrieverLike",
    "RetrievalDataModule",
    "RetrievalExample",
    "Retriever",
    "TacticContext",
    "load_retriever",
    "masked_topk",
    "write_retrieval_predictions",
]

if TYPE_CHECKING:
    from tacgen.retrieval.bm25 import BM25Retriever
    from tacgen.retrieval.corpus import AccessibleSet, Corpus, CorpusError
    from tacgen.retrieval.datamodule import RetrievalDataModule
    from tacgen.retrieval.dense import PremiseRetriever
    from tacgen.retrieval.examples import RetrievalExample, TacticContext
    from tacgen.retrieval.indexing import IndexFileError, PremiseIndex
    from tacgen.retrieval.interface import Retriever
    from tacgen.retrieval.predict import write_retrieval_predictions
    from tacgen.retrieval.search import masked_topk


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'tacgen.retrieval' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)
