"""Practica's web app (FastAPI) and the browser IDE it serves."""
