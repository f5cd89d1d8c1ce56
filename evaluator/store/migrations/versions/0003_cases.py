"""Tender cases: the case, its tender versions, its bid files and its evaluations.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table("cases", sa.Column("id", sa.String(32), primary_key=True),
                    sa.Column("name", sa.Text, nullable=False),
                    sa.Column("framework_sha256", sa.String(64), sa.ForeignKey("files.sha256"), nullable=False),
                    sa.Column("framework_name", sa.Text, nullable=False),
                    sa.Column("state", sa.String(20), nullable=False),
                    sa.Column("created_by", sa.Text, nullable=False),
                    sa.Column("created_at", sa.String(20), nullable=False),
                    sa.Column("opened_by", sa.Text), sa.Column("opened_at", sa.String(20)),
                    sa.Column("approved_evaluation", sa.String(16)), sa.Column("approved_by", sa.Text),
                    sa.Column("approved_at", sa.String(20)), sa.Column("letters_at", sa.String(20)),
                    sa.Column("standstill_days", sa.Integer), sa.Column("standstill_end", sa.String(10)))
    op.create_table("case_tenders", sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
                    sa.Column("number", sa.Integer, nullable=False),
                    sa.Column("sha256", sa.String(64), sa.ForeignKey("files.sha256"), nullable=False),
                    sa.Column("name", sa.Text, nullable=False), sa.Column("previous", sa.String(64)),
                    sa.Column("reason", sa.Text), sa.Column("after_opening", sa.Integer, nullable=False),
                    sa.Column("created_by", sa.Text, nullable=False),
                    sa.Column("created_at", sa.String(20), nullable=False),
                    sa.PrimaryKeyConstraint("case_id", "number"))
    op.create_table("case_bids", sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
                    sa.Column("number", sa.Integer, nullable=False),
                    sa.Column("sha256", sa.String(64), sa.ForeignKey("files.sha256"), nullable=False),
                    sa.Column("name", sa.Text, nullable=False),
                    sa.Column("added_by", sa.Text, nullable=False),
                    sa.Column("added_at", sa.String(20), nullable=False),
                    sa.Column("withdrawn_by", sa.Text), sa.Column("withdrawn_at", sa.String(20)),
                    sa.PrimaryKeyConstraint("case_id", "number"))
    op.create_table("case_evaluations",
                    sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
                    sa.Column("number", sa.Integer, nullable=False),
                    sa.Column("evaluation_id", sa.String(16), sa.ForeignKey("evaluations.id"), nullable=False),
                    sa.Column("tender_sha256", sa.String(64), nullable=False),
                    sa.Column("evaluated_by", sa.Text, nullable=False),
                    sa.Column("evaluated_at", sa.String(20), nullable=False),
                    sa.PrimaryKeyConstraint("case_id", "number"))


def downgrade() -> None:
    for table in ("case_evaluations", "case_bids", "case_tenders", "cases"):
        op.drop_table(table)
