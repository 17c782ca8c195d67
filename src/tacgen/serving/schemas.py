"""The HTTP API's request and response bodies (validated by pydantic; errors name fields)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from tacgen.core.records import Query
from tacgen.generator.options import MAX_NUM_SAMPLES, GenerationOptions

NonNegative = Annotated[int, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CopilotGenerateRequest(BaseModel):
    """Lean Copilot's ``ExternalGenerator`` request."""

    name: str = Field(description="the model asked for; one model is served, any name works")
    input: str = Field(description="the pretty-printed tactic state (goals, or 'no goals')")
    prefix: str | None = Field(default=None, description="the start of the tactic, if typed")


class CopilotOutput(BaseModel):
    """One suggestion: the tactic and its probability."""

    output: str
    score: float = Field(description="exp(log-probability), in [0, 1]")


class CopilotGenerateResponse(BaseModel):
    """Distinct suggestions, best first."""

    outputs: list[CopilotOutput]


class CopilotEncodeRequest(BaseModel):
    """Lean Copilot's ``ExternalEncoder`` request."""

    name: str
    input: str


class CopilotEncodeResponse(BaseModel):
    """The retriever's embedding of the input."""

    outputs: list[float]


class TacticQuery(_Strict):
    """One query of ``POST /v1/generate``."""

    state: str
    file_path: str = ""
    full_name: str = ""
    position: tuple[NonNegative, NonNegative] = (0, 0)
    imports: list[str] = []
    """Modules the theorem's header imports (a file outside the corpus: REPL statements)."""
    num_samples: int = Field(default=32, ge=1, le=MAX_NUM_SAMPLES)
    mode: Literal["beam", "sample"] = "beam"
    temperature: float = Field(default=1.0, gt=0)
    top_k: int = Field(default=0, ge=0)
    top_p: float = Field(default=1.0, gt=0, le=1)
    seed: int | None = None
    prefix: str = ""
    banned_tactics: list[str] = []
    exclude_theorem_name: bool = False

    def query(self) -> Query:
        """The query record."""
        return Query(self.state, self.file_path, self.full_name, self.position, tuple(self.imports))

    def options(self) -> GenerationOptions:
        """The decoding options."""
        return GenerationOptions.from_attributes(self)


MAX_SCORED_TACTICS = 1024
"""The most tactics one ``/v1/score`` query may carry."""


class ScoreQuery(_Strict):
    """One query of ``POST /v1/score``: a state and the tactics to score on it."""

    state: str
    file_path: str = ""
    full_name: str = ""
    position: tuple[NonNegative, NonNegative] = (0, 0)
    imports: list[str] = []
    """See :attr:`TacticQuery.imports`."""
    tactics: list[str] = Field(min_length=0, max_length=MAX_SCORED_TACTICS)

    def query(self) -> Query:
        """The query record."""
        return Query(self.state, self.file_path, self.full_name, self.position, tuple(self.imports))


class ScoredTactic(BaseModel):
    """A tactic with its log-probability score (what proof search ranks by)."""

    tactic: str
    log_prob: float
