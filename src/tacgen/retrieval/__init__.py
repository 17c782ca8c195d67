"""Premise retrieval: the interface the generator uses, and retriever loading."""

from tacgen.retrieval.base import PremiseRetrieverLike, load_retriever

__all__ = ["PremiseRetrieverLike", "load_retriever"]
