"""Practica's events: written to an outbox in the caller's transaction, relayed to Chronicles."""
