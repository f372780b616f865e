"""Visual embeddings on a real generated video: windows per shot, retrieval by text and image.

The backend is the ImageNet-concept stand-in for CLIP (EfficientNet-Lite0 class probabilities
projected onto MiniLM label embeddings). Retrieval is asserted only for photos whose content is an
ImageNet concept (a cat, espresso, a missile, a tripod); see docs/backends/image_text.md.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from videoscope.backends.base import ImageTextEmbedder
from videoscope.errors import ConfigError
from videoscope.perceive.pipeline import index_video
from videoscope.perceive.shots import ShotStage
from videoscope.perceive.visual import VisualStage, split_windows
from videoscope.samples import Truth
from videoscope.samples.synth import photo
from videoscope.timeline.model import Embeddings, Timeline, VideoRef

#: Plain descriptions the ImageNet-concept backend is measured to rank first (photo -> query).
TEXT_QUERIES = {
    "chelsea": "a cat",
    "coffee": "a cup of coffee",
    "rocket": "a rocket",
    "camera": "a man with a camera on a tripod",
}


@pytest.fixture(scope="module")
def indexed(visual_video: tuple[str, Truth]) -> tuple[Timeline, Truth, VisualStage]:
    """The test video indexed with the real shot and visual stages."""
    stage = VisualStage()
    timeline = index_video(visual_video[0], [ShotStage(), stage])
    return timeline, visual_video[1], stage


def _photo_at(truth: Truth, time: float) -> str:
    return next(shot.photo for shot in truth.shots if shot.start <= time < shot.end)


def _best_photo(embeddings: Embeddings, query: np.ndarray, truth: Truth) -> str:
    best = embeddings.windows[int(np.argmax(embeddings.vectors @ query))]
    return _photo_at(truth, (best.start + best.end) / 2)


def test_windows_cover_every_shot_and_last_at_most_4_s(
    indexed: tuple[Timeline, Truth, VisualStage],
) -> None:
    timeline, truth, _ = indexed
    visual = timeline.embeddings["visual"]
    assert len(timeline.shots) == len(truth.shots)
    assert visual.vectors.shape == (len(visual.windows), 384)
    assert np.allclose(np.linalg.norm(visual.vectors, axis=1), 1.0, atol=1e-4)
    assert all(w.end - w.start <= 4.0 + 1e-3 for w in visual.windows)
    for shot in timeline.shots:
        inside = [w for w in visual.windows if shot.start - 1e-3 <= w.start < shot.end - 1e-3]
        assert inside, f"no window in shot {shot.index}"
        assert inside[0].start == pytest.approx(shot.start, abs=1e-3)
        assert inside[-1].end == pytest.approx(shot.end, abs=1e-3)
        for before, after in itertools.pairwise(inside):
            assert after.start == pytest.approx(before.end, abs=1e-3)  # contiguous, no overlap
    long_shot = max(timeline.shots, key=lambda s: s.end - s.start)
    assert long_shot.end - long_shot.start > 8.0
    assert sum(long_shot.start <= w.start < long_shot.end for w in visual.windows) == 3


@pytest.mark.parametrize("name", sorted(TEXT_QUERIES))
def test_plain_description_ranks_the_right_shot_first(
    indexed: tuple[Timeline, Truth, VisualStage], name: str
) -> None:
    timeline, truth, stage = indexed
    query = stage.embedder.embed_texts([TEXT_QUERIES[name]])[0]
    assert _best_photo(timeline.embeddings["visual"], query, truth) == name


@pytest.mark.parametrize("name", ["astronaut", "camera", "chelsea", "coffee", "rocket"])
def test_the_raw_photo_ranks_its_own_shot_first(
    indexed: tuple[Timeline, Truth, VisualStage], name: str
) -> None:
    timeline, truth, stage = indexed
    query = stage.embedder.embed_images([photo(name)])[0]
    assert _best_photo(timeline.embeddings["visual"], query, truth) == name


def test_pooled_video_vector(indexed: tuple[Timeline, Truth, VisualStage]) -> None:
    timeline, truth, _ = indexed
    video = timeline.embeddings["visual_video"]
    assert video.vectors.shape == (1, 384)
    assert float(np.linalg.norm(video.vectors[0])) == pytest.approx(1.0, abs=1e-4)
    assert video.windows[0].start == 0.0
    assert video.windows[0].end == pytest.approx(truth.duration, abs=0.05)
    # The mean is closer to the video's own windows than to an unrelated concept.
    similarity = timeline.embeddings["visual"].vectors @ video.vectors[0]
    unrelated = VisualStage().embedder.embed_texts(["a hammerhead shark"])[0] @ video.vectors[0]
    assert similarity.min() > unrelated


def test_tags_name_imagenet_concepts_per_shot(
    indexed: tuple[Timeline, Truth, VisualStage],
) -> None:
    timeline, truth, _ = indexed
    tags: dict[str, set[str]] = {}
    for tag in timeline.visual_tags:
        shot = next(s for s in timeline.shots if s.start == tag.start and s.end == tag.end)
        assert 0.2 <= tag.score <= 1.0
        tags.setdefault(_photo_at(truth, (shot.start + shot.end) / 2), set()).add(tag.label)
    assert "espresso" in tags["coffee"]
    assert "tripod" in tags["camera"]
    assert tags["chelsea"] & {"tabby cat", "Egyptian Mau", "a cat having a striped coat"}
    assert all(len(labels) <= 3 for labels in tags.values())


def test_without_shots_the_whole_video_is_one_shot() -> None:
    """Unit level: frames fed by hand, no shot track; a 9 s video gives three 3 s windows."""
    pytest.importorskip("efficientnet_lite_pytorch")
    stage = VisualStage(batch_frames=4)
    for second in range(9):
        stage.feed_frame(float(second), photo("coffee" if second < 5 else "chelsea"))
    timeline = Timeline(video=VideoRef(content_hash="x", duration=9.0))
    stage.end(timeline)
    windows = timeline.embeddings["visual"].windows
    assert [(w.start, w.end) for w in windows] == [(0.0, 3.0), (3.0, 6.0), (6.0, 9.0)]
    assert timeline.visual_tags[0].label == "espresso"
    assert timeline.visual_tags[0].end == 9.0


def test_a_still_picture_is_embedded_every_interval_and_a_cut_at_once() -> None:
    """Unit level: 1 fps in, a 2 s interval; embeddings at 0, 2, 4 s, at the cut (5 s), then 2 s
    after it. The default (1 s) embeds every sampled frame."""
    pytest.importorskip("efficientnet_lite_pytorch")
    stage = VisualStage(embed_interval=2.0)
    for second in range(9):
        stage.feed_frame(float(second), photo("coffee" if second < 5 else "chelsea"))
    stage.end(Timeline(video=VideoRef(content_hash="x", duration=9.0)))
    assert stage._times == [0.0, 2.0, 4.0, 5.0, 7.0]
    every = VisualStage()
    for second in range(4):
        every.feed_frame(float(second), photo("coffee"))
    every.end(Timeline(video=VideoRef(content_hash="x", duration=4.0)))
    assert every._times == [0.0, 1.0, 2.0, 3.0]


def test_onnx_runtime_gives_the_torch_probabilities(tmp_path: Path) -> None:
    """The one-time ONNX export is cached and classifies like the PyTorch model."""
    pytest.importorskip("onnx")
    from videoscope.backends.imagenet_concepts import ImageNetConceptEmbedder

    images = [photo("coffee"), photo("chelsea")[:200, :300]]
    reference = ImageNetConceptEmbedder(runtime="torch").probabilities(images)
    exported = ImageNetConceptEmbedder(runtime="onnxruntime", cache_dir=tmp_path)
    assert np.abs(exported.probabilities(images) - reference).max() < 1e-4
    assert len(list(tmp_path.glob("efficientnet-lite0-*.onnx"))) == 1
    cached = ImageNetConceptEmbedder(runtime="onnxruntime", cache_dir=tmp_path)
    assert np.abs(cached.probabilities(images) - reference).max() < 1e-4
    export = next(tmp_path.glob("efficientnet-lite0-*.onnx"))
    export.write_bytes(b"damaged")
    again = ImageNetConceptEmbedder(runtime="onnxruntime", cache_dir=tmp_path)
    assert np.abs(again.probabilities(images) - reference).max() < 1e-4, "exported again"
    assert export.stat().st_size > 1_000_000
    with pytest.raises(ConfigError):
        ImageNetConceptEmbedder(runtime="tensorflow")  # type: ignore[arg-type]


def test_split_windows() -> None:
    assert split_windows(0.0, 3.0, 4.0) == [(0.0, 3.0)]
    assert split_windows(2.0, 6.0, 4.0) == [(2.0, 6.0)]
    parts = split_windows(1.0, 11.0, 4.0)
    assert len(parts) == 3 and parts[0][0] == 1.0 and parts[-1][1] == 11.0
    assert all(b - a <= 4.0 for a, b in parts)
    with pytest.raises(ConfigError):
        VisualStage(window_seconds=0)


def test_backend_is_an_image_text_embedder(visual_video: tuple[str, Truth]) -> None:
    embedder = VisualStage().embedder
    assert isinstance(embedder, ImageTextEmbedder)
    assert embedder.dim == 384
    images = [photo("coffee"), photo("camera")[:100, :150], photo("moon")]  # grey, odd sizes
    vectors = embedder.embed_images(images)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert embedder.top_labels([photo("coffee")], k=2)[0][0][0] == "espresso"  # type: ignore[attr-defined]
    with pytest.raises(ConfigError):
        embedder.embed_images(photo("coffee"))  # type: ignore[arg-type]  # one image, no list


def test_shipped_label_vectors_match_the_text_embedder(visual_video: tuple[str, Truth]) -> None:
    """The precomputed label embeddings are what the text embedder gives for their prompts."""
    from videoscope.backends.imagenet_concepts import _prompt

    embedder = VisualStage().embedder
    vectors = embedder.label_vectors()  # type: ignore[attr-defined]
    sample = list(range(0, 1000, 97))
    fresh = embedder.embed_texts([_prompt(embedder.labels[i]) for i in sample])  # type: ignore[attr-defined]
    assert np.min(np.sum(fresh * vectors[sample], axis=1)) > 0.999
