"""Grounding: timestamps snap to evidence; unsupported sentences are dropped."""

from __future__ import annotations

from videoscope.describe.context import Evidence, chunk, render
from videoscope.describe.grounding import snap_times, supported

EVIDENCE = [
    Evidence(0.5, 3.6, "said", "The rocket launch was a complete success today."),
    Evidence(1.0, 4.0, "on screen", "LAUNCH SUCCESSFUL"),
    Evidence(9.0, 14.0, "seen", "espresso, cup"),
]


def test_times_snap_to_evidence_and_into_the_video() -> None:
    times = [0.0, 0.5, 3.6, 9.0, 14.0, 18.0]
    assert snap_times("At 00:08 a cup appears.", times, 18.0) == "At 00:09 a cup appears."
    assert snap_times("Back at 00:03.", times, 18.0) == "Back at 00:03."  # 3.6 prints as 00:03
    assert snap_times("Then 05:00 and 1:02:03", times, 18.0) == "Then 00:18 and 00:18"


def test_unsupported_sentences_are_dropped() -> None:
    text = "The rocket launch was a success. A dragon flies over the castle. An espresso cup."
    kept, dropped = supported(text, EVIDENCE)
    assert "dragon" not in kept and "rocket" in kept and "espresso" in kept
    assert dropped == ["A dragon flies over the castle."]


def test_chunks_fit_the_budget_and_keep_everything() -> None:
    many = [
        Evidence(float(i), i + 1.0, "said", f"sentence number {i} about rockets") for i in range(50)
    ]
    parts = chunk(many, 100)
    assert len(parts) > 1 and sum(len(p) for p in parts) == 50
    assert all(len(render(p)) / 2.5 <= 100 for p in parts)
