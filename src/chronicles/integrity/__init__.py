"""Tamper evidence: a hash chain per app and recorded day over entries as stored.

:mod:`.encoding` defines what is hashed, :mod:`.horizon` which days can no
longer change, :mod:`.sealing` writes the chain after the fact (never on the
ingestion path) and :mod:`.verify` recomputes it and names the first entry
that differs.
"""
