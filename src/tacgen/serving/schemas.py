"""The HTTP API's request and response bodies (validated by pydantic; errors name fields).

Every numeric option takes its type and range from :data:`~tacgen.generator.options.BOUNDS`,
the rule :class:`GenerationOptions` enforces, and every field is strict: ``0`` is no
boolean, ``"4"`` and ``4.5`` are no integer (``4.0`` is one, as in JSON Schema).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict

from tacgen.core.records import Query
from tacgen.generator.options import BOUNDS, DEFAULT_OPTIONS, GenerationOptions


def _range(name: str) -> Any:
    """The range of a numeric option, from ``BOUNDS``, as pydantic's ``Field``."""
    bounds = BOUNDS[name]
    keywords: dict[str, Any] = dict(bounds.schema())
    if bounds.kind is float:
        keywords["allow_inf_nan"] = False
    return Field(**keywords)


def _integral(value: Any) -> Any:
    """JSON Schema's integers include ``4.0``; any other float stays one (and is refused)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Integral = BeforeValidator(_integral)
Text = Annotated[str, Strict()]
State = Annotated[str, Strict(), Field(min_length=1, description="a non-empty proof state")]
NonNegative = Annotated[int, Strict(), Field(ge=0), Integral]
Flag = Annotated[bool, Strict()]
Module = Annotated[str, Strict(), Field(min_length=1, description="a Lean module name")]
NumSamples = Annotated[int, Strict(), _range("num_samples"), Integral]
Temperature = Annotated[float, Strict(), _range("temperature")]
TopK = Annotated[int, Strict(), _range("top_k"), Integral]
TopP = Annotated[float, Strict(), _range("top_p")]
Seed = Annotated[int, Strict(), _range("seed"), Integral]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CopilotGenerateRequest(BaseModel):
    """Lean Copilot's ``ExternalGenerator`` request."""

    name: Text = Field(description="the model asked for; one model is served, any name works")
    input: State = Field(description="the pretty-printed tactic state (goals, or 'no goals')")
    prefix: Text | None = Field(default=None, description="the start of the tactic, if typed")


class CopilotOutput(BaseModel):
    """One suggestion: the tactic and its probability."""

    output: str
    score: float = Field(description="exp(log-probability), in [0, 1]")


class CopilotGenerateResponse(BaseModel):
    """Distinct suggestions, best first."""

    outputs: list[CopilotOutput]


class CopilotEncodeRequest(BaseModel):
    """Lean Copilot's ``ExternalEncoder`` request."""

    name: Text
    input: Text


class CopilotEncodeResponse(BaseModel):
    """The retriever's embedding of the input."""

    outputs: list[float]


class TacticQuery(_Strict):
    """One query of ``POST /v1/generate``."""

    state: State
    file_path: Text = ""
    full_name: Text = ""
    position: tuple[NonNegative, NonNegative] = (0, 0)
    imports: list[Module] = []
    """Modules the theorem's header imports (a file outside the corpus: REPL statements)."""
    proof_before: list[Text] = []
    """The tactics on the search path so far (causal prompt templates show them)."""
    num_samples: NumSamples = 32
    mode: Literal["beam", "sample"] = DEFAULT_OPTIONS.mode
    temperature: Temperature = DEFAULT_OPTIONS.temperature
    top_k: TopK = DEFAULT_OPTIONS.top_k
    top_p: TopP = DEFAULT_OPTIONS.top_p
    seed: Seed | None = DEFAULT_OPTIONS.seed
    prefix: Text = DEFAULT_OPTIONS.prefix
    banned_tactics: list[Text] = []
    exclude_theorem_name: Flag = DEFAULT_OPTIONS.exclude_theorem_name

    def query(self) -> Query:
        """The query record."""
        return Query(
            self.state, self.file_path, self.full_name, self.position, tuple(self.imports),
            tuple(self.proof_before),
        )  # fmt: skip

    def options(self) -> GenerationOptions:
        """The decoding options."""
        return GenerationOptions.from_attributes(self)


MAX_SCORED_TACTICS = 1024
"""The most tactics one ``/v1/score`` query may carry."""


class ScoreQuery(_Strict):
    """One query of ``POST /v1/score``: a state and the tactics to score on it."""

    state: State
    file_path: Text = ""
    full_name: Text = ""
    position: tuple[NonNegative, NonNegative] = (0, 0)
    imports: list[Module] = []
    """See :attr:`TacticQuery.imports`."""
    proof_before: list[Text] = []
    """See :attr:`TacticQuery.proof_before`."""
    tactics: list[Text] = Field(min_length=0, max_length=MAX_SCORED_TACTICS)

    def query(self) -> Query:
        """The query record."""
        return Query(
            self.state, self.file_path, self.full_name, self.position, tuple(self.imports),
            tuple(self.proof_before),
        )  # fmt: skip


class ScoredTactic(BaseModel):
    """A tactic with its log-probability score (what proof search ranks by)."""

    tactic: str
    log_prob: float


class Health(BaseModel):
    """``GET /health``: what is served, and how."""

    status: Literal["ok"]
    model: str
    backend: str
    device: str
    retriever: bool
    max_batch_size: int
    max_wait_ms: float
    batches: int = Field(description="decoding calls made so far")


class FieldError(BaseModel):
    """One refused field (the request's value is not echoed)."""

    type: str
    loc: list[str | int]
    msg: str


class InvalidRequest(BaseModel):
    """422: the fields that break the schema, or one line naming the refused input."""

    detail: str | list[FieldError]


class Message(BaseModel):
    """400 (a body that is not JSON text) and 404 (no retriever for ``/encode``)."""

    detail: str


class InternalError(BaseModel):
    """500: a short message; the traceback is in the server's log under the same id."""

    detail: str
    request_id: str
