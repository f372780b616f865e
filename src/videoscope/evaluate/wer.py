"""Word error rate, the standard speech-recognition metric, for testing and benchmarking ASR.

Example:
    >>> word_error_rate("The cat sat.", "the cat sat")
    0.0
    >>> word_error_rate("a b c d", "a x c")  # one substitution and one deletion over 4 words
    0.5
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def normalize_words(text: str) -> list[str]:
    """Lower-case words without punctuation (hyphens split words), as WER scorers do."""
    return re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("-", " ")).split()


def edit_distance(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Word-level Levenshtein distance (substitutions + deletions + insertions)."""
    row = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        diagonal, row[0] = row[0], i
        for j, hyp_word in enumerate(hypothesis, start=1):
            diagonal, row[j] = (
                row[j],
                min(row[j] + 1, row[j - 1] + 1, diagonal + (ref_word != hyp_word)),
            )
    return row[-1]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Edit distance over the reference length, after :func:`normalize_words` on both."""
    ref = normalize_words(reference)
    return edit_distance(ref, normalize_words(hypothesis)) / max(len(ref), 1)
