"""Turn raw cosine similarities into comparable 0-100 scores, per unit and per option.

Raw cosines mean different things in different places: a visual window (an ImageNet-concept
mixture) is similar to every "a photo of ..." prompt, a long utterance to every sentence. So each
unit's similarity to a class is z-scored against the same unit's similarities to a fixed
*background* of generic prompts (:data:`VISUAL_BACKGROUND` for visual windows,
:data:`TEXT_BACKGROUND` for speech and on-screen text)::

    z = (max_p cos(unit, p) - mean_b cos(unit, b)) / std_b cos(unit, b)
    score = 100 * sigmoid(slope * (z - center))

``p`` runs over the class prompts, ``b`` over the background prompts *not* close to any of them
(cosine below :data:`BACKGROUND_EXCLUSION`), so a class "cooking" is not judged against a
background "cooking". A z of ``center`` is a score of 50, the default threshold.

Visual windows of the ImageNet-concept backend are mixtures of ``"a photo of a {label}"`` text
vectors, so for visual units a class prompt is phrased the same way (:func:`visual_prompt`).
The centres (:data:`CALIBRATIONS`) were set on generated test media (``tests/classify``): for
text, true topics reach z 3-8 while unrelated sentences stay below about 3; for visual windows
the shown subject reaches z 1.6-4 while other photos stay below about 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from videoscope.backends.base import TextEmbedder

#: Generic picture descriptions: what any visual window is somewhat similar to.
VISUAL_BACKGROUND: tuple[str, ...] = (
    "a photo of an object",
    "a photo of a person",
    "a photo of a building",
    "a photo of an animal",
    "a photo of food",
    "a photo of a vehicle",
    "a photo of a landscape",
    "a photo of a room",
    "a photo of a tool",
    "a photo of clothing",
    "a photo of a plant",
    "a photo of a machine",
    "a photo of a toy",
    "a photo of furniture",
    "a photo of a sign",
    "a photo of a musical instrument",
    "a photo of a container",
    "a photo of sports equipment",
    "a photo of a device",
    "a photo of a structure",
    "a photo of a texture",
    "a photo of the sky",
    "a photo of water",
    "a photo of a street",
    "a photo of a bird",
    "a photo of an insect",
    "a photo of a fish",
    "a photo of a dog",
    "a photo of a fruit",
    "a photo of a boat",
    "a photo of an aircraft",
    "a photo of a weapon",
)

#: Generic topics of talk and captions: what any utterance or caption is somewhat similar to.
TEXT_BACKGROUND: tuple[str, ...] = (
    "people talking about their day",
    "a news report",
    "sports and games",
    "politics and government",
    "the weather forecast",
    "business and money",
    "science and research",
    "health and medicine",
    "travel and holidays",
    "music and concerts",
    "food and drinks",
    "technology and computers",
    "history and the past",
    "school and education",
    "family and friends",
    "crime and police",
    "movies and entertainment",
    "nature and animals",
    "religion and belief",
    "fashion and clothes",
    "cars and driving",
    "home and garden",
    "work and jobs",
    "art and design",
    "a title or a label",
    "a name and a date",
    "an announcement",
    "a question and an answer",
    "instructions and directions",
    "numbers and prices",
    "a greeting",
    "a story",
)

#: A background prompt this close (cosine) to a class prompt is left out of that class's background.
BACKGROUND_EXCLUSION = 0.5


@dataclass(frozen=True, slots=True)
class Calibration:
    """Slope and centre of the z-to-score sigmoid (see the module docstring)."""

    center: float = 3.0
    slope: float = 1.5

    def score(self, z: np.ndarray) -> np.ndarray:
        """Map z-scores to 0-100."""
        return 100.0 / (1.0 + np.exp(-self.slope * (np.asarray(z, dtype=np.float64) - self.center)))


#: Calibration per option (see the module docstring for how the centres were chosen).
CALIBRATIONS: dict[str, Calibration] = {
    "visual": Calibration(center=1.5, slope=2.0),
    "conversation": Calibration(center=3.0, slope=1.5),
    "text_in_video": Calibration(center=3.0, slope=1.5),
}


def visual_prompt(prompt: str) -> str:
    """``"a cat"`` -> ``"a photo of a cat"``; prompts already saying photo/picture/image stay."""
    text = prompt.strip()
    if any(word in text.lower() for word in ("photo", "picture", "image")):
        return text
    return f"a photo of {text}"


class BackgroundScorer:
    """Scores units against class prompts, each unit z-scored against background prompts."""

    def __init__(self, embedder: TextEmbedder, background: Sequence[str]) -> None:
        self.embedder = embedder
        self.background = tuple(background)
        self._background_vectors: np.ndarray | None = None

    def background_vectors(self) -> np.ndarray:
        """``(len(background), dim)`` vectors, embedded once."""
        if self._background_vectors is None:
            self._background_vectors = np.asarray(
                self.embedder.embed_texts(list(self.background)), dtype=np.float32
            )
        return self._background_vectors

    def z_scores(
        self, units: np.ndarray, prompt_vectors: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per unit and class: the calibrated z of the best prompt, and that prompt's position.

        Args:
            units: ``(n, dim)`` unit vectors.
            prompt_vectors: per class, its ``(prompts, dim)`` prompt vectors.

        Returns:
            ``(n, classes)`` z-scores and ``(n, classes)`` indices of the best prompt.
        """
        background = self.background_vectors()
        unit_bg = units @ background.T  # (n, b)
        z = np.zeros((len(units), len(prompt_vectors)), dtype=np.float64)
        best = np.zeros((len(units), len(prompt_vectors)), dtype=np.int64)
        for position, prompts in enumerate(prompt_vectors):
            similar = (prompts @ background.T).max(axis=0) >= BACKGROUND_EXCLUSION
            kept = unit_bg[:, ~similar] if (~similar).sum() >= 4 else unit_bg
            mean = kept.mean(axis=1)
            spread = np.maximum(kept.std(axis=1), 1e-3)
            sims = units @ prompts.T  # (n, prompts)
            best[:, position] = sims.argmax(axis=1)
            z[:, position] = (sims.max(axis=1) - mean) / spread
        return z, best
