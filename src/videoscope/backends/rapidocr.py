"""OCR with PaddleOCR's PP-OCRv4 models as shipped in the ``rapidocr-onnxruntime`` 1.4.4 wheel.

The wheel carries three ONNX files (text detection, 0/180° angle classification, recognition)
that run on onnxruntime; nothing is downloaded. This backend drives RapidOCR's three stages
itself rather than through ``RapidOCR.__call__`` so that it can:

* run detection on a downscaled copy of the frame (``det_max_side``) while cutting the text
  crops for recognition from the full-resolution frame. (RapidOCR 1.4.4 ignores its own
  ``det_limit_side_len`` when ``det_limit_type="max"``, and its default upscales a 720p frame to
  1308x736 for detection, three times slower and less accurate on overlay text);
* accept RGB frames (RapidOCR expects BGR for arrays) and return boxes in the frame's pixels;
* expose detection and recognition separately (:meth:`RapidOCRRecognizer.detect`,
  :meth:`RapidOCRRecognizer.recognize`), so that a video stage can detect at a small size and
  recognise only the lines it has not read before.

Example:
    >>> ocr = RapidOCRRecognizer()  # doctest: +SKIP
    >>> [d.text for d in ocr.read(frame)]  # doctest: +SKIP
    ['BREAKING NEWS']
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import rapidocr_onnxruntime
from rapidocr_onnxruntime.ch_ppocr_cls import TextClassifier
from rapidocr_onnxruntime.ch_ppocr_det import TextDetector
from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer as PPOCRRecognizer
from rapidocr_onnxruntime.utils import read_yaml

from videoscope.backends.base import TextDetection
from videoscope.errors import BackendUnavailableError, ConfigError

logger = logging.getLogger(__name__)

_SUBJECT = "ocr=rapidocr"
#: Detection runs with the frame's long side scaled down to this; chosen on 720p frames with
#: overlay text of 14-48 px, see docs/backends/vision_text.md.
DEFAULT_DET_MAX_SIDE = 720
#: Text strips at least this elongated (or this low) are letterboxed before detection, as RapidOCR.
_LETTERBOX_RATIO = 8
_LETTERBOX_MIN_HEIGHT = 30
_DET_INTERPOLATION = cv2.INTER_AREA


class RapidOCRRecognizer:
    """Reads text lines in RGB frames with PP-OCRv4 (det + rec, optional angle classifier).

    Args:
        det_max_side: the frame's long side is scaled down to this many pixels for detection
            (never up); recognition always reads crops of the full-resolution frame.
        min_confidence: lines whose mean character probability is lower are dropped.
        use_angle_classifier: run the 0/180° classifier on each crop. Off by default: overlay
            text is upright, and the classifier sometimes flips an upright line.
        threads: onnxruntime intra-op threads per model; None lets onnxruntime decide (one per
            core, spinning). One by default: on a busy 2-core machine it was faster than two.
        box_threshold: minimum mean detection score of a text region (DBNet ``box_thresh``).
        unclip_ratio: how far detected regions are grown around the text (DBNet).
    """

    name = "rapidocr"

    def __init__(
        self,
        det_max_side: int = DEFAULT_DET_MAX_SIDE,
        min_confidence: float = 0.5,
        use_angle_classifier: bool = False,
        threads: int | None = 1,
        box_threshold: float = 0.5,
        unclip_ratio: float = 1.6,
    ) -> None:
        if det_max_side < 64:
            raise ConfigError(_SUBJECT, f"det_max_side must be >= 64, got {det_max_side}")
        if not 0.0 <= min_confidence <= 1.0:
            raise ConfigError(_SUBJECT, f"min_confidence must be in [0, 1], got {min_confidence}")
        if threads is not None and threads < 1:
            raise ConfigError(_SUBJECT, f"threads must be >= 1, got {threads}")
        self.det_max_side = det_max_side
        self.min_confidence = min_confidence
        self.use_angle_classifier = use_angle_classifier

        package_dir = Path(rapidocr_onnxruntime.__file__).resolve().parent
        config: dict[str, dict[str, Any]] = read_yaml(package_dir / "config.yaml")
        for section in ("Det", "Cls", "Rec"):
            model_path = package_dir / config[section]["model_path"]
            if not model_path.is_file():
                raise BackendUnavailableError(
                    _SUBJECT,
                    f"the packaged model {model_path.name} is missing",
                    "reinstall rapidocr-onnxruntime==1.4.4",
                )
            config[section]["model_path"] = str(model_path)
            config[section]["intra_op_num_threads"] = threads or -1
            config[section]["inter_op_num_threads"] = 1 if threads else -1
        # The frame is resized here; "min" with a tiny limit leaves it as given (rounded to 32).
        config["Det"].update(limit_type="min", limit_side_len=32)
        config["Det"].update(box_thresh=box_threshold, unclip_ratio=unclip_ratio)

        self._detector = TextDetector(config["Det"])
        self._classifier = TextClassifier(config["Cls"])
        self._recognizer = PPOCRRecognizer(config["Rec"])
        self._lock = threading.Lock()  # the RapidOCR stages keep per-call state
        logger.debug("loaded PP-OCRv4 models from %s", package_dir / "models")

    def read(self, image: np.ndarray) -> list[TextDetection]:
        """Return the text lines of ``image`` (uint8 RGB, HxWx3), top to bottom, left to right."""
        rgb = _to_rgb(image)
        quads = self._detect(rgb, self.det_max_side)
        return [
            detection
            for detection in self._recognize(rgb, quads)
            if detection.text and detection.confidence >= self.min_confidence
        ]

    def detect(self, image: np.ndarray, max_side: int | None = None) -> np.ndarray:
        """Text line quadrilaterals ``(n, 4, 2)`` in pixels of ``image``, in reading order.

        Detection only, on ``image`` scaled down to ``max_side`` (default ``det_max_side``), so
        that a caller can recognise just the lines it has not read before (:meth:`recognize`).
        """
        side = self.det_max_side if max_side is None else max_side
        if side < 64:
            raise ConfigError(_SUBJECT, f"max_side must be >= 64, got {side}")
        return self._detect(_to_rgb(image), side)

    def recognize(self, image: np.ndarray, quads: np.ndarray) -> list[TextDetection]:
        """Read the line in each quadrilateral ``(n, 4, 2)`` of ``image``, one result per quad.

        Nothing is dropped: a quad without legible text gives an empty or low-confidence result.
        A quad may be any rectangle, e.g. a known line's box, to check what it shows now.
        """
        quads = np.asarray(quads, dtype=np.float32).reshape(-1, 4, 2)
        return self._recognize(_to_rgb(image), quads)

    def _detect(self, rgb: np.ndarray, max_side: int) -> np.ndarray:
        height, width = rgb.shape[:2]
        small = cv2.cvtColor(_detection_image(rgb, max_side), cv2.COLOR_RGB2BGR)
        small, top = _letterbox(small)
        with self._lock:
            quads, _ = self._detector(small)
        if quads is None or len(quads) == 0:
            return np.zeros((0, 4, 2), dtype=np.float32)
        quads = np.asarray(quads, dtype=np.float32).reshape(-1, 4, 2)
        quads[:, :, 1] -= top
        quads /= np.array(
            [small.shape[1] / width, (small.shape[0] - 2 * top) / height], dtype=np.float32
        )
        quads[:, :, 0] = np.clip(quads[:, :, 0], 0, width)
        quads[:, :, 1] = np.clip(quads[:, :, 1], 0, height)
        return quads[_reading_order(quads)]

    def _recognize(self, rgb: np.ndarray, quads: np.ndarray) -> list[TextDetection]:
        if len(quads) == 0:
            return []
        # Cut from the RGB frame, then only the small crops are turned to BGR for the models.
        crops = [np.ascontiguousarray(_crop_quad(rgb, quad)[:, :, ::-1]) for quad in quads]
        with self._lock:
            if self.use_angle_classifier:
                crops, _, _ = self._classifier(crops)
            results, _ = self._recognizer(crops)
        detections = []
        for quad, result in zip(quads, results, strict=True):
            x0, y0 = quad.min(axis=0)
            x1, y1 = quad.max(axis=0)
            box = (float(x0), float(y0), float(x1), float(y1))
            text = str(result[0]).strip()
            detections.append(TextDetection(text=text, box=box, confidence=float(result[1])))
        return detections


def _to_rgb(image: np.ndarray) -> np.ndarray:
    """``image`` as a 3-channel uint8 RGB array (grey and RGBA converted, RGB as given)."""
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
        raise ConfigError(_SUBJECT, "read() takes a uint8 NumPy image")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.ndim != 3 or image.shape[2] not in (3, 4) or min(image.shape[:2]) < 1:
        raise ConfigError(_SUBJECT, f"read() takes an RGB image (h, w, 3), got shape {image.shape}")
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_RGBA2RGB)
    return np.ascontiguousarray(image)


def _detection_image(image: np.ndarray, max_side: int) -> np.ndarray:
    """Scale ``image`` down (never up) so that its long side is at most ``max_side``.

    Both sides are rounded to multiples of 32, as the detector needs, so that the image is
    resampled only once (area averaging: marginally more exact reads than bilinear on small text).
    """
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width))
    if scale == 1.0:
        return image
    size = (max(32, round(width * scale / 32) * 32), max(32, round(height * scale / 32) * 32))
    return cv2.resize(image, size, interpolation=_DET_INTERPOLATION)


def _letterbox(image: np.ndarray) -> tuple[np.ndarray, int]:
    """Pad a text strip with black rows above and below, as RapidOCR does; returns the top pad."""
    height, width = image.shape[:2]
    if height > _LETTERBOX_MIN_HEIGHT and width / height <= _LETTERBOX_RATIO:
        return image, 0
    target = max(int(width / _LETTERBOX_RATIO), _LETTERBOX_MIN_HEIGHT) * 2
    pad = abs(target - height) // 2
    return cv2.copyMakeBorder(image, pad, pad, 0, 0, cv2.BORDER_CONSTANT, value=(0, 0, 0)), pad


def _reading_order(quads: np.ndarray, row_tolerance: float = 10.0) -> list[int]:
    """Indices of ``quads`` sorted top to bottom, then left to right within a row."""
    order = sorted(range(len(quads)), key=lambda i: (quads[i, 0, 1], quads[i, 0, 0]))
    rows: list[list[int]] = []
    for index in order:
        if rows and abs(quads[index, 0, 1] - quads[rows[-1][0], 0, 1]) < row_tolerance:
            rows[-1].append(index)
        else:
            rows.append([index])
    return [index for row in rows for index in sorted(row, key=lambda i: quads[i, 0, 0])]


def _crop_quad(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Warp the quadrilateral ``quad`` (4x2, clockwise from top-left) to an upright crop."""
    width = max(1, int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3]))))
    height = max(1, int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))))
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    crop = cv2.warpPerspective(
        image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )
    if height / width >= 1.5:  # a vertical line: read it turned, as RapidOCR does
        crop = np.rot90(crop)
    return np.ascontiguousarray(crop)
