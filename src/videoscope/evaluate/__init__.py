"""Evaluation toolkit and reward for time-based metadata (see docs/evaluation.md).

Example:
    >>> from videoscope.evaluate import reward
    >>> schema = {"segment_definitions": [{"id": "play", "fields": []}]}
    >>> pred = {"play": [{"start_time": 0, "end_time": 5, "metadata": {}}]}
    >>> truth = {"play": [{"start_time": 0, "end_time": 10, "metadata": {}}]}
    >>> r = reward(pred, truth, schema)
    >>> r.temporal_f1, r.segment_f1  # p = 5/5, r = 5/10; IoU = 0.5
    (0.6666666666666666, 0.5)
"""

from videoscope.evaluate.dataset import (
    DatasetReport,
    Sample,
    SampleResult,
    evaluate_dataset,
    evaluate_paths,
    load_samples,
)
from videoscope.evaluate.factscore import (
    FactScore,
    QEFVCScore,
    qefvc_score,
    split_facts,
    vid_fact_score,
)
from videoscope.evaluate.judges import (
    EmbeddingSimilarity,
    LanguageModelJudge,
    TextJudge,
    TextSimilarity,
)
from videoscope.evaluate.metadata import (
    FieldKind,
    MetadataOptions,
    MetadataScore,
    MetadataScorer,
    field_kind,
)
from videoscope.evaluate.reward import (
    DefinitionScore,
    RewardResult,
    RewardWeights,
    reward,
    reward_batch,
)
from videoscope.evaluate.schema import (
    DefinitionSpec,
    EvaluationError,
    FieldSpec,
    Schema,
    Segment,
    parse_time,
    segments_of,
)
from videoscope.evaluate.temporal import (
    PRF,
    SegmentMatch,
    iou_matrix,
    merge_intervals,
    segment_f1,
    temporal_f1,
)
from videoscope.evaluate.text import LexicalSimilarity, lexical_similarity
from videoscope.evaluate.validity import FormatReport, Violation, check_format

__all__ = [
    "PRF",
    "DatasetReport",
    "DefinitionScore",
    "DefinitionSpec",
    "EmbeddingSimilarity",
    "EvaluationError",
    "FactScore",
    "FieldKind",
    "FieldSpec",
    "FormatReport",
    "LanguageModelJudge",
    "LexicalSimilarity",
    "MetadataOptions",
    "MetadataScore",
    "MetadataScorer",
    "QEFVCScore",
    "RewardResult",
    "RewardWeights",
    "Sample",
    "SampleResult",
    "Schema",
    "Segment",
    "SegmentMatch",
    "TextJudge",
    "TextSimilarity",
    "Violation",
    "check_format",
    "evaluate_dataset",
    "evaluate_paths",
    "field_kind",
    "iou_matrix",
    "lexical_similarity",
    "load_samples",
    "merge_intervals",
    "parse_time",
    "qefvc_score",
    "reward",
    "reward_batch",
    "segment_f1",
    "segments_of",
    "split_facts",
    "temporal_f1",
    "vid_fact_score",
]
