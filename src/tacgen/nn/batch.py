"""``TensorBatch``: the base of tacgen's frozen batch records."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TypeVar

import torch

B = TypeVar("B", bound="TensorBatch")


@dataclass(frozen=True)
class TensorBatch:
    """A frozen dataclass whose tensor fields move together (``to``, ``pin_memory``).

    Lightning cannot rebuild frozen dataclasses when moving them to a device, so
    :class:`tacgen.nn.module.T5Module` moves every ``TensorBatch`` with :meth:`to`.
    """

    def tensor_fields(self) -> list[str]:
        """The names of the fields holding tensors."""
        return [f.name for f in fields(self) if isinstance(getattr(self, f.name), torch.Tensor)]

    def to(self: B, device: torch.device | str, non_blocking: bool = False) -> B:
        """A copy with the tensors on ``device``."""
        moved = {
            n: getattr(self, n).to(device, non_blocking=non_blocking) for n in self.tensor_fields()
        }
        return replace(self, **moved)

    def pin_memory(self: B) -> B:
        """A copy with the tensors in pinned memory (DataLoader's ``pin_memory``)."""
        return replace(self, **{n: getattr(self, n).pin_memory() for n in self.tensor_fields()})
