"""The routers, one module per resource. Each is a leaf: it imports :mod:`videoscope.api.deps`,
the schemas and :mod:`videoscope.api.services`, never another router nor the task handlers;
:func:`videoscope.api.app.create_app` includes them all."""
