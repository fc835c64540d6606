"""Service plumbing shared by Practica and Chronicles.

This package holds what both products need to run as services (settings
helpers, logging, metrics, the embedded PostgreSQL, migrations, security
headers, request body limits) and imports neither product, so Chronicles can
ship without Practica.
"""
