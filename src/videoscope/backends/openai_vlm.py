"""A vision-language model behind any OpenAI-compatible chat endpoint that accepts image parts.

Works with vLLM (``vllm serve Qwen/Qwen2.5-VL-3B-Instruct``), Ollama (``/v1`` of
``ollama serve`` with ``qwen2.5vl`` or ``llava``), a llama.cpp server started with the model's
``--mmproj``, and hosted services. Each image goes as a base64 JPEG ``image_url`` part after the
prompt text, scaled to ``image_size`` pixels on its longest side; at most ``max_images`` per
request. Retries with backoff and a bounded request rate come from
:class:`~videoscope.backends.openai_compat.OpenAICompatibleModel`, which this class extends: a
configured VLM is also a text :class:`~videoscope.backends.base.LanguageModel`.

Example:
    >>> from videoscope.backends.registry import load_backend
    >>> vlm = load_backend("vlm", "openai", base_url="http://127.0.0.1:8000/v1",
    ...                    model="Qwen/Qwen2.5-VL-3B-Instruct")  # doctest: +SKIP
    >>> vlm.describe([frame], "What is shown?")  # doctest: +SKIP
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import cv2
import numpy as np

from videoscope.backends.openai_compat import LanguageModelError, OpenAICompatibleModel
from videoscope.errors import ConfigError


def jpeg_data_url(image: np.ndarray, size: int, quality: int = 85) -> str:
    """``image`` (uint8 RGB) scaled down to ``size`` px on its longest side, as a JPEG data URL."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ConfigError(
            "vlm image", f"expected uint8 RGB (h, w, 3), got {image.dtype} {image.shape}"
        )
    height, width = image.shape[:2]
    scale = size / max(height, width)
    if scale < 1.0:
        target = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = np.asarray(cv2.resize(image, target, interpolation=cv2.INTER_AREA))
    ok, encoded = cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ConfigError("vlm image", "JPEG encoding failed")
    return "data:image/jpeg;base64," + base64.b64encode(encoded.tobytes()).decode("ascii")


class OpenAICompatibleVLM(OpenAICompatibleModel):
    """A VLM behind ``{base_url}/chat/completions`` (see the module docstring)."""

    name = "openai"

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8080/v1",
        model: str = "default",
        api_key: str | None = None,
        max_images: int = 4,
        image_size: int = 512,
        concurrency: int = 2,
        jpeg_quality: int = 85,
        context_tokens: int = 8192,
        timeout_s: float = 120.0,
        retries: int = 2,
        backoff_s: float = 1.0,
        requests_per_second: float | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            model=model,
            api_key=api_key,
            context_tokens=context_tokens,
            timeout_s=timeout_s,
            retries=retries,
            backoff_s=backoff_s,
            requests_per_second=requests_per_second,
        )
        if max_images < 1 or image_size < 32 or concurrency < 1:
            raise ConfigError(
                "backends.options.vlm",
                f"max_images={max_images}, image_size={image_size}, concurrency={concurrency}",
                "max_images and concurrency must be at least 1, image_size at least 32",
            )
        self.max_images, self.image_size = int(max_images), int(image_size)
        self.concurrency, self.jpeg_quality = int(concurrency), int(jpeg_quality)

    def describe(
        self,
        images: Sequence[np.ndarray],
        prompt: str,
        *,
        system: str | None = None,
        temperature: float = 0.0,
        max_tokens: int = 256,
    ) -> str:
        """Answer ``prompt`` about ``images``; the first ``max_images`` are sent.

        Raises:
            LanguageModelError: the server is unreachable, refused the request or answered
                nothing.
        """
        if not images:
            raise ConfigError("vlm request", "no images given", "pass at least one frame")
        parts: list[dict[str, Any]] = [{"type": "text", "text": prompt}]
        for image in list(images)[: self.max_images]:
            url = jpeg_data_url(image, self.image_size, self.jpeg_quality)
            parts.append({"type": "image_url", "image_url": {"url": url}})
        messages: list[dict[str, Any]] = [{"role": "user", "content": parts}]
        if system:
            messages.insert(0, {"role": "system", "content": system})
        body = {
            "model": self.model,
            "messages": messages,
            "temperature": float(temperature),
            "max_tokens": int(max_tokens),
            "seed": 0,
        }
        response = self._post(body)
        subject = f"vlm backend at {self.base_url} (model {self.model!r})"
        if response.status_code >= 400:
            raise LanguageModelError(
                subject,
                f"HTTP {response.status_code}: {response.text[:300]}",
                "check that the model accepts images (a llama.cpp server needs --mmproj)",
            )
        from videoscope.backends.openai_compat import reply_text

        text = reply_text(response, subject).strip()
        if not text:
            raise LanguageModelError(subject, "answered an empty message")
        return text
