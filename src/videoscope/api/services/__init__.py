"""What routes and task handlers share: asset files, video sources, the describe package, models
built once per server and query inputs. Services import :mod:`videoscope.api.deps` and the
stores, never a router nor a task handler."""
