"""Metadata scoring per field kind, boundary awareness, and the judge path."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from videoscope.evaluate.judges import EmbeddingSimilarity, text_rubric
from videoscope.evaluate.metadata import FieldKind, MetadataOptions, MetadataScorer, field_kind
from videoscope.evaluate.schema import DefinitionSpec, EvaluationError, FieldSpec, Segment
from videoscope.evaluate.text import lexical_similarity, normalize

SCORER = MetadataScorer()


class ScriptedJudge:
    """A test double for the TextJudge protocol: replays fixed replies, records prompts."""

    def __init__(self, *replies: dict[str, Any]) -> None:
        self.replies = list(replies)
        self.prompts: list[str] = []

    def judge(self, prompt: str, *, json_schema: dict[str, Any]) -> dict[str, Any]:
        self.prompts.append(prompt)
        return self.replies.pop(0)


@pytest.mark.parametrize(
    ("spec", "reference", "kind"),
    [
        (FieldSpec("shot", "string", enum=("layup", "dunk")), "layup", FieldKind.CATEGORICAL),
        (FieldSpec("scoring_team", "string"), "a long name of a team here", FieldKind.ENTITY),
        (FieldSpec("label", "string"), "2pt", FieldKind.ENTITY),  # short value
        (FieldSpec("description", "string"), "A man runs. Then he jumps.", FieldKind.TEXT),
        (FieldSpec("tags", "array"), ["a"], FieldKind.KEYWORDS),
        (FieldSpec("points", "integer"), 2, FieldKind.NUMBER),
        (FieldSpec("ok", "boolean"), True, FieldKind.BOOLEAN),
        (FieldSpec("peak", "timestamp"), 3, FieldKind.TIMESTAMP),
        (FieldSpec("peaks", "time_array"), [3], FieldKind.TIMESTAMPS),
    ],
)
def test_field_kind(spec: FieldSpec, reference: Any, kind: FieldKind) -> None:
    assert field_kind(spec, reference) is kind


def test_field_kind_override() -> None:
    opts = MetadataOptions(field_kinds={"plays.label": FieldKind.TEXT})
    assert (
        field_kind(FieldSpec("label", "string"), "x", definition="plays", options=opts)
        is FieldKind.TEXT
    )


@pytest.mark.parametrize(
    ("spec", "pred", "truth", "expected"),
    [
        (FieldSpec("shot", "string", enum=("layup",)), " Layup", "layup", 1.0),
        (FieldSpec("shot", "string", enum=("layup", "dunk")), "dunk", "layup", 0.0),
        (FieldSpec("ok", "boolean"), True, True, 1.0),
        (FieldSpec("ok", "boolean"), 1, True, 0.0),  # not a boolean
        (FieldSpec("n", "number"), 104, 100, 1.0),  # |4| <= 5% of 100
        (FieldSpec("n", "number"), 106, 100, 0.0),
        (FieldSpec("n", "number"), "104", 100, 1.0),  # numeric strings are read
        (FieldSpec("n", "integer"), 4, 3, 0.0),
        (FieldSpec("t", "timestamp"), "00:00:10.8", 10, 1.0),  # within 1 s
        (FieldSpec("t", "timestamp"), 12, 10, 0.0),
        # {dunk, crowd, fans} vs {dunk, fans, coach}: 2*2 / (3+3)
        (FieldSpec("k", "array"), ["Dunk", "crowd", "Fans!"], ["dunk", "fans", "coach"], 2 / 3),
        (FieldSpec("k", "array"), [], [], 1.0),
        # sorted [1, 5, 9.5] vs [1.4, 9, 20] within 1 s: (1, 1.4), (9.5, 9) -> 2*2 / 6
        (FieldSpec("p", "time_array"), [9.5, 1, 5], [1.4, 9, 20], 2 / 3),
        (FieldSpec("team", "string"), "The Loyola Ramblers", "loyola ramblers", 1.0),
        # {university, cincinnati, bearcat} vs {cincinnati, bearcat}: 2*2 / (3+2)
        (
            FieldSpec("team", "string"),
            "University of Cincinnati Bearcats",
            "Cincinnati Bearcats",
            0.8,
        ),
        (FieldSpec("team", "string"), None, None, 1.0),
        (FieldSpec("team", "string"), None, "Loyola", 0.0),
        (FieldSpec("team", "string"), 5, "Loyola", 0.0),
    ],
)
def test_score_value(spec: FieldSpec, pred: Any, truth: Any, expected: float) -> None:
    assert SCORER.score_value(spec, pred, truth) == pytest.approx(expected)


def test_text_uses_lexical_similarity_offline() -> None:
    spec = FieldSpec("description", "string")
    a, b = "A man is running along the beach at sunset.", "A man runs on the beach. It is sunset."
    assert SCORER.score_value(spec, a, b) == pytest.approx(lexical_similarity(a, b))
    assert SCORER.score_value(spec, a, a) == pytest.approx(1.0)
    assert SCORER.score_value(spec, a, "Stock prices fell sharply today. Markets closed.") < 0.2
    assert normalize("Two ÉLÈVES, 1,000 pts.") == "2 eleves 1000 pts"


DEF = DefinitionSpec(
    "plays",
    fields=(
        FieldSpec("shot", "string", enum=("layup", "dunk")),
        FieldSpec("points", "integer"),
    ),
)


def test_score_definition_aggregates() -> None:
    truth = [Segment(0, 10, {"shot": "layup", "points": 2}), Segment(20, 30, {"shot": "dunk"})]
    pred = [Segment(0, 10, {"shot": "layup", "points": 3}), Segment(20, 30, {"shot": "dunk"})]
    got = SCORER.score_definition(DEF, pred, truth, [(0, 0), (1, 1)])
    # pair 0: shot 1, points 0 -> 0.5; pair 1: only 'shot' is in the truth -> 1.0
    assert got.segment_scores == (0.5, 1.0)
    assert got.score == 0.75
    assert dict(got.field_scores) == {"shot": 1.0, "points": 0.0}


def test_score_definition_edge_cases() -> None:
    seg = [Segment(0, 1, {"shot": "dunk"})]
    assert SCORER.score_definition(DEF, [], [], []).score is None  # nothing to compare
    assert SCORER.score_definition(DEF, [], seg, []).score == 0.0  # truths but no pair
    assert SCORER.score_definition(DefinitionSpec("cuts"), seg, seg, [(0, 0)]).score is None
    missing = SCORER.score_definition(DEF, [Segment(0, 1, {})], seg, [(0, 0)])
    assert missing.score == 0.0  # a field the truth has but the prediction lacks


def test_boundary_aware_credit_from_covered_neighbour() -> None:
    truth = [Segment(0, 10, {"shot": "layup"}), Segment(10, 20, {"shot": "dunk"})]
    pred = [Segment(0, 14, {"shot": "dunk"})]  # matched to truth 0 (IoU 10/14)
    # 'dunk' is wrong for truth 0 but right for truth 1, which covers 4 of the 14 s predicted
    got = SCORER.score_definition(DEF, pred, truth, [(0, 0)])
    assert got.score == pytest.approx(4 / 14)
    strict = MetadataScorer(options=MetadataOptions(boundary_aware=False))
    assert strict.score_definition(DEF, pred, truth, [(0, 0)]).score == 0.0


def test_llm_judge_for_text_with_rubric_and_boundary_context() -> None:
    definition = DefinitionSpec("scenes", fields=(FieldSpec("description", "string"),))
    truth = [
        Segment(0, 10, {"description": "A dog runs in a park. It chases a ball."}),
        Segment(10, 20, {"description": "A cat sleeps on a sofa. Nobody moves."}),
    ]
    pred = [Segment(0, 12, {"description": "A dog chases a ball, then a cat naps."})]
    judge = ScriptedJudge({"reason": "mostly right", "score": 0.8})
    got = MetadataScorer(judge=judge).score_definition(definition, pred, truth, [(0, 0)])
    assert got.score == 0.8
    (prompt,) = judge.prompts
    assert "Score how well the prediction describes" in prompt  # description rubric
    assert "boundaries differ" in prompt and "10.00-20.00s" in prompt  # the neighbour


def test_judge_reply_validated() -> None:
    definition = DefinitionSpec("s", fields=(FieldSpec("description", "string"),))
    seg = [Segment(0, 1, {"description": "A long text. With two sentences."})]
    with pytest.raises(EvaluationError):
        MetadataScorer(judge=ScriptedJudge({"score": "high"})).score_definition(
            definition, seg, seg, [(0, 0)]
        )
    clipped = MetadataScorer(judge=ScriptedJudge({"reason": "", "score": 7})).score_definition(
        definition, seg, seg, [(0, 0)]
    )
    assert clipped.score == 1.0


def test_text_rubric_choice() -> None:
    assert text_rubric("transcript") == "transcript"
    assert text_rubric("who_speaks", "the speaker") == "speaker"
    assert text_rubric("summary") == "description"


class CountEmbedder:
    """A deterministic bag-of-letters embedder implementing the TextEmbedder protocol."""

    name, dim = "letters", 26

    def embed_texts(self, texts: Any) -> np.ndarray:
        out = np.zeros((len(texts), 26), dtype=np.float32)
        for i, t in enumerate(texts):
            for c in t.lower():
                if "a" <= c <= "z":
                    out[i, ord(c) - 97] += 1
        return out


def test_embedding_similarity_plugs_in() -> None:
    sim = EmbeddingSimilarity(CountEmbedder())
    m = sim.similarity(["abc", "xyz"], ["cab", "abc"])
    # anagrams have identical letter counts; "xyz" shares no letter with either
    np.testing.assert_allclose(m, [[1.0, 1.0], [0.0, 0.0]], atol=1e-6)
    scorer = MetadataScorer(similarity=sim)
    assert scorer.backend == "embedding:letters"
    spec = FieldSpec("description", "string")
    assert scorer.score_value(spec, "listen. silent.", "silent. listen.") == pytest.approx(1.0)
