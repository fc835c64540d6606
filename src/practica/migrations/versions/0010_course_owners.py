"""Course owners: who may publish new versions of a course

Until now any author could publish under any course id (a second author's
upload became a new version of someone else's course). A course now has an
owner (the author of its first version) and an organisation (that of its
newest version, whose admins publish too); neither: admins only.

Additive: two nullable columns. Existing courses are backfilled: the owner
is the author of the draft that became version 1 (none for a course an
operator imported: admins only), the organisation that of the newest
published version when it is private.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 18:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OWNER_FROM_FIRST_VERSION = """
UPDATE courses SET owner_id = first.author_id
FROM (
    SELECT DISTINCT ON (course_drafts.course_id) course_drafts.course_id, course_drafts.author_id
    FROM course_drafts
    WHERE course_drafts.status = 'published' AND course_drafts.published_version = 1
    ORDER BY course_drafts.course_id, course_drafts.published_at
) AS first
WHERE courses.id = first.course_id
"""
_ORGANIZATION_FROM_NEWEST_VERSION = """
UPDATE courses SET organization_id = organizations.id
FROM (
    SELECT DISTINCT ON (course_id) course_id, visibility
    FROM course_versions
    WHERE published_at IS NOT NULL
    ORDER BY course_id, number DESC
) AS newest
JOIN organizations ON organizations.slug = newest.visibility
WHERE courses.id = newest.course_id AND newest.visibility <> 'public'
"""


def upgrade() -> None:
    op.add_column("courses", sa.Column("owner_id", sa.BigInteger(), nullable=True))
    op.add_column("courses", sa.Column("organization_id", sa.BigInteger(), nullable=True))
    op.create_foreign_key(
        op.f("fk_courses_owner_id_users"), "courses", "users", ["owner_id"], ["id"], ondelete="SET NULL"
    )
    op.create_foreign_key(
        op.f("fk_courses_organization_id_organizations"),
        "courses",
        "organizations",
        ["organization_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.execute(_OWNER_FROM_FIRST_VERSION)
    op.execute(_ORGANIZATION_FROM_NEWEST_VERSION)


def downgrade() -> None:
    op.drop_constraint(op.f("fk_courses_organization_id_organizations"), "courses", type_="foreignkey")
    op.drop_constraint(op.f("fk_courses_owner_id_users"), "courses", type_="foreignkey")
    op.drop_column("courses", "organization_id")
    op.drop_column("courses", "owner_id")
