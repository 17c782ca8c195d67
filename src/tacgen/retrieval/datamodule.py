"""``RetrievalDataModule``: training pairs with sampled negatives, and evaluation contexts.

Training has one :class:`RetrievalExample` per (tactic, positive premise); each access
samples ``num_negatives`` premises accessible from the theorem, ``num_in_file_negatives``
of them from the positive's own file. A batch scores every context against every premise
of the batch (positives and negatives of all pairs). Evaluation has one context per tactic
that has positives. Contexts are read by :func:`tacgen.data.contexts.load_contexts` (the
split reader and its cache); batches are :mod:`tacgen.retrieval.batches`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import lightning as L
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from tacgen.core.errors import ConfigError
from tacgen.core.paths import resolve_data_path, resolve_split_folder
from tacgen.data.contexts import RetrievalExample, SplitStats, TacticContext, load_contexts
from tacgen.data.corpus import AccessibleSet, Corpus
from tacgen.nn.resumable import ItemKey, ResumableLoader
from tacgen.nn.sampling import ShuffledSampler
from tacgen.nn.tokenizer import ByteTokenizer
from tacgen.retrieval.batches import ContextBatch, RetrievalBatch


class NegativeSampler:
    """Draws negative premises accessible from a context's theorem, never its positives."""

    def __init__(self, corpus: Corpus, num_negatives: int, num_in_file_negatives: int) -> None:
        """Configures the sampler.

        Args:
            corpus: the premises.
            num_negatives: negatives per pair.
            num_in_file_negatives: how many of them from the positive's file (fewer when
                that file has too few accessible premises; the rest come from anywhere).
        """
        if not 0 <= num_in_file_negatives <= num_negatives:
            raise ConfigError("need 0 <= num_in_file_negatives <= num_negatives")
        self.corpus = corpus
        self.num_negatives = num_negatives
        self.num_in_file_negatives = num_in_file_negatives

    def _generator(self) -> np.random.Generator:
        # Drawn from torch's global generator: seed_everything makes sampling reproducible,
        # and DataLoader workers (seeded apart by torch) do not draw the same negatives.
        seed = int(torch.randint(0, 2**62, (1,)).item())
        return np.random.default_rng(seed)

    def sample(
        self, context: TacticContext, positive: int, rng: np.random.Generator | None = None
    ) -> tuple[int, ...]:
        """Negatives for one (context, positive) pair.

        Args:
            context: the tactic (its theorem decides what is accessible).
            positive: the pair's positive premise (its file gives the in-file negatives).
            rng: the random source; one seeded from torch's global generator when None.

        Returns:
            ``num_negatives`` distinct corpus indices (fewer only when fewer are accessible).
        """
        if self.num_negatives == 0:
            return ()
        rng = self._generator() if rng is None else rng
        access = self.corpus.accessible(context.file_path, context.theorem_pos)
        excluded = np.asarray(context.positives, dtype=np.int64)
        lo, hi = self.corpus.file_range(self.corpus.premises[positive].path)
        in_file = np.arange(lo, hi, dtype=np.int64)  # (file premises,)
        in_file = np.setdiff1d(in_file[access.mask(in_file)], excluded)
        count = min(self.num_in_file_negatives, len(in_file))
        chosen = rng.choice(in_file, size=count, replace=False) if count else in_file[:0]
        others = self._anywhere(
            access, rng, self.num_negatives - count, np.concatenate([excluded, chosen])
        )
        return tuple(int(i) for i in chosen) + tuple(int(i) for i in others)

    def _anywhere(
        self, access: AccessibleSet, rng: np.random.Generator, count: int, excluded: np.ndarray
    ) -> np.ndarray:
        """``count`` distinct accessible premises outside ``excluded``, uniformly."""
        if count <= 0:
            return excluded[:0]
        # Rejection sampling costs O(count) when most of the corpus is accessible (the usual
        # case); listing the accessible set costs O(premises) and is the fallback.
        for _ in range(4):
            draws = rng.integers(0, len(self.corpus), size=4 * count + 8)  # (draws,)
            draws = draws[access.mask(draws) & ~np.isin(draws, excluded)]
            _, first = np.unique(draws, return_index=True)
            draws = draws[np.sort(first)]  # distinct, in draw order: still uniform
            if len(draws) >= count:
                return draws[:count]
        pool = np.setdiff1d(access.indices(), excluded)
        return rng.choice(pool, size=min(count, len(pool)), replace=False)


def collate_pairs(
    items: Sequence[tuple[RetrievalExample, tuple[int, ...]]], corpus: Corpus, max_input_length: int
) -> RetrievalBatch:
    """Collates (example, negatives) items: positives first, then all negatives.

    Args:
        items: training examples with their sampled negatives.
        corpus: the premises the indices refer to.
        max_input_length: token budget of states and premises.

    Returns:
        The batch; ``labels[i, j]`` is 1 when premise j is any positive of context i.
    """
    tokenizer = ByteTokenizer()
    contexts = tuple(example.context for example, _ in items)
    indices = [example.positive for example, _ in items]
    indices += [n for _, negatives in items for n in negatives]
    premise_indices = np.asarray(indices, dtype=np.int64)  # (premises,)
    labels = np.stack(
        [np.isin(premise_indices, context.positives) for context in contexts]
    )  # (batch, premises)
    context_ids, context_mask = tokenizer.batch_encode(
        [c.state for c in contexts], max_input_length
    )
    texts = [corpus.premises[i].serialize() for i in indices]
    premise_ids, premise_mask = tokenizer.batch_encode(texts, max_input_length)
    return RetrievalBatch(
        contexts=contexts,
        context_ids=context_ids,
        context_mask=context_mask,
        premise_indices=torch.from_numpy(premise_indices),
        premise_ids=premise_ids,
        premise_mask=premise_mask,
        labels=torch.from_numpy(labels.astype(np.float32)),
    )


def collate_contexts(contexts: Sequence[TacticContext], max_input_length: int) -> ContextBatch:
    """Tokenizes contexts' states for evaluation.

    Args:
        contexts: the contexts.
        max_input_length: token budget of the states.

    Returns:
        The batch.
    """
    ids, mask = ByteTokenizer().batch_encode([c.state for c in contexts], max_input_length)
    return ContextBatch(tuple(contexts), ids, mask)


class PairDataset(Dataset[tuple[RetrievalExample, tuple[int, ...]]]):
    """Training pairs; each access samples fresh negatives for the pair."""

    def __init__(self, contexts: Sequence[TacticContext], sampler: NegativeSampler) -> None:
        """Builds one example per (context, positive).

        Args:
            contexts: the tactics; those without positives give no example.
            sampler: draws the negatives.
        """
        self.examples = [RetrievalExample(c, p) for c in contexts for p in c.positives]
        self.sampler = sampler

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, key: int | ItemKey) -> tuple[RetrievalExample, tuple[int, ...]]:
        """A pair with fresh negatives, drawn from the key's seed when the training loader
        passes an :class:`ItemKey` (exact resume)."""
        index, rng = (key.index, key.numpy_rng()) if isinstance(key, ItemKey) else (key, None)
        example = self.examples[index]
        return example, self.sampler.sample(example.context, example.positive, rng)


class RetrievalDataModule(L.LightningDataModule):
    """Loaders of premise-retrieval pairs (train) and tactic contexts (val, test)."""

    def __init__(
        self,
        data_path: str,
        corpus_path: str,
        *,
        num_negatives: int = 3,
        num_in_file_negatives: int = 1,
        batch_size: int = 8,
        eval_batch_size: int = 64,
        max_input_length: int = 1024,
        num_workers: int = 2,
        train_file: str = "train.json",
        val_file: str = "val.json",
        test_file: str = "test.json",
        cache_dir: str | None = None,
        use_cache: bool = True,
    ) -> None:
        """Configures the loaders; nothing is read until ``setup``.

        Args:
            data_path: the split folder (e.g. ``leandojo_benchmark_4/random``), or
                ``tacgen:demo/random`` for the bundled demo.
            corpus_path: the premise corpus (``corpus.jsonl``), or
                ``tacgen:demo/corpus.jsonl``; also given to the model (linked).
            num_negatives: sampled negative premises per pair (in-batch ones come on top).
            num_in_file_negatives: how many of those come from the positive's own file.
            batch_size: training pairs per batch.
            eval_batch_size: contexts per validation/test batch.
            max_input_length: token budget of states and premises (linked to the model's).
            num_workers: data loader worker processes.
            train_file: training split file name inside ``data_path``.
            val_file: validation split file name.
            test_file: test split file name.
            cache_dir: cache folder for parsed splits; the default cache when None.
            use_cache: read and write the cache of parsed splits.
        """
        super().__init__()
        if batch_size < 1 or eval_batch_size < 1 or max_input_length < 1:
            raise ConfigError("batch sizes and max_input_length must be >= 1")
        if not 0 <= num_in_file_negatives <= num_negatives:
            raise ConfigError("need 0 <= num_in_file_negatives <= num_negatives")
        self.save_hyperparameters()
        self.data_path = resolve_split_folder(data_path)
        if num_workers < 0:
            raise ConfigError(f"num_workers must be >= 0, got {num_workers}")
        self.corpus_path = resolve_data_path(corpus_path)
        self.batch_size, self.eval_batch_size = batch_size, eval_batch_size
        self.max_input_length, self.num_workers = max_input_length, num_workers
        self._corpus: Corpus | None = None
        self.contexts: dict[str, list[TacticContext]] = {}
        self.stats: dict[str, SplitStats] = {}
        self.train_dataset: PairDataset | None = None

    @property
    def corpus(self) -> Corpus:
        """The premise corpus, read on first use."""
        if self._corpus is None:
            self._corpus = Corpus(self.corpus_path)
        return self._corpus

    def _load(self, split: str, file_name: str) -> list[TacticContext]:
        if split not in self.contexts:
            h = self.hparams
            contexts, stats = load_contexts(
                self.data_path / file_name, self.corpus, h["cache_dir"], h["use_cache"]
            )
            self.contexts[split], self.stats[split] = contexts, stats
        return self.contexts[split]

    def provenance(self) -> dict[str, Any]:
        """What a checkpoint records of its training data (see :mod:`tacgen.data.provenance`)."""
        from tacgen.data.provenance import record

        h = self.hparams
        files = {split: self.data_path / h[f"{split}_file"] for split in self.contexts}
        extra = {
            "corpus_path": str(self.corpus_path),
            "corpus_sha256": self.corpus.fingerprint,  # hashed when it was read
        }
        keys = self.theorem_keys("train") if "train" in self.contexts else []
        return record(self.data_path, files, keys, extra, h["cache_dir"], h["use_cache"])

    def theorem_keys(self, split: str) -> list[tuple[str, str]]:
        """(file_path, full_name) of the theorems of a loaded split."""
        return list({(c.file_path, c.full_name) for c in self.contexts[split]})

    def setup(self, stage: str | None = None) -> None:
        """Loads the splits a stage needs (``fit``: train and val, ``validate``, ``test``)."""
        h = self.hparams
        if stage in (None, "fit") and self.train_dataset is None:
            sampler = NegativeSampler(self.corpus, h["num_negatives"], h["num_in_file_negatives"])
            self.train_dataset = PairDataset(self._load("train", h["train_file"]), sampler)
        if stage in (None, "fit", "validate"):
            self._load("val", h["val_file"])
        if stage in (None, "test"):
            self._load("test", h["test_file"])

    def train_dataloader(self) -> DataLoader[RetrievalBatch]:
        """Shuffled pairs with sampled negatives; the last partial batch is dropped."""
        if self.train_dataset is None:
            raise RuntimeError("call setup('fit') before asking for the train loader")
        corpus, max_len = self.corpus, self.max_input_length
        # Position, random states and negative draws survive a kill -9.
        return ResumableLoader(
            self.train_dataset,
            sampler=ShuffledSampler(len(self.train_dataset)),
            batch_size=self.batch_size,
            drop_last=True,
            num_workers=self.num_workers,
            collate_fn=functools.partial(collate_pairs, corpus=corpus, max_input_length=max_len),
            pin_memory=torch.cuda.is_available(),
            persistent_workers=self.num_workers > 0,
        )

    def _eval_loader(self, split: str) -> DataLoader[ContextBatch]:
        if split not in self.contexts:
            raise RuntimeError(f"call setup() before asking for the {split} loader")
        with_positives = [c for c in self.contexts[split] if c.positives]
        max_len = self.max_input_length
        return DataLoader(
            with_positives,  # type: ignore[arg-type]
            batch_size=self.eval_batch_size,
            shuffle=False,
            generator=torch.Generator(),  # validation draws nothing from the global RNGs
            num_workers=self.num_workers,
            collate_fn=functools.partial(collate_contexts, max_input_length=max_len),
            pin_memory=torch.cuda.is_available(),
            persistent_workers=self.num_workers > 0,
        )

    def val_dataloader(self) -> DataLoader[ContextBatch]:
        """Validation contexts that have positives, in file order."""
        return self._eval_loader("val")

    def test_dataloader(self) -> DataLoader[ContextBatch]:
        """Test contexts that have positives, in file order."""
        return self._eval_loader("test")
