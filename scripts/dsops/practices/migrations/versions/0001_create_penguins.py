"""Create the penguins table: one row per bird, keyed by species and sample number.

Revision ID: 0001
Revises: (none, the first)
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "penguins",
        sa.Column("species", sa.String, nullable=False),
        sa.Column("sample_number", sa.Integer, nullable=False),
        sa.Column("island", sa.String, nullable=False),
        sa.Column("sex", sa.String),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("bill_length_mm", sa.Double),
        sa.Column("flipper_length_mm", sa.Double),
        sa.Column("body_mass_g", sa.Double),
        sa.PrimaryKeyConstraint("species", "sample_number"),
    )


def downgrade() -> None:
    op.drop_table("penguins")
