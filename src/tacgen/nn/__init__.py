"""Torch pieces shared by the generator and the retriever: tokenizer, T5 architectures,
checkpoint I/O, optimisation, sampling and the Lightning module mixin."""
