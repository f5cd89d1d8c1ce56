"""The provider assessment registry (versioned entries) and the registry entries tender cases rely on.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_table("registry_entries",
                    sa.Column("provider", sa.String(64), nullable=False),
                    sa.Column("version", sa.Integer, nullable=False),
                    sa.Column("sha256", sa.String(64), sa.ForeignKey("files.sha256"), nullable=False),
                    sa.Column("previous", sa.String(64)), sa.Column("framework", sa.String(64), nullable=False),
                    sa.Column("assessor", sa.Text, nullable=False), sa.Column("kind", sa.String(16), nullable=False),
                    sa.Column("assessed_on", sa.String(10), nullable=False),
                    sa.Column("valid_until", sa.String(10), nullable=False),
                    sa.Column("source_name", sa.Text, nullable=False),
                    sa.Column("source_sha256", sa.String(64), sa.ForeignKey("files.sha256"), nullable=False),
                    sa.Column("added_by", sa.Text, nullable=False), sa.Column("added_at", sa.String(20), nullable=False),
                    sa.PrimaryKeyConstraint("provider", "version"))
    op.create_table("case_registry",
                    sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
                    sa.Column("provider", sa.String(64), nullable=False), sa.Column("version", sa.Integer),
                    sa.Column("as_of", sa.String(10), nullable=False),
                    sa.Column("added_by", sa.Text, nullable=False), sa.Column("added_at", sa.String(20), nullable=False),
                    sa.PrimaryKeyConstraint("case_id", "provider"))


def downgrade() -> None:
    op.drop_table("case_registry")
    op.drop_table("registry_entries")
