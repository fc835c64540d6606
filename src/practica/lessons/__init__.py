"""Lessons and courses: the authoring format, loading, validation and publishing."""
