"""Time-based metadata: a request's segment definitions in, grounded, always-valid segments out.

:func:`analyze_timeline` interprets each definition (:mod:`~videoscope.segments.interpret`),
builds its segments from measured evidence (:mod:`~videoscope.segments.segmenter`), fills the
fields (:mod:`~videoscope.segments.fields`) and runs
:func:`videoscope.evaluate.validity.check_format` as the final guard. :func:`analyze_video`
indexes a file first.

Example:
    >>> result = analyze_video("match.mp4", {"segment_definitions": [{"id": "cut",
    ...     "description": "every hard cut", "fields": []}]})  # doctest: +SKIP
    >>> json.loads(result.data)["cut"][0]  # doctest: +SKIP
    {'start_time': 0.0, 'end_time': 3.0, 'metadata': {}}
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from videoscope.backends.base import LanguageModel
from videoscope.backends.registry import LlmChoice, load_llm
from videoscope.config import AnalyzeSettings, get_settings
from videoscope.evaluate.schema import parse_time
from videoscope.evaluate.validity import check_format
from videoscope.perceive.base import ProgressCallback, Stage
from videoscope.segments.chunks import ChunkOptions
from videoscope.segments.content import ContentOptions
from videoscope.segments.evidence import EvidenceGatherer, EvidenceIndex, quantize, video_end
from videoscope.segments.fields import EvidenceFieldFiller, FieldFiller, LanguageModelFieldFiller
from videoscope.segments.interpret import Plan, interpret
from videoscope.segments.judge import JudgeReport, LanguageModelJudge, UnitJudge
from videoscope.segments.request import AnalyzeRequest, SegmentDefinition, parse_request
from videoscope.segments.segmenter import enforce, raw_spans
from videoscope.segments.similarity import Scorer, default_scorer
from videoscope.timeline.interval import Interval, intersect
from videoscope.timeline.model import Timeline

logger = logging.getLogger(__name__)
_EPS = 1e-6


class AnalyzeResult(BaseModel):
    """The analyze result: ``data`` is the JSON string keyed by definition id (as Twelve Labs)."""

    generation_id: str
    data: str
    finish_reason: str = "stop"
    usage: dict[str, int] = Field(default_factory=dict)
    duration: float
    #: Verbose only: per definition, per segment, which evidence set each boundary and which
    #: fields got a schema default rather than evidence.
    evidence: dict[str, list[dict[str, Any]]] | None = None
    #: Verbose only: how each definition was interpreted.
    plans: dict[str, dict[str, Any]] | None = None
    warnings: list[str] = Field(default_factory=list)

    def parsed(self) -> dict[str, list[dict[str, Any]]]:
        """``data`` as Python objects."""
        data: dict[str, list[dict[str, Any]]] = json.loads(self.data)
        return data

    def verbose_data(self) -> dict[str, list[dict[str, Any]]]:
        """``data`` with each segment's ``evidence`` merged in (outside ``metadata``)."""
        data = self.parsed()
        for def_id, segs in data.items():
            for seg, ev in zip(segs, (self.evidence or {}).get(def_id, []), strict=False):
                seg["evidence"] = ev
        return data


def format_time(seconds: float, fmt: str) -> float | str:
    """Seconds in the request's ``segment_time_format``.

    Example:
        >>> format_time(3725.5, "hh:mm:ss.fff"), format_time(3725.0, "hh:mm:ss")
        ('01:02:05.500', '01:02:05')
    """
    if fmt == "seconds":
        return round(float(seconds), 3)
    millis = round(seconds * 1000)
    if fmt == "hh:mm:ss":
        millis = round(seconds) * 1000
    h, rest = divmod(millis, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    text = f"{h:02d}:{m:02d}:{s:02d}"
    return text if fmt == "hh:mm:ss" else f"{text}.{ms:03d}"


def analyze_timeline(
    timeline: Timeline,
    request: AnalyzeRequest | dict[str, Any] | str,
    *,
    verbose: bool = False,
    scorer: Scorer | None = None,
    filler: FieldFiller | None = None,
    llm: LlmChoice = "config",
    content: ContentOptions | None = None,
    judge: UnitJudge | None = None,
) -> AnalyzeResult:
    """Segments and metadata for every definition of ``request`` from an indexed ``timeline``.

    Args:
        timeline: the video's measured tracks (from :func:`videoscope.perceive.index_video`).
        request: an :class:`AnalyzeRequest`, or its dict / JSON form.
        verbose: also report the evidence behind each boundary and the interpretation.
        scorer: text similarity; default MiniLM embeddings (lexical when not installed).
        filler: fills fields; default :class:`EvidenceFieldFiller` (wrapped by an LLM when
            there is one).
        llm: a language model that judges content units (in overlapping chunks) and fills
            fields, both JSON-schema constrained; ``"config"`` (default) loads
            ``settings.backends.llm`` (none configured: the offline engine); None: offline.
        content: knobs of content-driven segmentation and chunking (default: the settings'
            ``analyze`` section, else :class:`ContentOptions` defaults).
        judge: decides which content units match; default the LLM's judge when there is an
            LLM, else the similarity threshold.

    Raises:
        AnalyzeRequestError: the request breaks the contract (names definition and field).
    """
    req = parse_request(request)
    req.check_video(timeline.video.duration)
    fmt = req.segment_time_format
    resolution = 1.0 if fmt == "hh:mm:ss" else 0.001
    end_q = video_end(timeline, resolution)
    window = _window(req, end_q)
    scorer = scorer or default_scorer()
    model, content = _setup(llm, content)
    if judge is None and model is not None and content.llm_judge:
        judge = LanguageModelJudge(model, temperature=req.temperature, options=content.chunks)
    base_index = EvidenceIndex.from_timeline(timeline, resolution)
    gatherer = EvidenceGatherer(timeline)
    if filler is None:
        filler = EvidenceFieldFiller(scorer)
        if model is not None:
            filler = LanguageModelFieldFiller(
                model, filler, temperature=req.temperature, budget_chars=content.chunks.max_chars
            )

    def fmt_time(t: float) -> float | str:
        return format_time(min(quantize(t, resolution), end_q), fmt)

    data: dict[str, list[dict[str, Any]]] = {}
    evidence: dict[str, list[dict[str, Any]]] = {}
    plans: dict[str, dict[str, Any]] = {}
    warnings: list[str] = []
    for definition in req.segment_definitions:
        plan = interpret(definition.description, scorer)
        plans[definition.id] = {
            "signal": plan.signal,
            "negated": plan.negated,
            "query": plan.query,
            "audio_label": plan.audio_label,
            "units": plan.units,
            "reason": plan.reason,
        }
        warning = _missing_signal(plan, timeline)
        if warning:
            warnings.append(f"{definition.id}: {warning}")
        index = base_index.copy()
        report = JudgeReport()
        segments = _segments(
            definition, plan, timeline, window, index, gatherer, scorer, req, content, judge, report
        )
        if plan.signal == "content":
            plans[definition.id]["judge"] = report.as_dict()
        data[definition.id], evidence[definition.id] = [], []
        for seg in segments:
            filled = filler.fill(definition, gatherer.gather(seg), fmt_time)
            _own_formats(definition, filled.values)
            data[definition.id].append(
                {
                    "start_time": fmt_time(seg.start),
                    "end_time": fmt_time(seg.end),
                    "metadata": filled.values,
                }
            )
            evidence[definition.id].append(
                {
                    "start": index.label(seg.start),
                    "end": index.label(seg.end),
                    "defaults": filled.defaults,
                }
            )
    data, evidence, dropped = _guard(data, evidence, req, timeline.video.duration, window)
    if dropped:
        warnings.append(f"guard: dropped {dropped} invalid segment(s); please report this bug")
    text = json.dumps(data, ensure_ascii=False)
    key = json.dumps(
        [
            timeline.video.content_hash,
            req.model_dump(mode="json"),
            filler.name,
            scorer.name,
            judge.name if judge is not None else "threshold:global",
            repr(content),
        ],
        sort_keys=True,
    )
    return AnalyzeResult(
        generation_id=str(uuid.uuid5(uuid.NAMESPACE_URL, key)),
        data=text,
        usage={"output_tokens": max(1, len(text) // 4)},
        duration=timeline.video.duration,
        evidence=evidence if verbose else None,
        plans=plans if verbose else None,
        warnings=warnings,
    )


def _own_formats(definition: SegmentDefinition, values: dict[str, Any]) -> None:
    """Give each ``timestamp`` field its own ``format`` (filled in ``segment_time_format``)."""
    for spec in definition.fields:
        seconds = parse_time(values.get(spec.name)) if spec.format else None
        if spec.format and seconds is not None:
            values[spec.name] = format_time(seconds, spec.format)


def _window(req: AnalyzeRequest, end: float) -> Interval | None:
    start = req.start_time or 0.0
    stop = min(req.end_time if req.end_time is not None else end, end)
    return Interval(start, stop) if stop > start + _EPS else None


def _pieces(definition: SegmentDefinition, window: Interval | None) -> list[Interval]:
    if window is None:
        return []
    if not definition.time_ranges:
        return [window]
    ranges = [Interval(r.start_time, r.end_time) for r in definition.time_ranges]
    # each requested range separately (a segment must lie inside one of them)
    return [p for r in ranges for p in intersect([r], [window])]


def _segments(
    definition: SegmentDefinition,
    plan: Plan,
    timeline: Timeline,
    window: Interval | None,
    index: EvidenceIndex,
    gatherer: EvidenceGatherer,
    scorer: Scorer,
    req: AnalyzeRequest,
    content: ContentOptions,
    judge: UnitJudge | None,
    report: JudgeReport,
) -> list[Interval]:
    low, high = req.min_segment_duration, req.max_segment_duration
    out: list[Interval] = []
    for piece in _pieces(definition, window):
        spans = raw_spans(
            plan, timeline, piece, index, gatherer, scorer, content, low, judge=judge, report=report
        )
        out += enforce(spans, piece, index, low, high)
    out.sort()
    clean: list[Interval] = []
    for seg in out:  # overlapping requested time ranges: keep the first segment of a clash
        if not clean or seg.start >= clean[-1].end - _EPS:
            clean.append(seg)
    return clean


def _setup(
    llm: LlmChoice, content: ContentOptions | None
) -> tuple[LanguageModel | None, ContentOptions]:
    """The language model and the content options, from the settings where not given."""
    if content is None:
        content = content_options(get_settings().analyze)
    return load_llm(llm), content


def content_options(section: AnalyzeSettings) -> ContentOptions:
    """:class:`ContentOptions` from the settings' ``analyze`` section."""
    chunks = ChunkOptions(
        max_units=section.chunk_units,
        max_chars=section.chunk_chars,
        max_seconds=section.chunk_seconds,
        overlap=section.chunk_overlap,
    )
    return ContentOptions(chunks=chunks, llm_judge=section.llm_judge)


def _missing_signal(plan: Plan, timeline: Timeline) -> str | None:
    track = {
        "shots": "shots",
        "utterances": "utterances",
        "silence": "silences",
        "text": "texts",
        "audio": "audio_events",
    }.get(plan.signal)
    if track is not None and not getattr(timeline, track):
        return f"interpreted as {plan.signal} but the timeline has no {track} track items"
    return None


def _guard(
    data: dict[str, list[dict[str, Any]]],
    evidence: dict[str, list[dict[str, Any]]],
    req: AnalyzeRequest,
    duration: float,
    window: Interval | None,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]], int]:
    """Final check with :func:`check_format` (plus max duration and the window); a segment that
    fails is dropped and logged as a bug, so the returned data is always valid."""
    schema = req.schema_dict()
    dropped = 0
    for _ in range(3):
        report = check_format(data, schema, duration)
        bad: dict[str, set[int]] = {}
        for v in report.violations:
            if v.definition is not None and v.segment is not None:
                bad.setdefault(v.definition, set()).add(v.segment)
            elif v.definition is not None:
                bad.setdefault(v.definition, set()).update(range(len(data.get(v.definition, []))))
        for def_id, segs in data.items():
            for i, seg in enumerate(segs):
                a, b = parse_time(seg["start_time"]), parse_time(seg["end_time"])
                if a is None or b is None or window is None:
                    continue
                too_long = req.max_segment_duration is not None and (
                    b - a > req.max_segment_duration + _EPS
                )
                outside = a < window.start - _EPS or b > window.end + _EPS
                if too_long or outside:
                    bad.setdefault(def_id, set()).add(i)
        if not bad:
            return data, evidence, dropped
        dropped += sum(len(v) for v in bad.values())
        logger.error("analyze produced invalid segments (a bug), dropped: %s", report.violations)
        for def_id, drop in bad.items():
            data[def_id] = [s for i, s in enumerate(data.get(def_id, [])) if i not in drop]
            evidence[def_id] = [e for i, e in enumerate(evidence.get(def_id, [])) if i not in drop]
    total = sum(len(v) for v in data.values())
    empty: dict[str, list[dict[str, Any]]] = {d.id: [] for d in req.segment_definitions}
    return empty, {d.id: [] for d in req.segment_definitions}, dropped + total


def analyze_video(
    path: str | Path,
    request: AnalyzeRequest | dict[str, Any] | str,
    *,
    stages: Sequence[Stage] | None = None,
    cache_dir: str | Path | None = None,
    progress: ProgressCallback | None = None,
    verbose: bool = False,
    llm: LlmChoice = "config",
) -> AnalyzeResult:
    """Index ``path`` (cached by content hash) and analyze it; see :func:`analyze_timeline`.

    ``stages`` default to every configured stage (``visual`` and ``audio``); ``cache_dir`` to
    the settings' cache. The request is validated before any decoding.
    """
    from videoscope.perceive.pipeline import index_video
    from videoscope.perceive.registry import build_stages, stage_names

    req = parse_request(request)
    settings = get_settings()
    chosen = list(stages) if stages is not None else build_stages(stage_names(), settings)
    cache = cache_dir if cache_dir is not None else settings.cache_dir
    timeline = index_video(path, chosen, cache_dir=cache, progress=progress)
    return analyze_timeline(timeline, req, verbose=verbose, llm=llm)
