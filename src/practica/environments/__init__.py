"""Learner environments as the platform keeps them: rows, the requests web code makes, the lifecycle jobs.

The isolation itself is :mod:`practica.sandbox` (no database, no job queue);
this package records who has which environment, asks workers to start, stop
and remove them, and culls the idle ones.
"""
