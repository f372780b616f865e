"""Word error rate on hand-counted cases."""

import pytest

from videoscope.evaluate.wer import word_error_rate


def test_word_error_rate() -> None:
    assert word_error_rate("The cat sat.", "the cat sat") == 0.0
    assert word_error_rate("a b c d", "a x c") == pytest.approx(0.5)  # one sub, one deletion
    assert word_error_rate("a b", "a b c d") == pytest.approx(1.0)  # two insertions
    assert word_error_rate("well-known fact", "well known fact") == 0.0  # hyphens split words
