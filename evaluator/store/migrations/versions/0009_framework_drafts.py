"""An analyst's unpublished framework version in the editor: its base and its changes so far.

Revision ID: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_table("framework_drafts",
                    sa.Column("user_name", sa.String(200), primary_key=True),
                    sa.Column("draft", sa.Text, nullable=False),
                    sa.Column("updated_at", sa.String(20), nullable=False))


def downgrade() -> None:
    op.drop_table("framework_drafts")
