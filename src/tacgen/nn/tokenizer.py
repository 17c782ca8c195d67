"""A vectorised byte-level tokenizer whose ids equal ``transformers.ByT5Tokenizer()``'s.

ByT5 maps every UTF-8 byte ``b`` to id ``b + 3``; ids 0, 1, 2 are ``<pad>``, ``</s>`` and
``<unk>``, and ``<extra_id_i>`` is ``259 + i`` for ``i < 125`` (vocabulary of 384).
``ByT5Tokenizer`` does this one Python call per byte; here the common case (text without any
special-token string) is one ``str.encode`` per text and a few numpy operations per batch.

Texts that do contain a special-token string take an exact slower path that reproduces the
rules of ``ByT5Tokenizer`` (transformers' ``PreTrainedTokenizer.tokenize``):

* every occurrence of ``<pad>``, ``</s>``, ``<unk>`` or ``<extra_id_0>`` ... ``<extra_id_124>``
  becomes its id (the token set is prefix-free, so a left-to-right scan finds them all);
* ``<pad>``, ``</s>`` and ``<unk>`` are ``lstrip``/``rstrip`` tokens: the text piece right
  before one loses its trailing whitespace and the piece right after loses its leading
  whitespace (Python ``str.rstrip``/``str.lstrip``, i.e. any ``str.isspace`` character,
  Unicode spaces included); ``<extra_id_i>`` strips nothing;
* ``</s>`` is appended unless the ids already end with it, after truncation to
  ``max_length - 1`` ids (so truncation keeps ``</s>`` last and may cut a character).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

__all__ = ["ByteTokenizer"]

IdArray = np.ndarray


class ByteTokenizer:
    """ByT5-compatible tokenizer: UTF-8 bytes shifted by 3, plus pad/eos/unk and sentinels."""

    pad_token_id: int = 0
    eos_token_id: int = 1
    unk_token_id: int = 2
    offset: int = 3
    num_extra_ids: int = 125
    vocab_size: int = 384

    pad_token: str = "<pad>"
    eos_token: str = "</s>"
    unk_token: str = "<unk>"

    def __init__(self) -> None:
        """Builds the special-token tables (no files, no download)."""
        first_extra = self.offset + 256
        self.special_tokens: dict[str, int] = {
            self.pad_token: self.pad_token_id,
            self.eos_token: self.eos_token_id,
            self.unk_token: self.unk_token_id,
        }
        for i in range(self.num_extra_ids):
            self.special_tokens[f"<extra_id_{i}>"] = first_extra + i
        self._id_to_special: dict[int, str] = {v: k for k, v in self.special_tokens.items()}
        # Tokens that swallow the whitespace around them (AddedToken(lstrip=True, rstrip=True)).
        self._stripping = {self.pad_token, self.eos_token, self.unk_token}
        alternatives = sorted(self.special_tokens, key=len, reverse=True)
        self._special_re = re.compile("(" + "|".join(map(re.escape, alternatives)) + ")")

    # ------------------------------------------------------------------ encoding

    def encode(self, text: str, max_length: int | None = None) -> list[int]:
        """Encodes one text as ``ByT5Tokenizer()(text, truncation=True, max_length=...)``.

        Args:
            text: any string; special-token strings in it become their ids.
            max_length: keep at most this many ids, ``</s>`` included; ``None`` keeps all.

        Returns:
            The ids, ending with ``</s>`` (id 1).
        """
        _check_max_length(max_length)
        if self._has_special(text):
            return self._finish(self._special_ids(text), max_length)
        blob = text.encode("utf-8")
        if max_length is not None:
            blob = blob[: max_length - 1]
        data = np.frombuffer(blob, dtype=np.uint8).astype(np.int64)
        ids: list[int] = (data + self.offset).tolist()
        ids.append(self.eos_token_id)
        return ids

    def batch_encode(
        self, texts: Sequence[str], max_length: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Encodes and pads like ``ByT5Tokenizer()(texts, padding="longest", truncation=True)``.

        Args:
            texts: the strings; special-token strings in them become their ids.
            max_length: keep at most this many ids per row, ``</s>`` included; ``None`` keeps all.

        Returns:
            ``(ids, mask)``, both int64 of shape ``(len(texts), longest row)``, right-padded with
            id 0 and mask 0. An empty batch gives two ``(0, 0)`` tensors (``ByT5Tokenizer``
            raises there).
        """
        _check_max_length(max_length)
        slow: dict[int, list[int]] = {}
        blobs: list[bytes] = []
        for i, text in enumerate(texts):
            if self._has_special(text):
                slow[i] = self._finish(self._special_ids(text), max_length)
                blobs.append(b"")
            else:
                blobs.append(text.encode("utf-8"))
        return self._collate(blobs, slow, max_length)

    def batch_encode_bytes(
        self, blobs: Sequence[bytes], max_length: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Like :meth:`batch_encode` for callers that already hold UTF-8 encoded bytes.

        The bytes are taken as raw bytes only: a ``b"</s>"`` inside them is four ordinary bytes,
        not the eos id, and no whitespace is stripped. For bytes ``text.encode("utf-8")`` of a
        text without special-token strings the result equals ``batch_encode``'s.

        Args:
            blobs: the byte strings (need not be valid UTF-8).
            max_length: keep at most this many ids per row, ``</s>`` included; ``None`` keeps all.

        Returns:
            ``(ids, mask)`` as for :meth:`batch_encode`.
        """
        _check_max_length(max_length)
        return self._collate(list(blobs), {}, max_length)

    def _has_special(self, text: str) -> bool:
        return "<" in text and self._special_re.search(text) is not None

    def _special_ids(self, text: str) -> list[int]:
        """Ids (no eos, no truncation) of a text that may contain special-token strings."""
        # re.split with one group alternates text, token, text, ..., text.
        parts = self._special_re.split(text)
        pieces: list[IdArray] = []
        for k, part in enumerate(parts):
            if k % 2:
                pieces.append(np.array([self.special_tokens[part]], dtype=np.int64))
                continue
            if k > 0 and parts[k - 1] in self._stripping:
                part = part.lstrip()
            if k + 1 < len(parts) and parts[k + 1] in self._stripping:
                part = part.rstrip()
            data = np.frombuffer(part.encode("utf-8"), dtype=np.uint8)
            pieces.append(data.astype(np.int64) + self.offset)
        ids: list[int] = np.concatenate(pieces).tolist()
        return ids

    def _finish(self, ids: list[int], max_length: int | None) -> list[int]:
        """Truncates to ``max_length - 1`` ids and appends eos unless already last (as ByT5)."""
        if max_length is not None and len(ids) + 1 > max_length:
            ids = ids[: max_length - 1]
        if not ids or ids[-1] != self.eos_token_id:
            ids.append(self.eos_token_id)
        return ids

    def _collate(
        self, blobs: list[bytes], slow: dict[int, list[int]], max_length: int | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Pads byte rows (plus precomputed ``slow`` rows, whose blobs are empty) into tensors."""
        n = len(blobs)
        if max_length is not None:
            cut = max_length - 1
            blobs = [b[:cut] for b in blobs]
        lengths = np.fromiter(map(len, blobs), dtype=np.int64, count=n)
        row_lengths = lengths + 1
        for i, row in slow.items():
            row_lengths[i] = len(row)
        width = int(row_lengths.max()) if n else 0
        cols = np.arange(width, dtype=np.int64)
        flat = np.frombuffer(b"".join(blobs), dtype=np.uint8)
        ids = np.zeros((n, width), dtype=np.int64)
        ids[cols < lengths[:, None]] = flat.astype(np.int64) + self.offset
        ids[np.arange(n), lengths] = self.eos_token_id
        for i, row in slow.items():
            ids[i, : len(row)] = row
        mask = (cols < row_lengths[:, None]).astype(np.int64)
        return torch.from_numpy(ids), torch.from_numpy(mask)

    # ------------------------------------------------------------------ decoding

    def decode(self, ids: Sequence[int] | torch.Tensor, skip_special_tokens: bool = True) -> str:
        """Decodes ids as ``ByT5Tokenizer().decode`` does.

        Bytes are decoded with ``errors="ignore"``, so a character cut by truncation or
        generation is dropped. With ``skip_special_tokens`` the ids below 3 and from 259 up are
        dropped first; without it they are spliced in as their strings (``"</s>"``...).

        Args:
            ids: a 1-D sequence or tensor of ids in ``[0, 384)``.
            skip_special_tokens: whether to drop pad, eos, unk and sentinel ids.

        Returns:
            The decoded text.

        Raises:
            ValueError: on an id outside the vocabulary (``ByT5Tokenizer`` raises too) or
                input that is not 1-D.
        """
        arr = _as_id_array(ids, ndim=1)
        if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= self.vocab_size):
            raise ValueError(f"ids must lie in [0, {self.vocab_size}), got {arr.tolist()}")
        is_byte = (arr >= self.offset) & (arr < self.offset + 256)
        if skip_special_tokens or bool(is_byte.all()):
            data = (arr[is_byte] - self.offset).astype(np.uint8).tobytes()
            return data.decode("utf-8", errors="ignore")
        chunks: list[bytes] = []
        start = 0
        for pos in np.flatnonzero(~is_byte).tolist():
            chunks.append((arr[start:pos] - self.offset).astype(np.uint8).tobytes())
            chunks.append(self._id_to_special[int(arr[pos])].encode("utf-8"))
            start = pos + 1
        chunks.append((arr[start:] - self.offset).astype(np.uint8).tobytes())
        return b"".join(chunks).decode("utf-8", errors="ignore")

    def batch_decode(
        self, rows: Sequence[Sequence[int]] | torch.Tensor, skip_special_tokens: bool = True
    ) -> list[str]:
        """Decodes each row as :meth:`decode` (as ``ByT5Tokenizer().batch_decode``).

        Args:
            rows: a 2-D tensor or a sequence of id sequences (rows may differ in length).
            skip_special_tokens: whether to drop pad, eos, unk and sentinel ids.

        Returns:
            One string per row.
        """
        if isinstance(rows, torch.Tensor):
            matrix = _as_id_array(rows, ndim=2)
            return [self.decode(row, skip_special_tokens) for row in matrix]
        return [self.decode(row, skip_special_tokens) for row in rows]

    # ------------------------------------------------------------------ saving

    def save_pretrained(self, directory: str | os.PathLike[str]) -> None:
        """Writes ``tokenizer_config.json`` so transformers can load an equivalent tokenizer.

        ``transformers.ByT5Tokenizer.from_pretrained(directory)`` and
        ``AutoTokenizer.from_pretrained(directory)`` then build ``ByT5Tokenizer()`` with the
        same special tokens, ids and decoding (``clean_up_tokenization_spaces`` is off).

        Args:
            directory: the folder to write to; created if missing.
        """
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        config = {
            "tokenizer_class": "ByT5Tokenizer",
            "eos_token": self.eos_token,
            "pad_token": self.pad_token,
            "unk_token": self.unk_token,
            "extra_ids": self.num_extra_ids,
            "clean_up_tokenization_spaces": False,
        }
        text = json.dumps(config, indent=2, ensure_ascii=False) + "\n"
        (path / "tokenizer_config.json").write_text(text, encoding="utf-8")


def _check_max_length(max_length: int | None) -> None:
    if max_length is not None and max_length < 1:
        raise ValueError(f"max_length must be None or at least 1, got {max_length}")


def _as_id_array(ids: Sequence[int] | Sequence[Sequence[int]] | torch.Tensor, ndim: int) -> IdArray:
    if isinstance(ids, torch.Tensor):
        arr = ids.detach().cpu().numpy().astype(np.int64, copy=False)
    else:
        arr = np.asarray(ids, dtype=np.int64)
    if arr.ndim != ndim:
        raise ValueError(f"expected {ndim}-D ids, got shape {tuple(arr.shape)}")
    return arr
