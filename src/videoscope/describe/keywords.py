"""Keyword and phrase scoring over multimodal evidence, and the optional sentence embedder.

Topic score of a term (a word, or a two-word phrase of adjacent content words):

``score = sum over its occurrences of modality_weight * (1 + log(1 + shown_seconds / 10))``
multiplied by ``1 + 0.5 * (modalities - 1)`` (a term both said and shown counts more) and by
``idf = log(1 + N / df)`` where ``df`` counts the evidence items holding it out of ``N`` (terms
spread over every item, like filler words, weigh less). Two-word phrases count only when they
occur in at least two evidence items; they get a ×1.5 bonus and absorb their words' scores, so
that "rocket launch" wins over "rocket" and "launch". Without a part-of-speech tagger, words
with adjective/adverb/verb endings (``WEAK_ENDINGS``) weigh ×0.6.
Modality weights: on-screen text 1.5, visual tags 1.5, speech 1.0, sounds 0.8.
:func:`cross_modal_boost` then reinforces words that name what the visual tags see.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import zlib
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from videoscope.describe.context import Evidence

log = logging.getLogger(__name__)

WEIGHTS = {"on screen": 1.5, "seen": 1.5, "said": 1.0, "heard": 0.8}
#: Endings of words that are rarely the topic (adjectives, adverbs, verb forms): score ×0.6.
WEAK_ENDINGS = ("ful", "ly", "ing", "ed", "ous", "ive", "able", "est")
_STOP_TEXT = """
    a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself
    just let me more most my no nor not now of off on once only or other our out over own same
    she should so some such than that the their them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your yours good night today tomorrow tonight welcome thank thanks hello okay yes
    yeah well really get got go going gonna one two three lot thing things way make made like
    know see look said say says back new first last next much many still even ever every here
    there come came take want time went way s t don didn won isn aren wasn weren
"""
STOPWORDS = frozenset(_STOP_TEXT.split())
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]")


def words(text: str) -> list[str]:
    """Lower-case words of ``text`` (letters, inner apostrophes and hyphens)."""
    return [w.lower().strip("'-") for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """:func:`words` without stopwords and one-letter words."""
    return [w for w in words(text) if len(w) > 2 and w not in STOPWORDS]


def _terms(item: Evidence) -> list[str]:
    if item.kind == "seen":  # each tag label is a phrase of its own ("sports car")
        found: list[str] = []
        for label in item.text.split(","):
            parts = content_words(label)
            found += parts
            if len(parts) == 2:
                found.append(" ".join(parts))
        return found
    terms: list[str] = []
    for run in re.split(r"[.,;:!?()\"]", item.text):
        parts = words(run)
        keep = [w if len(w) > 2 and w not in STOPWORDS else "" for w in parts]
        terms += [w for w in keep if w]
        terms += [f"{a} {b}" for a, b in itertools.pairwise(keep) if a and b]
    return terms


def score_terms(evidence: Sequence[Evidence]) -> dict[str, float]:
    """Topic score per term (see the module docstring), highest first."""
    raw: dict[str, float] = defaultdict(float)
    modalities: dict[str, set[str]] = defaultdict(set)
    frequency: dict[str, int] = defaultdict(int)
    for item in evidence:
        seconds = max(0.0, item.end - item.start)
        weight = WEIGHTS[item.kind] * (1 + math.log1p(seconds / 10))
        if item.kind == "seen":
            weight *= 0.5 + item.score
        terms = _terms(item)
        for term in terms:
            raw[term] += weight
            modalities[term].add(item.kind)
        for term in set(terms):
            frequency[term] += 1
    count = max(1, len(evidence))
    scores: dict[str, float] = {}
    for term, value in raw.items():
        if " " in term and frequency[term] < 2:
            continue  # a phrase counts only when it recurs (a collocation, not an accident)
        idf = math.log(1 + count / frequency[term])
        bonus = (1 + 0.5 * (len(modalities[term]) - 1)) * (1.5 if " " in term else 1.0)
        weak = 0.6 if " " not in term and term.endswith(WEAK_ENDINGS) else 1.0
        scores[term] = value * idf * bonus * weak
    for term in [t for t in scores if " " in t]:
        for part in term.split():
            if part in scores and scores[part] <= scores[term] * 1.2:
                scores[term] += 0.5 * scores[part]
    return dict(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])))


def cross_modal_boost(
    scores: dict[str, float],
    evidence: Sequence[Evidence],
    embedder: SentenceEmbedder,
    top: int = 25,
    threshold: float = 0.5,
) -> dict[str, float]:
    """Reinforce words said or shown that name what the visual tags see ("rocket" said while
    "missile" is seen): each gains ``similarity * score`` of its closest tag word when their
    embedding similarity is at least ``threshold``. Returns the re-sorted scores."""
    seen = {w for e in evidence if e.kind == "seen" for w in content_words(e.text)}
    labels = [w for w in seen if w in scores]
    candidates = [t for t in list(scores)[:top] if " " not in t and t not in seen]
    if not labels or not candidates:
        return scores
    vectors = embedder.embed(candidates + labels)
    similarity = vectors[: len(candidates)] @ vectors[len(candidates) :].T
    boosted = dict(scores)
    for i, term in enumerate(candidates):
        j = int(np.argmax(similarity[i]))
        if similarity[i, j] >= threshold:
            boosted[term] += float(similarity[i, j]) * scores[labels[j]]
    return dict(sorted(boosted.items(), key=lambda kv: (-kv[1], kv[0])))


def top_topics(scores: dict[str, float], count: int = 5) -> list[str]:
    """The ``count`` best terms, skipping a word already inside a chosen phrase (or vice versa)."""
    chosen: list[str] = []
    for term in scores:
        parts = set(term.split())
        if any(parts & set(c.split()) for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == count:
            break
    return chosen


def hashtag(topic: str) -> str:
    """``"rocket launch"`` -> ``"#RocketLaunch"``; one word stays lower-case: ``"#coffee"``."""
    parts = re.sub(r"[^A-Za-z0-9 ]", " ", topic).split()
    if len(parts) == 1:
        return f"#{parts[0].lower()}"
    return "#" + "".join(p[:1].upper() + p[1:].lower() for p in parts)


class SentenceEmbedder:
    """The configured text embedder (MiniLM), or None-safe lexical vectors when it is missing."""

    #: Vectors kept per text (shared by every instance: summary, chapters and prompts of one
    #: video embed the same sentences), at most this many.
    CACHE_SIZE = 20_000
    _cache: ClassVar[dict[tuple[str, str], np.ndarray]] = {}

    def __init__(self, backend: Any | None) -> None:
        self.backend = backend

    @classmethod
    def load(cls) -> SentenceEmbedder:
        """The settings' ``text_embedder``; lexical fallback when it cannot load."""
        from videoscope.backends.registry import load_backend
        from videoscope.config import get_settings
        from videoscope.errors import VideoscopeError

        settings = get_settings()
        try:
            options = settings.backends.options.get("text_embedder", {})
            return cls(load_backend("text_embedder", settings.backends.text_embedder, **options))
        except (VideoscopeError, OSError) as error:
            log.warning("text embedder unavailable (%s); lexical similarity only", error)
            return cls(None)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised rows; hashed bag-of-words when no backend is loaded."""
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        if self.backend is not None:
            model = str(getattr(self.backend, "name", "text"))
            known = {t: self._cache.get((model, t)) for t in texts}
            missing = [t for t, vector in known.items() if vector is None]
            if missing:
                found = np.asarray(self.backend.embed_texts(missing), dtype=np.float32)
                known.update(zip(missing, found, strict=True))
                if len(self._cache) + len(missing) > self.CACHE_SIZE:
                    self._cache.clear()
                self._cache.update({(model, t): v for t, v in zip(missing, found, strict=True)})
            return np.stack([known[t] for t in texts])  # type: ignore[misc]
        rows = np.zeros((len(texts), 512), dtype=np.float32)
        for i, text in enumerate(texts):
            for w in content_words(text):
                rows[i, zlib.crc32(w.encode()) % 512] += 1.0
        norms = np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)
        return rows / norms
