"""tacgen: retrieval-augmented tactic generation for Lean 4.

Every subpackage ``__init__`` is a docstring only; this one exports the public names,
imported lazily so that ``import tacgen`` stays cheap and the data layer is usable
without torch.

Layers, importing downwards only: ``core`` (records, errors, paths) <- ``data`` (LeanDojo
files, formatting, corpus) <- ``nn`` (shared torch pieces) <- ``generator`` and
``retrieval`` <- ``cli``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "TacgenError": "tacgen.core.errors",
    "BenchmarkFormatError": "tacgen.core.errors",
    "CorpusError": "tacgen.core.errors",
    "IndexFileError": "tacgen.core.errors",
    "PredictionsFormatError": "tacgen.core.errors",
    "Example": "tacgen.core.records",
    "Premise": "tacgen.core.records",
    "Query": "tacgen.core.records",
    "format_augmented_state": "tacgen.data.formatting",
    "format_state": "tacgen.data.formatting",
    "format_tactic": "tacgen.data.formatting",
    "load_predictions": "tacgen.data.predictions",
    "write_predictions": "tacgen.data.predictions",
    "Corpus": "tacgen.data.corpus",
    "ByteTokenizer": "tacgen.nn.tokenizer",
    "Batch": "tacgen.generator.batch",
    "GeneratorItem": "tacgen.generator.batch",
    "GeneratorDataset": "tacgen.generator.dataset",
    "GeneratorDataModule": "tacgen.generator.datamodule",
    "TacticGenerator": "tacgen.generator.interface",
    "InferenceGenerator": "tacgen.generator.inference",
    "load_generator": "tacgen.generator.inference",
    "RetrievalAugmentedGenerator": "tacgen.generator.module",
    "CausalGenerator": "tacgen.generator.causal_module",
    "PromptTemplate": "tacgen.generator.templates",
    "TopkAccuracy": "tacgen.generator.metrics",
    "Retriever": "tacgen.retrieval.interface",
    "BM25Retriever": "tacgen.retrieval.bm25",
    "PremiseRetriever": "tacgen.retrieval.dense",
    "load_retriever": "tacgen.retrieval.loading",
    "GenerationOptions": "tacgen.generator.options",
    "RemoteGenerator": "tacgen.serving.remote",
}

__all__ = [
    "BM25Retriever",
    "Batch",
    "BenchmarkFormatError",
    "ByteTokenizer",
    "CausalGenerator",
    "Corpus",
    "CorpusError",
    "Example",
    "GenerationOptions",
    "GeneratorDataModule",
    "GeneratorDataset",
    "GeneratorItem",
    "IndexFileError",
    "InferenceGenerator",
    "PredictionsFormatError",
    "Premise",
    "PremiseRetriever",
    "PromptTemplate",
    "Query",
    "RemoteGenerator",
    "RetrievalAugmentedGenerator",
    "Retriever",
    "TacgenError",
    "TacticGenerator",
    "TopkAccuracy",
    "format_augmented_state",
    "format_state",
    "format_tactic",
    "load_generator",
    "load_predictions",
    "load_retriever",
    "write_predictions",
]

if TYPE_CHECKING:
    from tacgen.core.errors import (
        BenchmarkFormatError,
        CorpusError,
        IndexFileError,
        PredictionsFormatError,
        TacgenError,
    )
    from tacgen.core.records import Example, Premise, Query
    from tacgen.data.corpus import Corpus
    from tacgen.data.formatting import format_augmented_state, format_state, format_tactic
    from tacgen.data.predictions import load_predictions, write_predictions
    from tacgen.generator.batch import Batch, GeneratorItem
    from tacgen.generator.causal_module import CausalGenerator
    from tacgen.generator.datamodule import GeneratorDataModule
    from tacgen.generator.dataset import GeneratorDataset
    from tacgen.generator.inference import InferenceGenerator, load_generator
    from tacgen.generator.interface import TacticGenerator
    from tacgen.generator.metrics import TopkAccuracy
    from tacgen.generator.module import RetrievalAugmentedGenerator
    from tacgen.generator.options import GenerationOptions
    from tacgen.generator.templates import PromptTemplate
    from tacgen.nn.tokenizer import ByteTokenizer
    from tacgen.retrieval.bm25 import BM25Retriever
    from tacgen.retrieval.dense import PremiseRetriever
    from tacgen.retrieval.interface import Retriever
    from tacgen.retrieval.loading import load_retriever
    from tacgen.serving.remote import RemoteGenerator


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'tacgen' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
