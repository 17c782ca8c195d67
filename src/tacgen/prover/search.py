"""Best-first proof search, as ReProver runs it, with timings and honest statuses.

A node is a proof state; its priority is the sum of the scores of the tactics leading to
it (log-probabilities, or per-token log-probabilities with ``score="mean-token"``).
Expanding a node asks the candidate sources (:mod:`tacgen.prover.candidates`: the model's
beams or samples, and a tactic library scored by the model) for candidates, merges them by
score into at most ``num_sampled_tactics``, and runs them in score order: a tactic error is
counted on the edge, a state already seen is not expanded again, a finished proof ends the
search. The search also ends when the
frontier is empty (``failed``), at the wall-clock timeout (``timeout``) or after
``max_expansions`` (``failed``); an environment crash is ``env_error``, never a failure.
An environment that checks every proof again as a whole (the REPL) can refute one that
passed step by step: the search then ends ``failed``, with the reason in ``error``.

With ``expansion_batch`` above 1, the best ``expansion_batch`` nodes of the frontier are
expanded together, with one ``generate_queries`` call (a GPU or a shared server is used
better). Their tactics are then run node by node, in priority order, so a proof found
through the first node still wins; but the other nodes were chosen before the first one's
children joined the frontier, so the order of expansion can differ from ReProver's.

An observer (:mod:`tacgen.prover.observer`) sees every node and edge; the trace of
``--trace`` is one. Without one, the search does no extra work.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Literal

from tacgen.core.errors import TacgenError, one_line
from tacgen.data.formatting import format_state
from tacgen.generator.interface import TacticGenerator
from tacgen.generator.options import GenerationOptions, check_num_samples
from tacgen.prover.candidates import (
    SCORES,
    Candidate,
    CandidateSource,
    LibrarySource,
    ModelSource,
    ScoreKind,
    merge_candidates,
)
from tacgen.prover.environment import (
    Environment,
    EnvironmentCrash,
    Outcome,
    ProofFinished,
    ProofRefuted,
    ProofState,
    TacticFailed,
    TacticTimeout,
    Theorem,
)
from tacgen.prover.observer import SearchObserver

Status = Literal["proved", "failed", "timeout", "env_error"]


class GeneratorError(TacgenError):
    """The tactic generator failed (a server down, a model that raised)."""


@dataclass(frozen=True)
class SearchConfig:
    """The search's budget and how it asks for tactics."""

    num_sampled_tactics: int = 64
    """Candidates asked for per expanded node (ReProver: 64)."""
    timeout: float = 600.0
    """Wall-clock seconds per theorem (ReProver: 600)."""
    max_expansions: int | None = None
    """Expanded nodes per theorem at most; no limit when None."""
    expansion_batch: int = 1
    """Frontier nodes expanded per generator call (1: ReProver's order)."""
    options: GenerationOptions | None = None
    """Decoding options (beam search when None)."""
    library: tuple[str, ...] = ()
    """Tactics tried on every state beside the model's, scored by the model (teacher
    forcing) and merged with its candidates by score; none when empty."""
    num_beams: int | None = None
    """Beams (or samples) asked of the model per node; ``num_sampled_tactics`` when None.
    With a library, the merged list is cut to ``num_sampled_tactics``."""
    library_slots: int = 0
    """Slots of ``num_sampled_tactics`` kept for the library's best candidates whatever the
    model's beams score (0: the merged list is cut by score alone)."""
    score: ScoreKind = "sum"
    """Edge score: ``sum`` (log-probability) or ``mean-token`` (per token); a node's
    priority is the sum of its path's edge scores."""
    library_renamings: int = 0
    """Also score, on each state, up to this many library tactics renamed to the state's
    local names (:mod:`tacgen.prover.renamings`); 0: none."""
    library_prior: float = 0.0
    """Weight of the library's frequency prior (:func:`~tacgen.prover.candidates.rank_prior`,
    from each tactic's rank in the library) added to its scores; 0: the model's alone."""

    def __post_init__(self) -> None:
        check_num_samples(self.num_sampled_tactics)
        if self.num_beams is not None:
            check_num_samples(self.num_beams)
        if not 0 <= self.library_slots <= self.num_sampled_tactics:
            raise TacgenError("library_slots must be in [0, num_sampled_tactics]")
        if self.library_renamings < 0:
            raise TacgenError(f"library_renamings must be >= 0, got {self.library_renamings}")
        if self.library_prior < 0 or not math.isfinite(self.library_prior):
            raise TacgenError(f"library_prior must be finite and >= 0, got {self.library_prior}")
        if self.score not in SCORES:
            raise TacgenError(f"score must be one of {SCORES}, got {self.score!r}")
        if self.timeout <= 0 or self.expansion_batch < 1:
            raise TacgenError("need timeout > 0 and expansion_batch >= 1")
        if self.max_expansions is not None and self.max_expansions < 1:
            raise TacgenError(f"max_expansions must be >= 1, got {self.max_expansions}")


@dataclass(frozen=True)
class ProofResult:
    """What searching one theorem gave (one line of ``results.jsonl``)."""

    full_name: str
    file_path: str
    status: Status
    proof: tuple[str, ...]
    """The tactics of the proof found, in order (empty unless proved)."""
    expansions: int
    seconds: float
    generator_seconds: float
    env_seconds: float
    tactic_errors: int = 0
    """Edges whose tactic failed."""
    error: str | None = None
    """What crashed, for ``env_error``; why the whole-proof check refuted a proof found step
    by step, for such a ``failed``."""
    proof_source: str | None = None
    """The whole proof as Lean source, as the environment checked it (REPL), for ``proved``."""


@dataclass(order=True)
class _Node:
    priority: float
    order: int
    state: ProofState = field(compare=False)
    log_prob: float = field(compare=False)
    """The sum of the path's edge scores (the priority's negative)."""
    tactics: tuple[str, ...] = field(compare=False)


@dataclass
class _Clock:
    start: float = field(default_factory=time.monotonic)
    generator: float = 0.0
    env: float = 0.0

    def elapsed(self) -> float:
        return time.monotonic() - self.start


class _Search:
    """One theorem's search (state shared by the helpers below)."""

    def __init__(
        self,
        theorem: Theorem,
        env: Environment,
        generator: TacticGenerator,
        config: SearchConfig,
        observer: SearchObserver | None = None,
    ) -> None:
        self.theorem, self.env, self.generator, self.config = theorem, env, generator, config
        self.observer = observer
        self.clock = _Clock()
        self.frontier: list[_Node] = []
        self.seen: dict[str, int] = {}  # state text -> node id
        self.counter = itertools.count()
        self.edges = itertools.count()
        self.expansions = 0
        self.tactic_errors = 0
        self.sources = make_sources(config)

    def result(
        self,
        status: Status,
        proof: tuple[str, ...] = (),
        error: str | None = None,
        source: str | None = None,
    ) -> ProofResult:
        return ProofResult(
            self.theorem.full_name,
            self.theorem.file_path,
            status,
            proof,
            self.expansions,
            round(self.clock.elapsed(), 4),
            round(self.clock.generator, 4),
            round(self.clock.env, 4),
            self.tactic_errors,
            error,
            source,
        )

    def push(
        self,
        state: ProofState,
        log_prob: float,
        tactics: tuple[str, ...],
        parent: int | None = None,
        edge: int | None = None,
    ) -> int:
        node = _Node(-log_prob, next(self.counter), state, log_prob, tactics)
        self.seen[state.text] = node.order
        heapq.heappush(self.frontier, node)
        if self.observer is not None:
            self.observer.node_created(node.order, parent, edge, state.text, log_prob, len(tactics))
        return node.order

    def out_of_time(self) -> bool:
        return self.clock.elapsed() >= self.config.timeout

    def candidates(self, nodes: list[_Node]) -> list[list[Candidate]]:
        theorem = self.theorem
        queries = [theorem.query(format_state(n.state.text), n.tactics) for n in nodes]
        started = time.monotonic()
        try:
            proposed = [s.propose(self.generator, queries, self.config.score) for s in self.sources]
            limit, slots = self.config.num_sampled_tactics, self.config.library_slots
            reserved = {"library": slots} if slots else None
            return [merge_candidates(lists, limit, reserved) for lists in zip(*proposed)]
        except Exception as error:
            raise GeneratorError(
                f"the generator failed on {theorem.full_name}: {type(error).__name__}: {error}"
            ) from error
        finally:
            self.clock.generator += time.monotonic() - started

    def run(self, state: ProofState, tactic: str) -> Outcome:
        started = time.monotonic()
        try:
            return self.env.run_tactic(state, tactic)
        except TacticTimeout as error:
            return TacticFailed(f"timeout: {error}")
        finally:
            self.clock.env += time.monotonic() - started

    def expand(self, node: _Node, candidates: list[Candidate]) -> ProofResult | None:
        for candidate in candidates:
            if self.out_of_time():
                return self.result("timeout")
            started = time.monotonic()
            outcome = self.run(node.state, candidate.tactic)
            edge, tactics = next(self.edges), (*node.tactics, candidate.tactic)
            found, kind, target = None, "error", None
            if isinstance(outcome, ProofFinished):
                kind = "proved"
                found = self.result("proved", tactics, source=outcome.source or None)
            elif isinstance(outcome, ProofRefuted):
                kind, found = "refuted", self.result("failed", error=outcome.reason)
            elif isinstance(outcome, TacticFailed):
                self.tactic_errors += 1
            elif outcome.text in self.seen:
                kind, target = "seen", self.seen[outcome.text]
            else:
                priority = node.log_prob + candidate.score
                kind, target = "new", self.push(outcome, priority, tactics, node.order, edge)
            if self.observer is not None:
                self.observer.edge_tried(
                    edge, node.order, candidate.tactic, candidate.score, candidate.origin, kind,
                    target, time.monotonic() - started,
                )  # fmt: skip
            if found is not None:
                return found
        return None

    def search(self) -> ProofResult:
        config = self.config
        while self.frontier:
            if self.out_of_time():
                return self.result("timeout")
            if config.max_expansions is not None and self.expansions >= config.max_expansions:
                return self.result("failed")
            width = config.expansion_batch
            if config.max_expansions is not None:
                width = min(width, config.max_expansions - self.expansions)
            nodes = [heapq.heappop(self.frontier) for _ in range(min(width, len(self.frontier)))]
            ranked = self.candidates(nodes)
            self.expansions += len(nodes)
            for node, candidates in zip(nodes, ranked):
                found = self.expand(node, candidates)
                if found is not None:
                    return found
        return self.result("failed")


def make_sources(config: SearchConfig) -> list[CandidateSource]:
    """The candidate sources a configuration asks for: the model's search, and the tactic
    library when there is one."""
    beams = config.num_beams or config.num_sampled_tactics
    sources: list[CandidateSource] = [ModelSource(beams, config.options)]
    if config.library:
        sources.append(
            LibrarySource(config.library, config.library_prior, config.library_renamings)
        )
    return sources


def best_first_search(
    theorem: Theorem,
    env: Environment,
    generator: TacticGenerator,
    config: SearchConfig,
    observer: SearchObserver | None = None,
) -> ProofResult:
    """Searches for a proof of one theorem.

    Args:
        theorem: the theorem.
        env: the environment (started here, closed at the end whatever happens).
        generator: any tactic generator (local torch or ct2, or a remote server); with a
            tactic library it must also score (``score_queries``).
        config: the budget, decoding options and candidate sources.
        observer: receives every node and edge (``--trace``); None costs nothing.

    Returns:
        The result: ``proved`` with the proof, ``failed``, ``timeout`` or ``env_error``.

    Raises:
        GeneratorError: when the generator fails (not the theorem's fault: the run stops).
    """
    search = _Search(theorem, env, generator, config, observer)
    try:
        started = time.monotonic()
        try:
            root = env.start(theorem)
        finally:
            search.clock.env += time.monotonic() - started
        search.push(root, 0.0, ())
        return search.search()
    except EnvironmentCrash as error:
        return search.result("env_error", error=one_line(error))
    finally:
        with contextlib.suppress(EnvironmentCrash):  # the result is decided already
            env.close()
