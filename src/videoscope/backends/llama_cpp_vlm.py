"""A vision-language model run in-process by llama.cpp: a GGUF model plus its multimodal
projector (``mmproj``), e.g. Qwen2.5-VL, SmolVLM, LLaVA, MiniCPM-V or Moondream in GGUF form.

No such weights ship in any package this project installs: point ``model_path`` and
``mmproj_path`` at files you have (``docs/backends``). ``chat_handler`` names llama-cpp-python's
handler for the model family; images are passed as base64 JPEG ``image_url`` parts, exactly as to
the OpenAI-compatible backend. One generation at a time (``concurrency`` 1).

Example:
    >>> from videoscope.backends.registry import load_backend
    >>> vlm = load_backend("vlm", "llama-cpp", model_path="Qwen2.5-VL-3B-Q4_K_M.gguf",
    ...                    mmproj_path="mmproj-Qwen2.5-VL-3B-f16.gguf",
    ...                    chat_handler="qwen2.5-vl")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from videoscope.backends.llama_cpp import LlamaCppModel
from videoscope.backends.openai_vlm import jpeg_data_url
from videoscope.errors import BackendUnavailableError, ConfigError

#: ``chat_handler`` name -> llama-cpp-python class in ``llama_cpp.llama_chat_format``.
CHAT_HANDLERS = {
    "llava-1-5": "Llava15ChatHandler",
    "llava-1-6": "Llava16ChatHandler",
    "qwen2.5-vl": "Qwen25VLChatHandler",
    "minicpm-v-2.6": "MiniCPMv26ChatHandler",
    "moondream": "MoondreamChatHandler",
    "nanollava": "NanoLlavaChatHandler",
    "llama-3-vision": "Llama3VisionAlphaChatHandler",
}
SUBJECT = "vlm backend 'llama-cpp'"


class LlamaCppVLM(LlamaCppModel):
    """A GGUF VLM with its projector, in this process (see the module docstring)."""

    name = "llama-cpp"

    def __init__(
        self,
        model_path: str | None = None,
        mmproj_path: str | None = None,
        chat_handler: str = "llava-1-5",
        context_tokens: int = 4096,
        threads: int = 0,
        max_images: int = 2,
        image_size: int = 448,
    ) -> None:
        if not model_path or not Path(model_path).is_file():
            raise BackendUnavailableError(
                SUBJECT,
                f"model_path {model_path!r} is not a file",
                "set backends.options.vlm.model_path to the model's GGUF file",
            )
        if not mmproj_path or not Path(mmproj_path).is_file():
            raise BackendUnavailableError(
                SUBJECT,
                f"the multimodal projector mmproj_path {mmproj_path!r} is not a file",
                "set backends.options.vlm.mmproj_path to the model's mmproj GGUF (it is "
                "published beside the model, e.g. mmproj-model-f16.gguf)",
            )
        if chat_handler not in CHAT_HANDLERS:
            raise ConfigError(
                "backends.options.vlm.chat_handler",
                f"{chat_handler!r} is not known",
                f"choose one of: {', '.join(CHAT_HANDLERS)}",
            )
        try:
            from llama_cpp import llama_chat_format
        except ImportError as error:
            raise BackendUnavailableError(
                SUBJECT, f"llama-cpp-python is not installed ({error})", "install the 'llm' extra"
            ) from error
        handler = getattr(llama_chat_format, CHAT_HANDLERS[chat_handler])
        super().__init__(
            model_path=model_path,
            context_tokens=context_tokens,
            threads=threads,
            chat_handler=handler(clip_model_path=str(mmproj_path), verbose=False),
        )
        self.max_images, self.image_size, self.concurrency = int(max_images), int(image_size), 1

    def describe(
        self,
        images: Sequence[np.ndarray],
        prompt: str,
        *,
        system: str | None = None,
        temperature: float = 0.0,
        max_tokens: int = 256,
    ) -> str:
        """Answer ``prompt`` about the first ``max_images`` of ``images``."""
        parts: list[dict[str, Any]] = [
            {"type": "image_url", "image_url": {"url": jpeg_data_url(image, self.image_size)}}
            for image in list(images)[: self.max_images]
        ]
        parts.append({"type": "text", "text": prompt})
        messages: list[Any] = [{"role": "user", "content": parts}]
        if system:
            messages.insert(0, {"role": "system", "content": system})
        text = self.complete(messages, temperature=temperature, max_tokens=max_tokens).strip()
        if not text:
            from videoscope.backends.openai_compat import LanguageModelError

            raise LanguageModelError(SUBJECT, "answered an empty message")
        return text
