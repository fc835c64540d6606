"""Practica: practical programming lessons in real, sandboxed environments."""

__version__ = "0.1.0"
