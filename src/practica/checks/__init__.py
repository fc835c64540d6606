"""Checks: running a lesson's hidden tests against a learner's files, and what they found."""
