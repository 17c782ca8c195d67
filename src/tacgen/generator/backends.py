"""Decoding backends: what turns model input texts into ranked tactics.

A backend owns a loaded model and its decoding; it knows nothing of retrieval or of
queries. :class:`~tacgen.generator.inference.InferenceGenerator` puts one behind the
:class:`~tacgen.generator.interface.TacticGenerator` interface. A new backend (another
runtime, a quantised model) subclasses :class:`Backend`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from tacgen.core.errors import ConfigError
from tacgen.generator.decoding import decode_candidates
from tacgen.generator.options import Candidates, GenerationOptions
from tacgen.generator.scoring import score_tactics
from tacgen.nn.tokenizer import ByteTokenizer

if TYPE_CHECKING:
    from transformers import T5ForConditionalGeneration


class Backend(ABC):
    """Decodes model input texts into scored tactics."""

    name: str
    """Short name of the backend (``"torch"``)."""

    @property
    @abstractmethod
    def device(self) -> str:
        """Where the model runs (``"cpu"``, ``"cuda:0"``)."""

    @abstractmethod
    def decode(
        self, inputs: Sequence[str], num_samples: int, options: GenerationOptions
    ) -> list[Candidates]:
        """Ranked tactics for each input.

        Args:
            inputs: model input texts (premises, if any, then the state).
            num_samples: candidates searched for per input.
            options: mode, sampling parameters and tactic prefix (filters are applied
                above the backend).

        Returns:
            For each input, distinct tactics with log-probability scores, best first.
        """

    @abstractmethod
    def score(self, inputs: Sequence[str], tactics: Sequence[Sequence[str]]) -> list[list[float]]:
        """Teacher-forced scores of given tactics, by the definition of :meth:`decode`'s.

        Args:
            inputs: model input texts (premises, if any, then the state).
            tactics: for each input, the tactics to score.

        Returns:
            For each input, the score of each of its tactics (the sum of the log-probabilities
            of its tokens and eos, divided by ``length ** length_penalty``), in order.
        """


class TorchBackend(Backend):
    """Beam search with transformers on a PyTorch ``T5ForConditionalGeneration``."""

    name = "torch"

    def __init__(
        self,
        model: T5ForConditionalGeneration,
        max_input_length: int = 2300,
        max_output_length: int = 512,
        length_penalty: float = 0.0,
        tokenizer: ByteTokenizer | None = None,
    ) -> None:
        """Wraps a model.

        Args:
            model: the seq2seq model (already on its device).
            max_input_length: inputs are truncated to this many bytes.
            max_output_length: the most tokens generated per tactic, eos included.
            length_penalty: scores are ``log p / length ** length_penalty``.
            tokenizer: the byte tokenizer; a new one when None.
        """
        if max_input_length < 1 or max_output_length < 1:
            raise ConfigError("max_input_length and max_output_length must be >= 1")
        self.model = model
        self.tokenizer = tokenizer or ByteTokenizer()
        self.max_input_length = max_input_length
        self.max_output_length = max_output_length
        self.length_penalty = length_penalty

    @property
    def device(self) -> str:
        """The device of the model's parameters."""
        return str(next(self.model.parameters()).device)

    def decode(
        self, inputs: Sequence[str], num_samples: int, options: GenerationOptions
    ) -> list[Candidates]:
        """See :meth:`Backend.decode`: transformers' beam search or sampling
        (:func:`decode_candidates`)."""
        if not inputs:
            return []
        ids, mask = self.tokenizer.batch_encode(inputs, self.max_input_length)  # (batch, len) x2
        device = torch.device(self.device)
        return decode_candidates(
            self.model,
            self.tokenizer,
            ids.to(device),
            mask.to(device),
            num_samples,
            self.max_output_length,
            self.length_penalty,
            options,
        )

    def score(self, inputs: Sequence[str], tactics: Sequence[Sequence[str]]) -> list[list[float]]:
        """See :meth:`Backend.score`: one encoder pass per input (:func:`score_tactics`)."""
        if not inputs:
            return []
        ids, mask = self.tokenizer.batch_encode(inputs, self.max_input_length)  # (batch, len) x2
        device = torch.device(self.device)
        return score_tactics(
            self.model, self.tokenizer, ids.to(device), mask.to(device), tactics,
            self.length_penalty,
        )  # fmt: skip
