"""The composite reward: hand-computed totals, the format gate, reward hacking, invariants."""

from __future__ import annotations

import json
from random import Random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from videoscope.evaluate.reward import RewardWeights, reward, reward_batch
from videoscope.evaluate.schema import EvaluationError

SCHEMA: dict[str, Any] = {
    "segment_definitions": [
        {
            "id": "plays",
            "fields": [{"name": "shot", "type": "string", "enum": ["layup", "dunk", "jumper"]}],
        }
    ]
}


def seg(a: float, b: float, shot: str = "layup") -> dict[str, Any]:
    return {"start_time": a, "end_time": b, "metadata": {"shot": shot}}


# five 10 s plays with gaps in a 100 s video, all the same shot (the easiest case for a hacker)
TRUTH = {"plays": [seg(a, a + 10) for a in (0, 20, 40, 60, 80)]}


def test_perfect_prediction() -> None:
    r = reward(TRUTH, TRUTH, SCHEMA, duration=100)
    assert r.components() == {
        "format": 1.0,
        "temporal_f1": 1.0,
        "segment_f1": 1.0,
        "metadata": 1.0,
        "total": 1.0,
    }


def test_hand_computed_total() -> None:
    truth = {"plays": [seg(0, 10, "layup"), seg(20, 30, "dunk")]}
    pred = {"plays": [seg(0, 10, "layup"), seg(25, 35, "jumper")]}
    r = reward(pred, truth, SCHEMA)
    # temporal: U(P) = 20, U(G) = 20, overlap 10 + 5 = 15 -> p = r = F1 = 0.75
    # segment: IoU 1 and 5/15 = 1/3 -> p = r = F1 = (4/3) / 2 = 2/3
    # metadata: pair 0 shot right (1); pair 1 wrong (0) and the prediction covers no other
    # truth -> mean 0.5
    # total = 0.1*1 + 0.3*0.75 + 0.3*(2/3) + 0.3*0.5 = 0.675
    assert (r.temporal_f1, r.segment_f1, r.metadata) == pytest.approx((0.75, 2 / 3, 0.5))
    assert r.total == pytest.approx(0.675)


def test_weights_renormalised_without_metadata() -> None:
    schema = {"segment_definitions": [{"id": "cuts", "fields": []}]}
    truth = {"cuts": [{"start_time": 0, "end_time": 10, "metadata": {}}]}
    pred = {"cuts": [{"start_time": 0, "end_time": 5, "metadata": {}}]}
    r = reward(pred, truth, schema)
    # temporal F1 = 2*1*0.5/1.5 = 2/3; segment F1 = IoU 0.5; metadata None
    # total = (0.1*1 + 0.3*(2/3) + 0.3*0.5) / 0.7 = 0.45 / 0.7
    assert r.metadata is None
    assert r.total == pytest.approx(0.45 / 0.7)


def test_format_gate_component_and_total() -> None:
    pred = {"plays": [seg(0, 10), seg(5, 12), *TRUTH["plays"][1:]]}  # an overlapping extra
    comp = reward(pred, TRUTH, SCHEMA)
    assert comp.format == 0.0 and [v.code for v in comp.violations] == ["overlap"]
    assert comp.temporal_f1 > 0.9 and comp.total < 1.0
    gated = reward(pred, TRUTH, SCHEMA, gate="total")
    assert gated.total == 0.0 and gated.temporal_f1 == 0.0
    for bad in ("{oops", "[]", "null"):
        r = reward(bad, TRUTH, SCHEMA)
        assert r.components() == {
            "format": 0.0,
            "temporal_f1": 0.0,
            "segment_f1": 0.0,
            "metadata": 0.0,
            "total": 0.0,
        }


def test_unreadable_segments_are_dropped_not_fatal() -> None:
    pred = {"plays": [*TRUTH["plays"], {"start_time": "later", "end_time": 3, "metadata": {}}]}
    r = reward(json.dumps(pred), TRUTH, SCHEMA)
    assert r.format == 0.0 and r.temporal_f1 == 1.0 and r.segment_f1 == 1.0


def test_bad_truth_raises() -> None:
    with pytest.raises(EvaluationError):
        reward(TRUTH, {"plays": [{"start_time": 5, "end_time": 1, "metadata": {}}]}, SCHEMA)
    with pytest.raises(EvaluationError):
        reward(TRUTH, "{oops", SCHEMA)


def test_reward_hacking_cases_score_clearly_below_truth() -> None:
    true_total = reward(TRUTH, TRUTH, SCHEMA, duration=100).total
    one_span = {"plays": [seg(0, 100)]}
    fragments = {"plays": [seg(a + k, a + k + 1) for a in (0, 20, 40, 60, 80) for k in range(10)]}
    span = reward(one_span, TRUTH, SCHEMA, duration=100)
    frag = reward(fragments, TRUTH, SCHEMA, duration=100)
    # recall alone (the old coverage metric) is fooled by both
    assert span.definitions[0].temporal.recall == 1.0
    assert frag.definitions[0].temporal.recall == 1.0
    # one span: temporal p = 50/100 -> F1 2/3; segment: one pair, IoU 10/100 -> p = 0.1,
    # r = 0.1/5 = 0.02 -> F1 = 0.004/0.12 = 1/30; metadata 1
    # total = 0.1 + 0.3*(2/3) + 0.3/30 + 0.3 = 0.61
    assert span.total == pytest.approx(0.61)
    # fragments: temporal F1 1; segment: 5 pairs of IoU 0.1 -> p = 0.5/50, r = 0.5/5 ->
    # F1 = 2*0.01*0.1/0.11 = 0.01818; metadata 1 -> total = 0.1 + 0.3 + 0.3*0.01818 + 0.3
    assert frag.total == pytest.approx(0.7 + 0.3 * 0.002 / 0.11)
    assert true_total == 1.0
    assert true_total - max(span.total, frag.total) >= 0.25
    # with the request's min_segment_duration the fragments also fail the format gate
    strict = {**SCHEMA, "min_segment_duration": 2}
    assert reward(fragments, TRUTH, strict).format == 0.0


def test_batch_equals_single_calls() -> None:
    preds = [TRUTH, {"plays": [seg(0, 100)]}, "{bad"]
    batch = reward_batch(preds, [TRUTH] * 3, SCHEMA, durations=[100, 100, 100])
    single = [reward(p, TRUTH, SCHEMA, duration=100) for p in preds]
    assert [b.total for b in batch] == [s.total for s in single]
    per_sample = reward_batch(preds[:1], [TRUTH], [SCHEMA])
    assert per_sample[0].total == 1.0
    with pytest.raises(ValueError):
        reward_batch(preds, [TRUTH], SCHEMA)


def test_schema_inferred_from_truth() -> None:
    r = reward({"plays": [seg(0, 10, "dunk")]}, {"plays": [seg(0, 10, "layup")]})
    # 'shot' is inferred as a string without enum; a short value -> entity: no shared token
    assert (r.format, r.segment_f1, r.metadata) == (1.0, 1.0, 0.0)


def timelines(draw: Any) -> list[tuple[float, float]]:
    lengths = draw(st.lists(st.integers(1, 10), max_size=6))
    gaps = draw(st.lists(st.integers(0, 5), min_size=len(lengths), max_size=len(lengths)))
    t, out = 0.0, []
    for n, g in zip(lengths, gaps, strict=True):
        t += g
        out.append((t, t + n))
        t += n
    return out


timeline = st.composite(timelines)()
shots = st.sampled_from(["layup", "dunk", "jumper"])


def as_result(spans: list[tuple[float, float]], labels: list[str]) -> dict[str, Any]:
    return {"plays": [seg(a, b, s) for (a, b), s in zip(spans, labels, strict=False)]}


@settings(max_examples=80, deadline=None)
@given(timeline, timeline, st.lists(shots, min_size=6, max_size=6), st.randoms())
def test_reward_properties(truth_spans: list, pred_spans: list, labels: list, rnd: Random) -> None:
    truth = as_result(truth_spans, labels)
    pred = as_result(pred_spans, labels[::-1])
    r = reward(pred, truth, SCHEMA)
    for v in r.components().values():
        assert v is None or 0.0 <= v <= 1.0 + 1e-12
    shuffled = {"plays": rnd.sample(pred["plays"], len(pred["plays"]))}
    assert reward(shuffled, truth, SCHEMA).total == pytest.approx(r.total)  # order-invariant
    assert reward(truth, truth, SCHEMA).total == pytest.approx(1.0)  # perfect
    if truth_spans:
        far = {
            "plays": [
                seg(a + 1000, b + 1000, s["metadata"]["shot"])
                for (a, b), s in zip(truth_spans, truth["plays"], strict=True)
            ]
        }
        d = reward(far, truth, SCHEMA)  # disjoint: every time-based component is 0
        assert (d.temporal_f1, d.segment_f1, d.metadata) == (0.0, 0.0, 0.0)
        assert d.total == pytest.approx(RewardWeights().format)  # only the valid format remains
