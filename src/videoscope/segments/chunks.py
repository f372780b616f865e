"""Overlapping chunks for a language model's limited context, and stitching their answers.

A long video has more content units (shots, utterances, windows) than a small model can read at
once. :func:`plan_chunks` cuts the units, in time order, into consecutive runs that each fit a
budget (units, characters and/or seconds) and that overlap their neighbour by a fraction of their
length. :func:`stitch` then takes, for every unit, the answer of the chunk where that unit is
most central (furthest from a chunk edge that is not also the video's edge), so a unit is always
judged with context on both sides; when the most central chunks disagree the unit is left open
for the caller's tie-breaker. Spans are merged only after stitching, so no segment is split at a
chunk edge. :func:`fit_centered` trims one segment's evidence lines to a budget, keeping the lines
nearest the segment's centre.

Example:
    >>> from videoscope.timeline.interval import Interval
    >>> units = [Interval(i, i + 1) for i in range(10)]
    >>> chunks = plan_chunks(units, [10] * 10, ChunkOptions(max_units=4, overlap=0.5))
    >>> [(c.start, c.stop) for c in chunks]
    [(0, 4), (2, 6), (4, 8), (6, 10)]
    >>> stitch(10, chunks[:2], [[True] * 4, [False] * 4])[:6]
    [True, True, True, False, False, False]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from videoscope.backends.base import CHARS_PER_TOKEN
from videoscope.errors import ConfigError
from videoscope.timeline.interval import Interval

T = TypeVar("T")
#: Tokens kept free for the instructions around the evidence.
PROMPT_TOKENS = 200
#: The least evidence budget (characters) whatever the model's context.
MIN_CHARS = 400


@dataclass(frozen=True, slots=True)
class ChunkOptions:
    """How content units are cut into chunks for a language model.

    The defaults suit SmolLM2-135M at llama.cpp's default 4096-token context: 24 units per chunk
    (a reply of about 200 tokens), the characters derived from the model's ``context_tokens``,
    no duration limit, and 20 % overlap.
    """

    max_units: int = 24  #: most units in one chunk
    max_chars: int | None = None  #: most evidence characters per chunk; None: from the model
    max_seconds: float | None = None  #: most seconds one chunk spans; None: no limit
    overlap: float = 0.2  #: fraction of a chunk's units shared with the next chunk
    line_chars: int = 240  #: one unit's evidence line is cut to this many characters

    def __post_init__(self) -> None:
        problems = []
        if self.max_units < 1:
            problems.append(f"max_units must be at least 1, not {self.max_units}")
        if not 0.0 <= self.overlap < 1.0:
            problems.append(f"overlap must be in [0, 1), not {self.overlap}")
        if self.max_chars is not None and self.max_chars < 1:
            problems.append(f"max_chars must be positive, not {self.max_chars}")
        if self.max_seconds is not None and self.max_seconds <= 0:
            problems.append(f"max_seconds must be positive, not {self.max_seconds}")
        if self.line_chars < 16:
            problems.append(f"line_chars must be at least 16, not {self.line_chars}")
        if problems:
            raise ConfigError("chunk options", "; ".join(problems), "fix the analyze settings")


@dataclass(frozen=True, slots=True)
class Chunk:
    """Units ``start`` to ``stop - 1`` (indices into the time-ordered unit list)."""

    start: int
    stop: int

    def __len__(self) -> int:
        return self.stop - self.start

    def centrality(self, unit: int, total: int) -> float:
        """How many units lie between ``unit`` and the nearest chunk edge that is not the edge
        of the whole list (``inf`` when the chunk holds every unit)."""
        left = unit - self.start if self.start > 0 else math.inf
        right = self.stop - 1 - unit if self.stop < total else math.inf
        return min(left, right)


def budget_chars(context_tokens: int, reply_tokens: int, cap: int | None = None) -> int:
    """Evidence characters that fit a model of ``context_tokens`` beside the instructions and a
    reply of ``reply_tokens`` (at least :data:`MIN_CHARS`, at most ``cap``)."""
    chars = int((context_tokens - reply_tokens - PROMPT_TOKENS) * CHARS_PER_TOKEN)
    chars = max(MIN_CHARS, chars)
    return min(chars, cap) if cap is not None else chars


def plan_chunks(
    units: Sequence[Interval],
    costs: Sequence[int],
    options: ChunkOptions,
    max_chars: int | None = None,
) -> list[Chunk]:
    """Consecutive, overlapping chunks covering every unit.

    Each chunk holds at most ``options.max_units`` units, at most ``max_chars`` (default
    ``options.max_chars``) of summed ``costs`` and spans at most ``options.max_seconds``; a
    single unit over a budget still gets a chunk (its line is cut by the caller). The next chunk
    starts ``round(overlap * len(chunk))`` units before the end of the previous one, fewer when
    the budget would otherwise leave it no new unit.
    """
    limit = max_chars if max_chars is not None else options.max_chars
    total = len(units)

    def fits(start: int, stop: int, used: int) -> bool:
        if stop - start > options.max_units:
            return False
        if limit is not None and used > limit:
            return False
        seconds = options.max_seconds
        return seconds is None or units[stop - 1].end - units[start].start <= seconds + 1e-9

    chunks: list[Chunk] = []
    start, done = 0, 0
    while done < total:
        used = sum(costs[start : done + 1])
        while start < done and not fits(start, done + 1, used):  # keep room for a new unit
            used -= costs[start]
            start += 1
        stop = done + 1
        while stop < total and fits(start, stop + 1, used + costs[stop]):
            used += costs[stop]
            stop += 1
        chunks.append(Chunk(start, stop))
        done = stop
        shared = min(round(options.overlap * (stop - start)), stop - start - 1)
        start = stop - max(shared, 0)
    return chunks


def stitch(
    total: int, chunks: Sequence[Chunk], answers: Sequence[Sequence[T | None]]
) -> list[T | None]:
    """Per unit, the answer of the chunk where it is most central (see :class:`Chunk`).

    ``answers[k][j]`` is chunk ``k``'s answer for its ``j``-th unit; ``None`` means no answer
    (a malformed reply) and is skipped. When the most central chunks give different answers the
    unit's answer is ``None`` (the caller breaks the tie).
    """
    best: list[float] = [-1.0] * total
    out: list[T | None] = [None] * total
    for chunk, values in zip(chunks, answers, strict=True):
        for offset, value in enumerate(values):
            unit = chunk.start + offset
            if value is None or unit >= chunk.stop:
                continue
            central = chunk.centrality(unit, total)
            if central > best[unit]:
                best[unit], out[unit] = central, value
            elif central == best[unit] and out[unit] != value:
                out[unit] = None
    return out


def fit_centered(lines: Sequence[tuple[Interval, str]], centre: float, budget: int) -> list[str]:
    """The lines nearest ``centre`` whose lengths (plus a newline each) fit ``budget``
    characters, back in time order; the nearest line is cut when it alone is too long.

    Example:
        >>> lines = [(Interval(t, t + 1), f"line {t}") for t in range(5)]
        >>> fit_centered(lines, 2.5, 14)
        ['line 1', 'line 2']
    """
    order = sorted(range(len(lines)), key=lambda i: (abs(lines[i][0].center - centre), i))
    chosen: list[int] = []
    used = 0
    for i in order:
        cost = len(lines[i][1]) + 1
        if used + cost > budget:
            if not chosen and budget > 4:
                return [lines[i][1][: budget - 4].rstrip() + "..."]
            continue
        chosen.append(i)
        used += cost
    return [lines[i][1] for i in sorted(chosen)]
