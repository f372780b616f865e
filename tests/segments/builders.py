"""Hand-built Timelines for the segments tests."""

from __future__ import annotations

import itertools

from videoscope.timeline.model import (
    AudioEvent,
    OnScreenText,
    Shot,
    Silence,
    Timeline,
    Utterance,
    VideoRef,
    VisualTag,
    Word,
)


def news_timeline() -> Timeline:
    """30 s: five shots, three utterances with words, two overlays, music, tags."""
    tl = Timeline(video=VideoRef(content_hash="news", duration=30.0))
    cuts = [0.0, 6.0, 12.5, 18.0, 24.0, 30.0]
    tags = ["space shuttle", "espresso", "tabby cat", "missile", "volcano"]
    for i, (a, b) in enumerate(itertools.pairwise(cuts)):
        tl.shots.append(Shot(start=a, end=b, index=i, transition="start" if i == 0 else "cut"))
        tl.visual_tags.append(VisualTag(start=a, end=b, label=tags[i], score=0.8))
    sentences = [
        (1.0, "Welcome to the evening news."),
        (8.0, "The rocket launch was a complete success today."),
        (20.0, "Now the weather for tomorrow."),
    ]
    for start, text in sentences:
        t = start
        words = []
        for w in text.split():
            words.append(Word(start=t, end=t + 0.35, text=w))
            t += 0.4
        tl.words.extend(words)
        tl.utterances.append(Utterance(start=start, end=words[-1].end, text=text, language="en"))
    last = 0.0
    for u in tl.utterances:
        if u.start - last > 0.5:
            tl.silences.append(Silence(start=last, end=u.start))
        last = u.end
    tl.silences.append(Silence(start=last, end=30.0))
    tl.texts.append(OnScreenText(start=2.0, end=5.0, text="EVENING NEWS"))
    tl.texts.append(OnScreenText(start=14.0, end=17.5, text="LAUNCH SUCCESSFUL"))
    tl.audio_events.append(AudioEvent(start=24.0, end=29.0, label="music"))
    tl.validate_tracks()
    return tl


#: Sentences of the shots that do not match in :func:`long_timeline`.
OTHER_SENTENCES = (
    "Coffee prices went up again this week.",
    "City council members met in a park.",
    "Tomorrow will be sunny and mild.",
    "A cat slept all day in a library.",
)
MATCH_SENTENCE = "The rocket launch lit up the night sky."


def long_timeline(
    shots: int = 120, length: float = 4.0, matching: range = range(20, 29)
) -> Timeline:
    """``shots`` shots of ``length`` s, one spoken sentence and one visual tag each; the shots in
    ``matching`` talk about and show a rocket launch, the others do not."""
    tl = Timeline(video=VideoRef(content_hash=f"long-{shots}", duration=shots * length))
    others = ("espresso", "park bench", "sunglasses", "tabby cat")
    for i in range(shots):
        a, b = i * length, (i + 1) * length
        tl.shots.append(Shot(start=a, end=b, index=i, transition="start" if i == 0 else "cut"))
        hit = i in matching
        tag = "space shuttle" if hit else others[i % len(others)]
        tl.visual_tags.append(VisualTag(start=a, end=b, label=tag, score=0.8))
        text = MATCH_SENTENCE if hit else OTHER_SENTENCES[i % len(OTHER_SENTENCES)]
        tl.utterances.append(Utterance(start=a + 0.5, end=b - 0.5, text=text, language="en"))
        tl.silences.append(Silence(start=a, end=a + 0.5))
        tl.silences.append(Silence(start=b - 0.5, end=b))
    tl.validate_tracks()
    return tl
