"""Audio events: spans of speech, music, crowd, noise and silence from an AudioSet tagger.

The tagger (YAMNet by default) scores 0.96 s patches every 0.48 s. Audio is tagged as it arrives:
the stage keeps only the samples the next patch still needs (under one second) plus a few floats
per patch, so memory stays flat on long files. In :meth:`AudioEventStage.end` each label's patch
scores are median-filtered over ``smooth`` patches, thresholded with hysteresis (a span opens at a
patch scoring ``onset`` or more and stays open while scores stay at ``offset`` or more), gaps
shorter than ``max_gap`` are bridged and spans shorter than ``min_duration`` dropped. Each patch
stands for the 0.48 s around its centre. A patch that holds any sound is not silent, so sounds
come out too long and silences too short by up to half a patch; every span edge is therefore
snapped to the nearest matching change of loudness (20 ms levels, quiet meaning ``quiet_margin_db``
below the file's loud level and below ``quiet_floor_db``) within ``snap`` seconds: a sound starts
where the audio turns loud and ends where it turns quiet, a silence the other way round.

Coarse labels are lowercase (``speech``, ``music``, ``crowd``, ``noise``, ``silence``); with
``fine_labels`` on, runs of the same top AudioSet class (its display name, e.g. ``Dog``) are
written too. An event's score is the mean raw score of its patches.

Example:
    >>> timeline = index_video("talk.mp4", [AudioEventStage()])         # doctest: +SKIP
    >>> [(e.label, e.start, e.end) for e in timeline.audio_events][:2]   # doctest: +SKIP
    [('silence', 0.0, 0.72), ('speech', 0.72, 5.52)]
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from scipy.ndimage import median_filter

from videoscope.backends.base import SAMPLE_RATE, AudioTagger
from videoscope.backends.registry import load_backend
from videoscope.config import Settings
from videoscope.media.decode import AudioChunk
from videoscope.media.probe import MediaInfo
from videoscope.perceive.base import Stage
from videoscope.timeline.model import AudioEvent, Timeline

#: Labels written by default (see ``videoscope.backends.yamnet.COARSE_CLASSES``).
COARSE_LABELS = ("speech", "music", "crowd", "noise", "silence")
#: Patch geometry of YAMNet-style taggers: samples per patch and between patch starts.
PATCH_SAMPLES = 15_600
HOP_SAMPLES = 7_680
_HOP = HOP_SAMPLES / SAMPLE_RATE
_LEVEL = SAMPLE_RATE // 50  # 20 ms loudness frames
#: Labels that mean the absence of sound: their spans snap the other way.
_QUIET_LABELS = frozenset({"silence"})


class AudioEventStage(Stage):
    """Labels what is heard over time: speech, music, crowd, noise, silence (+ AudioSet classes).

    Args:
        tagger: a backend name of role ``audio_tagger`` or an :class:`AudioTagger` instance.
        onset: smoothed score at which a span opens.
        offset: smoothed score below which an open span closes.
        smooth: median-filter width in patches (odd; 1 disables smoothing).
        min_duration: shortest span kept, in seconds.
        max_gap: shorter gaps between two spans of one label are bridged, in seconds.
        fine_labels: also write runs of the top AudioSet class scoring ``onset`` or more.
        snap: how far (seconds) a span edge may move to the nearest change of loudness; 0 = never.
        quiet_margin_db: quiet means this far below the file's 95th-percentile level ...
        quiet_floor_db: ... and below this level (dBFS).
        tagger_options: keyword options for the backend when ``tagger`` is a name.
    """

    name = "audio_events"
    wants_audio = True

    def __init__(
        self,
        tagger: str | AudioTagger = "yamnet",
        *,
        onset: float = 0.5,
        offset: float = 0.3,
        smooth: int = 3,
        min_duration: float = 0.9,
        max_gap: float = 0.5,
        fine_labels: bool = True,
        snap: float = 0.75,
        quiet_margin_db: float = 35.0,
        quiet_floor_db: float = -40.0,
        tagger_options: dict[str, Any] | None = None,
    ) -> None:
        self._tagger_spec = tagger
        self._tagger_options = dict(tagger_options or {})
        self._tagger: AudioTagger | None = None if isinstance(tagger, str) else tagger
        self.onset, self.offset, self.smooth = onset, offset, smooth
        self.min_duration, self.max_gap, self.fine_labels = min_duration, max_gap, fine_labels
        self.snap, self.quiet_margin_db, self.quiet_floor_db = snap, quiet_margin_db, quiet_floor_db
        self._reset()

    def _reset(self) -> None:
        """Forget the audio of a previous file."""
        self._buffer = np.zeros(0, dtype=np.float32)
        self._levels: list[np.ndarray] = []
        self._level_carry = np.zeros(0, dtype=np.float32)
        self._origin: float | None = None
        self._patches = 0
        self._audio_end = 0.0
        self._coarse: dict[str, list[float]] = defaultdict(list)
        self._fine: list[tuple[str, float]] = []

    def begin(self, info: MediaInfo) -> None:
        """Start a new file (a stage object may index several, one after the other)."""
        self._reset()

    @classmethod
    def from_settings(cls, settings: Settings) -> AudioEventStage:
        """The stage with the audio tagger chosen in ``settings`` (``default`` means YAMNet)."""
        name = settings.backends.audio_tagger
        return cls(
            "yamnet" if name == "default" else name,
            tagger_options=dict(settings.backends.options.get("audio_tagger", {})),
        )

    def options(self) -> dict[str, Any]:
        """The tagger and the thresholds that shape the events."""
        tagger = self._tagger_spec if isinstance(self._tagger_spec, str) else self._tagger_spec.name
        return {
            "tagger": tagger,
            "tagger_options": self._tagger_options,
            "onset": self.onset,
            "offset": self.offset,
            "smooth": self.smooth,
            "min_duration": self.min_duration,
            "max_gap": self.max_gap,
            "fine_labels": self.fine_labels,
            "snap": self.snap,
            "quiet_margin_db": self.quiet_margin_db,
            "quiet_floor_db": self.quiet_floor_db,
        }

    @property
    def tagger(self) -> AudioTagger:
        """The tagger, loaded on first use."""
        if self._tagger is None:
            assert isinstance(self._tagger_spec, str)
            self._tagger = load_backend("audio_tagger", self._tagger_spec, **self._tagger_options)
        return self._tagger

    def feed_audio(self, chunk: AudioChunk) -> None:
        """Tag every whole patch now available; keep the overlap for the next one."""
        if self._origin is None:
            self._origin = chunk.start
        self._audio_end = chunk.end
        self._measure(chunk.samples)
        self._buffer = np.concatenate([self._buffer, chunk.samples.astype(np.float32)])
        if len(self._buffer) >= PATCH_SAMPLES:
            count = 1 + (len(self._buffer) - PATCH_SAMPLES) // HOP_SAMPLES
            self._tag(self._buffer[: PATCH_SAMPLES + (count - 1) * HOP_SAMPLES], count)
            self._buffer = self._buffer[count * HOP_SAMPLES :].copy()

    def _measure(self, samples: np.ndarray) -> None:
        """Keep the 20 ms loudness levels (dBFS) of ``samples``; carry the partial frame."""
        joined = np.concatenate([self._level_carry, samples.astype(np.float32)])
        whole = len(joined) // _LEVEL * _LEVEL
        frames = joined[:whole].reshape(-1, _LEVEL).astype(np.float64)
        self._level_carry = joined[whole:]
        rms = np.sqrt(np.mean(frames**2, axis=1) + 1e-12)
        self._levels.append((20 * np.log10(rms)).astype(np.float32))

    def _changes(self) -> tuple[np.ndarray, np.ndarray]:
        """Times where the audio turns loud, and where it turns quiet."""
        levels = np.concatenate([np.zeros(0, dtype=np.float32), *self._levels])
        if not len(levels):
            return np.zeros(0), np.zeros(0)
        threshold = min(
            self.quiet_floor_db, float(np.percentile(levels, 95)) - self.quiet_margin_db
        )
        step = np.diff((levels >= threshold).astype(np.int8))
        times = (self._origin or 0.0) + (np.arange(len(step)) + 1) * _LEVEL / SAMPLE_RATE
        return times[step > 0], times[step < 0]

    def _snapped(self, event: AudioEvent, rises: np.ndarray, falls: np.ndarray) -> AudioEvent:
        """``event`` with its edges moved to the nearest fitting loudness change within ``snap``."""
        starts, ends = (falls, rises) if event.label in _QUIET_LABELS else (rises, falls)

        def nearest(time: float, candidates: np.ndarray) -> float:
            near = candidates[np.abs(candidates - time) <= self.snap]
            return float(near[np.argmin(np.abs(near - time))]) if len(near) else time

        start, end = nearest(event.start, starts), nearest(event.end, ends)
        if end <= start:  # the changes found belong to other sounds
            return event
        return event.model_copy(update={"start": round(start, 3), "end": round(end, 3)})

    def _tag(self, audio: np.ndarray, count: int) -> None:
        """Run the tagger on ``audio`` and keep ``count`` patches of scores."""
        coarse: dict[str, np.ndarray] = {label: np.zeros(count) for label in COARSE_LABELS}
        fine: list[tuple[str, float]] = [("", 0.0)] * count
        for tag in self.tagger.tag(audio):
            index = round(tag.start / _HOP)
            if index >= count:
                continue
            if tag.label in coarse:
                coarse[tag.label][index] = tag.score
            elif tag.score > fine[index][1]:
                fine[index] = (tag.label, tag.score)
        for label, values in coarse.items():
            self._coarse[label].extend(values.tolist())
        self._fine.extend(fine)
        self._patches += count

    def end(self, timeline: Timeline) -> None:
        """Tag the tail, turn patch scores into spans and write ``audio_events``."""
        if self._origin is None:
            return
        if self._patches == 0 or len(self._buffer) > PATCH_SAMPLES - HOP_SAMPLES:
            self._tag(self._buffer, 1)  # the tagger pads a short tail with silence
        self._buffer = np.zeros(0, dtype=np.float32)
        finish = min(timeline.video.duration, self._audio_end)
        edges = self._origin + _HOP * (np.arange(self._patches + 1) + 0.5)
        edges[0], edges[-1] = self._origin, finish
        edges = np.minimum(edges, finish)
        events: list[AudioEvent] = []
        for label in COARSE_LABELS:
            raw = np.asarray(self._coarse[label])
            active = self._hysteresis(median_filter(raw, size=self.smooth, mode="nearest"))
            events += self._spans(label, active, raw, edges)
        if self.fine_labels:
            names = [name for name, _ in self._fine]
            scores = np.array([score for _, score in self._fine])
            for name in sorted(set(names) - {""}):
                if name.lower() in COARSE_LABELS:
                    continue
                active = np.array([n == name for n in names]) & (scores >= self.onset)
                events += self._spans(name, active, scores, edges)
        if self.snap > 0:
            rises, falls = self._changes()
            events = _no_overlap([self._snapped(event, rises, falls) for event in events])
        timeline.audio_events.extend(sorted(events, key=lambda e: (e.start, e.end, e.label)))

    def _hysteresis(self, scores: np.ndarray) -> np.ndarray:
        """Open at ``onset``, stay open while at ``offset`` or more."""
        active = np.zeros(len(scores), dtype=bool)
        state = False
        for index, score in enumerate(scores):
            state = score >= (self.offset if state else self.onset)
            active[index] = state
        return active

    def _spans(
        self, label: str, active: np.ndarray, scores: np.ndarray, edges: np.ndarray
    ) -> list[AudioEvent]:
        """Runs of ``active`` patches as events: gaps bridged, short ones dropped."""
        flips = np.flatnonzero(np.diff(np.concatenate([[0], active.astype(np.int8), [0]])))
        runs: list[list[int]] = []
        for first, stop in zip(flips[::2], flips[1::2], strict=True):
            if runs and edges[first] - edges[runs[-1][1]] < self.max_gap:
                runs[-1][1] = stop
            else:
                runs.append([first, stop])
        events = []
        for first, stop in runs:
            start, end = float(edges[first]), float(edges[stop])
            if end - start >= self.min_duration:
                score = float(np.mean(scores[first:stop]))
                events.append(
                    AudioEvent(
                        start=round(start, 3), end=round(end, 3), label=label, score=round(score, 3)
                    )
                )
        return events


def _no_overlap(events: list[AudioEvent]) -> list[AudioEvent]:
    """Clip each event's start to the end of the previous event of its label; drop emptied ones."""
    last_end: dict[str, float] = {}
    kept = []
    for event in sorted(events, key=lambda e: (e.label, e.start)):
        start = max(event.start, last_end.get(event.label, 0.0))
        if start < event.end:
            kept.append(
                event if start == event.start else event.model_copy(update={"start": start})
            )
            last_end[event.label] = event.end
    return kept
