"""Background renderings of an evaluation's PDFs (the app): state, progress and a heartbeat.

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table("report_jobs",
                    sa.Column("evaluation_id", sa.String(16), sa.ForeignKey("evaluations.id"), primary_key=True),
                    sa.Column("state", sa.String(16), nullable=False),
                    sa.Column("done", sa.Integer, nullable=False), sa.Column("total", sa.Integer, nullable=False),
                    sa.Column("started_by", sa.Text, nullable=False),
                    sa.Column("started_at", sa.String(20), nullable=False),
                    sa.Column("beat", sa.BigInteger, nullable=False), sa.Column("runner", sa.Text, nullable=False),
                    sa.Column("error", sa.Text))


def downgrade() -> None:
    op.drop_table("report_jobs")
