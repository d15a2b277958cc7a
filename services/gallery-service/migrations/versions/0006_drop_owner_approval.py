"""drop images.approval: the review flow (images.review_status, 0005) replaces the owner-set approval

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27

0005 copied every `approval` into `review_status`; from here on only reviewers approve (docs/marketing.md,
"Review"). SQLite >= 3.35 drops the column in place (no batch rebuild under the FTS5 triggers, see 0003).
The downgrade brings the column back filled from review_status (in_review -> draft,
changes_requested -> rejected).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_column("images", "approval")


def downgrade() -> None:
    op.add_column("images", sa.Column("approval", sa.String(length=16), nullable=False, server_default="draft"))
    op.execute(
        "UPDATE images SET approval = CASE review_status WHEN 'approved' THEN 'approved' "
        "WHEN 'changes_requested' THEN 'rejected' ELSE 'draft' END"
    )
