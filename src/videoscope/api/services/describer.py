"""The describe package behind open prompts, gist and summaries (routes and the analyze handler).

``videoscope.describe`` offers module-level functions, each taking the video's :class:`Timeline`:

* ``analyze(timeline, prompt, *, response_format=None, temperature=None, max_tokens=None)``
  -> text, or an object/dict with ``data`` (or ``text``), ``finish_reason``, ``usage``;
* ``analyze_stream(timeline, prompt, **same)`` -> iterator of text pieces (optional: the
  server falls back to one piece from ``analyze``);
* ``gist(timeline, types)`` -> ``{"title": ..., "topics": [...], "hashtags": [...]}``;
* ``summarize(timeline, type, prompt=None)`` -> ``{"summary": ...}`` or ``{"chapters": [...]}``
  or ``{"highlights": [...]}``.

Without it the routes answer 501 ``{code: "not_implemented"}`` with a clear message.
"""

from __future__ import annotations

import importlib
import json
import uuid
from types import ModuleType
from typing import Any

from videoscope.errors import VideoscopeError
from videoscope.timeline.model import Timeline


class NotAvailableError(VideoscopeError):
    """A feature this build of videoscope does not include."""

    code = "not_implemented"


def require_describer(function: str = "analyze") -> ModuleType:
    """The ``videoscope.describe`` module if it offers ``function``, else 501."""
    try:
        module = importlib.import_module("videoscope.describe")
    except ImportError:
        module = None
    if module is None or not callable(getattr(module, function, None)):
        raise NotAvailableError(
            function,
            "open-prompt analysis, gist and summaries need the videoscope.describe package, "
            "which this server does not have",
            "use /analyze/tasks with analysis_mode=time_based_metadata, or install a build "
            "with videoscope.describe and a configured language model",
        )
    return module


def answer_of(raw: Any) -> dict[str, Any]:
    """A describe answer (text, dict or object) as ``{generation_id, data, finish_reason,
    usage}``."""
    if isinstance(raw, str):
        text, finish, usage = raw, "stop", {}
    else:
        get = raw.get if isinstance(raw, dict) else lambda k, d=None: getattr(raw, k, d)
        value = get("data") if get("data") is not None else get("text", "")
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        finish, usage = get("finish_reason", "stop") or "stop", dict(get("usage", {}) or {})
    usage = {
        "output_tokens": int(usage.get("output_tokens", max(1, len(text) // 4))),
        "input_tokens": int(usage.get("input_tokens", 0)),
    }
    return {
        "generation_id": str(uuid.uuid4()),
        "data": text,
        "finish_reason": finish,
        "usage": usage,
    }


def run_prompt(timeline: Timeline, params: dict[str, Any]) -> dict[str, Any]:
    """Answer ``params["prompt"]`` about ``timeline`` with the describe package."""
    module = require_describer()
    raw = module.analyze(
        timeline,
        params.get("prompt", ""),
        response_format=params.get("response_format"),
        temperature=params.get("temperature"),
        max_tokens=_tokens(params.get("max_tokens")),
    )
    return answer_of(raw)


def _tokens(value: Any) -> int | None:
    return value if isinstance(value, int) else None
