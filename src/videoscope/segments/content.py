"""Content-driven segmentation: score atomic units, judge them, merge the matches.

Units are shots (long shots cut into ~3 s windows at evidence), utterances for spoken topics, or
~3 s windows when there are no shots. Each unit gets a similarity score between the query and its
evidence (:func:`unit_scores`). The units are then judged (:mod:`~videoscope.segments.judge`):
offline by an adaptive threshold over the whole window, or, with a language model configured, by
the model in overlapping chunks with the threshold as fallback and tie-breaker. Matching units
are merged only after every unit is decided, so no segment is split at a chunk edge.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from videoscope.segments.chunks import ChunkOptions
from videoscope.segments.evidence import EvidenceGatherer, EvidenceIndex
from videoscope.segments.interpret import Plan
from videoscope.segments.judge import (
    JudgeReport,
    ThresholdJudge,
    UnitJudge,
    UnitView,
    adaptive_threshold,
    judge_units,
)
from videoscope.segments.similarity import EmbeddingScorer, Scorer
from videoscope.timeline.interval import Interval, merge
from videoscope.timeline.model import Timeline


@dataclass(frozen=True, slots=True)
class ContentOptions:
    """Request-independent knobs of content-driven segmentation (docs/time_based_metadata.md)."""

    window: float = 3.0  #: length of scoring windows where there are no shots (s)
    long_shot: float = 8.0  #: shots longer than this are scored in windows
    fill_gap: float = 1.0  #: selected units closer than this are joined (s)
    floor_embedding: float = 0.25  #: no unit is selected below this cosine
    floor_lexical: float = 0.12  #: no unit is selected below this lexical score
    relative: float = 0.5  #: threshold = best - relative * (best - median)
    #: How units are cut into overlapping chunks for a language model judge.
    chunks: ChunkOptions = field(default_factory=ChunkOptions)
    #: Let a configured language model judge the units (else it only fills fields).
    llm_judge: bool = True


def units_for(
    plan: Plan, timeline: Timeline, piece: Interval, index: EvidenceIndex, options: ContentOptions
) -> list[Interval]:
    """Atomic units scored for a content definition: utterances, shots, or ~3 s windows."""
    if plan.units == "utterances":
        return [u.interval for u in timeline.utterances]
    shots = [s.interval for s in timeline.shots if s.interval.overlaps(piece)]
    bases = shots if len(shots) >= 2 else [piece]
    units: list[Interval] = []
    for base in bases:
        base = _clip(base, piece) or base
        if base.duration <= options.long_shot and len(shots) >= 2:
            units.append(base)
            continue
        count = max(1, round(base.duration / options.window))
        cuts = [base.start]
        for k in range(1, count):
            target = base.start + k * base.duration / count
            snapped = index.nearest(target, target - 1.0, target + 1.0)
            t = snapped if snapped is not None else target
            if cuts[-1] + 0.5 < t < base.end - 0.5:
                cuts.append(t)
        cuts.append(base.end)
        units += [Interval(a, b) for a, b in itertools.pairwise(cuts) if b > a]
    return units


def _clip(span: Interval, piece: Interval) -> Interval | None:
    start, end = max(span.start, piece.start), min(span.end, piece.end)
    return Interval(start, end) if end > start + 1e-6 else None


def content_spans(
    plan: Plan,
    timeline: Timeline,
    piece: Interval,
    index: EvidenceIndex,
    gatherer: EvidenceGatherer,
    scorer: Scorer,
    options: ContentOptions | None = None,
    min_duration: float | None = None,
    *,
    judge: UnitJudge | None = None,
    report: JudgeReport | None = None,
) -> list[Interval]:
    """Units of ``piece`` that match ``plan.query``, merged into spans.

    Without ``judge`` a unit matches when its score reaches the adaptive threshold of the whole
    piece; with one (a :class:`~videoscope.segments.judge.LanguageModelJudge`), the judge decides
    in overlapping chunks and the threshold decides what it leaves open.
    """
    opts = options or ContentOptions()
    units = [u for u in units_for(plan, timeline, piece, index, opts) if u.overlaps(piece)]
    if not units:
        return []
    evidence = [gatherer.gather(u) for u in units]
    texts = [ev.text_blob() for ev in evidence]
    scores = unit_scores(plan.query, units, timeline, gatherer, scorer, texts)
    floor = opts.floor_embedding if isinstance(scorer, EmbeddingScorer) else opts.floor_lexical
    fallback = ThresholdJudge(adaptive_threshold(scores, floor, opts.relative))
    views = [
        UnitView(u, ev.compact(opts.chunks.line_chars), float(s))
        for u, ev, s in zip(units, evidence, scores, strict=True)
    ]
    chosen_flags = judge_units(plan.query, views, judge or fallback, fallback, opts.chunks, report)
    chosen = [u for u, keep in zip(units, chosen_flags, strict=True) if keep]
    gap = max(opts.fill_gap, min_duration or 0.0) if plan.units != "utterances" else opts.fill_gap
    return merge(chosen, gap=gap)


def unit_scores(
    query: str,
    units: Sequence[Interval],
    timeline: Timeline,
    gatherer: EvidenceGatherer,
    scorer: Scorer,
    texts: Sequence[str] | None = None,
) -> np.ndarray:
    """Per unit: the best of text similarity (transcript, OCR, tags, audio; ``texts`` when
    already gathered) and, with an embedding scorer in the same space, visual similarity of the
    unit's window embeddings."""
    if texts is None:
        texts = [gatherer.gather(u).text_blob() for u in units]
    scores = scorer.scores(query, texts).astype(np.float32)
    visual = timeline.embeddings.get("visual")
    if (
        isinstance(scorer, EmbeddingScorer)
        and visual is not None
        and len(visual.windows)
        and visual.dim == int(scorer.embedder.dim)
    ):
        q = scorer.vectors([query])[0]
        starts = np.array([w.start for w in visual.windows])
        ends = np.array([w.end for w in visual.windows])
        for i, u in enumerate(units):
            overlap = np.clip(np.minimum(ends, u.end) - np.maximum(starts, u.start), 0, None)
            if overlap.sum() <= 0:
                continue
            v = (overlap[:, None] * visual.vectors).sum(axis=0)
            norm = float(np.linalg.norm(v))
            if norm > 0:
                scores[i] = max(scores[i], float(v @ q) / norm)
    return scores
