"""The tactic generator: a ByT5 seq2seq model, its training module, metrics and loading."""

from tacgen.model.generator import RetrievalAugmentedGenerator
from tacgen.model.interface import TacticGenerator
from tacgen.model.metrics import TopkAccuracy

__all__ = ["RetrievalAugmentedGenerator", "TacticGenerator", "TopkAccuracy"]
