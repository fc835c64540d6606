"""The operators' console: a single-page app served at ``/console/``, and the read models it needs.

The page itself holds no secret and reads nothing without the admin token:
every figure comes from ``POST /internal/graphql`` with the token the operator
types in (see :mod:`chronicles.console.web` and SECURITY.md "Chronicles console").
"""
