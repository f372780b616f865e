"""Embeddings of a really indexed generated video, checked against its exact truth."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.classify.media import Indexed
from videoscope.embed import Embedder, EmbeddingResponse, clip_spans, pool_windows
from videoscope.errors import InvalidRequestError
from videoscope.media.decode import DecodedFrame, decode
from videoscope.media.probe import probe
from videoscope.timeline.model import Embeddings, TimedItem


def _matrix(
    response: EmbeddingResponse, option: str
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    assert response.video_embedding is not None
    segments = response.video_embedding.vectors(option)  # type: ignore[arg-type]
    spans = [(s.start_offset_sec or 0.0, s.end_offset_sec or 0.0) for s in segments]
    return np.array([s.float_ for s in segments], dtype=np.float32), spans


def test_video_segments_have_twelve_labs_shapes(indexed: Indexed, embedder: Embedder) -> None:
    response = embedder.embed_video(indexed.timeline, clip_length=4.0)
    video = response.video_embedding
    assert video is not None and video.metadata is not None
    assert video.metadata.video_clip_length == 4.0 and video.metadata.duration == pytest.approx(
        20, abs=0.1
    )
    for option in ("visual-text", "audio"):
        vectors, spans = _matrix(response, option)
        assert len(spans) == 5 and spans[0][0] == 0.0
        assert spans[-1][1] == pytest.approx(indexed.timeline.video.duration, abs=1e-3)
        assert all(b[0] == pytest.approx(a[1]) for a, b in itertools.pairwise(spans))
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
        whole = [
            s
            for s in video.segments
            if s.embedding_option == option and s.embedding_scope == "video"
        ]
        assert len(whole) == 1 and len(whole[0].float_) == vectors.shape[1]
    dims = {space.embedding_option: (space.model, space.dim) for space in response.spaces}
    assert dims["visual-text"] == ("efficientnet-lite0+minilm", 384)
    assert dims["audio"][1] == 384 and response.model_name
    dumped = response.model_dump(by_alias=True, exclude_none=True)
    first = dumped["video_embedding"]["segments"][0]
    assert set(first) == {
        "float",
        "start_offset_sec",
        "end_offset_sec",
        "embedding_scope",
        "embedding_option",
    }
    assert EmbeddingResponse.model_validate(dumped) == response


def test_frame_embedding_is_nearest_to_its_own_clip(indexed: Indexed, embedder: Embedder) -> None:
    response = embedder.embed_video(indexed.timeline, clip_length=2.0, scopes=["clip"])
    clips, spans = _matrix(response, "visual-text")
    wanted = [(s.start + s.end) / 2 + 0.3 for s in indexed.truth.shots]
    frames: dict[float, np.ndarray] = {}
    for item in decode(probe(indexed.path), audio=False):
        if isinstance(item, DecodedFrame):
            for time in wanted:
                if time not in frames and item.time >= time:
                    frames[time] = item.rgb(320)
    assert len(frames) == len(wanted)
    for time, frame in frames.items():
        image = embedder.embed_image(frame)
        assert image.image_embedding is not None
        vector = np.array(image.image_embedding.segments[0].float_, dtype=np.float32)
        start, end = spans[int(np.argmax(clips @ vector))]
        shot = next(s for s in indexed.truth.shots if s.start <= time < s.end)
        assert shot.start - 0.5 <= start and end <= shot.end + 0.5, (time, start, end)


def test_text_shares_the_visual_space(indexed: Indexed, embedder: Embedder) -> None:
    response = embedder.embed_video(indexed.timeline, clip_length=2.5, scopes=["clip"])
    clips, spans = _matrix(response, "visual-text")
    text = embedder.embed_text("a cat")
    assert text.text_embedding is not None and text.spaces[0].dim == clips.shape[1]
    query = np.array(text.text_embedding.segments[0].float_, dtype=np.float32)
    start, end = spans[int(np.argmax(clips @ query))]
    cat = indexed.shot("chelsea")
    assert cat[0] - 0.5 <= start and end <= cat[1] + 0.5


def test_audio_clips_carry_what_is_said(indexed: Indexed, embedder: Embedder) -> None:
    response = embedder.embed_video(indexed.timeline, clip_length=5.0, options=["audio"])
    clips, spans = _matrix(response, "audio")
    query = embedder.text_embedder.embed_texts(["onions in a hot pan"])[0]
    start, end = spans[int(np.argmax(clips @ query))]
    spoken = indexed.truth.speech[0]
    assert min(end, spoken.end) - max(start, spoken.start) >= 2.0


def test_sound_option_gives_audioset_scores(indexed: Indexed, embedder: Embedder) -> None:
    if embedder.audio_tagger is None:
        pytest.skip("the YAMNet tagger is not installed")
    response = embedder.embed_video(
        indexed.timeline, clip_length=5.0, options=["sound"], media_path=indexed.path
    )
    vectors, spans = _matrix(response, "sound")
    assert vectors.shape == (4, 521) and spans[1] == (5.0, 10.0)
    assert {s.embedding_option: s.dim for s in response.spaces} == {"sound": 521}
    speech = 0  # AudioSet class 0 is "Speech": spoken in 5-10 s, nothing heard in 0-5 s
    assert vectors[1, speech] > 2 * vectors[0, speech]
    assert int(np.argmax(vectors[1])) in (0, 1, 2, 3, 5)  # speech, child speech, conversation...


def test_audio_only_timeline_answers_in_audio_embedding(
    indexed: Indexed, embedder: Embedder
) -> None:
    audio_only = indexed.timeline.model_copy(update={"embeddings": {}})
    response = embedder.embed_video(audio_only, clip_length=10.0)
    assert response.video_embedding is None and response.audio_embedding is not None
    assert {s.embedding_option for s in response.audio_embedding.segments} == {"audio"}
    assert [s.embedding_option for s in response.spaces] == ["audio"]


def test_invalid_requests_are_refused(indexed: Indexed, embedder: Embedder) -> None:
    for length in (1.0, 10.5):
        with pytest.raises(InvalidRequestError):
            embedder.embed_video(indexed.timeline, clip_length=length)
    with pytest.raises(InvalidRequestError):
        embedder.embed_video(indexed.timeline, options=["sound"])  # no media path
    with pytest.raises(InvalidRequestError):
        embedder.embed_text("  ")
    with pytest.raises(InvalidRequestError):
        embedder.embed_image(np.zeros((4, 4), dtype=np.uint8))


def test_clip_spans_and_pooling() -> None:
    assert clip_spans(10.0, 4.0) == [(0.0, 4.0), (4.0, 8.0), (8.0, 10.0)]
    assert clip_spans(8.2, 4.0) == [(0.0, 4.0), (4.0, 8.2)]
    assert clip_spans(1.5, 4.0) == [(0.0, 1.5)]
    windows = Embeddings(
        model="m",
        windows=[TimedItem(start=0, end=4), TimedItem(start=4, end=8)],
        vectors=np.array([[1.0, 0.0], [0.0, 1.0]]),
    )
    pooled = pool_windows(windows, [(0, 2), (3, 5), (7, 8), (9, 10)])
    assert np.allclose(pooled[0], [1, 0]) and np.allclose(pooled[1], [2**-0.5, 2**-0.5])
    assert np.allclose(pooled[2], [0, 1]) and np.allclose(pooled[3], [0, 1])  # nearest window
