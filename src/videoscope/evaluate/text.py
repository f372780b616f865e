"""Offline, dependency-free text comparison: normalisation, token-set F1, character n-grams.

:class:`LexicalSimilarity` is the default :class:`~videoscope.evaluate.judges.TextSimilarity`:
``0.5 * token-set F1 + 0.5 * character-trigram cosine`` on normalised text. Normalisation folds
case and accents, turns punctuation into spaces, writes number words zero..twenty as digits,
drops thousands separators, removes English stop words and strips common suffixes
(``-ies``, ``-ing``, ``-ed``, ``-es``, ``-s``; a doubled final consonant is undone). It
measures lexical overlap, not meaning: a paraphrase with different words scores low. Plug an
embedder for semantic similarity.

Example:
    >>> token_f1("Two players are running", "2 player runs")  # {2, player, run} both sides
    1.0
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

_STOP = """a an the and or but of to in on at by for with from as is are was were be been being it
its this that these those there here into onto over under then than so very just also while who
whom which what when where how his her their our your my we you they he she them him"""
STOP_WORDS = frozenset(_STOP.split())
_NUMBERS = """zero one two three four five six seven eight nine ten eleven twelve thirteen
fourteen fifteen sixteen seventeen eighteen nineteen twenty"""
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(_NUMBERS.split())}
_THOUSANDS = re.compile(r"(?<=\d)[,_](?=\d{3}\b)")
_NON_WORD = re.compile(r"[^\w.]+|(?<!\d)\.|\.(?!\d)")
_ARTICLES = ("the ", "a ", "an ")


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Case- and accent-folded text with punctuation as spaces and number words as digits
    (decimal points inside numbers are kept)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _NON_WORD.sub(" ", _THOUSANDS.sub("", text))
    return " ".join(_NUMBER_WORDS.get(w, w) for w in text.split())


@lru_cache(maxsize=65536)
def normalize_entity(name: str) -> str:
    """An entity name for comparison: :func:`normalize` without a leading article.

    Example:
        >>> normalize_entity("The Loyola Ramblers!") == normalize_entity("loyola  ramblers")
        True
    """
    text = normalize(name)
    for article in _ARTICLES:
        if text.startswith(article):
            return text[len(article) :]
    return text


def _stem(word: str) -> str:
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            if suffix in ("ing", "ed") and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # running -> run, stopped -> stop
            return word
    return word


@lru_cache(maxsize=65536)
def content_tokens(text: str) -> frozenset[str]:
    """Stemmed, normalised tokens of ``text`` without stop words."""
    return frozenset(_stem(w) for w in normalize(text).split() if w not in STOP_WORDS)


def set_f1(pred: frozenset[str] | set[str], truth: frozenset[str] | set[str]) -> float:
    """F1 of two sets: 2|P∩T| / (|P| + |T|); both empty -> 1, one empty -> 0."""
    if not pred and not truth:
        return 1.0
    if not pred or not truth:
        return 0.0
    return 2.0 * len(pred & truth) / (len(pred) + len(truth))


def token_f1(pred: str, truth: str) -> float:
    """Set F1 of :func:`content_tokens`."""
    return set_f1(content_tokens(pred), content_tokens(truth))


@lru_cache(maxsize=65536)
def _trigrams(text: str) -> tuple[Counter[str], float]:
    padded = f"  {normalize(text)} "
    grams = Counter(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams, math.sqrt(sum(v * v for v in grams.values()))


def trigram_cosine(a: str, b: str) -> float:
    """Cosine of character-trigram count vectors of the normalised texts; both blank -> 1."""
    ga, na = _trigrams(a)
    gb, nb = _trigrams(b)
    if not normalize(a) and not normalize(b):
        return 1.0
    if na == 0 or nb == 0:
        return 0.0
    if len(gb) < len(ga):
        ga, gb = gb, ga
    return sum(v * gb[k] for k, v in ga.items() if k in gb) / (na * nb)


def lexical_similarity(a: str, b: str) -> float:
    """``0.5 * token_f1 + 0.5 * trigram_cosine`` in [0, 1]."""
    return min(1.0, 0.5 * token_f1(a, b) + 0.5 * trigram_cosine(a, b))


class LexicalSimilarity:
    """The offline default :class:`TextSimilarity`: pairwise :func:`lexical_similarity`."""

    name = "lexical"

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """``(len(a), len(b))`` matrix of similarities in [0, 1]."""
        out = np.zeros((len(a), len(b)), dtype=np.float64)
        for i, x in enumerate(a):
            for j, y in enumerate(b):
                out[i, j] = lexical_similarity(x, y)
        return out
