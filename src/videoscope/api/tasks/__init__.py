"""Persistent work: the task table (:mod:`.store`), the worker pool (:mod:`.workers`) and what
the workers run by task kind (:mod:`.handlers`). Routes queue tasks through the store and wake the
pool; they never import the handlers, which :func:`videoscope.api.app.create_app` wires in."""
