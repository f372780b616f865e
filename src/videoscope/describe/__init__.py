"""Video to text: gist, summaries, chapters, highlights and open prompts, grounded in the Timeline.

The default is an honest extractive method that needs no language model (see
``docs/video_to_text.md``); configure ``backends.llm`` (``llama-cpp`` or ``openai``) to have a
model word the answers.

Example:
    >>> from videoscope.describe import gist, summarize, ask  # doctest: +SKIP
    >>> gist(timeline, ["title", "topic"]).title  # doctest: +SKIP
"""

from videoscope.backends.registry import load_llm
from videoscope.describe.api import analyze, analyze_stream, ask, gist, summarize
from videoscope.describe.models import (
    AnalyzeResult,
    Chapter,
    GistResult,
    Highlight,
    SummarizeResult,
)

__all__ = [
    "AnalyzeResult",
    "Chapter",
    "GistResult",
    "Highlight",
    "SummarizeResult",
    "analyze",
    "analyze_stream",
    "ask",
    "gist",
    "load_llm",
    "summarize",
]
