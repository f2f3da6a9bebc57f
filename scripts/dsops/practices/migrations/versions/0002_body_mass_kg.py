"""Add body mass in kilograms, filled in for the birds already stored.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.add_column("penguins", sa.Column("body_mass_kg", sa.Double))
    # The backfill: rows stored before this migration get the new column's value now.
    op.execute("UPDATE penguins SET body_mass_kg = round(body_mass_g / 1000, 3)")


def downgrade() -> None:
    op.drop_column("penguins", "body_mass_kg")
