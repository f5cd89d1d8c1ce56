"""Signed checkpoints of the audit chain: (entry, its hash, Ed25519 signature, key id).

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table("audit_checkpoints", sa.Column("seq", sa.Integer, nullable=False),
                    sa.Column("hash", sa.String(64), nullable=False),
                    sa.Column("signature", sa.Text, nullable=False),
                    sa.Column("key_id", sa.String(64), nullable=False),
                    sa.PrimaryKeyConstraint("seq", "key_id"))


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
