"""image_tags carry the image's owner and time (tag filter in page order), tombstones of deleted images,
folder index with id, PostgreSQL's search vector stored

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26

- image_tags.owner_id / created_at are copies of the image's (created_at never changes after ingest) with an
  index (owner_id, tag_id, created_at, image_id): a tag filter reads that range newest- or oldest-first and stops
  after a page, instead of walking every image and probing the tag (bench/README.md, "Gallery list").
- deleted_images: the id and time of every image a user deleted; ingest skips those ids, so image-service's
  at-least-once hand-over cannot bring a deleted image back.
- ix_images_owner_folder_created gains `id`, so a folder page is in index order, (created_at, id) cursor included.
- PostgreSQL: `images.search_vector`, a stored generated column to_tsvector('simple', search_text), replaces the
  expression index: a common term is checked row by row along the time index, and recomputing to_tsvector for
  each row was most of that query's time. SQLite keeps its FTS5 table (0001).

The images table is never batch-altered here: on SQLite that would rebuild it under the FTS5 triggers.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import zimage_common.db
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.add_column("image_tags", sa.Column("owner_id", sa.Uuid(), nullable=True))
    op.add_column("image_tags", sa.Column("created_at", zimage_common.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("DELETE FROM image_tags WHERE image_id NOT IN (SELECT id FROM images)")
    op.execute(
        "UPDATE image_tags SET "
        "owner_id = (SELECT images.owner_id FROM images WHERE images.id = image_tags.image_id), "
        "created_at = (SELECT images.created_at FROM images WHERE images.id = image_tags.image_id)"
    )
    with op.batch_alter_table("image_tags", schema=None) as batch_op:
        batch_op.alter_column("owner_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column("created_at", existing_type=zimage_common.db.UTCDateTime(timezone=True), nullable=False)
        batch_op.drop_index("ix_image_tags_tag_image")
        batch_op.create_index(
            "ix_image_tags_owner_tag_created", ["owner_id", "tag_id", "created_at", "image_id"], unique=False
        )

    op.create_table(
        "deleted_images",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("deleted_at", zimage_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deleted_images")),
    )

    op.drop_index("ix_images_owner_folder_created", table_name="images")
    op.create_index("ix_images_owner_folder_created", "images", ["owner_id", "folder_id", "created_at", "id"])

    if _postgresql():
        op.drop_index("ix_images_search", table_name="images")
        op.execute(
            "ALTER TABLE images ADD COLUMN search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED"
        )
        op.create_index("ix_images_search", "images", ["search_vector"], postgresql_using="gin")


def downgrade() -> None:
    if _postgresql():
        op.drop_index("ix_images_search", table_name="images")
        op.drop_column("images", "search_vector")
        op.create_index(
            "ix_images_search",
            "images",
            [sa.text("to_tsvector('simple'::regconfig, search_text)")],
            postgresql_using="gin",
        )

    op.drop_index("ix_images_owner_folder_created", table_name="images")
    op.create_index("ix_images_owner_folder_created", "images", ["owner_id", "folder_id", "created_at"])

    op.drop_table("deleted_images")

    with op.batch_alter_table("image_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_image_tags_owner_tag_created")
        batch_op.create_index("ix_image_tags_tag_image", ["tag_id", "image_id"], unique=False)
        batch_op.drop_column("created_at")
        batch_op.drop_column("owner_id")
