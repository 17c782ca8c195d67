"""Okapi BM25 over the premise corpus: the baseline every dense retriever is reported beside.

Documents are the serialized premises (``<a>``/``</a>`` marks removed). The tokenizer knows
a little Lean: identifiers keep Lean's identifier characters (unicode letters and digits,
``_``, ``'``, ``!``, ``?``, subscripts); a dotted name gives itself and its parts
(``Nat.add_comm`` -> ``Nat.add_comm``, ``Nat``, ``add_comm``), and optionally the words of
its snake_case parts (``add``, ``comm``); runs of ASCII operator characters (``+``, ``<=``,
``->``) are tokens; every other non-ASCII, non-blank character (``→``, ``∀``, ``≤``, ``∑``) is
a token of its own; ASCII brackets, commas, colons and the like only separate tokens. Case is
kept (``Set`` and ``set`` differ in Lean).

Words are indexed for premises but not split out of states by default: states name the
functions (``gcd``, ``range``) that lemma names are built from (``Nat.gcd_comm``), while their
own snake_case names are mostly hypotheses (``h_pos``). On the miniF2F test corpus, Recall@10
is 10.5% with no words, 13.4% with premise words only, 12.9% with words on both sides
(Recall@1: 2.5%, 3.3%, 3.3%).

Scoring uses an inverted index built once (postings sorted by term, CSR-like arrays of
premise ids and precomputed BM25 weights): a query's scores are one ``np.bincount`` over the
postings of its terms. idf is ``log(1 + (N - df + 0.5) / (df + 0.5))`` (never negative);
a query term occurring ``c`` times counts ``c`` times.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tacgen.core.errors import ConfigError
from tacgen.core.records import Query
from tacgen.data.corpus import Corpus
from tacgen.data.formatting import remove_marks
from tacgen.retrieval.interface import Retrieved, Retriever, check_k
from tacgen.retrieval.search import select_topk

_TOKEN = re.compile(
    r"(?P<name>\w[\w'!?]*(?:\.\w[\w'!?]*)*)"  # identifiers, dotted names, numbers
    r"|(?P<op>[-+*/^=<>&|~%$\\]+)"  # ASCII operator runs
    r"|(?P<other>[^\s\x00-\x7f])"  # any other non-ASCII character, e.g. → ∀ ≤
)
_SCORE_ELEMENTS = 1 << 24
"""Queries are scored in chunks of at most this many (query, premise) floats (64 MiB)."""


def tokenize(text: str, snake_case: bool = False) -> list[str]:
    """Splits Lean text into BM25 tokens (see the module docstring).

    Args:
        text: a proof state or serialized premise.
        snake_case: also give the ``_``-separated words of each name part.

    Returns:
        The tokens, in order; a name is followed by its dotted parts, then its words.
    """
    tokens: list[str] = []
    for match in _TOKEN.finditer(text.replace("«", "").replace("»", "")):
        token = match.group()
        tokens.append(token)
        if match.lastgroup != "name":
            continue
        parts = token.split(".")
        if len(parts) > 1:
            tokens.extend(part for part in parts if part)
        if snake_case and "_" in token:
            tokens.extend(word for part in parts if "_" in part for word in part.split("_") if word)
    return tokens


@dataclass(frozen=True)
class BM25Params:
    """Okapi BM25 parameters."""

    k1: float = 1.2
    """Term-frequency saturation (0 ignores term frequency)."""
    b: float = 0.75
    """Length normalisation, from 0 (none) to 1 (full)."""
    document_words: bool = True
    """Also index the ``_``-separated words of the premises' names (see :func:`tokenize`)."""
    query_words: bool = False
    """Also split the names of proof states into ``_``-separated words."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.k1) and self.k1 >= 0):
            raise ConfigError(f"BM25 k1 must be a finite number >= 0, got {self.k1}")
        if not 0 <= self.b <= 1:
            raise ConfigError(f"BM25 b must be in [0, 1], got {self.b}")


class BM25Retriever(Retriever):
    """Ranks the accessible premises of each theorem by BM25 against the proof state."""

    def __init__(self, corpus: Corpus, params: BM25Params | None = None) -> None:
        """Indexes the corpus.

        Args:
            corpus: the premises.
            params: BM25 parameters (default k1=1.2, b=0.75).
        """
        self.corpus = corpus
        self.params = params or BM25Params()
        self.vocabulary: dict[str, int] = {}
        words = self.params.document_words
        docs = [
            self._ids(tokenize(remove_marks(p.serialize()), words), grow=True)
            for p in corpus.premises
        ]
        self._build_index(docs)

    def _ids(self, tokens: list[str], grow: bool) -> list[int]:
        if not grow:
            return [self.vocabulary[t] for t in tokens if t in self.vocabulary]
        return [self.vocabulary.setdefault(t, len(self.vocabulary)) for t in tokens]

    def _build_index(self, docs: list[list[int]]) -> None:
        n, terms = len(docs), len(self.vocabulary)
        lengths = np.array([len(d) for d in docs], dtype=np.int64)  # (docs,)
        doc_of = np.repeat(np.arange(n, dtype=np.int64), lengths)  # (tokens,)
        term_of = np.fromiter((t for d in docs for t in d), dtype=np.int64, count=len(doc_of))
        pairs, tf = np.unique(term_of * max(n, 1) + doc_of, return_counts=True)  # (postings,)
        post_term, self._post_doc = np.divmod(pairs, max(n, 1))
        df = np.bincount(post_term, minlength=terms)  # (terms,)
        self._term_ptr = np.concatenate([[0], np.cumsum(df)])  # (terms + 1,)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))  # (terms,)
        k1, b = self.params.k1, self.params.b
        norm = 1.0 - b + b * lengths / max(float(lengths.mean()) if n else 1.0, 1e-9)  # (docs,)
        tf_part = tf * (k1 + 1.0) / (tf + k1 * norm[self._post_doc])  # (postings,)
        self._post_weight = (idf[post_term] * tf_part).astype(np.float32)  # (postings,)
        self._post_doc = self._post_doc.astype(np.int32)

    def scores(self, states: Sequence[str]) -> np.ndarray:
        """BM25 scores of every premise for each state (accessibility ignored).

        Args:
            states: the proof states.

        Returns:
            (states, premises) float32 scores.
        """
        n = len(self.corpus)
        out = np.zeros((len(states), n), dtype=np.float32)  # (states, premises)
        for row, state in enumerate(states):
            counts = Counter(self._ids(tokenize(state, self.params.query_words), grow=False))
            if not counts:
                continue
            terms = np.fromiter(counts.keys(), dtype=np.int64)  # (query terms,)
            lo, hi = self._term_ptr[terms], self._term_ptr[terms + 1]
            postings = np.concatenate([np.arange(a, z) for a, z in zip(lo, hi)])
            weights = self._post_weight[postings] * np.repeat(
                np.fromiter(counts.values(), dtype=np.float32), hi - lo
            )  # (postings,)
            out[row] = np.bincount(self._post_doc[postings], weights, minlength=n)
        return out

    def retrieve_queries(self, queries: Sequence[Query], k: int) -> list[Retrieved]:
        """The ``k`` accessible premises of highest BM25 score per query, best first.

        Ties (e.g. premises sharing no token with the state, all scored 0) go to the lower
        corpus index.

        Args:
            queries: the proof states and their theorems.
            k: how many premises per query.

        Returns:
            For each query, up to ``k`` (premise, score) pairs.
        """
        check_k(k)
        access = self.accessible_sets(queries)
        states = [q.state for q in queries]
        rows = max(1, _SCORE_ELEMENTS // max(len(self.corpus), 1))
        results: list[Retrieved] = []
        for lo in range(0, len(states), rows):
            scores = self.scores(states[lo : lo + rows])  # (chunk, premises)
            indices, values = select_topk(scores, access[lo : lo + rows], k)  # (chunk, k)
            for idx_row, val_row in zip(indices.tolist(), values.tolist()):
                results.append(
                    [(self.corpus.premises[i], v) for i, v in zip(idx_row, val_row) if i >= 0]
                )
        return results
