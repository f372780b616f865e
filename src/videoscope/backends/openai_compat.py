"""Any OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server, hosted services).

JSON output: the request first carries OpenAI's ``response_format={"type": "json_schema", ...}``;
servers that reject it (llama-cpp-python's server answers 500 or 4xx) are sent llama.cpp's
``{"type": "json_object", "schema": ...}`` form instead, and the choice is remembered. Every JSON
reply is validated with ``jsonschema``; an invalid one is retried once with the validation error
in the conversation, then :class:`LanguageModelError` is raised (callers fall back).

Every request has a timeout and a ``max_tokens`` cap; ``retries`` retries a request that could
not connect, timed out or got HTTP 429/5xx, after ``backoff_s``, doubling; ``requests_per_second``
bounds how fast requests start (shared by every thread using the instance).

Example:
    >>> from videoscope.backends.registry import load_backend
    >>> llm = load_backend("llm", "openai", base_url="http://127.0.0.1:8080/v1")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from videoscope.errors import BackendUnavailableError, VideoscopeError

log = logging.getLogger(__name__)

SchemaMode = Literal["auto", "json_schema", "json_object"]


class LanguageModelError(VideoscopeError):
    """The language model failed: unreachable, an error reply, or output that never validated."""

    code = "llm_error"


class OpenAICompatibleModel:
    """A chat model behind ``{base_url}/chat/completions``."""

    name = "openai"

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8080/v1",
        model: str = "default",
        api_key: str | None = None,
        context_tokens: int = 4096,
        timeout_s: float = 120.0,
        schema_mode: SchemaMode = "auto",
        retries: int = 0,
        backoff_s: float = 0.5,
        requests_per_second: float | None = None,
    ) -> None:
        try:
            import httpx
        except ImportError as error:
            raise BackendUnavailableError(
                "llm backend 'openai'", f"httpx is not installed ({error})", "pip install httpx"
            ) from error
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.context_tokens = context_tokens
        self.schema_mode: SchemaMode = schema_mode
        key = (
            api_key or os.environ.get("VIDEOSCOPE_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY")
        )
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(timeout_s, connect=10))
        self.retries, self.backoff_s = max(0, int(retries)), float(backoff_s)
        self._interval = 1.0 / requests_per_second if requests_per_second else 0.0
        self._next_start = 0.0
        self._pace = threading.Lock()

    def _wait_turn(self) -> None:
        """Sleep until this request may start under ``requests_per_second``."""
        if not self._interval:
            return
        with self._pace:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self._interval
        if start > now:
            time.sleep(start - now)

    def _body(
        self,
        messages: Sequence[dict[str, str]],
        json_schema: dict[str, Any] | None,
        temperature: float,
        max_tokens: int,
        mode: SchemaMode,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(m) for m in messages],
            "temperature": float(temperature),
            "max_tokens": int(max_tokens),
            "seed": 0,
        }
        if json_schema is not None:
            if mode == "json_object":
                body["response_format"] = {"type": "json_object", "schema": json_schema}
            else:
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "answer", "schema": json_schema, "strict": True},
                }
        return body

    def _post(self, body: dict[str, Any]) -> Any:
        import httpx

        delay = self.backoff_s
        for attempt in range(self.retries + 1):
            self._wait_turn()
            try:
                response = self._client.post(f"{self.base_url}/chat/completions", json=body)
            except httpx.HTTPError as error:
                if attempt < self.retries:
                    log.info("request to %s failed (%s); retrying", self.base_url, error)
                    time.sleep(delay)
                    delay *= 2
                    continue
                raise LanguageModelError(
                    f"{self.name} backend at {self.base_url}",
                    f"request failed: {error}",
                    "is the server running and is base_url right (e.g. http://127.0.0.1:8080/v1)?",
                ) from error
            if response.status_code in (429, 500, 502, 503, 504) and attempt < self.retries:
                log.info("%s answered HTTP %d; retrying", self.base_url, response.status_code)
                time.sleep(delay)
                delay *= 2
                continue
            return response
        raise AssertionError("unreachable")  # the loop returns or raises

    def _request(self, body: dict[str, Any], schema: dict[str, Any] | None) -> str:
        mode: SchemaMode = "json_schema" if self.schema_mode == "auto" else self.schema_mode
        response = self._post(self._body_mode(body, schema, mode))
        if schema is not None and self.schema_mode == "auto" and response.status_code >= 400:
            log.info(
                "json_schema response_format refused (%d); using json_object+schema",
                response.status_code,
            )
            mode = "json_object"
            response = self._post(self._body_mode(body, schema, mode))
            if response.status_code < 400:
                self.schema_mode = mode
        if response.status_code >= 400:
            raise LanguageModelError(
                f"llm at {self.base_url}", f"HTTP {response.status_code}: {response.text[:300]}"
            )
        return reply_text(response, f"{self.name} backend at {self.base_url}")

    def _body_mode(
        self, body: dict[str, Any], schema: dict[str, Any] | None, mode: SchemaMode
    ) -> dict[str, Any]:
        return self._body(body["messages"], schema, body["temperature"], body["max_tokens"], mode)

    def complete(
        self,
        messages: Sequence[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 512,
    ) -> str:
        """The full reply; with ``json_schema`` it is validated (and retried once if invalid).

        Raises:
            LanguageModelError: the server failed, or the reply never validated.
        """
        body = self._body(messages, None, temperature, max_tokens, "json_schema")
        text = self._request(body, json_schema)
        if json_schema is None:
            return text
        problem = schema_problem(text, json_schema)
        if problem is None:
            return text
        log.warning("reply does not validate (%s); retrying once", problem)
        body["messages"] = [
            *body["messages"],
            {"role": "assistant", "content": text},
            {
                "role": "user",
                "content": f"That reply is invalid: {problem}. Reply again with only JSON that "
                f"validates against this schema: {json.dumps(json_schema)}",
            },
        ]
        text = self._request(body, json_schema)
        problem = schema_problem(text, json_schema)
        if problem is not None:
            raise LanguageModelError(f"llm at {self.base_url}", f"reply never validated: {problem}")
        return text

    def stream(
        self,
        messages: Sequence[dict[str, str]],
        *,
        json_schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 512,
    ) -> Iterator[str]:
        """Yield the reply's pieces as the server sends them (server-sent events)."""
        import httpx

        mode: SchemaMode = "json_object" if self.schema_mode == "json_object" else "json_schema"
        body = self._body(messages, json_schema, temperature, max_tokens, mode)
        body["stream"] = True
        try:
            with self._client.stream(
                "POST", f"{self.base_url}/chat/completions", json=body
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    if json_schema is not None and self.schema_mode == "auto":
                        self.schema_mode = "json_object"
                        yield from self.stream(
                            messages,
                            json_schema=json_schema,
                            temperature=temperature,
                            max_tokens=max_tokens,
                        )
                        return
                    raise LanguageModelError(
                        f"llm at {self.base_url}",
                        f"HTTP {response.status_code}: {response.text[:300]}",
                    )
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    choices = json.loads(data).get("choices") or [{}]
                    piece = (choices[0].get("delta") or {}).get("content")
                    if piece:
                        yield str(piece)
        except httpx.HTTPError as error:
            raise LanguageModelError(
                f"llm at {self.base_url}", f"stream failed: {error}"
            ) from error


def reply_text(response: Any, subject: str) -> str:
    """The message content of an OpenAI chat completion ``response`` (an ``httpx.Response``).

    Raises:
        LanguageModelError: the body is not a chat completion (a proxy page, another API).
    """
    try:
        reply = response.json()
        content = reply["choices"][0]["message"].get("content")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        raise LanguageModelError(
            subject,
            f"the reply is not an OpenAI chat completion ({error!r}): {response.text[:200]!r}",
            "point base_url at the server's /v1 root",
        ) from error
    return str(content or "")


def schema_problem(text: str, schema: dict[str, Any]) -> str | None:
    """Why ``text`` is not JSON that validates against ``schema``; None when it is."""
    import jsonschema

    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return f"not JSON ({error})"
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as error:
        return error.message
    except jsonschema.SchemaError as error:
        return f"the schema itself is invalid ({error.message})"
    return None
