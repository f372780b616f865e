"""Drive a server with the ``twelvelabs`` SDK 1.2.0, as a user of that version would.

Run by ``tests/api/test_sdk_legacy.py`` with the Python of the separate environment that holds
SDK 1.2.0 (``scripts/setup`` makes it): ``python sdk_legacy_client.py BASE_URL VIDEO``. Prints one
JSON object with what each call returned, parsed by the SDK's own types (a reply those types
cannot parse raises here, and the script exits non-zero with the traceback).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from twelvelabs import TwelveLabs
from twelvelabs.indexes import IndexesCreateRequestModelsItem


def main(base_url: str, video: str) -> dict[str, Any]:
    """Index ``video``, then gist, summarize (all three types) and search it."""
    import twelvelabs.version

    client = TwelveLabs(api_key="test-key", base_url=base_url)
    models = [IndexesCreateRequestModelsItem(model_name="marengo2.7", model_options=["visual"])]
    index = client.indexes.create(index_name="legacy", models=models)
    with open(video, "rb") as file:
        task = client.tasks.create(index_id=index.id, video_file=file)
    done = client.tasks.wait_for_done(task_id=task.id, sleep_interval=0.5)
    out: dict[str, Any] = {"sdk": twelvelabs.version.__version__, "status": done.status}
    video_id = done.video_id
    gist = client.gist(video_id=video_id, types=["title", "topic", "hashtag"])
    out["gist"] = {"title": gist.title, "topics": gist.topics, "hashtags": gist.hashtags}
    for kind in ("summary", "chapter", "highlight"):
        reply = client.summarize(video_id=video_id, type=kind)
        out[kind] = {"summarize_type": reply.summarize_type, **reply.dict(exclude_none=True)}
    hits = client.search.query(
        index_id=index.id, query_text="a rocket", search_options=["visual"], page_limit=5
    )
    out["search"] = [{"video_id": h.video_id, "start": h.start, "end": h.end} for h in hits]
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2]), default=str))
