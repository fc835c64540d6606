"""Organisations: their members and invitations (by email or by link), and who may administer them.

``routes`` (``/api/organizations``, ``/api/invitations``), ``permissions``
(who may see or administer one), ``service`` (creating, inviting, joining,
leaving), ``queries`` (members, pending invitations), ``schemas``, ``errors``.
The tables are :mod:`practica.accounts.models`' (``Organization``,
``Membership``, ``Invitation``): the accounts layer below reads memberships
for its cache (:class:`practica.accounts.memberships.RecentMemberships`).
"""
