"""Public API: gist, summarize (summary | chapter | highlight) and ask (open prompts).

Every function takes an indexed :class:`~videoscope.timeline.model.Timeline`. ``llm`` picks the
text generator (:func:`~videoscope.backends.registry.load_llm`): ``"config"`` (default) uses
``settings.backends.llm`` (None there means the extractive method), ``None`` or ``"none"`` forces
the extractive method, a backend name loads that backend, or pass a
:class:`~videoscope.backends.base.LanguageModel`. When a model's reply fails, the answer is the
extractive one with ``method="extractive_fallback"``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any, Literal, overload

from videoscope.backends.base import LanguageModel
from videoscope.backends.registry import LlmChoice, load_llm
from videoscope.describe import extractive, generate
from videoscope.describe.context import Evidence, gather, render
from videoscope.describe.fill import Facts, fill_schema, relevant
from videoscope.describe.grounding import evidence_times, snap_times, supported
from videoscope.describe.keywords import SentenceEmbedder, hashtag
from videoscope.describe.models import (
    AnalyzeResult,
    Chapter,
    GistResult,
    Highlight,
    SummarizeResult,
)
from videoscope.errors import InvalidRequestError, VideoscopeError
from videoscope.timeline.interval import Interval
from videoscope.timeline.model import Timeline

log = logging.getLogger(__name__)

SummaryType = Literal["summary", "chapter", "highlight"]
_FAILURES = (VideoscopeError, ValueError, KeyError, OSError)


def gist(
    timeline: Timeline,
    types: Iterable[str] = ("title", "topic", "hashtag"),
    *,
    llm: LlmChoice = "config",
) -> GistResult:
    """Title, topics and/or hashtags (``types``: title, topic(s), hashtag(s))."""
    wanted = {t.rstrip("s") for t in types}
    unknown = wanted - {"title", "topic", "hashtag"}
    if unknown or not wanted:
        raise InvalidRequestError(
            "types", f"unknown {sorted(unknown)}", "use title, topic, hashtag"
        )
    evidence, model = gather(timeline), load_llm(llm)
    found = extractive.gist(timeline, evidence)
    title, topics, hashtags, method = found.title, found.topics, found.hashtags, "extractive"
    if model is not None:
        try:
            text = generate.evidence_text(model, evidence, 300)
            task = "Give the video a title, up to 5 topics and up to 5 hashtags."
            reply = generate.structured(model, generate.messages(text, task), generate.GIST_SCHEMA)
            title, topics = reply["title"].strip(), list(dict.fromkeys(reply["topics"]))
            hashtags = list(dict.fromkeys(reply["hashtags"])) or [hashtag(t) for t in topics]
            method = "llm"
        except _FAILURES as error:
            log.warning("gist: language model failed (%s); extractive answer", error)
            method = "extractive_fallback"
    return GistResult(
        title=title if "title" in wanted else None,
        topics=topics if "topic" in wanted else None,
        hashtags=hashtags if "hashtag" in wanted else None,
        method=method,  # type: ignore[arg-type]
    )


def summarize(
    timeline: Timeline,
    type: SummaryType = "summary",
    prompt: str | None = None,
    temperature: float | None = 0.0,
    *,
    check_grounding: bool = False,
    llm: LlmChoice = "config",
) -> SummarizeResult:
    """A summary, chapters or highlights. ``prompt`` styles the model's wording (the extractive
    method has no wording to style and ignores it); ``check_grounding`` drops summary sentences
    the evidence does not support."""
    if type not in ("summary", "chapter", "highlight"):
        raise InvalidRequestError("type", f"{type!r} is not summary, chapter or highlight")
    evidence, model = gather(timeline), load_llm(llm)
    embedder = SentenceEmbedder.load()
    heat = float(temperature or 0.0)
    style = f" Style: {prompt.strip()}" if prompt and prompt.strip() else ""
    result = SummarizeResult(summarize_type=type)
    if type == "summary":
        result.summary = extractive.summary(timeline, evidence, embedder)
        if model is not None:
            try:
                text = generate.evidence_text(model, evidence, 500, heat)
                task = "Summarise the video in at most five sentences." + style
                chat = generate.messages(text, task)
                reply = generate.structured(model, chat, generate.SUMMARY_SCHEMA, heat, 500)
                times = evidence_times(timeline, evidence)
                summary = snap_times(reply["summary"].strip(), times, timeline.video.duration)
                if check_grounding:
                    summary, dropped = supported(summary, evidence, embedder)
                    log.info("grounding check dropped %d sentences", len(dropped))
                if not summary:
                    raise ValueError("no supported sentence left")
                result.summary, result.method = summary, "llm"
            except _FAILURES as error:
                log.warning("summary: language model failed (%s); extractive answer", error)
                result.method = "extractive_fallback"
    elif type == "chapter":
        result.chapters = extractive.chapters(timeline, evidence, embedder)
        if model is not None:
            result.chapters, result.method = _reword(model, result.chapters, evidence, style, heat)
    else:
        result.highlights = extractive.highlights(timeline, evidence)
        if model is not None:
            result.highlights, result.method = _reword(
                model, result.highlights, evidence, style, heat
            )
    return result


def _reword(
    model: LanguageModel, items: list[Any], evidence: list[Evidence], style: str, heat: float
) -> tuple[list[Any], Any]:
    """Chapters or highlights with model-written wording; times stay on the evidence."""
    out = []
    try:
        for item in items:
            inside = [e for e in evidence if e.start < item.end and e.end > item.start]
            text = generate.evidence_text(model, inside, 400, heat)
            if isinstance(item, Chapter):
                task = "Write a title and a one-sentence summary of this chapter." + style
                reply = generate.structured(
                    model, generate.messages(text, task), generate.CHAPTER_SCHEMA, heat, 200
                )
            else:
                task = "Name this highlight and say in one sentence what happens." + style
                reply = generate.structured(
                    model, generate.messages(text, task), generate.HIGHLIGHT_SCHEMA, heat, 200
                )
            out.append(item.model_copy(update={k: v.strip() for k, v in reply.items()}))
    except _FAILURES as error:
        log.warning("language model failed (%s); extractive wording", error)
        return items, "extractive_fallback"
    return out, "llm"


@overload
def ask(
    timeline: Timeline,
    prompt: str,
    response_format: dict[str, Any] | None = ...,
    start: float | None = ...,
    end: float | None = ...,
    stream: Literal[False] = ...,
    *,
    temperature: float | None = ...,
    max_tokens: int | None = ...,
    llm: LlmChoice = ...,
) -> AnalyzeResult: ...


@overload
def ask(
    timeline: Timeline,
    prompt: str,
    response_format: dict[str, Any] | None = ...,
    start: float | None = ...,
    end: float | None = ...,
    *,
    stream: Literal[True],
    temperature: float | None = ...,
    max_tokens: int | None = ...,
    llm: LlmChoice = ...,
) -> Iterator[str]: ...


@overload
def ask(
    timeline: Timeline,
    prompt: str,
    response_format: dict[str, Any] | None = ...,
    start: float | None = ...,
    end: float | None = ...,
    stream: bool = ...,
    *,
    temperature: float | None = ...,
    max_tokens: int | None = ...,
    llm: LlmChoice = ...,
) -> AnalyzeResult | Iterator[str]: ...


def ask(
    timeline: Timeline,
    prompt: str,
    response_format: dict[str, Any] | None = None,
    start: float | None = None,
    end: float | None = None,
    stream: bool = False,
    *,
    temperature: float | None = 0.0,
    max_tokens: int | None = None,
    llm: LlmChoice = "config",
) -> AnalyzeResult | Iterator[str]:
    """Answer ``prompt`` about the video (or its ``[start, end]`` window).

    With ``response_format`` the answer is JSON that validates its schema. With ``stream`` an
    iterator of text pieces is returned whose join equals the non-streamed ``data``.
    """
    if not prompt or not prompt.strip():
        raise InvalidRequestError("prompt", "is required")
    schema = generate.schema_from_format(response_format)
    duration = timeline.video.duration
    window = Interval(max(0.0, start or 0.0), min(duration, end if end is not None else duration))
    evidence, model = gather(timeline, window), load_llm(llm)
    heat, cap = float(temperature or 0.0), int(max_tokens or 1024)
    if model is not None and schema is None:
        text = generate.evidence_text(model, evidence, cap + 200, heat)
        chat = generate.messages(text, prompt.strip())
        snap = partial(snap_times, times=evidence_times(timeline, evidence), duration=duration)
        pieces = generate.stream_snapped(model.stream(chat, temperature=heat, max_tokens=cap), snap)
        if stream:
            return pieces
        return AnalyzeResult(data="".join(pieces), method="llm")
    result = _answer(timeline, prompt, schema, evidence, model, heat, cap)
    return _words(result.data) if stream else result


def _answer(
    timeline: Timeline,
    prompt: str,
    schema: dict[str, Any] | None,
    evidence: list[Evidence],
    model: LanguageModel | None,
    heat: float,
    cap: int,
) -> AnalyzeResult:
    method = "extractive"
    if model is not None and schema is not None:
        try:
            text = generate.evidence_text(model, evidence, cap + 200, heat)
            chat = generate.messages(text, prompt.strip() + " Answer in JSON.")
            bounded = generate.bound_schema(schema)
            reply = generate.structured(model, chat, bounded, heat, cap)
            from videoscope.backends.openai_compat import schema_problem

            data = json.dumps(reply, ensure_ascii=False)
            if schema_problem(data, schema) is None:
                return AnalyzeResult(data=data, method="llm")
            raise ValueError("reply does not validate the original schema")
        except _FAILURES as error:
            log.warning("analyze: language model failed (%s); extractive answer", error)
            method = "extractive_fallback"
    embedder = SentenceEmbedder.load()
    if schema is not None:
        facts = _facts(timeline, evidence, embedder)
        return AnalyzeResult(data=fill_schema(schema, facts), method=method)  # type: ignore[arg-type]
    found = relevant(prompt, evidence, embedder)
    if not found or "summar" in prompt.lower():
        text = extractive.summary(timeline, evidence, embedder)
    else:
        text = "From the video (extractive answer, no language model):\n" + render(found)
    return AnalyzeResult(data=text, method=method)  # type: ignore[arg-type]


def _facts(timeline: Timeline, evidence: list[Evidence], embedder: SentenceEmbedder) -> Facts:
    found = extractive.gist(timeline, evidence, embedder)
    chapters: list[Chapter] = extractive.chapters(timeline, evidence, embedder)
    moments: list[Highlight] = extractive.highlights(timeline, evidence)
    return Facts(
        title=found.title,
        summary=extractive.summary(timeline, evidence, embedder),
        topics=found.topics,
        hashtags=found.hashtags,
        duration=timeline.video.duration,
        chapters=[
            {
                "start": c.start,
                "end": c.end,
                "title": c.chapter_title,
                "summary": c.chapter_summary,
                "number": c.chapter_number,
            }
            for c in chapters
        ],
        highlights=[
            {
                "start": h.start,
                "end": h.end,
                "title": h.highlight,
                "summary": h.highlight_summary,
                "number": i + 1,
            }
            for i, h in enumerate(moments)
        ],
    )


def _words(text: str) -> Iterator[str]:
    """``text`` in word-sized pieces (with their trailing whitespace)."""
    import re

    yield from re.findall(r"\S+\s*|\s+", text)


def analyze(timeline: Timeline, prompt: str, **options: Any) -> AnalyzeResult:
    """The API server's entry point: :func:`ask`, not streamed (``max_tokens``, ``temperature``,
    ``response_format``, ``start``/``end`` are passed through; None means default)."""
    result = ask(timeline, prompt, stream=False, **_options(options))
    assert isinstance(result, AnalyzeResult)
    return result


def analyze_stream(timeline: Timeline, prompt: str, **options: Any) -> Iterator[str]:
    """The API server's streamed entry point: the pieces of :func:`ask` with ``stream=True``."""
    result = ask(timeline, prompt, stream=True, **_options(options))
    assert not isinstance(result, AnalyzeResult)
    return result


def _options(options: dict[str, Any]) -> dict[str, Any]:
    known = ("response_format", "start", "end", "temperature", "max_tokens", "llm")
    return {k: v for k, v in options.items() if k in known and (v is not None or k == "llm")}
