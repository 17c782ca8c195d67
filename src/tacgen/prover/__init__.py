"""Proof search: best-first search over a Lean environment, and evaluation by Pass@1."""
