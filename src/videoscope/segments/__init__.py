"""Time-based metadata: segment definitions in, grounded, always-valid timed segments out.

See docs/time_based_metadata.md. The entry points are :func:`analyze_timeline` (an indexed
Timeline) and :func:`analyze_video` (a file, indexed first); :func:`parse_request` validates a
request with precise errors. With a language model configured, content units are judged by it in
overlapping chunks (:mod:`~videoscope.segments.chunks`, :mod:`~videoscope.segments.judge`).
"""

from videoscope.segments.chunks import Chunk, ChunkOptions, plan_chunks, stitch
from videoscope.segments.content import ContentOptions
from videoscope.segments.engine import AnalyzeResult, analyze_timeline, analyze_video, format_time
from videoscope.segments.evidence import Boundary, EvidenceGatherer, EvidenceIndex, SegmentEvidence
from videoscope.segments.fields import (
    EvidenceFieldFiller,
    FieldFiller,
    FilledFields,
    LanguageModelFieldFiller,
    metadata_json_schema,
)
from videoscope.segments.interpret import Plan, interpret
from videoscope.segments.judge import (
    JudgeReport,
    LanguageModelJudge,
    ThresholdJudge,
    UnitJudge,
    UnitView,
)
from videoscope.segments.request import (
    AnalyzeRequest,
    AnalyzeRequestError,
    FieldDefinition,
    SegmentDefinition,
    parse_request,
)
from videoscope.segments.segmenter import enforce
from videoscope.segments.similarity import EmbeddingScorer, LexicalScorer, Scorer, default_scorer

__all__ = [
    "AnalyzeRequest",
    "AnalyzeRequestError",
    "AnalyzeResult",
    "Boundary",
    "Chunk",
    "ChunkOptions",
    "ContentOptions",
    "EmbeddingScorer",
    "EvidenceFieldFiller",
    "EvidenceGatherer",
    "EvidenceIndex",
    "FieldDefinition",
    "FieldFiller",
    "FilledFields",
    "JudgeReport",
    "LanguageModelFieldFiller",
    "LanguageModelJudge",
    "LexicalScorer",
    "Plan",
    "Scorer",
    "SegmentDefinition",
    "SegmentEvidence",
    "ThresholdJudge",
    "UnitJudge",
    "UnitView",
    "analyze_timeline",
    "analyze_video",
    "default_scorer",
    "enforce",
    "format_time",
    "interpret",
    "metadata_json_schema",
    "parse_request",
    "plan_chunks",
    "stitch",
]
