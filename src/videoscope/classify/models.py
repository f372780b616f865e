"""Request and response shapes of classification, mirroring Twelve Labs' classify (API v1.2).

Scores are on Twelve Labs' 0-100 scale. ``options`` name the evidence a class may win on:
``visual`` (what is seen), ``conversation`` (what is said) and ``text_in_video`` (what is written
on screen).

Example:
    >>> request = ClassifyRequest(
    ...     video_ids=["v1"],
    ...     classes=[ClassSpec(name="cats", prompts=["a cat", "a kitten"])],
    ...     include_clips=True,
    ... )
    >>> request.options
    ['visual', 'conversation', 'text_in_video']
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

ClassifyOption = Literal["visual", "conversation", "text_in_video"]
#: Every option, in the order results list them.
ALL_OPTIONS: tuple[ClassifyOption, ...] = ("visual", "conversation", "text_in_video")


def _all_options() -> list[ClassifyOption]:
    return list(ALL_OPTIONS)


class ClassSpec(BaseModel):
    """A user class: a name and one or more prompts that describe it."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    prompts: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _non_blank(self) -> Self:
        if not all(prompt.strip() for prompt in self.prompts):
            raise ValueError(f"class {self.name!r} has a blank prompt")
        return self


class ClassifyThreshold(BaseModel):
    """Which classes and clips are reported (all scores 0-100, ratio 0-1)."""

    #: A class is reported for a video when its video score reaches this.
    min_video_score: float = Field(default=50.0, ge=0.0, le=100.0)
    #: A unit (shot window, utterance, on-screen text) holds the class when it scores this.
    min_clip_score: float = Field(default=50.0, ge=0.0, le=100.0)
    #: A class is reported only when its clips cover at least this fraction of the video.
    min_duration_ratio: float = Field(default=0.0, ge=0.0, le=1.0)


class ClassifyRequest(BaseModel):
    """Classify ``video_ids`` (or every video of ``index_id``) into ``classes``."""

    video_ids: list[str] | None = None
    index_id: str | None = None
    options: list[ClassifyOption] = Field(default_factory=_all_options, min_length=1)
    classes: list[ClassSpec] = Field(min_length=1)
    threshold: ClassifyThreshold = Field(default_factory=ClassifyThreshold)
    include_clips: bool = False
    show_detailed_score: bool = False
    page_limit: int = Field(default=10, ge=1, le=50)

    @model_validator(mode="after")
    def _distinct_names(self) -> Self:
        names = [c.name for c in self.classes]
        if len(set(names)) != len(names):
            raise ValueError("class names must be distinct")
        return self


class ClassifyClip(BaseModel):
    """A stretch where the class holds, with the evidence that won it."""

    start: float
    end: float
    score: float
    option: ClassifyOption
    prompt: str


class DetailedScore(BaseModel):
    """How a video score was made (see ``docs/classify_embed.md``)."""

    max_score: float
    avg_score: float
    normalized_score: float


class ClassResult(BaseModel):
    """One class found in one video."""

    name: str
    score: float
    duration_ratio: float
    clips: list[ClassifyClip] | None = None
    detailed_scores: DetailedScore | None = None


class VideoClassification(BaseModel):
    """The classes found in one video, best first (multi-label)."""

    video_id: str
    classes: list[ClassResult] = Field(default_factory=list)


class ClassifyPageInfo(BaseModel):
    """Paging of the videos of a classify response."""

    limit_per_page: int
    total_results: int
    page_expired_at: str | None = None
    next_page_token: str | None = None
    prev_page_token: str | None = None


class ClassifyResponse(BaseModel):
    """Twelve Labs' classify response: one entry per video that matched a class."""

    data: list[VideoClassification] = Field(default_factory=list)
    page_info: ClassifyPageInfo | None = None


class ShotLabel(BaseModel):
    """Per-moment classification: one shot, its best class (or None) and every class's score."""

    index: int
    start: float
    end: float
    label: str | None
    score: float
    option: ClassifyOption | None = None
    scores: dict[str, float] = Field(default_factory=dict)
