"""Which stages make up an index, chosen like Twelve Labs' model options (``visual``, ``audio``).

``visual`` covers what is seen (shots, on-screen text, image embeddings); ``audio`` covers what is
heard (silences, speech, audio events). Stages are imported lazily so that a base install without
the model extras can still probe and detect silences.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import Literal

from videoscope.config import Settings, get_settings
from videoscope.errors import ConfigError
from videoscope.perceive.base import Stage

ModelOption = Literal["visual", "audio"]

#: Pipeline order matters: a stage's ``end`` may read the tracks of the stages before it.
#: ``"any"``: a stage that reads the others' tracks and serves either option (scenes, stories).
STAGES: dict[str, tuple[ModelOption | Literal["any"], str]] = {
    "shots": ("visual", "videoscope.perceive.shots:ShotStage"),
    "silence": ("audio", "videoscope.perceive.silence:SilenceStage"),
    "speech": ("audio", "videoscope.perceive.speech:SpeechStage"),
    "text": ("visual", "videoscope.perceive.text:OnScreenTextStage"),
    "visual": ("visual", "videoscope.perceive.visual:VisualStage"),
    "audio_events": ("audio", "videoscope.perceive.audio_events:AudioEventStage"),
    "scenes": ("any", "videoscope.perceive.scenes:SceneStage"),
}


def stage_names(options: Iterable[ModelOption] = ("visual", "audio")) -> list[str]:
    """Names of the stages that serve ``options``, in pipeline order."""
    wanted = set(options)
    unknown = wanted - {"visual", "audio"}
    if unknown:
        raise ConfigError(
            f"model options {sorted(unknown)}", "unknown option", "use 'visual' and/or 'audio'"
        )
    return [name for name, (option, _) in STAGES.items() if option in wanted or option == "any"]


def build_stages(names: Iterable[str], settings: Settings | None = None) -> list[Stage]:
    """Instantiate the named stages in pipeline order."""
    settings = settings or get_settings()
    chosen = set(names)
    unknown = chosen - set(STAGES)
    if unknown:
        raise ConfigError(
            f"stages {sorted(unknown)}", "no such stage", f"choose from {', '.join(STAGES)}"
        )
    stages: list[Stage] = []
    for name, (_, target) in STAGES.items():
        if name in chosen:
            module_name, _, attribute = target.partition(":")
            factory = getattr(importlib.import_module(module_name), attribute)
            stages.append(
                factory.from_settings(settings) if hasattr(factory, "from_settings") else factory()
            )
    return stages
