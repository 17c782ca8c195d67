"""``PremiseRetriever``: ReProver's dense premise retriever (a ByT5 encoder), trainable.

States and premises share one encoder; an embedding is the masked mean of the token
states, L2-normalised, and similarity is the dot product. Premises are encoded from
:meth:`Premise.serialize`. Training regresses the (contexts x batch premises) similarity
matrix onto the 0/1 labels with mean squared error, as published (``loss="infonce"`` is
a multi-positive contrastive alternative). Validation re-indexes the corpus with the
current weights and logs ``Recall@1_val``, ``Recall@10_val`` and ``MRR_val``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, cast

import lightning as L
import numpy as np
import torch
import torchmetrics

from tacgen.data.paths import resolve_data_path
from tacgen.data.records import Position, Premise
from tacgen.data.tokenizer import ByteTokenizer
from tacgen.retrieval.corpus import AccessibleSet, Corpus
from tacgen.retrieval.encoder import (
    build_encoder,
    encode_in_batches,
    encoder_config_from_dict,
    encoder_from_config,
    eval_mode,
    masked_mean_pool,
    weights_sha256,
)
from tacgen.retrieval.examples import ContextBatch, RetrievalBatch
from tacgen.retrieval.indexing import PremiseIndex, load_index, save_index
from tacgen.retrieval.interface import Retriever, check_batch
from tacgen.retrieval.search import masked_topk, select_topk
from tacgen.retrieval.training import (
    build_optimization,
    ranking_metrics,
    read_checkpoint,
    similarity_loss,
)

_CONFIG_KEY = "t5_encoder_config"
"""Where checkpoints keep the encoder's T5 config, so that they reload offline."""

Loss = Literal["mse", "infonce"]


class PremiseRetriever(Retriever, L.LightningModule):
    """Dense retrieval of accessible premises for proof states."""

    def __init__(
        self,
        model_name: str = "tiny",
        lr: float = 1e-4,
        warmup_steps: int = 2000,
        max_seq_len: int = 1024,
        num_retrieved: int = 100,
        loss: Loss = "mse",
        temperature: float = 0.05,
        weight_decay: float = 0.0,
        corpus_path: str | None = None,
        index_batch_size: int = 64,
        model_config: dict[str, Any] | None = None,
    ) -> None:
        """Builds the retriever.

        Args:
            model_name: a named encoder trained from scratch (``"tiny"``, ``"byt5-small"``),
                a ``config.json`` path, a ``save_pretrained`` directory, or a hub name in
                the local cache (``google/byt5-small``).
            lr: peak learning rate of AdamW.
            warmup_steps: optimizer steps of linear warm-up before the cosine decay.
            max_seq_len: token budget of states and premises (longer ones are truncated).
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
        """
        super().__init__()
        if lr <= 0 or temperature <= 0:
            raise ValueError("lr and temperature must be > 0")
        if min(max_seq_len, num_retrieved, index_batch_size) < 1 or warmup_steps < 0:
            raise ValueError("max_seq_len, num_retrieved, index_batch_size must be >= 1")
        if loss not in ("mse", "infonce"):
            raise ValueError(f"loss must be 'mse' or 'infonce', got {loss!r}")
        self.save_hyperparameters()
        self.lr, self.warmup_steps, self.weight_decay = lr, warmup_steps, weight_decay
        self.max_seq_len, self.num_retrieved = max_seq_len, num_retrieved
        self.loss_name, self.temperature = loss, temperature
        self.corpus_path, self.index_batch_size = corpus_path, index_batch_size
        if model_config is not None:
            self.encoder = encoder_from_config(encoder_config_from_dict(model_config))
        else:
            self.encoder = build_encoder(model_name)
        self.tokenizer = ByteTokenizer()
        self._corpus: Corpus | None = None
        self._index: torch.Tensor | None = None  # (premises, dim), not part of the state dict
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
                raise ValueError("the retriever has no corpus: give a corpus path")
            self._corpus = Corpus(resolve_data_path(self.corpus_path))
        return self._corpus

    @corpus.setter
    def corpus(self, corpus: Corpus) -> None:
        if self._corpus is not corpus:
            self._index = None  # embeddings of another corpus are meaningless
        self._corpus = corpus

    @property
    def embedding_dim(self) -> int:
        """Size of the embeddings (the encoder's ``d_model``)."""
        return int(self.encoder.config.d_model)

    @property
    def is_indexed(self) -> bool:
        """Whether the corpus' premise embeddings are ready."""
        return self._index is not None

    def encoder_info(self) -> dict[str, Any]:
        """What an index file built by this retriever is stamped with."""
        return {
            "model_name": self.hparams.get("model_name"),
            "max_seq_len": self.max_seq_len,
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
        self._index = self.encode_texts(texts, batch_size or self.index_batch_size, progress)
        return self._index

    def save_index(self, path: str | os.PathLike[str]) -> Path:
        """Writes the embeddings, stamped with the corpus fingerprint and encoder info.

        Args:
            path: destination (``*.safetensors``), written atomically.

        Returns:
            The written path.
        """
        if self._index is None:
            raise ValueError("the corpus is not indexed yet: call index_corpus() first")
        index = PremiseIndex(self._index, self.corpus.fingerprint, self.encoder_info())
        return save_index(path, index)

    def load_index(self, path: str | os.PathLike[str]) -> None:
        """Uses embeddings from a file built for this corpus by this encoder.

        Args:
            path: an index file written by :meth:`save_index` (``tacgen index``).

        Raises:
            IndexFileError: when it belongs to another corpus or encoder, or its shape is
                wrong (the message names the file).
        """
        corpus = self.corpus
        index = load_index(
            path, corpus.fingerprint, len(corpus), self.embedding_dim, self.encoder_info()
        )
        self._index = index.embeddings.to(self.device)

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
        ids, mask = self.tokenizer.batch_encode(texts, self.max_seq_len)  # (batch, seq) x2
        return self(ids.to(self.device), mask.to(self.device))  # (batch, dim)

    def encode_premises(
        self, premises: Sequence[Premise], batch_size: int, progress: bool = False
    ) -> torch.Tensor:
        """Encodes premises (their :meth:`Premise.serialize`) in eval mode.

        Args:
            premises: the premises.
            batch_size: premises per forward pass.
            progress: show a tqdm progress bar.

        Returns:
            (premises, dim) float32 embeddings in the order of ``premises``.
        """
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

    def _search(
        self, queries: torch.Tensor, accessible: Sequence[AccessibleSet], k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k accessible premises of each (queries, dim) row: (q, k) indices and scores."""
        if self._index is None:
            self.index_corpus()
        assert self._index is not None
        index = self._index
        if index.device != queries.device:  # the module moved since indexing
            index = self._index = index.to(queries.device)
        if index.device.type == "cpu":
            return masked_topk(queries.float().numpy(), index.numpy(), accessible, k)
        scores = (queries.float() @ index.T).cpu().numpy()  # (q, premises), matmul on device
        return select_topk(scores, accessible, k)

    def batch_retrieve(
        self,
        states: Sequence[str],
        file_paths: Sequence[str],
        theorem_full_names: Sequence[str],
        theorem_positions: Sequence[Position],
        k: int,
    ) -> list[list[tuple[Premise, float]]]:
        """The ``k`` most similar accessible premises of each state, best first.

        The corpus is indexed with the current weights first if it is not yet.

        Args:
            states: the proof states.
            file_paths: for each state, its theorem's Lean file.
            theorem_full_names: for each state, its theorem's full name.
            theorem_positions: for each state, its theorem's start (line, column).
            k: how many premises per state.

        Returns:
            For each state, up to ``k`` (premise, similarity) pairs.
        """
        check_batch(states, file_paths, theorem_full_names, theorem_positions, k)
        if not states:
            return []
        accessible = self.accessible_sets(file_paths, theorem_positions)
        indices, scores = self._search(self.encode_states(states), accessible, k)
        premises = self.corpus.premises
        return [
            [(premises[i], float(s)) for i, s in zip(row.tolist(), values.tolist()) if i >= 0]
            for row, values in zip(indices, scores)
        ]

    # ---------------------------------------------------------------- training

    def on_fit_start(self) -> None:
        # from_pretrained and load leave eval mode, and Lightning >= 2.2 keeps the module's
        # mode; dropout must be on while training.
        self.train()

    def on_train_epoch_start(self) -> None:
        self.train()

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

    def configure_optimizers(self) -> Any:
        """AdamW with linear warm-up and cosine decay to 0 at ``trainer.max_steps``."""
        max_steps = self.trainer.max_steps if self._trainer is not None else -1
        return build_optimization(
            self.parameters(),
            self.lr,
            self.weight_decay,
            self.warmup_steps,
            max_steps,
            self.device.type,
        )

    def transfer_batch_to_device(
        self, batch: Any, device: torch.device, dataloader_idx: int
    ) -> Any:
        """Moves the frozen batch dataclasses with their own ``to``."""
        if isinstance(batch, (RetrievalBatch, ContextBatch)):
            return batch.to(device)
        return super().transfer_batch_to_device(batch, device, dataloader_idx)

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
        paths = [c.file_path for c in batch.contexts]
        positions = [c.theorem_pos for c in batch.contexts]
        k = max(self.num_retrieved, 10)
        indices, _ = self._search(queries, self.accessible_sets(paths, positions), k)
        values = ranking_metrics(indices, [c.positives for c in batch.contexts])
        for name, column in zip(("Recall@1", "Recall@10", "MRR"), values.T):
            metric = cast(torchmetrics.MeanMetric, self.metrics[f"{name}_{split}"])
            metric.update(torch.from_numpy(column).to(self.device))
            self.log(f"{name}_{split}", metric, on_step=False, on_epoch=True, batch_size=len(batch))

    # ---------------------------------------------------------------- persistence

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        config = self.encoder.config.to_dict()
        checkpoint[_CONFIG_KEY] = config
        hparams = checkpoint.get("hyper_parameters")
        if isinstance(hparams, dict):
            hparams["model_config"] = config  # Lightning's own loader rebuilds offline too

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], device: str | torch.device = "cpu", **overrides: Any
    ) -> PremiseRetriever:
        """Loads a retriever for inference, offline, in eval mode.

        Args:
            path: a Lightning ``.ckpt`` written by this class, or a ``T5EncoderModel``
                directory (``save_pretrained``).
            device: where to put the encoder.
            **overrides: constructor arguments replacing the stored ones (``corpus_path``).

        Returns:
            The retriever (no corpus read, nothing indexed yet).
        """
        source = Path(path).expanduser()
        if source.is_dir():
            retriever = cls(**{**overrides, "model_name": str(source)})
        elif source.is_file():
            retriever = cls._from_checkpoint(source, overrides)
        else:
            raise FileNotFoundError(f"retriever checkpoint does not exist: {source}")
        return retriever.to(device).eval()

    @classmethod
    def _from_checkpoint(cls, path: Path, overrides: dict[str, Any]) -> PremiseRetriever:
        hparams, state_dict = read_checkpoint(path, _CONFIG_KEY, cls.__init__, overrides)
        retriever = cls(**hparams)
        retriever.load_state_dict(state_dict)
        return retriever
