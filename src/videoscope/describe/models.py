"""Twelve Labs-shaped results of gist, summarize and analyze (open prompts)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

#: How a result was produced: the offline extractive method, a language model, or the
#: extractive method standing in after the language model failed.
Method = Literal["extractive", "llm", "extractive_fallback"]


def new_id() -> str:
    """A fresh result id."""
    return str(uuid.uuid4())


class _Result(BaseModel):
    """A result that also reads as a mapping of its set fields: ``dict(result)`` drops Nones."""

    def keys(self) -> list[str]:
        """Names of the fields that are not None."""
        return [k for k, v in self.__dict__.items() if v is not None]

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)


class GistResult(_Result):
    """``/gist``: any of title, topics, hashtags (the ones not asked for are None)."""

    id: str = Field(default_factory=new_id)
    title: str | None = None
    topics: list[str] | None = None
    hashtags: list[str] | None = None
    method: Method = "extractive"


class Chapter(BaseModel):
    """One chapter; chapters of a video cover it in order without overlap."""

    chapter_number: int
    start: float
    end: float
    chapter_title: str
    chapter_summary: str


class Highlight(BaseModel):
    """A salient moment, on measured evidence."""

    start: float
    end: float
    highlight: str
    highlight_summary: str


class SummarizeResult(_Result):
    """``/summarize``: ``summary`` text, ``chapters`` or ``highlights`` by ``summarize_type``."""

    id: str = Field(default_factory=new_id)
    summarize_type: Literal["summary", "chapter", "highlight"]
    summary: str | None = None
    chapters: list[Chapter] | None = None
    highlights: list[Highlight] | None = None
    method: Method = "extractive"


class AnalyzeResult(_Result):
    """``/analyze``: ``data`` is the answer text (a JSON string when a schema was given)."""

    id: str = Field(default_factory=new_id)
    data: str
    finish_reason: Literal["stop", "length"] = "stop"
    usage: dict[str, int] = Field(default_factory=dict)
    method: Method = "extractive"

    def parsed(self) -> Any:
        """``data`` decoded as JSON (for answers with a ``response_format``)."""
        import json

        return json.loads(self.data)
