"""Shots: hard cuts, dissolves and fades, robust to flashes and camera motion.

Each sampled frame (default 12.5 per second at 96 px) is reduced to a 48x27 luma thumbnail, an
HSV histogram, its brightness and its sharpness. A ring buffer of the last couple of seconds of
these features turns into a few scalars per frame, computed as soon as their context has arrived:

* ``change``: distance to the previous frame (histogram L1 plus luma difference minimised over
  small shifts, so pans and shakes cost little);
* ``persist``: distance from the previous frame to the next few frames: a flash returns to the old
  content and so is not a cut;
* for a few strides ``k``: the distance between the frames ``k`` before and ``k`` after, and how
  well the middle frame is explained as a linear mix of those two (a dissolve is such a mix).

At the end, cuts are isolated spikes of ``change`` far above a rolling median that persist;
dissolves are sustained changes, well explained as a mix, that no single step accounts for; fades
are runs of black frames, extended while the light goes down before and up after. A gradual
transition's boundary is its midpoint. No frame is kept beyond the ring buffer; what grows is 22
floats per sampled frame.

Example:
    >>> shots = detect_shots(times, frames, duration=30.0)  # doctest: +SKIP
    >>> [(s.start, s.transition) for s in shots]  # doctest: +SKIP
    [(0.0, 'start'), (6.0, 'cut'), (11.5, 'dissolve')]
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import cv2
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from videoscope.media.probe import MediaInfo
from videoscope.perceive.base import Stage
from videoscope.timeline.model import Shot, Timeline

_THUMB = (48, 27)  # width, height of the luma thumbnail
_SHIFT = 2  # thumbnail pixels of motion compensation each way (about 4 % of the frame)
_CORE = (_THUMB[1] - 2 * _SHIFT, _THUMB[0] - 2 * _SHIFT)
#: Columns of the per-frame scalar table, before the per-stride triples (distance, residual, mix).
_COLS = ("time", "change", "persist", "flash_len", "mean", "p95", "sharpness")
_C = {name: i for i, name in enumerate(_COLS)}
Kind = Literal["cut", "dissolve", "fade"]


@dataclass(frozen=True)
class ShotOptions:
    """Thresholds of the detector; every field is part of the stage's cache key."""

    #: A cut's change must exceed this (0..1) and ``cut_ratio`` times the rolling median.
    cut_threshold: float = 0.15
    cut_ratio: float = 4.0
    #: Rolling window (seconds each side) for the median change.
    window_seconds: float = 1.0
    #: Content that returns within this many seconds after a spike was a flash.
    flash_seconds: float = 0.4
    #: Dissolve: distance across the span, largest mix residual, largest single-step share.
    dissolve_threshold: float = 0.22
    dissolve_residual: float = 0.45
    dissolve_step_share: float = 0.5
    #: Half-spans (seconds) of the dissolve detector; covers transitions ~0.3 to ~3 s.
    dissolve_half_spans: tuple[float, ...] = (0.16, 0.32, 0.56, 0.88, 1.28)
    #: A frame darker than this (mean and 95th percentile of luma, 0..1) is black.
    black_mean: float = 0.06
    black_p95: float = 0.12
    #: Longest fade-out/fade-in ramp searched beside a black run (seconds).
    fade_ramp_seconds: float = 1.5
    #: Boundaries closer than this are merged (the stronger kind wins) ...
    min_shot_seconds: float = 0.4
    #: ... except two clear cuts, which may enclose a shot this short (a fast montage).
    min_cut_gap_seconds: float = 0.2


@dataclass(frozen=True, slots=True)
class Boundary:
    """A shot boundary at ``time``; gradual ones span ``[span_start, span_end]``."""

    time: float
    kind: Kind
    score: float
    span_start: float
    span_end: float


@dataclass(frozen=True, slots=True)
class _Features:
    thumb: np.ndarray  # float32 (27, 48) luma in 0..1
    hist: np.ndarray  # float32 (400,) normalised YCrCb histogram


def _luma_thumb(rgb: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    return cv2.resize(gray, _THUMB, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def _features(rgb: np.ndarray) -> tuple[_Features, float, float, float]:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    thumb = cv2.resize(gray, _THUMB, interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    # 5 chroma bins, the middle one centred on grey: greys stay put when a little colour appears.
    counts = cv2.calcHist([ycc], [0, 1, 2], None, [16, 5, 5], [0, 256, 0, 256, 0, 256]).ravel()
    hist = (counts / max(1.0, float(counts.sum()))).astype(np.float32)
    sharpness = float(cv2.Laplacian(gray, cv2.CV_32F).var())
    p95 = float(np.partition(thumb.ravel(), int(0.95 * thumb.size))[int(0.95 * thumb.size)])
    return _Features(thumb, hist), float(thumb.mean()), p95, sharpness


def _distance(a: _Features, b: _Features) -> float:
    """0..1: half the histogram L1 plus the motion-compensated RMS luma difference (x2.5)."""
    hist = 0.5 * cv2.norm(a.hist, b.hist, cv2.NORM_L1)
    pixels = cv2.norm(a.thumb, b.thumb, cv2.NORM_L2) / np.sqrt(a.thumb.size)
    if pixels > 0.02:  # worth compensating motion: try every shift within _SHIFT
        core = a.thumb[_SHIFT : _SHIFT + _CORE[0], _SHIFT : _SHIFT + _CORE[1]]
        squared = cv2.matchTemplate(b.thumb, core, cv2.TM_SQDIFF)
        pixels = min(pixels, float(np.sqrt(max(0.0, float(squared.min())) / core.size)))
    return float(0.5 * hist + 0.5 * min(1.0, 2.5 * pixels))


def _mix(before: np.ndarray, middle: np.ndarray, after: np.ndarray) -> tuple[float, float]:
    """How ``middle`` fits ``(1-a)·before + a·after``: (relative residual, a)."""
    span = (after - before).ravel()
    offset = (middle - before).ravel()
    norm = float(span @ span)
    if norm < (0.02**2) * span.size:  # the luma hardly changes: a mix means nothing here
        return 1.0, 0.0
    alpha = float(offset @ span) / norm
    residual = offset - alpha * span
    return float(np.sqrt(residual @ residual / norm)), alpha


class _Table:
    """A growable float32 table, one row per sampled frame."""

    def __init__(self, columns: int) -> None:
        self.data = np.full((1024, columns), np.nan, dtype=np.float32)

    def put(self, row: int, column: int, values: float | tuple[float, ...]) -> None:
        """Write ``values`` into ``row`` from ``column`` on, growing the table as needed."""
        if row >= len(self.data):
            grown = np.full((2 * len(self.data), self.data.shape[1]), np.nan, dtype=np.float32)
            grown[: len(self.data)] = self.data
            self.data = grown
        values = values if isinstance(values, tuple) else (values,)
        self.data[row, column : column + len(values)] = values


class ShotDetector:
    """Streaming shot-boundary detector: :meth:`push` frames in order, then :meth:`finish`."""

    def __init__(self, rate: float, options: ShotOptions | None = None) -> None:
        self.options = options or ShotOptions()
        self.rate = rate
        self.strides = sorted({max(1, round(s * rate)) for s in self.options.dissolve_half_spans})
        self.flash_steps = max(1, round(self.options.flash_seconds * rate))
        self._ring: deque[_Features] = deque(
            maxlen=max(2 * self.strides[-1] + 1, self.flash_steps + 2)
        )
        self._table = _Table(len(_COLS) + 3 * len(self.strides))
        self.count = 0
        # Every frame observed: its time and its luma change from the previous one (refines cuts).
        self._fine = _Table(2)
        self._fine_count = 0
        self._last_thumb: np.ndarray | None = None
        self._next_sample = 0.0

    def observe(self, time: float, rgb: np.ndarray) -> None:
        """Add the next decoded frame at full rate; every ``1/rate`` s one is also pushed.

        The full-rate luma changes place each cut on its exact frame: the sampled stream says
        between which two samples a cut lies, the frames in between say on which one.
        """
        thumb = _luma_thumb(rgb)
        change = 0.0 if self._last_thumb is None else float(np.abs(thumb - self._last_thumb).mean())
        self._fine.put(self._fine_count, 0, (time, change))
        self._fine_count += 1
        self._last_thumb = thumb
        if time + 1e-6 >= self._next_sample:  # whole steps ahead, as the pipeline samples
            step = 1.0 / self.rate
            self._next_sample += (int((time - self._next_sample) / step) + 1) * step
            self.push(time, rgb)

    def push(self, time: float, rgb: np.ndarray) -> None:
        """Add the next sampled frame (uint8 RGB, any size; ~96 px is plenty)."""
        features, mean, p95, sharpness = _features(rgb)
        ring, n, put = self._ring, self.count, self._table.put
        ring.append(features)
        change = _distance(ring[-2], ring[-1]) if n >= 1 else 0.0
        put(n, 0, (time, change, np.nan, 0.0, mean, p95, sharpness))
        i = n - self.flash_steps  # persistence of a big change into frame i: a flash returns
        big = i >= 1 and self._table.data[i, 1] > 0.5 * self.options.cut_threshold
        if big and len(ring) >= self.flash_steps + 2:
            before = ring[-self.flash_steps - 2]
            later = [_distance(before, ring[-s]) for s in range(self.flash_steps, 0, -1)]
            put(i, _C["persist"], min(later))
            put(i, _C["flash_len"], 1 + int(np.argmin(later)))
        for slot, k in enumerate(self.strides):
            if n >= 2 * k:
                a, m, b = ring[-2 * k - 1], ring[-k - 1], ring[-1]
                residual, alpha = _mix(a.thumb, m.thumb, b.thumb)
                put(n - k, len(_COLS) + 3 * slot, (_distance(a, b), residual, alpha))
        self.count += 1

    def finish(self) -> list[Boundary]:
        """Decide the boundaries from everything pushed; sorted by time."""
        table = self._table.data[: self.count].astype(np.float64)
        if len(table) < 3:
            return []
        flash = self._flash_frames(table)
        fades = self._fades(table)
        times = table[:, _C["time"]]
        fading = np.zeros(len(table), dtype=bool)
        for fade in fades:
            fading |= (times >= fade.span_start) & (times <= fade.span_end)
        found = fades + self._cuts(table, flash) + self._dissolves(table, flash | fading)
        return _merge(found, self.options, fades)

    def keyframe_candidates(self) -> list[tuple[float, float]]:
        """``(time, sharpness)`` of every frame pushed, for choosing keyframes."""
        data = self._table.data[: self.count]
        return [(float(t), float(s)) for t, s in data[:, [_C["time"], _C["sharpness"]]]]

    def _flash_frames(self, table: np.ndarray) -> np.ndarray:
        """Frames that belong to a flash: a spike whose content returns within the flash window."""
        change, persist = table[:, _C["change"]], table[:, _C["persist"]]
        flash = np.zeros(len(table), dtype=bool)
        spikes = (change > self.options.cut_threshold) & (persist < 0.5 * change)
        settle = max(1, round(0.2 * self.rate))  # the codec's and the sensor's afterglow
        for i in np.flatnonzero(spikes):
            flash[i : i + int(table[i, _C["flash_len"]]) + settle] = True
        return flash

    def _cuts(self, table: np.ndarray, flash: np.ndarray) -> list[Boundary]:
        o, change = self.options, table[:, _C["change"]]
        persist = np.where(np.isnan(table[:, _C["persist"]]), change, table[:, _C["persist"]])
        w = max(2, round(o.window_seconds * self.rate))
        padded = np.pad(change, w, mode="edge")
        windows = sliding_window_view(padded, 2 * w + 1).copy()
        windows[:, w - 1 : w + 2] = np.nan  # the frame itself and its neighbours
        baseline = np.nanmedian(windows, axis=1)
        neighbours = np.maximum(np.roll(change, 1), np.roll(change, -1))
        is_cut = (
            (change > o.cut_threshold)
            & (change > o.cut_ratio * baseline)
            & (change > 1.5 * neighbours)
            & (persist > 0.5 * change)
            & ~flash
            & ~np.roll(flash, 1)  # the step back out of a flash
        )
        is_cut[0] = False
        times = table[:, _C["time"]]
        return [
            Boundary(
                self._first_frame_after(float(times[i - 1]), float(times[i])),
                "cut",
                float(change[i]),
                float(times[i - 1]),
                float(times[i]),
            )
            for i in np.flatnonzero(is_cut)
        ]

    def _first_frame_after(self, before: float, after: float) -> float:
        """Time of the first frame of the new shot, for a cut between samples at ``before`` and
        ``after``: the observed frame in ``(before, after]`` with the largest luma change (the
        sample at ``after`` when frames were only pushed)."""
        fine = self._fine.data[: self._fine_count]
        inside = fine[(fine[:, 0] > before + 1e-6) & (fine[:, 0] <= after + 1e-6)]
        if not len(inside):
            return after
        return float(inside[int(np.argmax(inside[:, 1])), 0])

    def _dissolves(self, table: np.ndarray, skip: np.ndarray) -> list[Boundary]:
        """Sustained changes explained as a mix; windows touching ``skip`` frames are ignored."""
        o, n = self.options, len(table)
        change = np.where(skip | np.roll(skip, 1), 0.0, table[:, _C["change"]])
        score, reach = np.zeros(n), np.zeros(n, dtype=int)
        for slot, k in enumerate(self.strides):
            base = len(_COLS) + 3 * slot
            distance, residual, alpha = (
                np.nan_to_num(table[:, base + j], nan=v) for j, v in ((0, 0.0), (1, 1.0), (2, 0.0))
            )
            biggest_step = sliding_window_view(np.pad(change, k), 2 * k + 1).max(axis=1)
            touched = sliding_window_view(np.pad(skip, k), 2 * k + 1).any(axis=1)
            # The middle of a dissolve is where the distance across it peaks, not on its flanks.
            clean = np.where(touched, 0.0, distance)
            peak = sliding_window_view(np.pad(clean, k), 2 * k + 1).max(axis=1)
            ok = (
                (distance > o.dissolve_threshold)
                & (residual < o.dissolve_residual)
                & (alpha > 0.25)
                & (alpha < 0.75)
                & (biggest_step < o.dissolve_step_share * distance)
                & (distance >= 0.9 * peak)
                & ~touched
            )
            better = ok & (distance > score)
            score[better], reach[better] = distance[better], k
        times, found = table[:, _C["time"]], []
        edges = np.flatnonzero(np.diff(np.concatenate([[0], (score > 0).astype(int), [0]])))
        for begin, finish in zip(edges[::2], edges[1::2], strict=True):
            run = np.arange(begin, finish)
            centre = float(np.average(times[run], weights=score[run]))
            k = int(reach[run][np.argmax(score[run])])
            start, end = times[max(0, begin - k)], times[min(n - 1, finish - 1 + k)]
            found.append(Boundary(centre, "dissolve", float(score[run].max()), start, end))
        kept: list[Boundary] = []  # one transition seen at several strides: keep the strongest
        for dissolve in sorted(found, key=lambda b: b.score, reverse=True):
            if not any(d.span_start < dissolve.time < d.span_end for d in kept):
                kept.append(dissolve)
        return kept

    def _fades(self, table: np.ndarray) -> list[Boundary]:
        o, n = self.options, len(table)
        mean, times = table[:, _C["mean"]], table[:, _C["time"]]
        black = (mean < o.black_mean) & (table[:, _C["p95"]] < o.black_p95)
        ramp = max(1, round(o.fade_ramp_seconds * self.rate))
        edges = np.flatnonzero(np.diff(np.concatenate([[0], black.astype(int), [0]])))
        found = []
        for begin, finish in zip(edges[::2], edges[1::2], strict=True):
            if begin == 0 or finish == n:
                continue  # black at the very start or end opens or closes the video
            first, last = begin, finish - 1
            while first > max(0, begin - ramp) and mean[first - 1] > mean[first] + 1e-3:
                first -= 1
            while last < min(n - 1, finish - 1 + ramp) and mean[last + 1] > mean[last] + 1e-3:
                last += 1
            start, end = float(times[first]), float(times[last])
            found.append(Boundary((start + end) / 2, "fade", 1.0, start, end))
        return found


_PRIORITY = {"fade": 2, "cut": 1, "dissolve": 0}


def _merge(found: list[Boundary], options: ShotOptions, fades: list[Boundary]) -> list[Boundary]:
    """Drop boundaries inside a fade and weaker cuts inside a dissolve, then keep the strongest
    of any closer than ``min_shot_seconds`` (``min_cut_gap_seconds`` between two cuts)."""
    dissolves = [b for b in found if b.kind == "dissolve"]
    found = [
        b
        for b in found
        if b.kind == "fade" or not any(f.span_start < b.time < f.span_end for f in fades)
    ]
    found = [
        b
        for b in found
        if b.kind != "cut"
        or not any(d.span_start <= b.time <= d.span_end and b.score < d.score for d in dissolves)
    ]
    kept: list[Boundary] = []
    for boundary in sorted(found, key=lambda b: (_PRIORITY[b.kind], b.score), reverse=True):
        if all(abs(boundary.time - other.time) >= _gap(boundary, other, options) for other in kept):
            kept.append(boundary)
    return sorted(kept, key=lambda b: b.time)


def _gap(one: Boundary, other: Boundary, options: ShotOptions) -> float:
    both_cuts = one.kind == other.kind == "cut"
    return options.min_cut_gap_seconds if both_cuts else options.min_shot_seconds


def shots_from_boundaries(
    boundaries: Sequence[Boundary],
    duration: float,
    keyframe_candidates: Sequence[tuple[float, float]] = (),
    min_gap: float = 0.2,
) -> list[Shot]:
    """Partition ``[0, duration]`` at ``boundaries``; keyframe = sharpest candidate mid-shot.

    ``keyframe_candidates`` are ``(time, sharpness)`` pairs; the sharpest one in the middle 60 % of
    a shot (outside its transitions) is its keyframe, else the shot's midpoint.
    """
    inner = [b for b in boundaries if min_gap <= b.time <= duration - min_gap]
    starts = [0.0, *(round(b.time, 3) for b in inner)]
    ends = [*starts[1:], round(duration, 3)]
    kinds: list[Any] = ["start", *(b.kind for b in inner)]
    candidates = np.asarray(keyframe_candidates, dtype=np.float64).reshape(-1, 2)
    shots = []
    for index, (start, end, kind) in enumerate(zip(starts, ends, kinds, strict=True)):
        low = max(start + 0.2 * (end - start), inner[index - 1].span_end if index else start)
        high = min(
            end - 0.2 * (end - start), inner[index].span_start if index < len(inner) else end
        )
        inside = candidates[(candidates[:, 0] >= low) & (candidates[:, 0] <= high)]
        keyframe = float(inside[np.argmax(inside[:, 1]), 0]) if len(inside) else (start + end) / 2
        shots.append(
            Shot(
                start=start, end=end, index=index, transition=kind, keyframe_time=round(keyframe, 3)
            )
        )
    return shots


def detect_shots(
    times: Sequence[float],
    frames: Sequence[np.ndarray],
    duration: float | None = None,
    options: ShotOptions | None = None,
    sample_rate: float = 12.5,
) -> list[Shot]:
    """Shots of a video given its frames (uint8 RGB) and their times in seconds.

    ``duration`` defaults to the last time plus one frame step. Give every frame for cuts on
    their exact frame (the detector samples ``sample_rate`` of them per second and refines cuts
    on the rest), or frames already sampled evenly at ~10-25 per second (cuts then land on a
    sample); 96 px on the longest side is plenty.
    """
    if not len(times):
        return []
    steps = np.diff(np.asarray(times, dtype=np.float64))
    step = float(np.median(steps)) if len(steps) else 1.0
    detector = ShotDetector(min(sample_rate, 1.0 / max(step, 1e-3)), options)
    for time, frame in zip(times, frames, strict=True):
        detector.observe(time, frame)
    end = duration if duration is not None else float(times[-1]) + step
    return shots_from_boundaries(detector.finish(), end, detector.keyframe_candidates())


class ShotStage(Stage):
    """Writes ``timeline.shots``: a partition of the video into shots (cut, dissolve, fade).

    The stage sees every frame at ``frame_size`` px: ``sample_rate`` of them per second go
    through the full detector, and each cut is then placed on its exact frame (its start is the
    presentation time of the new shot's first frame).
    """

    name = "shots"
    frame_rate = float("inf")

    def __init__(
        self, sample_rate: float = 12.5, frame_size: int = 96, options: ShotOptions | None = None
    ) -> None:
        self.sample_rate = sample_rate
        self.frame_size = frame_size
        self.detector_options = options or ShotOptions()
        self._detector: ShotDetector | None = None

    def options(self) -> dict[str, Any]:
        """Sampling and every threshold (the cache key)."""
        return {
            "sample_rate": self.sample_rate,
            "frame_size": self.frame_size,
            **asdict(self.detector_options),
        }

    def begin(self, info: MediaInfo) -> None:
        """Size the detector's windows to the rate samples will actually arrive at."""
        fps = info.video.average_fps if info.video and info.video.average_fps else 25.0
        self._detector = ShotDetector(min(self.sample_rate, fps), self.detector_options)

    def feed_frame(self, time: float, image: np.ndarray) -> None:
        """Reduce the frame to features; only a ~3 s ring of features is kept."""
        if self._detector is None:
            self._detector = ShotDetector(min(self.sample_rate, 25.0), self.detector_options)
        self._detector.observe(time, image)

    def end(self, timeline: Timeline) -> None:
        """Decide boundaries and write the shots partition."""
        detector = self._detector or ShotDetector(self.sample_rate, self.detector_options)
        timeline.shots.extend(
            shots_from_boundaries(
                detector.finish(), timeline.video.duration, detector.keyframe_candidates()
            )
        )


def boundary_f1(
    predicted: Sequence[float], truth: Sequence[float], tolerance: float = 0.5
) -> tuple[float, float, float]:
    """(precision, recall, F1) of boundary times matched one-to-one within ``tolerance`` s."""
    from scipy.optimize import linear_sum_assignment

    if not len(predicted) and not len(truth):
        return 1.0, 1.0, 1.0
    gap = np.abs(np.subtract.outer(np.asarray(predicted, float), np.asarray(truth, float)))
    rows, cols = linear_sum_assignment(np.where(gap <= tolerance, gap, 1e6))
    hits = int(np.sum(gap[rows, cols] <= tolerance))
    precision = hits / len(predicted) if len(predicted) else 0.0
    recall = hits / len(truth) if len(truth) else 0.0
    total = precision + recall
    return precision, recall, 2 * precision * recall / total if total else 0.0
