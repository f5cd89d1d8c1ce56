"""Tender cases keep every file their letters and evaluations need: each tender version's own letter
template and a combined tender's capability framework (frozen when the version is set), and the letters as
issued.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
TENDER_FILES = ("letter_template", "capability")


def upgrade() -> None:
    for part in TENDER_FILES:  # no foreign keys: SQLite cannot add them to a table; the bytes are in files
        op.add_column("case_tenders", sa.Column(f"{part}_name", sa.Text))
        op.add_column("case_tenders", sa.Column(f"{part}_sha256", sa.String(64)))
    op.create_table("case_letters", sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
                    sa.Column("name", sa.Text, nullable=False),
                    sa.Column("sha256", sa.String(64), sa.ForeignKey("files.sha256"), nullable=False),
                    sa.PrimaryKeyConstraint("case_id", "name"))


def downgrade() -> None:
    op.drop_table("case_letters")
    for part in TENDER_FILES:
        op.drop_column("case_tenders", f"{part}_sha256")
        op.drop_column("case_tenders", f"{part}_name")
