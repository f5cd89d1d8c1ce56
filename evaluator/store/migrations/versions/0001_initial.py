"""The first schema: files, versions, evaluations and their files, users, the audit log.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table("files", sa.Column("sha256", sa.String(64), primary_key=True),
                    sa.Column("size", sa.BigInteger, nullable=False),
                    sa.Column("content", sa.LargeBinary, nullable=False))
    op.create_table("versions", sa.Column("sha256", sa.String(64), sa.ForeignKey("files.sha256"), primary_key=True),
                    sa.Column("kind", sa.String(16), nullable=False), sa.Column("name", sa.Text, nullable=False),
                    sa.Column("previous", sa.String(64)), sa.Column("created_by", sa.Text, nullable=False),
                    sa.Column("created_at", sa.String(20), nullable=False))
    op.create_table("evaluations", sa.Column("id", sa.String(16), primary_key=True),
                    sa.Column("evaluated_at", sa.String(20), nullable=False),
                    sa.Column("created_by", sa.Text, nullable=False), sa.Column("request", sa.Text, nullable=False),
                    sa.Column("results_sha256", sa.String(64), nullable=False))
    op.create_table("evaluation_files",
                    sa.Column("evaluation_id", sa.String(16), sa.ForeignKey("evaluations.id"), nullable=False),
                    sa.Column("role", sa.String(8), nullable=False), sa.Column("name", sa.Text, nullable=False),
                    sa.Column("sha256", sa.String(64), sa.ForeignKey("files.sha256"), nullable=False),
                    sa.PrimaryKeyConstraint("evaluation_id", "role", "name"))
    op.create_table("users", sa.Column("name", sa.String(200), primary_key=True),
                    sa.Column("roles", sa.Text, nullable=False), sa.Column("grants", sa.Text, nullable=False))
    op.create_table("audit_log", sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
                    sa.Column("at", sa.String(20), nullable=False), sa.Column("actor", sa.Text, nullable=False),
                    sa.Column("event", sa.String(40), nullable=False), sa.Column("detail", sa.Text, nullable=False),
                    sa.Column("previous_hash", sa.String(64), nullable=False),
                    sa.Column("hash", sa.String(64), nullable=False))


def downgrade() -> None:
    for table in ("audit_log", "users", "evaluation_files", "evaluations", "versions", "files"):
        op.drop_table(table)
