"""``GeneratorDataset``: one split file as the tactic generator sees it, and its collation."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from torch.utils.data import Dataset

from tacgen.core.errors import ConfigError, MissingPredictionError
from tacgen.core.paths import resolve_data_path
from tacgen.core.records import Example, Premise
from tacgen.data.benchmark import FormatOptions, LoadStats
from tacgen.data.cache import load_split
from tacgen.data.columns import ExampleTable
from tacgen.data.formatting import build_model_input, remove_marks
from tacgen.data.local_names import rename_locals
from tacgen.data.predictions import PredictionKey, load_predictions
from tacgen.generator.batch import Batch, GeneratorItem
from tacgen.nn.resumable import ItemKey
from tacgen.nn.tokenizer import ByteTokenizer

logger = logging.getLogger(__name__)
# The random module's own generator, for items asked for by plain index (the training
# loader passes ItemKeys, whose draws survive a resume and do not depend on workers).
_RANDOM: random.Random = random._inst  # type: ignore[attr-defined]


class GeneratorDataset(Dataset[GeneratorItem]):
    """The examples of one split file, optionally augmented with retrieved premises.

    Every traced tactic of every theorem is one example, in file order. Items are built
    fresh on each access: stored examples are never modified, whatever ``num_workers``.
    """

    def __init__(
        self,
        data_path: str | Path,
        *,
        max_input_length: int = 2300,
        max_output_length: int = 512,
        premise_drop_prob: float = 0.5,
        rename_locals_prob: float = 0.0,
        keep_marks: bool = True,
        normalize_tactics: bool = True,
        preds_path: str | Path | None = None,
        is_train: bool = False,
        allow_missing_predictions: bool = False,
        cache_dir: str | Path | None = None,
        use_cache: bool = True,
        predictions: Mapping[PredictionKey, list[Premise]] | None = None,
    ) -> None:
        """Loads and formats a split.

        Args:
            data_path: one split file, e.g. ``random/train.json``.
            max_input_length: model input budget in bytes (premises fill what the state
                leaves; longer inputs are truncated by the tokenizer).
            max_output_length: target budget in bytes (longer tactics are truncated).
            premise_drop_prob: in training, the probability of skipping each premise.
            rename_locals_prob: in training, the probability of renaming an example's
                declared local names (``h₁``, ``hp``, ``x``) to fresh ones, in its state,
                tactic and earlier tactics alike
                (:func:`~tacgen.data.local_names.rename_locals`), so that the model
                learns to copy names from the state; 0 trains on the traced names only.
            keep_marks: keep ``<a>…</a>`` marks in tactics and premises.
            normalize_tactics: collapse whitespace runs in tactics.
            preds_path: retrieved premises (JSON Lines or ReProver's pickle); None for no
                augmentation.
            is_train: drop premises at random (training); otherwise never drop.
            allow_missing_predictions: use no premises for an example without a
                prediction (counted and logged) instead of raising.
            cache_dir: cache folder for formatted splits; the default cache when None.
            use_cache: read and write the cache of formatted splits.
            predictions: already-loaded predictions (overrides ``preds_path``).
        """
        if max_input_length <= 0 or max_output_length <= 0:
            raise ConfigError("max_input_length and max_output_length must be positive")
        if not 0.0 <= premise_drop_prob <= 1.0:
            raise ConfigError(f"premise_drop_prob must be in [0, 1], got {premise_drop_prob}")
        if not 0.0 <= rename_locals_prob <= 1.0:
            raise ConfigError(f"rename_locals_prob must be in [0, 1], got {rename_locals_prob}")
        self.data_path = resolve_data_path(data_path)
        self.max_input_length = max_input_length
        self.max_output_length = max_output_length
        self.premise_drop_prob = premise_drop_prob
        self.rename_locals_prob = rename_locals_prob
        self.keep_marks = keep_marks
        self.is_train = is_train
        options = FormatOptions(keep_marks=keep_marks, normalize_tactics=normalize_tactics)
        self.examples: ExampleTable
        self.stats: LoadStats
        self.examples, self.stats = load_split(self.data_path, options, cache_dir, use_cache)
        self.tokenizer = ByteTokenizer()
        self._log_lengths()
        self.missing_predictions = 0
        """Examples without a prediction (only with ``allow_missing_predictions``)."""
        if predictions is None and preds_path is not None:
            predictions = load_predictions(preds_path)
        self._premises = (
            None if predictions is None else self._match(predictions, allow_missing_predictions)
        )

    def _log_lengths(self) -> None:
        states = int((self.examples.states.byte_lengths() > self.max_input_length).sum())
        tactics = int((self.examples.tactics.byte_lengths() > self.max_output_length).sum())
        logger.info(
            "%s: %d theorems (%d without traced tactics, skipped), %d examples",
            self.data_path,
            self.stats.theorems,
            self.stats.theorems_without_tactics,
            self.stats.examples,
        )
        if states or tactics:
            logger.warning(
                "%s: %d states over max_input_length=%d and %d tactics over "
                "max_output_length=%d bytes will be truncated",
                self.data_path,
                states,
                self.max_input_length,
                tactics,
                self.max_output_length,
            )

    def _match(
        self, predictions: Mapping[PredictionKey, list[Premise]], allow_missing: bool
    ) -> list[list[Premise]]:
        matched: list[list[Premise]] = []
        missing = 0
        for i, ex in enumerate(self.examples):
            premises = predictions.get((ex.file_path, ex.full_name, ex.state))
            if premises is None:
                if not allow_missing:
                    raise MissingPredictionError(
                        f"{self.data_path}: example #{i} ({ex.full_name} in {ex.file_path}, "
                        f"tactic {ex.tactic_index}) has no retrieved premises in the predictions "
                        "file; set allow_missing_predictions to train it without premises"
                    )
                missing += 1
                premises = []
            matched.append(premises)
        if missing:
            logger.warning("%s: %d examples have no retrieved premises", self.data_path, missing)
        self.missing_predictions = missing
        return matched

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, key: int | ItemKey) -> GeneratorItem:
        """One item; premise dropout and renaming draw from the key's seed when the training
        loader passes an :class:`ItemKey` (exact resume), from ``random`` for a plain index."""
        index = key.index if isinstance(key, ItemKey) else key
        example = self.examples[index]
        drop = self.premise_drop_prob if self.is_train and self._premises is not None else 0.0
        renames = self.rename_locals_prob if self.is_train else 0.0
        rng = key.python_rng() if isinstance(key, ItemKey) and (drop or renames) else _RANDOM
        state, tactic, before = example.state, example.tactic, self.proof_before(index)
        if renames and rng.random() < renames:
            state, tactic, before = rename_locals(state, tactic, before, rng)
        if self._premises is not None:
            premises = self._premises[index]
            state = build_model_input(
                state, premises, self.max_input_length, self.keep_marks, drop, rng
            )
        return GeneratorItem(example=example, state=state, tactic=tactic, proof_before=before)

    def proof_before(self, index: int) -> tuple[str, ...]:
        """The tactics traced before example ``index`` in its theorem, root first, with
        premise marks removed: a search path's tactics are the generator's unmarked output,
        and causal prompt templates show them (InternLM2.5-StepProver's ``PROOF_BEFORE``).

        Args:
            index: an example of this split.

        Returns:
            The earlier tactics (none for a theorem's first tactic).
        """
        table = self.examples
        theorem = table.theorem_of[index]
        first = index - int(table.tactic_indices[index])
        # A theorem's examples are consecutive, in tactic order (the loader's file order).
        if first < 0 or table.theorem_of[first] != theorem:
            raise ConfigError(f"{self.data_path}: example #{index} is out of its theorem's order")
        return tuple(remove_marks(table.tactics[i]) for i in range(first, index))

    def collate(self, items: Sequence[GeneratorItem]) -> Batch:
        """Tokenizes and pads a list of items into a ``Batch``.

        Args:
            items: items from ``__getitem__``.

        Returns:
            The batch; sequences are padded to the longest in the batch and tactic
            padding is set to -100.
        """
        return collate_items(items, self.tokenizer, self.max_input_length, self.max_output_length)


def collate_items(
    items: Sequence[GeneratorItem],
    tokenizer: ByteTokenizer,
    max_input_length: int,
    max_output_length: int,
) -> Batch:
    """Tokenizes and pads items into a ``Batch`` (see ``GeneratorDataset.collate``)."""
    states = [item.state for item in items]
    tactics = [item.tactic for item in items]
    state_ids, state_mask = tokenizer.batch_encode(states, max_input_length)  # (batch, in_len)
    tactic_ids, tactic_mask = tokenizer.batch_encode(tactics, max_output_length)  # (batch, out_len)
    tactic_ids = tactic_ids.masked_fill(tactic_mask == 0, -100)
    examples: tuple[Example, ...] = tuple(item.example for item in items)
    before = tuple(item.proof_before for item in items)
    return Batch(
        state=tuple(states),
        tactic=tuple(tactics),
        state_ids=state_ids,
        state_mask=state_mask,
        tactic_ids=tactic_ids,
        tactic_mask=tactic_mask,
        examples=examples,
        proof_before=before,
    )
