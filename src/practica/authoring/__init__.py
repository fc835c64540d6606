"""Authoring: authors import a course as a draft, see it validated, preview its lessons, publish it."""
