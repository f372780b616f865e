"""Named backends per model role, imported lazily on first use.

A backend is named by ``role`` and ``name``; the registry maps the pair to ``"module:attribute"``
so that heavy libraries (onnxruntime, ctranslate2, llama.cpp) are imported only when the backend is
actually loaded. Settings choose the name; :func:`load_backend` builds and caches the instance.

Example:
    >>> from videoscope.backends.registry import available_backends
    >>> "silero" in available_backends("vad")
    True
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from videoscope.errors import BackendUnavailableError, ConfigError

if TYPE_CHECKING:
    from videoscope.backends.base import LanguageModel, VisionLanguageModel
    from videoscope.config import Settings

#: A language model, ``"config"`` (``settings.backends.llm``), a backend name, or ``None`` /
#: ``"none"`` / ``"extractive"`` for no model.
LlmChoice: TypeAlias = "LanguageModel | str | None"

Role = Literal[
    "vad", "asr", "ocr", "text_embedder", "image_text_embedder", "audio_tagger", "llm", "vlm"
]

#: role -> backend name -> "module:factory". The factory takes keyword options from settings.
_BACKENDS: dict[str, dict[str, str]] = {
    "vad": {"silero": "videoscope.backends.silero_vad:SileroVAD"},
    "asr": {"whisper": "videoscope.backends.whisper:WhisperRecognizer"},
    "ocr": {"rapidocr": "videoscope.backends.rapidocr:RapidOCRRecognizer"},
    "text_embedder": {"minilm": "videoscope.backends.minilm:MiniLMTextEmbedder"},
    "image_text_embedder": {
        "imagenet-concepts": "videoscope.backends.imagenet_concepts:ImageNetConceptEmbedder"
    },
    "audio_tagger": {"yamnet": "videoscope.backends.yamnet:YamnetTagger"},
    "llm": {
        "llama-cpp": "videoscope.backends.llama_cpp:LlamaCppModel",
        "openai": "videoscope.backends.openai_compat:OpenAICompatibleModel",
    },
    "vlm": {
        "llama-cpp": "videoscope.backends.llama_cpp_vlm:LlamaCppVLM",
        "openai": "videoscope.backends.openai_vlm:OpenAICompatibleVLM",
    },
}

_instances: dict[tuple[str, str, tuple[tuple[str, Any], ...]], Any] = {}
_lock = threading.RLock()  # re-entrant: a backend may load another in its constructor


def register_backend(role: Role, name: str, target: str) -> None:
    """Register ``target`` (``"package.module:Factory"``) as backend ``name`` of ``role``."""
    _BACKENDS.setdefault(role, {})[name] = target


def available_backends(role: Role) -> list[str]:
    """Names registered for ``role``, sorted."""
    return sorted(_BACKENDS.get(role, {}))


def load_backend(role: Role, name: str, **options: Any) -> Any:
    """Build (once per role, name and options) and return the backend instance.

    Raises:
        ConfigError: the name is not registered for this role.
        BackendUnavailableError: the backend's optional dependencies or weights are missing.
    """
    targets = _BACKENDS.get(role, {})
    if name not in targets:
        raise ConfigError(
            f"backend {role}={name!r}",
            "no such backend",
            f"choose one of: {', '.join(sorted(targets)) or '(none registered)'}",
        )
    key = (role, name, tuple(sorted(options.items())))
    with _lock:
        if key not in _instances:
            module_name, _, attribute = targets[name].partition(":")
            try:
                module = importlib.import_module(module_name)
            except ImportError as error:
                raise BackendUnavailableError(
                    f"backend {role}={name!r}",
                    f"its dependencies are not installed ({error})",
                    "install the matching extra, e.g. pip install 'videoscope[all]'",
                ) from error
            _instances[key] = getattr(module, attribute)(**options)
        return _instances[key]


def load_llm(choice: LlmChoice = "config") -> LanguageModel | None:
    """The language model ``choice`` names: a model is returned as is; ``"config"`` loads
    ``settings.backends.llm`` with its options (or, without one, the configured VLM, which
    writes text too); another name loads that backend with the configured options; ``None``,
    ``"none"`` and ``"extractive"`` mean no model."""
    if choice is None or not isinstance(choice, str):
        return choice
    from videoscope.config import get_settings

    settings = get_settings()
    name = settings.backends.llm if choice == "config" else choice
    if choice == "config" and not name and settings.backends.vlm:
        model: LanguageModel | None = load_vlm(settings)  # type: ignore[assignment]
        return model
    if not name or name in ("none", "extractive"):
        return None
    return load_backend("llm", name, **settings.backends.options.get("llm", {}))


def load_vlm(settings: Settings | None = None) -> VisionLanguageModel | None:
    """The vision-language model ``settings.backends.vlm`` names, with its options; None when
    no VLM is configured (the default: no VLM weights ship in any package)."""
    if settings is None:
        from videoscope.config import get_settings

        settings = get_settings()
    name = settings.backends.vlm
    if not name or name == "none":
        return None
    model: VisionLanguageModel = load_backend(
        "vlm", name, **settings.backends.options.get("vlm", {})
    )
    return model
