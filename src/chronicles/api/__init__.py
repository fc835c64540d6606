"""Chronicles' HTTP edge: the intake (POST /entries), the public search (/graphql), the internal API.

Routes and resolvers only translate: they take the services object
(:mod:`.services`), call the domain (ingest, rules, store) and raise
:mod:`chronicles.errors`, which :mod:`.errors` answers in one place.
"""
