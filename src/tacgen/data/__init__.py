"""Data layer: LeanDojo benchmark parsing, formatting, tokenization and batching."""
