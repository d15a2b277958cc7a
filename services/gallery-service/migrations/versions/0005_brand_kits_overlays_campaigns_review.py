"""brand kits (with fonts and logos), image overlays, campaigns, review status and comments (issue 10,
docs/marketing.md)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27

- brand_kits: one workspace per installation, so kits have no owner; `created_by` is the administrator.
  colours [{role, hex}], style_words [..], avoid_words [..] are JSON. Names are unique.
- brand_kit_fonts / brand_kit_logos: uploaded files, the bytes in the object store under `key`
  (`brand-kits/{kit}/fonts/{id}.{ext}`, `brand-kits/{kit}/logos/{id}.png`).
- image_overlays: the overlay spec of one image (JSON), stored as data beside it; the original never changes.
- campaigns / campaign_images: a campaign groups one owner's images across channels.
- image_comments: the review thread; `action` names the transition a comment records (null: a plain comment).
- images.review_status (draft | in_review | approved | changes_requested), filled from `approval`
  (approved -> approved, rejected -> changes_requested, draft -> draft). `approval` stays: the gallery's
  filter, counts, bulk actions, PATCH and the web app read it; the review work decides when it goes.
- images.brand_kit_id / brand_guidance: the kit a generation named and what it applied to the prompt.

The images table is only added to, never batch-altered: on SQLite that would rebuild it under the FTS5
triggers (see 0003). SQLite >= 3.35 drops a column in place, which the downgrade relies on.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import zimage_common.db
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = zimage_common.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "brand_kits",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("colours", sa.JSON(), nullable=False),
        sa.Column("style_words", sa.JSON(), nullable=False),
        sa.Column("avoid_words", sa.JSON(), nullable=False),
        sa.Column("default_font_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_kits")),
        sa.UniqueConstraint("name", name=op.f("uq_brand_kits_name")),
    )
    op.create_table(
        "brand_kit_fonts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kit_id", sa.Uuid(), nullable=False),
        sa.Column("family", sa.String(length=200), nullable=False),
        sa.Column("style", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_kit_fonts")),
        sa.UniqueConstraint("key", name=op.f("uq_brand_kit_fonts_key")),
    )
    op.create_index("ix_brand_kit_fonts_kit_created", "brand_kit_fonts", ["kit_id", "created_at"])
    op.create_table(
        "brand_kit_logos",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kit_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=512), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_kit_logos")),
        sa.UniqueConstraint("key", name=op.f("uq_brand_kit_logos_key")),
    )
    op.create_index("ix_brand_kit_logos_kit_created", "brand_kit_logos", ["kit_id", "created_at"])

    op.create_table(
        "image_overlays",
        sa.Column("image_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("image_id", name=op.f("pk_image_overlays")),
    )

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("brand_kit_id", sa.Uuid(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    op.create_index("ix_campaigns_owner_created", "campaigns", ["owner_id", "created_at"])
    op.create_table(
        "campaign_images",
        sa.Column("campaign_id", sa.Uuid(), nullable=False),
        sa.Column("image_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("added_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", "image_id", name=op.f("pk_campaign_images")),
    )
    op.create_index("ix_campaign_images_image", "campaign_images", ["image_id"])

    op.create_table(
        "image_comments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("image_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_role", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_comments")),
    )
    op.create_index("ix_image_comments_image_created", "image_comments", ["image_id", "created_at"])

    op.add_column("images", sa.Column("review_status", sa.String(length=24), nullable=False, server_default="draft"))
    op.add_column("images", sa.Column("review_updated_at", UTC_TIME, nullable=True))
    op.add_column("images", sa.Column("brand_kit_id", sa.Uuid(), nullable=True))
    op.add_column("images", sa.Column("brand_guidance", sa.JSON(), nullable=True))
    op.execute(
        "UPDATE images SET "
        "review_status = CASE approval WHEN 'approved' THEN 'approved' "
        "WHEN 'rejected' THEN 'changes_requested' ELSE 'draft' END, "
        "review_updated_at = CASE WHEN approval IN ('approved', 'rejected') THEN updated_at END"
    )
    # the review queue: images in one state, oldest first
    op.create_index("ix_images_review_status_updated", "images", ["review_status", "review_updated_at"])


def downgrade() -> None:
    op.drop_index("ix_images_review_status_updated", table_name="images")
    for column in ("brand_guidance", "brand_kit_id", "review_updated_at", "review_status"):
        op.drop_column("images", column)

    op.drop_index("ix_image_comments_image_created", table_name="image_comments")
    op.drop_table("image_comments")
    op.drop_index("ix_campaign_images_image", table_name="campaign_images")
    op.drop_table("campaign_images")
    op.drop_index("ix_campaigns_owner_created", table_name="campaigns")
    op.drop_table("campaigns")
    op.drop_table("image_overlays")
    op.drop_index("ix_brand_kit_logos_kit_created", table_name="brand_kit_logos")
    op.drop_table("brand_kit_logos")
    op.drop_index("ix_brand_kit_fonts_kit_created", table_name="brand_kit_fonts")
    op.drop_table("brand_kit_fonts")
    op.drop_table("brand_kits")
