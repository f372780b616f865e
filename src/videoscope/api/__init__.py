"""The HTTP API: Twelve Labs v1.3 compatible routes over the library, with persistent tasks.

Start it with ``videoscope serve`` or build the app with :func:`create_app`. See docs/api.md.
"""

from videoscope.api.app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
