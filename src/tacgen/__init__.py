"""tacgen: retrieval-augmented tactic generation for Lean 4.

The public names are imported lazily, so ``import tacgen`` stays cheap and the data
layer can be used without loading Lightning's model machinery.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Batch": "tacgen.data.records",
    "Example": "tacgen.data.records",
    "GeneratorItem": "tacgen.data.records",
    "Premise": "tacgen.data.records",
    "format_augmented_state": "tacgen.data.formatting",
    "format_state": "tacgen.data.formatting",
    "format_tactic": "tacgen.data.formatting",
    "ByteTokenizer": "tacgen.data.tokenizer",
    "GeneratorDataset": "tacgen.data.dataset",
    "GeneratorDataModule": "tacgen.data.datamodule",
    "BenchmarkFormatError": "tacgen.data.benchmark",
    "load_predictions": "tacgen.data.predictions",
    "write_predictions": "tacgen.data.predictions",
    "TacticGenerator": "tacgen.model.interface",
    "RetrievalAugmentedGenerator": "tacgen.model.generator",
    "TopkAccuracy": "tacgen.model.metrics",
    "Corpus": "tacgen.retrieval.corpus",
    "BM25Retriever": "tacgen.retrieval.bm25",
    "PremiseRetriever": "tacgen.retrieval.dense",
    "load_retriever": "tacgen.retrieval.base",
}

__all__ = [
    "BM25Retriever",
    "Batch",
    "BenchmarkFormatError",
    "ByteTokenizer",
    "Corpus",
    "Example",
    "GeneratorDataModule",
    "GeneratorDataset",
    "GeneratorItem",
    "Premise",
    "PremiseRetriever",
    "RetrievalAugmentedGenerator",
    "TacticGenerator",
    "TopkAccuracy",
    "format_augmented_state",
    "format_state",
    "format_tactic",
    "load_predictions",
    "load_retriever",
    "write_predictions",
]

if TYPE_CHECKING:
    from tacgen.data.benchmark import BenchmarkFormatError
    from tacgen.data.datamodule import GeneratorDataModule
    from tacgen.data.dataset import GeneratorDataset
    from tacgen.data.formatting import format_augmented_state, format_state, format_tactic
    from tacgen.data.predictions import load_predictions, write_predictions
    from tacgen.data.records import Batch, Example, GeneratorItem, Premise
    from tacgen.data.tokenizer import ByteTokenizer
    from tacgen.model.generator import RetrievalAugmentedGenerator
    from tacgen.model.interface import TacticGenerator
    from tacgen.model.metrics import TopkAccuracy
    from tacgen.retrieval.base import load_retriever
    from tacgen.retrieval.bm25 import BM25Retriever
    from tacgen.retrieval.corpus import Corpus
    from tacgen.retrieval.dense import PremiseRetriever


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'tacgen' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
