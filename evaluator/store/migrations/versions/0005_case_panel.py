"""Tender cases with an evaluation panel: each member's conflict-of-interest declaration, and the panel's
assessments of the bids' claims (individual rows and the chair's consensus rows).

Revision ID: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table("case_declarations",
                    sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
                    sa.Column("person", sa.Text, nullable=False), sa.Column("conflicts", sa.Text, nullable=False),
                    sa.Column("declared_at", sa.String(20), nullable=False),
                    sa.PrimaryKeyConstraint("case_id", "person"))
    op.create_table("case_assessments",
                    sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
                    sa.Column("bid_id", sa.Text, nullable=False), sa.Column("criterion_id", sa.Text, nullable=False),
                    sa.Column("assessor", sa.Text, nullable=False), sa.Column("stage", sa.String(16), nullable=False),
                    sa.Column("assessed_answer", sa.Text, nullable=False),
                    sa.Column("justification", sa.Text, nullable=False),
                    sa.Column("evidence_quality", sa.String(32), nullable=False),
                    sa.Column("submitted_by", sa.Text, nullable=False),
                    sa.Column("submitted_at", sa.String(20), nullable=False),
                    sa.Column("source", sa.Text, nullable=False), sa.Column("source_sha256", sa.String(64)),
                    sa.PrimaryKeyConstraint("case_id", "bid_id", "criterion_id", "assessor", "stage"))


def downgrade() -> None:
    op.drop_table("case_assessments")
    op.drop_table("case_declarations")
