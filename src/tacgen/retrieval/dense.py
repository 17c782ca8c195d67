"""``PremiseRetriever``: ReProver's dense premise retriever (a ByT5 encoder), trainable.

States and premises share one encoder; an embedding is the masked mean of the token
states, L2-normalised, and similarity is the dot product. Premises are encoded from
:meth:`Premise.serialize`. Training regresses the (contexts x batch premises) similarity
matrix onto the 0/1 labels with mean squared error, as published (``loss="infonce"`` is
a multi-positive contrastive alternative). Validation re-indexes the corpus with the
current weights and logs ``Recall@1_val``, ``Recall@10_val`` and ``MRR_val``.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import torch
import torchmetrics

from tacgen.core.errors import ConfigError
from tacgen.core.paths import resolve_data_path
from tacgen.core.records import Premise, Query
from tacgen.data.corpus import AccessibleSet, Corpus
from tacgen.nn.module import BackboneSpec, T5Module, eval_mode
from tacgen.nn.tokenizer import ByteTokenizer
from tacgen.retrieval import ann as ann_files
from tacgen.retrieval.batches import ContextBatch, RetrievalBatch
from tacgen.retrieval.calibrate import CalibrationSettings, prefers_exact, write_calibrated_ann
from tacgen.retrieval.encoder import encode_in_batches, masked_mean_pool, weights_sha256
from tacgen.retrieval.exact import ExactSearcher
from tacgen.retrieval.indexing import PremiseIndex, load_index, save_index
from tacgen.retrieval.interface import Retrieved, Retriever, check_k
from tacgen.retrieval.searcher import AccessibleSearch, SearchStats
from tacgen.retrieval.training import ranking_metrics, similarity_loss

logger = logging.getLogger(__name__)

SPEC = BackboneSpec(
    "encoder", attribute="encoder", config_key="t5_encoder_config", noun="retriever"
)
"""The encoder; checkpoints keep its T5 config under ``t5_encoder_config``, so that they
reload offline."""

Loss = Literal["mse", "infonce"]


class PremiseRetriever(T5Module, Retriever, spec=SPEC):
    """Dense retrieval of accessible premises for proof states."""

    def __init__(
        self,
        model_name: str = "tiny",
        lr: float = 1e-4,
        warmup_steps: int = 2000,
        max_input_length: int = 1024,
        num_retrieved: int = 100,
        loss: Loss = "mse",
        temperature: float = 0.05,
        weight_decay: float = 0.0,
        corpus_path: str | None = None,
        index_batch_size: int = 64,
        model_config: dict[str, Any] | None = None,
        max_seq_len: int | None = None,
    ) -> None:
        """Builds the retriever.

        Args:
            model_name: a named encoder trained from scratch (``"tiny"``, ``"byt5-small"``),
                a ``config.json`` path, a ``save_pretrained`` directory, or a hub name in
                the local cache (``google/byt5-small``).
            lr: peak learning rate of AdamW.
            warmup_steps: optimizer steps of linear warm-up before the cosine decay.
            max_input_length: token budget of states and premises (longer ones are
                truncated); linked to the data module's by the command line.
            num_retrieved: premises retrieved per state in evaluation (MRR looks this deep).
            loss: ``"mse"`` (published: similarity regressed onto 0/1 labels) or
                ``"infonce"`` (softmax over the batch's premises, all positives kept).
            temperature: similarity scale of ``"infonce"``.
            weight_decay: AdamW's decoupled weight decay.
            corpus_path: the premise corpus (linked from ``data.corpus_path`` by the command
                line; stored in checkpoints so that ``load_retriever`` finds it).
            index_batch_size: premises encoded per batch when indexing the corpus.
            model_config: a T5 config dict; when given, it takes precedence over
                ``model_name`` (checkpoints store it, so that they reload offline).
            max_seq_len: deprecated alias of ``max_input_length`` (older configs).
        """
        super().__init__()
        if max_seq_len is not None:
            warnings.warn(
                "model.max_seq_len is deprecated: use model.max_input_length",
                DeprecationWarning,
                stacklevel=2,
            )
            max_input_length = max_seq_len
        if lr <= 0 or temperature <= 0:
            raise ConfigError("lr and temperature must be > 0")
        if min(max_input_length, num_retrieved, index_batch_size) < 1 or warmup_steps < 0:
            raise ConfigError(
                "max_input_length, num_retrieved, index_batch_size must be >= 1 and "
                "warmup_steps >= 0"
            )
        if loss not in ("mse", "infonce"):
            raise ConfigError(f"loss must be 'mse' or 'infonce', got {loss!r}")
        self.save_hyperparameters()
        self.lr, self.warmup_steps, self.weight_decay = lr, warmup_steps, weight_decay
        self.max_input_length, self.num_retrieved = max_input_length, num_retrieved
        self.loss_name, self.temperature = loss, temperature
        self.corpus_path, self.index_batch_size = corpus_path, index_batch_size
        self.encoder = self.build_backbone(model_name, model_config)
        self.tokenizer = ByteTokenizer()
        self._corpus: Corpus | None = None
        self._index: torch.Tensor | None = None  # (premises, dim), not part of the state dict
        self._ann: ann_files.AnnSearcher | None = None  # an ANN index of those embeddings
        self._engine: AccessibleSearch | None = None
        self._serialized: tuple[Corpus, list[str]] | None = None
        self.metrics = torch.nn.ModuleDict(
            {
                f"{name}_{split}": torchmetrics.MeanMetric()
                for name in ("Recall@1", "Recall@10", "MRR")
                for split in ("val", "test")
            }
        )

    # ---------------------------------------------------------------- corpus and index

    @property  # type: ignore[override]
    def corpus(self) -> Corpus:
        """The premises retrieved from (read from ``corpus_path`` on first use)."""
        if self._corpus is None:
            if self.corpus_path is None:
                raise ConfigError("the retriever has no corpus: give a corpus path")
            self._corpus = Corpus(resolve_data_path(self.corpus_path))
        return self._corpus

    @corpus.setter
    def corpus(self, corpus: Corpus) -> None:
        if self._corpus is not corpus:
            self._index = self._ann = None  # embeddings of another corpus are meaningless
        self._corpus = corpus

    @property
    def embedding_dim(self) -> int:
        """Size of the embeddings (the encoder's ``d_model``)."""
        return int(self.encoder.config.d_model)

    @property
    def is_indexed(self) -> bool:
        """Whether the corpus' premise embeddings are ready."""
        return self._index is not None

    @property
    def uses_ann(self) -> bool:
        """Whether searches go through an ANN index (loaded by :meth:`load_index`)."""
        return self._ann is not None

    @property
    def search_stats(self) -> SearchStats:
        """How many queries went through the ANN index, and how many fell back to exact."""
        return self._engine.stats if self._engine is not None else SearchStats()

    def encoder_info(self) -> dict[str, Any]:
        """What an index file built by this retriever is stamped with."""
        return {
            "model_name": self.hparams.get("model_name"),
            "max_seq_len": self.max_input_length,  # the index file's key (format 1)
            "dim": self.embedding_dim,
            "weights_sha256": weights_sha256(self.encoder),
        }

    def index_corpus(self, batch_size: int | None = None, progress: bool = False) -> torch.Tensor:
        """Encodes every premise of the corpus with the current weights.

        Args:
            batch_size: premises per forward pass; ``index_batch_size`` when None.
            progress: show a tqdm progress bar.

        Returns:
            (premises, dim) float32 embeddings, also kept for retrieval.
        """
        corpus = self.corpus
        if self._serialized is None or self._serialized[0] is not corpus:
            # Serializing runs regexes per premise; validation re-indexes every time.
            self._serialized = (corpus, [p.serialize() for p in corpus.premises])
        texts = self._serialized[1]
        self._ann = None  # an ANN index of older embeddings
        self._index = self.encode_texts(texts, batch_size or self.index_batch_size, progress)
        return self._index

    def save_index(
        self,
        path: str | os.PathLike[str],
        ann: ann_files.AnnSettings | None = None,
        calibration: CalibrationSettings | None = None,
    ) -> Path:
        """Writes the embeddings, stamped with the corpus fingerprint and encoder info.

        Args:
            path: destination (``*.safetensors``), written atomically.
            ann: when given, also build an ANN index, calibrate its ``nprobe``
                (:mod:`~tacgen.retrieval.calibrate`) and write it beside the embeddings.
            calibration: the recall target (defaults when None), or a fixed ``nprobe``.

        Returns:
            The written path.
        """
        if self._index is None:
            raise ConfigError("the corpus is not indexed yet: call index_corpus() first")
        index = PremiseIndex(self._index, self.corpus.fingerprint, self.encoder_info())
        written = save_index(path, index)
        if ann is not None:
            embeddings = self._index.detach().cpu().float().numpy()  # (premises, dim)
            stamp = self.ann_stamp()
            write_calibrated_ann(written, embeddings, self.corpus, ann, stamp, calibration)
        return written

    def ann_stamp(self) -> ann_files.AnnStamp:
        """What this retriever's ANN index files are stamped with (and checked against)."""
        corpus = self.corpus
        return ann_files.AnnStamp(
            corpus.fingerprint, len(corpus), self.embedding_dim, self.encoder_info()
        )

    def load_index(self, path: str | os.PathLike[str], ann: bool = True) -> None:
        """Uses embeddings from a file built for this corpus by this encoder.

        With ``ann`` and an ANN index beside the file, searches go through the index and
        the embeddings are memory-mapped for the exact fallback; otherwise every search is
        exact, on the module's device.

        Args:
            path: an index file written by :meth:`save_index` (``tacgen index``).
            ann: use the ANN index beside it when there is one (False: always exact).

        Raises:
            IndexFileError: when the file or its ANN index belongs to another corpus,
                encoder or width, or is damaged (the message names the file).
        """
        corpus, beside = self.corpus, ann_files.ann_path(path)
        wanted = ann and beside.is_file()  # the embeddings are then read only on fallback
        index = load_index(
            path, corpus.fingerprint, len(corpus), self.embedding_dim, self.encoder_info(), wanted
        )
        mapped = wanted and not prefers_exact(beside, self.ann_stamp())  # its calibration's
        self._ann = ann_files.load_ann(beside, self.ann_stamp()) if mapped else None
        if not wanted:
            logger.info("exact search over %s (no ANN index beside it, or exact asked)", path)
        self._engine = None
        self._index = index.embeddings if mapped else index.embeddings.to(self.device)

    # ---------------------------------------------------------------- encoding

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Embeds token sequences.

        Args:
            input_ids: (batch, seq) token ids.
            attention_mask: (batch, seq) 1 for real tokens.

        Returns:
            (batch, dim) float32 unit vectors.
        """
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
        return masked_mean_pool(hidden.last_hidden_state, attention_mask)  # (batch, dim)

    def _encode_texts(self, texts: Sequence[str]) -> torch.Tensor:
        ids, mask = self.tokenizer.batch_encode(texts, self.max_input_length)  # (batch, seq) x2
        return self(ids.to(self.device), mask.to(self.device))  # (batch, dim)

    def encode_premises(
        self, premises: Sequence[Premise], batch_size: int, progress: bool = False
    ) -> torch.Tensor:
        """:meth:`encode_texts` of the premises' :meth:`Premise.serialize` texts."""
        return self.encode_texts([p.serialize() for p in premises], batch_size, progress)

    def encode_texts(
        self, texts: Sequence[str], batch_size: int, progress: bool = False
    ) -> torch.Tensor:
        """Encodes texts in eval mode, in batches of similar length, longest first.

        Args:
            texts: the texts.
            batch_size: texts per forward pass.
            progress: show a tqdm progress bar.

        Returns:
            (texts, dim) float32 embeddings in the order of ``texts``.
        """
        with eval_mode(self), torch.inference_mode():
            out = encode_in_batches(self._encode_texts, texts, batch_size, progress)
        return out.clone()  # a normal tensor: inference tensors cannot enter autograd later

    def encode_states(self, states: Sequence[str]) -> torch.Tensor:
        """Encodes proof states in eval mode, without gradients.

        Args:
            states: the states.

        Returns:
            (states, dim) float32 embeddings.
        """
        with eval_mode(self), torch.no_grad():
            return self._encode_texts(states).float()

    # ---------------------------------------------------------------- retrieval

    def _search_engine(self) -> AccessibleSearch:
        """The searchers over the current embeddings (and ANN index, if loaded)."""
        if self._index is None:
            self.index_corpus()
        assert self._index is not None
        index = self._index
        if self._ann is None and index.device != self.device:  # the module moved
            index = self._index = index.to(self.device)
        if self._engine is None or self._engine.exact_searcher.embeddings is not index:
            exact = ExactSearcher(index)  # on the embeddings' device
            self._engine = AccessibleSearch(exact, self._ann, premises=index.shape[0])
        return self._engine

    def _search(
        self, queries: torch.Tensor, accessible: Sequence[AccessibleSet], k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k accessible premises of each (queries, dim) row: (q, k) indices and scores."""
        engine = self._search_engine()
        return engine.search(queries.detach().float().cpu().numpy(), k, accessible)

    def retrieve_queries(self, queries: Sequence[Query], k: int) -> list[Retrieved]:
        """The ``k`` most similar accessible premises of each query, best first.

        The corpus is indexed with the current weights first if it is not yet.

        Args:
            queries: the proof states and their theorems.
            k: how many premises per query.

        Returns:
            For each query, up to ``k`` (premise, similarity) pairs.
        """
        check_k(k)
        if not queries:
            return []
        accessible = self.accessible_sets(queries)
        queries_embedded = self.encode_states([q.state for q in queries])  # (queries, dim)
        indices, scores = self._search(queries_embedded, accessible, k)
        premises = self.corpus.premises
        return [
            [(premises[i], float(s)) for i, s in zip(row.tolist(), values.tolist()) if i >= 0]
            for row, values in zip(indices, scores)
        ]

    # ---------------------------------------------------------------- training

    def similarity_loss(self, similarity: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """This retriever's training loss (see :func:`training.similarity_loss`).

        Args:
            similarity: (batch, premises) dot products of unit vectors.
            labels: (batch, premises) 1 for positives, else 0.

        Returns:
            The scalar loss.
        """
        return similarity_loss(similarity, labels, self.loss_name, self.temperature)

    def training_step(self, batch: RetrievalBatch, batch_idx: int) -> torch.Tensor:
        """Logs and returns ``loss_train``."""
        contexts = self(batch.context_ids, batch.context_mask)  # (batch, dim)
        premises = self(batch.premise_ids, batch.premise_mask)  # (premises, dim)
        similarity = contexts @ premises.T  # (batch, premises)
        loss = self.similarity_loss(similarity, batch.labels.to(similarity.dtype))
        self.log("loss_train", loss, on_epoch=True, sync_dist=True, batch_size=len(batch))
        return loss

    # ---------------------------------------------------------------- evaluation

    def _use_datamodule_corpus(self) -> None:
        datamodule = getattr(self._trainer, "datamodule", None) if self._trainer else None
        corpus = getattr(datamodule, "corpus", None)
        if isinstance(corpus, Corpus):
            self.corpus = corpus  # the data module's, not a second copy read from disk

    def on_validation_epoch_start(self) -> None:
        self._use_datamodule_corpus()
        self.index_corpus()  # with the current weights

    def on_test_epoch_start(self) -> None:
        self._use_datamodule_corpus()
        self.index_corpus()

    def validation_step(self, batch: ContextBatch, batch_idx: int) -> None:
        """Updates Recall@1, Recall@10 and MRR over the batch's tactics."""
        self._evaluate(batch, "val")

    def test_step(self, batch: ContextBatch, batch_idx: int) -> None:
        """As :meth:`validation_step`, logged with the ``_test`` suffix."""
        self._evaluate(batch, "test")

    def _evaluate(self, batch: ContextBatch, split: str) -> None:
        queries = self(batch.context_ids, batch.context_mask)  # (batch, dim)
        accessible = [self.corpus.accessible(c.file_path, c.theorem_pos) for c in batch.contexts]
        k = max(self.num_retrieved, 10)
        indices, _ = self._search(queries, accessible, k)
        values = ranking_metrics(indices, [c.positives for c in batch.contexts])
        for name, column in zip(("Recall@1", "Recall@10", "MRR"), values.T):
            metric = cast(torchmetrics.MeanMetric, self.metrics[f"{name}_{split}"])
            metric.update(torch.from_numpy(column).to(self.device))
            self.log(f"{name}_{split}", metric, on_step=False, on_epoch=True, batch_size=len(batch))
