"""A loopback OpenAI-compatible vision-language server for tests: the one allowed test double.

No VLM weights can be installed here, so the tests run a real HTTP server on 127.0.0.1 that
checks every request it receives (an OpenAI chat body whose user message holds text and base64
JPEG ``image_url`` parts, at most ``max_images`` of them, none larger than ``image_size``) and
answers with the caption of the packaged photograph each image shows, found by comparing the
decoded JPEG with every photograph (so a caption is only right when the right frame was sent).
``mode`` makes it misbehave: ``"nonsense"`` answers HTML, ``"flaky"`` answers HTTP 503 to every
other request, ``"empty"`` answers an empty message.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import cv2
import numpy as np
import pytest

from videoscope.samples.synth import PHOTO_CAPTIONS, PHOTOS, photo

_THUMB = (32, 18)


def _thumb(image: np.ndarray) -> np.ndarray:
    return cv2.resize(image, _THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)


def _cover(image: np.ndarray, aspect: float) -> np.ndarray:
    """The centre crop of ``image`` with width/height ``aspect``."""
    height, width = image.shape[:2]
    if width / height > aspect:
        keep = int(height * aspect)
        return image[:, (width - keep) // 2 : (width + keep) // 2]
    keep = int(width / aspect)
    return image[(height - keep) // 2 : (height + keep) // 2]


def which_photo(image: np.ndarray) -> str:
    """The packaged photograph that ``image`` (RGB) shows: the closest thumbnail."""
    aspect = image.shape[1] / image.shape[0]
    mine = _thumb(image)
    scores = {}
    for name in PHOTOS:
        picture = photo(name)
        scores[name] = float(np.abs(_thumb(_cover(picture, aspect)) - mine).mean())
    return min(scores, key=lambda name: scores[name])


@dataclass
class Received:
    """One request as the server saw it."""

    body: dict[str, Any]
    prompt: str
    images: list[np.ndarray]
    photos: list[str]


@dataclass
class FakeVLM:
    """The running server: its URL, what it received and how it should answer."""

    base_url: str
    max_images: int = 4
    image_size: int = 512
    mode: str = "ok"
    received: list[Received] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    calls: int = 0

    def answer(self, body: dict[str, Any]) -> tuple[int, str]:
        """Check ``body`` and return (status, response text)."""
        self.calls += 1
        if self.mode == "flaky" and self.calls % 2 == 1:
            return 503, '{"error": "busy"}'
        if self.mode == "nonsense":
            return 200, "<html>not an API</html>"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            self.problems.append("no messages")
            return 400, '{"error": "no messages"}'
        content = messages[-1].get("content")
        if not isinstance(content, list):  # a text-only request (the VLM used as an LLM)
            self.received.append(Received(body, str(content), [], []))
            return 200, _completion(self._text_reply(body))
        texts = [p["text"] for p in content if p.get("type") == "text"]
        urls = [p["image_url"]["url"] for p in content if p.get("type") == "image_url"]
        images = []
        for url in urls:
            if not url.startswith("data:image/jpeg;base64,"):
                self.problems.append(f"image part is not a base64 JPEG: {url[:40]}")
                continue
            raw = np.frombuffer(base64.b64decode(url.split(",", 1)[1]), np.uint8)
            decoded = cv2.imdecode(raw, cv2.IMREAD_COLOR)
            if decoded is None:
                self.problems.append("an image part does not decode")
                continue
            images.append(decoded[:, :, ::-1])
        if not texts or not images:
            self.problems.append(f"expected text and images, got {len(texts)} / {len(images)}")
        if len(images) > self.max_images:
            self.problems.append(f"{len(images)} images > max_images {self.max_images}")
        for image in images:
            if max(image.shape[:2]) > self.image_size:
                self.problems.append(f"image {image.shape} larger than {self.image_size}")
        photos = [which_photo(image) for image in images]
        self.received.append(Received(body, " ".join(texts), images, photos))
        if self.mode == "empty":
            return 200, _completion("")
        captions = list(dict.fromkeys(PHOTO_CAPTIONS[p] for p in photos))
        return 200, _completion(" Then ".join(c[:1].upper() + c[1:] + "." for c in captions))

    def _text_reply(self, body: dict[str, Any]) -> str:
        schema = (body.get("response_format") or {}).get("json_schema", {}).get("schema")
        if schema is None:
            return "A text answer."
        return json.dumps(_fill(schema))


def _fill(schema: dict[str, Any]) -> Any:
    """A small value that validates ``schema`` (objects, arrays, strings, numbers, booleans)."""
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        return {k: _fill(v) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [_fill(schema.get("items", {})) for _ in range(max(1, schema.get("minItems", 1)))]
    if kind in ("number", "integer"):
        return max(0, schema.get("minimum", 0))
    if kind == "boolean":
        return True
    if schema.get("pattern", "").startswith("^#"):
        return "#video"
    return "A rocket on the launch pad"[: schema.get("maxLength", 200)]


def _completion(text: str) -> str:
    return json.dumps(
        {
            "id": "fake",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}}],
        }
    )


@pytest.fixture
def fake_vlm() -> Iterator[FakeVLM]:
    """A fake VLM server on a free loopback port for one test."""
    state: dict[str, FakeVLM] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            server_state = state["vlm"]
            if self.path != "/v1/chat/completions":
                status, text = 404, '{"error": "not found"}'
                server_state.problems.append(f"unexpected path {self.path}")
            else:
                status, text = server_state.answer(json.loads(self.rfile.read(length)))
            payload = text.encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["vlm"] = FakeVLM(base_url=f"http://127.0.0.1:{server.server_address[1]}/v1")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state["vlm"]
    finally:
        server.shutdown()
        server.server_close()
