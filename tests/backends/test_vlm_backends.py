"""The vision-language backends against a real loopback OpenAI-compatible server that checks what
it receives (tests/vlm_server.py), and the in-process llama.cpp VLM's refusal of a missing
projector. The images are the packaged photographs, as the server's answers depend on them."""

from __future__ import annotations

import time

import pytest

from tests.vlm_server import FakeVLM, fake_vlm
from videoscope.backends.openai_compat import LanguageModelError
from videoscope.backends.openai_vlm import OpenAICompatibleVLM
from videoscope.config import Settings
from videoscope.errors import BackendUnavailableError
from videoscope.samples.synth import PHOTO_CAPTIONS, photo

__all__ = ["fake_vlm"]  # the fixture, imported for pytest


def _vlm(server: FakeVLM, **options: object) -> OpenAICompatibleVLM:
    return OpenAICompatibleVLM(base_url=server.base_url, model="test-vlm", **options)  # type: ignore[arg-type]


def test_describe_sends_capped_scaled_jpeg_parts_and_returns_the_answer(fake_vlm: FakeVLM) -> None:
    fake_vlm.max_images, fake_vlm.image_size = 2, 256
    vlm = _vlm(fake_vlm, max_images=2, image_size=256)
    frames = [photo("rocket"), photo("coffee"), photo("chelsea")]
    answer = vlm.describe(frames, "What do these frames show?", system="Be brief.")
    assert fake_vlm.problems == []
    (request,) = fake_vlm.received
    assert request.prompt == "What do these frames show?"
    assert request.body["model"] == "test-vlm"
    assert request.body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert len(request.images) == 2  # the third frame is over max_images
    assert max(request.images[0].shape[:2]) == 256  # scaled to image_size
    assert request.photos == ["rocket", "coffee"]  # the right frames, in order
    assert PHOTO_CAPTIONS["rocket"] in answer.lower()


def test_a_busy_server_is_retried_with_backoff(fake_vlm: FakeVLM) -> None:
    fake_vlm.mode = "flaky"  # 503 on every other request
    vlm = _vlm(fake_vlm, retries=2, backoff_s=0.05)
    assert "cat" in vlm.describe([photo("chelsea")], "What is shown?")
    assert fake_vlm.calls == 2


def test_requests_are_paced_by_the_rate_bound(fake_vlm: FakeVLM) -> None:
    vlm = _vlm(fake_vlm, requests_per_second=10.0)
    started = time.monotonic()
    for _ in range(4):
        vlm.describe([photo("coins")], "What is shown?")
    assert time.monotonic() - started >= 0.3  # 4 starts at least 0.1 s apart
    assert fake_vlm.calls == 4


@pytest.mark.parametrize(
    ("mode", "message"), [("nonsense", "not an OpenAI chat"), ("empty", "empty")]
)
def test_a_nonsense_answer_is_a_clear_error(fake_vlm: FakeVLM, mode: str, message: str) -> None:
    fake_vlm.mode = mode
    with pytest.raises(LanguageModelError, match=message) as caught:
        _vlm(fake_vlm, retries=0).describe([photo("moon")], "What is shown?")
    assert fake_vlm.base_url in str(caught.value)


def test_an_absent_server_is_a_clear_error() -> None:
    from tests.describe.conftest import _free_port

    url = f"http://127.0.0.1:{_free_port()}/v1"
    vlm = OpenAICompatibleVLM(base_url=url, retries=1, backoff_s=0.01, timeout_s=2)
    with pytest.raises(LanguageModelError, match="server running") as caught:
        vlm.describe([photo("moon")], "What is shown?")
    assert url in str(caught.value)


def test_the_config_selects_the_vlm(fake_vlm: FakeVLM) -> None:
    from videoscope.backends.registry import load_llm, load_vlm

    assert load_vlm(Settings()) is None  # nothing configured: no VLM
    options = {"base_url": fake_vlm.base_url, "model": "cfg-vlm", "max_images": 3}
    settings = Settings(backends={"vlm": "openai", "options": {"vlm": options}})
    vlm = load_vlm(settings)
    assert isinstance(vlm, OpenAICompatibleVLM)
    assert (vlm.model, vlm.max_images, vlm.base_url) == ("cfg-vlm", 3, fake_vlm.base_url)
    assert load_llm(vlm) is vlm  # a VLM also writes text: describe may use it as its LLM


def test_llama_cpp_vlm_refuses_a_missing_projector(tmp_path: object) -> None:
    from videoscope.backends.registry import load_backend

    model = tmp_path / "model.gguf"  # type: ignore[operator]
    model.write_bytes(b"GGUF")
    missing = tmp_path / "mmproj.gguf"  # type: ignore[operator]
    with pytest.raises(BackendUnavailableError, match="multimodal projector") as caught:
        load_backend("vlm", "llama-cpp", model_path=str(model), mmproj_path=str(missing))
    assert "mmproj_path" in str(caught.value) and str(missing) in str(caught.value)
    with pytest.raises(BackendUnavailableError, match="model_path"):
        load_backend("vlm", "llama-cpp", model_path=str(tmp_path), mmproj_path=str(model))
