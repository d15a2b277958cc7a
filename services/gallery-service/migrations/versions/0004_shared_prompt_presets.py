"""prompt_presets.scope: built-in, shared (made by an administrator, for everyone) or personal

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("prompt_presets") as batch:
        batch.add_column(sa.Column("scope", sa.String(length=16), nullable=False, server_default="personal"))
    # Until now an owner-less preset was a built-in one.
    op.execute("UPDATE prompt_presets SET scope = 'builtin' WHERE owner_id IS NULL")
    with op.batch_alter_table("prompt_presets") as batch:
        batch.alter_column("scope", server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM prompt_presets WHERE scope = 'shared'")
    with op.batch_alter_table("prompt_presets") as batch:
        batch.drop_column("scope")
