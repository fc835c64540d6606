"""Practica: practical programming lessons in real, sandboxed environments."""

import os

# An image bakes its version (`git describe`) into PRACTICA_VERSION at build (`make images`); a checkout is 0.1.0.
__version__ = os.environ.get("PRACTICA_VERSION") or "0.1.0"
