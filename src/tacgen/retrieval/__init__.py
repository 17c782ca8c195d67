"""Premise retrieval: one Retriever interface, BM25, the dense retriever and its index."""
