"""Zero-shot classification of indexed videos into user classes, per video and per shot.

Each class is scored on every unit of the video (visual windows, utterances, on-screen texts) by
cosine similarity with its prompts, calibrated per unit against background prompts
(:mod:`videoscope.classify.calibrate`). A unit *holds* a class when its score reaches
``threshold.min_clip_score``; holding units of one option that touch are merged into a clip.

Per video and class (see ``docs/classify_embed.md``):

* ``duration_ratio`` = length of the union of the class's clips / video duration;
* ``max_score`` = the best clip score; ``avg_score`` = clip scores averaged by clip length;
* ``normalized_score`` = ``max_score * min(1, sqrt(duration_ratio / 0.25))``: the best evidence,
  discounted when the class covers less than a quarter of the video;
* ``score`` = ``max_score``: a class holds for a video when it holds clearly anywhere in it.

Example:
    >>> classifier = Classifier.from_settings()  # doctest: +SKIP
    >>> result = classifier.classify(timeline, [ClassSpec(name="cat", prompts=["a cat"])])
    >>> result.classes[0].name, result.classes[0].duration_ratio  # doctest: +SKIP
    ('cat', 0.25)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from videoscope.backends.base import ImageTextEmbedder, TextEmbedder
from videoscope.classify.calibrate import (
    CALIBRATIONS,
    TEXT_BACKGROUND,
    VISUAL_BACKGROUND,
    BackgroundScorer,
    Calibration,
    visual_prompt,
)
from videoscope.classify.models import (
    ALL_OPTIONS,
    ClassifyClip,
    ClassifyOption,
    ClassifyThreshold,
    ClassResult,
    ClassSpec,
    DetailedScore,
    ShotLabel,
    VideoClassification,
)
from videoscope.classify.units import Units, gather_units
from videoscope.config import Settings, get_settings
from videoscope.errors import InvalidRequestError
from videoscope.timeline.interval import Interval, total_length
from videoscope.timeline.model import Timeline

#: Holding units of one option closer than this (seconds) join into one clip.
MERGE_GAP = 0.5
#: Coverage at which ``normalized_score`` stops discounting ``max_score``.
FULL_COVERAGE = 0.25


@dataclass(frozen=True, slots=True)
class ScoredUnits:
    """One option's units with their 0-100 score and best prompt per class: ``(n, classes)``."""

    units: Units
    scores: np.ndarray
    best_prompt: np.ndarray


class Classifier:
    """Scores classes over a Timeline's visual, speech and on-screen-text units."""

    def __init__(
        self,
        text_embedder: TextEmbedder,
        image_text_embedder: ImageTextEmbedder | None,
        calibrations: dict[str, Calibration] | None = None,
    ) -> None:
        self.text_embedder = text_embedder
        self.image_text_embedder = image_text_embedder
        self.calibrations = {**CALIBRATIONS, **(calibrations or {})}
        self._text = BackgroundScorer(text_embedder, TEXT_BACKGROUND)
        self._visual = (
            BackgroundScorer(image_text_embedder, VISUAL_BACKGROUND)
            if image_text_embedder is not None
            else None
        )

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Classifier:
        """A classifier on the configured ``text_embedder`` and ``image_text_embedder``."""
        from videoscope.backends import load_backend

        settings = settings or get_settings()
        choice = settings.backends
        return cls(
            load_backend(
                "text_embedder", choice.text_embedder, **choice.options.get("text_embedder", {})
            ),
            load_backend(
                "image_text_embedder",
                choice.image_text_embedder,
                **choice.options.get("image_text_embedder", {}),
            ),
        )

    # --- scoring --------------------------------------------------------------------------------

    def score_units(
        self,
        timeline: Timeline,
        classes: Sequence[ClassSpec],
        options: Sequence[ClassifyOption] = ALL_OPTIONS,
    ) -> list[ScoredUnits]:
        """Every unit of ``options`` scored 0-100 against every class.

        Raises:
            InvalidRequestError: no classes, or duplicate class names.
        """
        names = [c.name for c in classes]
        if not names or len(set(names)) != len(names):
            raise InvalidRequestError(
                "classes", "must be one or more classes with distinct names", "check the request"
            )
        scored: list[ScoredUnits] = []
        for units in gather_units(timeline, options, self.text_embedder):
            scorer = self._visual if units.option == "visual" else self._text
            if scorer is None:
                continue
            phrase = visual_prompt if units.option == "visual" else str.strip
            prompts = [
                np.asarray(
                    scorer.embedder.embed_texts([phrase(p) for p in c.prompts]), dtype=np.float32
                )
                for c in classes
            ]
            z, best = scorer.z_scores(units.vectors, prompts)
            scored.append(ScoredUnits(units, self.calibrations[units.option].score(z), best))
        return scored

    def classify(
        self,
        timeline: Timeline,
        classes: Sequence[ClassSpec],
        *,
        options: Sequence[ClassifyOption] = ALL_OPTIONS,
        threshold: ClassifyThreshold | None = None,
        include_clips: bool = False,
        show_detailed_score: bool = False,
        video_id: str = "",
    ) -> VideoClassification:
        """The classes that hold for this video (multi-label), best score first."""
        threshold = threshold or ClassifyThreshold()
        scored = self.score_units(timeline, classes, options)
        duration = timeline.video.duration
        results: list[ClassResult] = []
        for position, spec in enumerate(classes):
            clips = class_clips(scored, position, spec, threshold.min_clip_score)
            if not clips:
                continue
            covered = total_length(Interval(c.start, c.end) for c in clips)
            ratio = min(1.0, covered / duration) if duration > 0 else 0.0
            detail = _detailed(clips, ratio)
            if detail.max_score < threshold.min_video_score or ratio < threshold.min_duration_ratio:
                continue
            results.append(
                ClassResult(
                    name=spec.name,
                    score=detail.max_score,
                    duration_ratio=round(ratio, 4),
                    clips=clips if include_clips else None,
                    detailed_scores=detail if show_detailed_score else None,
                )
            )
        results.sort(key=lambda r: (-r.score, r.name))
        return VideoClassification(video_id=video_id, classes=results)

    def label_shots(
        self,
        timeline: Timeline,
        classes: Sequence[ClassSpec],
        *,
        options: Sequence[ClassifyOption] = ALL_OPTIONS,
        min_score: float = 50.0,
    ) -> list[ShotLabel]:
        """Per-moment mode: every shot with its best class (None when none reaches ``min_score``).

        A shot's score for a class is the best score of the units that lie mostly inside it
        (at least half of the unit, or half of the shot).
        """
        scored = self.score_units(timeline, classes, options)
        shots = [(s.index, s.start, s.end) for s in timeline.shots] or [
            (0, 0.0, timeline.video.duration)
        ]
        labels: list[ShotLabel] = []
        for index, start, end in shots:
            best = np.zeros(len(classes))
            best_option: list[ClassifyOption | None] = [None] * len(classes)
            for part in scored:
                spans = part.units.spans
                overlap = np.clip(
                    np.minimum(spans[:, 1], end) - np.maximum(spans[:, 0], start), 0, None
                )
                length = np.maximum(spans[:, 1] - spans[:, 0], 1e-6)
                inside = (overlap >= 0.5 * length) | (overlap >= 0.5 * max(end - start, 1e-6))
                if not inside.any():
                    continue
                top = part.scores[inside].max(axis=0)
                for position in np.flatnonzero(top > best):
                    best[position], best_option[position] = top[position], part.units.option
            winner = int(best.argmax()) if len(classes) else 0
            holds = len(classes) > 0 and best[winner] >= min_score
            labels.append(
                ShotLabel(
                    index=index,
                    start=start,
                    end=end,
                    label=classes[winner].name if holds else None,
                    score=round(float(best[winner]), 2) if len(classes) else 0.0,
                    option=best_option[winner] if holds else None,
                    scores={c.name: round(float(s), 2) for c, s in zip(classes, best, strict=True)},
                )
            )
        return labels


def class_clips(
    scored: Sequence[ScoredUnits], position: int, spec: ClassSpec, min_score: float
) -> list[ClassifyClip]:
    """The clips where class ``position`` holds: holding units merged per option, by start."""
    clips: list[ClassifyClip] = []
    for part in scored:
        scores = part.scores[:, position]
        holding = np.flatnonzero(scores >= min_score)
        order = holding[np.argsort(part.units.spans[holding, 0], kind="stable")]
        current: list[int] = []
        for unit in order:
            if (
                current
                and part.units.spans[unit, 0]
                > max(part.units.spans[i, 1] for i in current) + MERGE_GAP
            ):
                clips.append(_clip(part, current, position, spec))
                current = []
            current.append(int(unit))
        if current:
            clips.append(_clip(part, current, position, spec))
    clips.sort(key=lambda c: (c.start, c.end))
    return clips


def _clip(part: ScoredUnits, members: list[int], position: int, spec: ClassSpec) -> ClassifyClip:
    spans = part.units.spans[members]
    scores = part.scores[members, position]
    top = members[int(scores.argmax())]
    return ClassifyClip(
        start=round(float(spans[:, 0].min()), 3),
        end=round(float(spans[:, 1].max()), 3),
        score=round(float(scores.max()), 2),
        option=part.units.option,
        prompt=spec.prompts[int(part.best_prompt[top, position])],
    )


def _detailed(clips: Sequence[ClassifyClip], ratio: float) -> DetailedScore:
    lengths = np.array([max(c.end - c.start, 1e-3) for c in clips])
    scores = np.array([c.score for c in clips])
    top = float(scores.max())
    return DetailedScore(
        max_score=round(top, 2),
        avg_score=round(float((scores * lengths).sum() / lengths.sum()), 2),
        normalized_score=round(top * min(1.0, math.sqrt(ratio / FULL_COVERAGE)), 2),
    )
