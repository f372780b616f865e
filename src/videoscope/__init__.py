"""videoscope: turn video into structured, time-based data."""

__version__ = "0.1.0"
