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
