"""Index a video: one decode feeding every stage in parallel, results cached by content hash.

``index_video`` probes and hashes the file, reuses every stage result already cached for these
bytes and these stage options, and decodes the file once for the stages that remain. Each stage
runs on its own thread behind a bounded queue, so decoding overlaps model inference and memory
stays flat. Each stage's result is cached as soon as it finishes: an interrupted run resumes with
the stages it had not finished, and a repeated run is served from the cache without decoding.

Example:
    >>> timeline = index_video("clip.mp4", stages=default_stages())  # doctest: +SKIP
    >>> timeline.summary()["shots"]  # doctest: +SKIP
    6
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from videoscope.errors import NotAVideoError
from videoscope.media.decode import AudioChunk, DecodedFrame, DecodeReport, decode
from videoscope.media.hashing import content_hash
from videoscope.media.probe import MediaInfo, probe
from videoscope.perceive.base import ProgressCallback, ProgressEvent, Stage, StepTime
from videoscope.timeline.model import TRACKS, Timeline, VideoRef

logger = logging.getLogger(__name__)

_QUEUE_ITEMS = 64
_DONE = object()


def index_video(
    path: str | Path,
    stages: Sequence[Stage],
    *,
    cache_dir: str | Path | None = None,
    progress: ProgressCallback | None = None,
    timings: dict[str, StepTime] | None = None,
) -> Timeline:
    """Run ``stages`` over the video at ``path`` and return its validated :class:`Timeline`.

    Args:
        path: the video (or audio-only file, for audio stages).
        stages: stages in dependency order (a stage's ``end`` sees the tracks of earlier ones).
        cache_dir: where per-stage results are cached by content hash; None disables caching.
        progress: called on the caller's thread with a :class:`ProgressEvent` as decoding and
            stages advance: ``decode`` and each stage report the fraction of the media they
            have processed, and each stage reports 1.0 once its ``end`` has run.
        timings: if given, filled with a :class:`StepTime` per step: ``decode`` (the shared
            decode loop: demuxing, decoding and frame conversion on the caller's thread), per
            stage that ran the seconds spent inside its feed calls and its ``end`` (``wall`` is
            busy time, ``cpu`` the CPU time of the thread that ran them), and ``total`` (wall
            time of the whole call; ``cpu`` is the process's CPU time, decoder and model thread
            pools included).

    Raises:
        MediaError: the file cannot be indexed (see :func:`videoscope.media.probe.probe`).
    """
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    report = progress or (lambda event: None)
    info = probe(path)
    report(ProgressEvent("hash", 0.0, "hashing content"))
    digest = content_hash(info.path)
    report(ProgressEvent("hash", 1.0))
    ref = VideoRef(
        content_hash=digest,
        duration=info.duration,
        path=info.path,
        width=info.video.display_size[0] if info.video else None,
        height=info.video.display_size[1] if info.video else None,
        fps=info.video.average_fps if info.video else None,
        has_audio=info.has_audio,
    )
    cache = _StageCache(Path(cache_dir) / digest, stages) if cache_dir is not None else None
    runnable = [s for s in stages if _applicable(s, info)]
    if any(_decodes(s) for s in stages) and not any(_decodes(s) for s in runnable):
        runnable = []  # only stages that read others' tracks are left: nothing to read
    if stages and not runnable:
        missing = "video" if not info.has_video else "audio"
        raise NotAVideoError(
            info.path,
            f"the file has no {missing} stream, which the stages "
            f"{', '.join(s.name for s in stages)} need",
            "index it with the 'audio' model option"
            if missing == "video"
            else "index it with the 'visual' model option",
        )
    cached = {s.name: cache.load(s) for s in runnable} if cache else {}
    # Stages that only read earlier tracks (scenes) need no decode of their own.
    pending = [s for s in runnable if cached.get(s.name) is None and _decodes(s)]
    clock: dict[str, StepTime] = timings if timings is not None else {}
    decode_report, failures = (
        _run_decode(info, pending, report, clock) if pending else (DecodeReport(), {})
    )

    timeline = Timeline(video=ref)
    timeline.warnings.extend(decode_report.warnings)
    for stage in runnable:
        part = cached.get(stage.name)
        if stage.name in failures:
            continue
        if part is None:
            part = _working_copy(timeline)
            before = {name: len(getattr(part, name)) for name in TRACKS}
            before_embeddings, before_warnings = set(part.embeddings), len(part.warnings)
            started, started_thread = time.perf_counter(), time.thread_time()
            stage.end(part)
            clock.setdefault(stage.name, StepTime()).add(
                time.perf_counter() - started, time.thread_time() - started_thread
            )
            part = _only_new(part, before, before_embeddings, before_warnings)
            part.sort_tracks()  # a stage may emit items in any order; the cache stores them sorted
            part.stages[stage.name] = stage.options()
            if cache is not None and not decode_report.truncated:
                cache.save(stage, part)
        _absorb(timeline, part)
        report(ProgressEvent(stage.name, 1.0, "done"))
    for stage in stages:
        if stage not in runnable:
            timeline.warnings.append(
                f"stage {stage.name!r} skipped: the file has no "
                f"{'audio' if stage.wants_audio else 'video'}"
            )
    if failures:  # the stages that succeeded are cached: a re-run resumes with the rest
        raise next(iter(failures.values()))
    timeline.sort_tracks()
    timeline.validate_tracks()
    clock["total"] = StepTime(time.perf_counter() - started_wall, time.process_time() - started_cpu)
    return timeline


def _decodes(stage: Stage) -> bool:
    """Whether the stage takes frames or audio (else it only reads earlier stages' tracks)."""
    return bool(stage.frame_rate or stage.wants_audio)


def _applicable(stage: Stage, info: MediaInfo) -> bool:
    if stage.wants_audio and not stage.frame_rate:
        return info.has_audio
    if stage.frame_rate and not stage.wants_audio:
        return info.has_video
    return info.has_audio or info.has_video


def _run_decode(
    info: MediaInfo, stages: list[Stage], report: ProgressCallback, clock: dict[str, StepTime]
) -> tuple[DecodeReport, dict[str, Exception]]:
    """Decode once and feed every stage on its own worker thread; return the stages' failures."""
    started, started_cpu = time.perf_counter(), time.thread_time()
    workers = [_StageWorker(stage, info) for stage in stages]
    want_video = any(stage.frame_rate > 0 for stage in stages)
    want_audio = any(stage.wants_audio for stage in stages)
    decode_report = DecodeReport()
    tracker = _ProgressTracker(info.duration, workers, report)
    try:
        for item in decode(info, video=want_video, audio=want_audio, report=decode_report):
            if isinstance(item, DecodedFrame):
                for worker in workers:
                    worker.offer_frame(item)
                tracker.decoded(item.time)
            else:
                for worker in workers:
                    worker.offer_audio(item)
                tracker.decoded(item.end)
    finally:
        for worker in workers:
            worker.close()
    clock["decode"] = StepTime(time.perf_counter() - started, time.thread_time() - started_cpu)
    report(ProgressEvent("decode", 1.0))
    failures = {}
    for worker in workers:
        while worker.thread.is_alive():  # stages still draining their queues keep reporting
            worker.thread.join(timeout=0.5)
            tracker.stages()
        clock[worker.stage.name] = worker.busy
        if worker.error is not None:
            failures[worker.stage.name] = worker.error
    return decode_report, failures


class _ProgressTracker:
    """Reports, on the decoding thread, how far the decode and each stage's worker have got."""

    def __init__(
        self, duration: float, workers: list[_StageWorker], report: ProgressCallback
    ) -> None:
        self.duration = max(duration, 1e-6)
        self.workers = workers
        self.report = report
        self.decode_time = -1.0
        self.reported = {worker.stage.name: 0.0 for worker in workers}

    def decoded(self, now: float) -> None:
        """The decode reached ``now`` seconds: report it (and the stages) every media second."""
        if now - self.decode_time >= 1.0:
            self.decode_time = now
            self.report(ProgressEvent("decode", min(1.0, now / self.duration), f"{now:.0f}s"))
            self.stages()

    def stages(self) -> None:
        """Report each stage that has processed another 1 % of the media since its last report.

        A stage stays below 1.0 until its ``end`` has run (``index_video`` reports the 1.0).
        """
        for worker in self.workers:
            done = worker.done_until
            fraction = min(0.99, done / self.duration)
            if fraction - self.reported[worker.stage.name] >= 0.01:
                self.reported[worker.stage.name] = fraction
                self.report(ProgressEvent(worker.stage.name, fraction, f"{done:.0f}s"))


class _StageWorker:
    """Feeds one stage from a bounded queue on its own thread; samples frames at its rate."""

    def __init__(self, stage: Stage, info: MediaInfo) -> None:
        self.stage = stage
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=_QUEUE_ITEMS)
        self.next_frame_time = 0.0
        self.error: Exception | None = None
        self.busy = StepTime()
        #: Media seconds this stage has been fed and has processed (read by the progress tracker).
        self.done_until = 0.0
        self.step = 1.0 / stage.frame_rate if stage.frame_rate else float("inf")
        stage.begin(info)
        self.thread = threading.Thread(target=self._run, name=f"stage-{stage.name}", daemon=True)
        self.thread.start()

    def offer_frame(self, frame: DecodedFrame) -> None:
        if not self.stage.frame_rate or frame.time + 1e-6 < self.next_frame_time:
            return
        # Skip ahead by whole steps so a variable frame rate never makes a stage fall behind.
        steps = int((frame.time - self.next_frame_time) / self.step) + 1 if self.step else 1
        self.next_frame_time += steps * self.step
        self._put(("frame", frame.time, frame.rgb(self.stage.frame_size or None)))

    def offer_audio(self, chunk: AudioChunk) -> None:
        if self.stage.wants_audio:
            self._put(("audio", chunk))

    def close(self) -> None:
        self.queue.put(_DONE)

    def _put(self, item: Any) -> None:
        if self.error is None:
            self.queue.put(item)

    def _run(self) -> None:
        while (item := self.queue.get()) is not _DONE:
            if self.error is not None:
                continue
            started, started_cpu = time.perf_counter(), time.thread_time()
            try:
                if item[0] == "frame":
                    self.stage.feed_frame(item[1], item[2])
                else:
                    self.stage.feed_audio(item[1])
            except Exception as error:  # re-raised by index_video on the caller's thread
                logger.exception("stage %s failed", self.stage.name)
                self.error = error
            self.busy.add(time.perf_counter() - started, time.thread_time() - started_cpu)
            self.done_until = item[1] if item[0] == "frame" else item[1].end


def _working_copy(timeline: Timeline) -> Timeline:
    """A copy a stage may read and append to without touching ``timeline``."""
    copy = timeline.model_copy()
    for name in TRACKS:
        setattr(copy, name, list(getattr(timeline, name)))
    copy.embeddings, copy.warnings = dict(timeline.embeddings), list(timeline.warnings)
    return copy


def _only_new(
    part: Timeline, before: dict[str, int], embeddings: set[str], warnings: int
) -> Timeline:
    """Keep only what the stage added to its working copy."""
    fresh = Timeline(video=part.video, warnings=part.warnings[warnings:])
    for name in TRACKS:
        setattr(fresh, name, getattr(part, name)[before[name] :])
    fresh.embeddings = {k: v for k, v in part.embeddings.items() if k not in embeddings}
    return fresh


def _absorb(timeline: Timeline, part: Timeline) -> None:
    for name in TRACKS:
        getattr(timeline, name).extend(getattr(part, name))
    timeline.embeddings.update(part.embeddings)
    timeline.warnings.extend(part.warnings)
    timeline.stages.update(part.stages)


class _StageCache:
    """Per-video folder of stage results: ``<hash>/stages/<stage-key>/timeline.json``."""

    def __init__(self, folder: Path, stages: Sequence[Stage]) -> None:
        self.folder = folder / "stages"
        self.keys: dict[str, str] = {}
        for stage in stages:  # in pipeline order, so upstream keys are known first
            upstream = [self.keys[name] for name in stage.reads if name in self.keys]
            self.keys[stage.name] = stage.cache_key(upstream)

    def load(self, stage: Stage) -> Timeline | None:
        target = self.folder / self.keys[stage.name]
        if not (target / "timeline.json").exists():
            return None
        try:
            return Timeline.load(target)
        except (OSError, ValueError) as error:
            logger.warning("ignoring unreadable cache %s: %s", target, error)
            return None

    def save(self, stage: Stage, part: Timeline) -> None:
        part.save(self.folder / self.keys[stage.name])
