"""users.role may be 'reviewer' (issue 10: reviewers approve images; admins review too)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06

PostgreSQL swaps the check constraint in place. SQLite cannot alter a constraint, so batch mode rebuilds
`users`; with foreign keys on, dropping the old table deletes every row that refers to it (refresh_tokens and
password_resets cascade), so those rows are kept aside and put back in the same transaction.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEPENDENTS = ("refresh_tokens", "password_resets")


def _set_roles(roles: tuple[str, ...]) -> None:
    condition = "role IN ({})".format(", ".join(f"'{r}'" for r in roles))
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
        op.create_check_constraint("role", "users", condition)
        return
    for table in DEPENDENTS:
        op.execute(f"CREATE TEMP TABLE keep_{table} AS SELECT * FROM {table}")  # noqa: S608 - our table names
    with op.batch_alter_table("users", recreate="always") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint("role", condition)
    for table in DEPENDENTS:
        op.execute(f"INSERT INTO {table} SELECT * FROM keep_{table} WHERE true ON CONFLICT DO NOTHING")  # noqa: S608
        op.execute(f"DROP TABLE keep_{table}")


def upgrade() -> None:
    _set_roles(("user", "reviewer", "admin"))


def downgrade() -> None:
    # reviewers go back to plain users: the older schema has no such role
    op.execute("UPDATE users SET role = 'user' WHERE role = 'reviewer'")
    _set_roles(("user", "admin"))
