"""Media layer: probe files, decode once into shared frame and audio streams, hash content."""

from videoscope.media.decode import AudioChunk, DecodedFrame, DecodeReport, decode
from videoscope.media.hashing import content_hash
from videoscope.media.probe import AudioStreamInfo, MediaInfo, VideoStreamInfo, probe

__all__ = [
    "AudioChunk",
    "AudioStreamInfo",
    "DecodeReport",
    "DecodedFrame",
    "MediaInfo",
    "VideoStreamInfo",
    "content_hash",
    "decode",
    "probe",
]
