"""A user's own settings in the app: the language it speaks to them in.

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table("user_settings",
                    sa.Column("user_name", sa.String(200), primary_key=True),
                    sa.Column("language", sa.String(16), nullable=False))


def downgrade() -> None:
    op.drop_table("user_settings")
