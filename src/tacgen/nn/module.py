"""``T5Module``: what the generator's and the retriever's LightningModules share.

Both wrap one T5 backbone trained from scratch or fine-tuned, keep its config in their
checkpoints, train with AdamW + warm-up + cosine, move frozen-dataclass batches themselves,
and load for inference without a Trainer or network access.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar

import lightning as L
import torch

from tacgen.data.provenance import KEY as PROVENANCE_KEY
from tacgen.data.provenance import check_overlap
from tacgen.nn.architectures import Kind, build_model, model_from_config, t5_config
from tacgen.nn.batch import TensorBatch
from tacgen.nn.checkpoint import read_checkpoint
from tacgen.nn.optim import configure_adamw

M = TypeVar("M", bound="T5Module")


@contextlib.contextmanager
def eval_mode(module: torch.nn.Module) -> Iterator[None]:
    """Eval mode (dropout off) for a block, then the module's previous mode again.

    Args:
        module: the module.
    """
    was_training = module.training
    module.eval()
    try:
        yield
    finally:
        module.train(was_training)


@dataclass(frozen=True)
class BackboneSpec:
    """How a :class:`T5Module` subclass holds its T5 and stores it in checkpoints."""

    kind: Kind | Literal["causal"]
    """``"seq2seq"``, ``"encoder"``, or ``"causal"`` (a decoder-only model, built by its
    module itself rather than by :meth:`T5Module.build_backbone`)."""
    attribute: str
    """The attribute holding the backbone (``model``, ``encoder``)."""
    config_key: str
    """The checkpoint key holding the backbone's T5 config."""
    noun: str
    """What error messages call a checkpoint of this class (``generator``, ``retriever``)."""


class T5Module(L.LightningModule):
    """A LightningModule around one T5 backbone (subclasses set the class variables)."""

    spec: ClassVar[BackboneSpec]
    """What the subclass's backbone is and how checkpoints store it."""

    def __init_subclass__(cls, *, spec: BackboneSpec | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if spec is not None:  # a subclass of a subclass keeps its parent's
            cls.spec = spec

    def build_backbone(self, model_name: str, model_config: dict[str, Any] | None) -> Any:
        """The T5 that ``model_config`` (random weights) or else ``model_name`` names.

        Args:
            model_name: see :func:`tacgen.nn.architectures.build_model`.
            model_config: a T5 config dict (checkpoints store it), or None.

        Returns:
            The model, in train mode.
        """
        kind = self.spec.kind
        if kind == "causal":
            raise TypeError("a causal module builds its own backbone")
        if model_config is not None:
            return model_from_config(t5_config(model_config, "model_config", kind), kind)
        return build_model(model_name, kind)

    lr: float
    warmup_steps: int
    weight_decay: float

    provenance: dict[str, Any] | None = None
    """The training data record of the checkpoint this module was loaded from, if any."""
    strict_provenance: bool = False
    """Refuse (instead of warning) to evaluate on theorems the model was trained on."""
    _recorded: dict[str, Any] | None = None
    """The record of this run's training data, computed at the first save."""

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.provenance = checkpoint.get(PROVENANCE_KEY)
        if self._trainer is not None and self.trainer.state.fn == "fit":
            from tacgen.nn.resumable import restore_checkpoint_random_states

            restore_checkpoint_random_states(checkpoint)  # resuming: dropout goes on

    def _check_provenance(self, split: str) -> None:
        """Warns (or refuses) when ``split`` holds theorems this model was trained on."""
        datamodule = getattr(self._trainer, "datamodule", None) if self._trainer else None
        if self.provenance is None or not hasattr(datamodule, "theorem_keys"):
            return
        try:
            keys = datamodule.theorem_keys(split)  # type: ignore[union-attr]
        except KeyError:  # the data module does not have that split
            return
        check_overlap(self.provenance, keys, f"the {split} split", self.strict_provenance)

    def on_validation_start(self) -> None:
        if not self.trainer.sanity_checking and self.trainer.state.fn == "validate":
            self._check_provenance("val")

    def on_test_start(self) -> None:
        self._check_provenance("test")

    def on_predict_start(self) -> None:
        self._check_provenance("predict")

    @property
    def backbone(self) -> Any:
        """The T5 model (a ``PreTrainedModel``)."""
        return getattr(self, self.spec.attribute)

    def on_fit_start(self) -> None:
        # from_pretrained and load() leave eval mode, and Lightning >= 2.2 keeps whatever
        # mode the module had; dropout must be on while training.
        self.train()

    def on_train_epoch_start(self) -> None:
        # Again per epoch, in case a callback or hook switched to eval mode in between.
        self.train()

    def configure_callbacks(self) -> list[L.Callback]:
        """Puts tacgen's console callbacks in place of Lightning's defaults; adds the
        :class:`~tacgen.nn.progress.FitTimer` line.

        The step-counting rich bar replaces Lightning's rich bar, and a summary without the
        FLOPs column (always 0 without an example input) replaces its rich model summary.
        They are swapped in the trainer's list here, not returned: a returned callback of a
        type the trainer has already makes Lightning print an override notice.
        """
        from tacgen.nn.progress import FitTimer, replace_default_console_callbacks

        if self._trainer is not None:
            replace_default_console_callbacks(self.trainer.callbacks)  # type: ignore[attr-defined]
        return [FitTimer()]

    def configure_optimizers(self) -> Any:
        """AdamW with linear warm-up and cosine decay to 0 at ``trainer.max_steps``."""
        max_steps = self.trainer.max_steps if self._trainer is not None else None
        return configure_adamw(
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
        """Moves tacgen batches with their own ``to``: Lightning cannot rebuild frozen
        dataclasses; anything else goes Lightning's way."""
        if isinstance(batch, TensorBatch):
            return batch.to(device)
        return super().transfer_batch_to_device(batch, device, dataloader_idx)

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        datamodule = getattr(self._trainer, "datamodule", None) if self._trainer else None
        if self._recorded is None and hasattr(datamodule, "provenance"):
            # Once per run: the data does not change between saves (every N steps), and the
            # record hashes every training theorem.
            self._recorded = datamodule.provenance()  # type: ignore[union-attr]
        record = self._recorded if self._recorded is not None else self.provenance
        if record is not None:  # a resumed or reloaded run without data keeps its record
            checkpoint[PROVENANCE_KEY] = record
        config = self.backbone.config.to_dict()
        checkpoint[self.spec.config_key] = config
        hparams = checkpoint.get("hyper_parameters")
        if isinstance(hparams, dict):
            # So that Lightning's own load_from_checkpoint rebuilds the backbone from the
            # stored config too, instead of fetching model_name again.
            hparams["model_config"] = config

    @classmethod
    def load(
        cls: type[M],
        path: str | os.PathLike[str],
        device: str | torch.device = "cpu",
        **overrides: Any,
    ) -> M:
        """Loads the module for inference, offline, in eval mode.

        Args:
            path: a Lightning ``.ckpt`` written by this class (the backbone is rebuilt from
                the config stored in it), or a transformers directory (``save_pretrained``).
            device: where to put the module.
            **overrides: constructor arguments replacing the stored hyperparameters.

        Returns:
            The module, in eval mode, on ``device``.

        Raises:
            FileNotFoundError: when ``path`` does not exist.
            CheckpointError: when ``path`` is not a checkpoint of this class.
        """
        source = Path(path).expanduser()
        if source.is_dir():
            module = cls(**{**overrides, "model_name": str(source)})
        elif source.is_file():
            hparams, state_dict = read_checkpoint(
                source, cls.spec.config_key, cls.__init__, overrides, cls.__name__
            )
            module = cls(**hparams)
            module.load_state_dict(state_dict)
        else:
            raise FileNotFoundError(f"{cls.spec.noun} checkpoint does not exist: {source}")
        return module.to(device).eval()
