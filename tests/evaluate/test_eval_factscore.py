"""VidFactScore (offline and LLM paths) and QEFVC."""

from __future__ import annotations

from typing import Any

import pytest

from videoscope.evaluate.factscore import qefvc_score, split_facts, vid_fact_score
from videoscope.evaluate.schema import EvaluationError


class ScriptedJudge:
    """A test double for the TextJudge protocol: replays fixed replies, records prompts."""

    def __init__(self, *replies: dict[str, Any]) -> None:
        self.replies = list(replies)
        self.prompts: list[str] = []

    def judge(self, prompt: str, *, json_schema: dict[str, Any]) -> dict[str, Any]:
        self.prompts.append(prompt)
        return self.replies.pop(0)


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("A man sings, and a woman dances.", ["A man sings.", "a woman dances."]),
        (
            "Salt and pepper are added. Dr. Smith stirs!",
            ["Salt and pepper are added.", "Dr. Smith stirs."],
        ),
        (
            "He waves while she laughs; the crowd cheers",
            ["He waves.", "she laughs.", "the crowd cheers."],
        ),
        (
            "It rains, but the game goes on.\nThe end.",
            ["It rains.", "the game goes on.", "The end."],
        ),
        ("", []),
        ("... !", []),
    ],
)
def test_split_facts(text: str, facts: list[str]) -> None:
    assert split_facts(text) == facts


def test_offline_vid_fact_score_hand_computed() -> None:
    pred = "A man runs on the beach. A dog barks loudly. The sun sets."
    ref = "A man runs on the beach; the sun sets. A cat sleeps on a chair."
    r = vid_fact_score(pred, ref)
    # pred facts: man runs (in ref), dog barks (not), sun sets (in ref) -> precision 2/3
    # ref facts: man runs (in pred), sun sets (in pred), cat sleeps (not) -> recall 2/3
    assert r.pred_supported == (True, False, True)
    assert r.ref_covered == (True, True, False)
    assert (r.precision, r.recall, r.f1) == pytest.approx((2 / 3, 2 / 3, 2 / 3))


def test_vid_fact_score_edge_cases() -> None:
    assert vid_fact_score("", "").f1 == 1.0
    assert vid_fact_score("", "A man runs.").f1 == 0.0
    assert vid_fact_score("A man runs.", "").f1 == 0.0
    assert vid_fact_score("A man runs.", "A man runs.").f1 == 1.0


def test_llm_vid_fact_score() -> None:
    judge = ScriptedJudge(
        {"facts": ["A man is running.", "A woman is running.", "It is raining."]},  # prediction
        {"facts": ["A man is running.", "A woman is running."]},  # reference
        {"supported": [True, True, False]},  # prediction facts against the reference
        {"supported": [True, True]},  # reference facts against the prediction
    )
    r = vid_fact_score(
        "A man and a woman run in the rain.", "A man and a woman are running.", judge=judge
    )
    # precision 2/3, recall 2/2, F1 = 2 * (2/3) * 1 / (5/3) = 0.8
    assert (r.precision, r.recall, r.f1) == pytest.approx((2 / 3, 1.0, 0.8))
    assert "atomic facts" in judge.prompts[0] and "3 booleans" in judge.prompts[2]


def test_llm_vid_fact_score_rejects_bad_reply() -> None:
    judge = ScriptedJudge({"facts": ["x"]}, {"facts": ["y"]}, {"supported": [True, False]})
    with pytest.raises(EvaluationError):
        vid_fact_score("x", "y", judge=judge)


def test_qefvc() -> None:
    judge = ScriptedJudge({"correctness": 4, "detail": 3, "context": 5})
    q = qefvc_score("pred", "ref", judge=judge)
    assert (q.correctness, q.detail, q.context) == (4, 3, 5)
    assert q.quality == pytest.approx(12 / 15)  # mean 4 on the 0-5 scale
    with pytest.raises(EvaluationError):
        qefvc_score("pred", "ref", judge=None)  # type: ignore[arg-type]
    with pytest.raises(EvaluationError):
        qefvc_score("p", "r", judge=ScriptedJudge({"correctness": 4}))
