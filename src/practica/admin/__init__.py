"""The admin pages' API: users and their roles, every organisation, jobs, learner environments.

``routes`` (``/api/admin/*``, platform admins only: ``permissions``),
``queries`` (the pages), ``service`` (retry, fail or cancel a job, stop an
environment; a user's role is :func:`practica.accounts.service.change_role`),
``schemas``, ``errors``, and ``jobs`` (procrastinate's tables and job manager).
"""
