"""Text similarity for interpreting definitions, scoring units and choosing enum values.

:class:`EmbeddingScorer` uses a text embedder (MiniLM by default: the same 384-d space as the
``visual`` window embeddings, so a description can also be compared with what was seen).
:class:`LexicalScorer` needs no model: token-set F1 plus character trigrams. Both are
deterministic; vectors are cached per text.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from videoscope.backends.base import TextEmbedder
from videoscope.errors import VideoscopeError
from videoscope.evaluate.text import lexical_similarity

logger = logging.getLogger(__name__)


class Scorer(Protocol):
    """Scores how well each document matches a query (higher is better, about [0, 1])."""

    name: str

    def scores(self, query: str, documents: Sequence[str]) -> np.ndarray:
        """One score per document; an empty document scores 0."""
        ...


class LexicalScorer:
    """Lexical overlap (see :func:`videoscope.evaluate.text.lexical_similarity`); no model."""

    name = "lexical"

    def scores(self, query: str, documents: Sequence[str]) -> np.ndarray:
        """Lexical similarity of ``query`` to each document."""
        return np.array(
            [lexical_similarity(query, d) if d.strip() else 0.0 for d in documents],
            dtype=np.float32,
        )


class EmbeddingScorer:
    """Cosine similarity of text embeddings, with a per-text vector cache."""

    def __init__(self, embedder: TextEmbedder) -> None:
        self.embedder = embedder
        self.name = f"embedding:{embedder.name}"
        self._cache: dict[str, np.ndarray] = {}

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised vectors of ``texts`` (``(n, dim)``), computed once per distinct text."""
        missing = sorted({t for t in texts if t not in self._cache})
        if missing:
            for text, vector in zip(missing, self.embedder.embed_texts(missing), strict=True):
                self._cache[text] = np.asarray(vector, dtype=np.float32)
        if not texts:
            return np.zeros((0, int(self.embedder.dim)), dtype=np.float32)
        return np.stack([self._cache[t] for t in texts])

    def scores(self, query: str, documents: Sequence[str]) -> np.ndarray:
        """Cosine of ``query`` with each non-empty document; 0 for empty ones."""
        out = np.zeros(len(documents), dtype=np.float32)
        keep = [i for i, d in enumerate(documents) if d.strip()]
        if keep and query.strip():
            docs = [documents[i][:1000] for i in keep]
            sims = self.vectors(docs) @ self.vectors([query])[0]
            out[keep] = sims
        return out


def default_scorer() -> Scorer:
    """MiniLM embeddings when the packaged model is installed, else the lexical scorer."""
    from videoscope.backends.registry import load_backend

    try:
        return EmbeddingScorer(load_backend("text_embedder", "minilm"))
    except VideoscopeError as error:
        logger.warning("text embedder unavailable (%s); using lexical similarity", error)
        return LexicalScorer()
