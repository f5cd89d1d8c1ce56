"""The tables, as SQLAlchemy Core. Changes go through a new Alembic migration in migrations/versions/."""

from sqlalchemy import (
                        BigInteger,
                        Column,
                        ForeignKey,
                        Integer,
                        LargeBinary,
                        MetaData,
                        PrimaryKeyConstraint,
                        String,
                        Table,
                        Text,
)

metadata = MetaData()

files = Table(  # every byte submitted or produced, by SHA-256; never updated, never deleted
    "files", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
)

versions = Table(  # framework and tender versions: an edit is a new row
    "versions", metadata,
    Column("sha256", String(64), ForeignKey("files.sha256"), primary_key=True),
    Column("kind", String(16), nullable=False),  # framework | tender
    Column("name", Text, nullable=False),
    Column("previous", String(64)),
    Column("created_by", Text, nullable=False),
    Column("created_at", String(20), nullable=False),
)

evaluations = Table(
    "evaluations", metadata,
    Column("id", String(16), primary_key=True),
    Column("evaluated_at", String(20), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("request", Text, nullable=False),  # JSON of the Request that reproduces it
    Column("results_sha256", String(64), nullable=False),
)

evaluation_files = Table(
    "evaluation_files", metadata,
    Column("evaluation_id", String(16), ForeignKey("evaluations.id"), nullable=False),
    Column("role", String(8), nullable=False),  # input | output
    Column("name", Text, nullable=False),
    Column("sha256", String(64), ForeignKey("files.sha256"), nullable=False),
    PrimaryKeyConstraint("evaluation_id", "role", "name"),
)

users = Table(
    "users", metadata,
    Column("name", String(200), primary_key=True),
    Column("roles", Text, nullable=False),  # comma-separated: officer, analyst, auditor, admin
    Column("grants", Text, nullable=False, default=""),  # e.g. "bid_identities" for an analyst
)

audit_log = Table(  # append-only; each entry carries the hash of the one before
    "audit_log", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(20), nullable=False),
    Column("actor", Text, nullable=False),
    Column("event", String(40), nullable=False),
    Column("detail", Text, nullable=False),  # canonical JSON
    Column("previous_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_checkpoints = Table(  # the chain head signed with an Ed25519 key kept outside the database
    "audit_checkpoints", metadata,
    Column("seq", Integer, nullable=False),  # the audit entry signed
    Column("hash", String(64), nullable=False),  # its hash
    Column("signature", Text, nullable=False),  # hex Ed25519 signature (see store/signing.py)
    Column("key_id", String(64), nullable=False),  # first 16 hex digits of the SHA-256 of the public key
    PrimaryKeyConstraint("seq", "key_id"),
)

cases = Table(  # tender cases: one procurement, from draft to letters issued (see evaluator/application.py)
    "cases", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", Text, nullable=False),
    Column("framework_sha256", String(64), ForeignKey("files.sha256"), nullable=False),
    Column("framework_name", Text, nullable=False),  # the framework file's original name
    Column("state", String(20), nullable=False),  # see CASE_STATES in evaluator/application.py
    Column("created_by", Text, nullable=False),
    Column("created_at", String(20), nullable=False),
    Column("opened_by", Text),
    Column("opened_at", String(20)),
    Column("approved_evaluation", String(16)),
    Column("approved_by", Text),
    Column("approved_at", String(20)),
    Column("letters_at", String(20)),
    Column("standstill_days", Integer),
    Column("standstill_end", String(10)),  # YYYY-MM-DD
)

case_tenders = Table(  # each tender version of a case, linked to the previous one
    "case_tenders", metadata,
    Column("case_id", String(32), ForeignKey("cases.id"), nullable=False),
    Column("number", Integer, nullable=False),  # 1, 2, … in the order they were set
    Column("sha256", String(64), ForeignKey("files.sha256"), nullable=False),
    Column("name", Text, nullable=False),  # the tender file's original name
    Column("previous", String(64)),
    Column("reason", Text),  # required for a change after opening
    Column("after_opening", Integer, nullable=False),  # 1 when set after the case was opened
    Column("created_by", Text, nullable=False),
    Column("created_at", String(20), nullable=False),
    Column("letter_template_name", Text),  # the tender's own letter template, as the tender names it
    Column("letter_template_sha256", String(64)),
    Column("capability_name", Text),  # a combined tender's capability framework, frozen with the version
    Column("capability_sha256", String(64)),
    PrimaryKeyConstraint("case_id", "number"),
)

case_bids = Table(  # the bid files received, withdrawn ones included
    "case_bids", metadata,
    Column("case_id", String(32), ForeignKey("cases.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("sha256", String(64), ForeignKey("files.sha256"), nullable=False),
    Column("name", Text, nullable=False),  # the original file name
    Column("added_by", Text, nullable=False),
    Column("added_at", String(20), nullable=False),
    Column("withdrawn_by", Text),
    Column("withdrawn_at", String(20)),
    PrimaryKeyConstraint("case_id", "number"),
)

case_evaluations = Table(  # the evaluations run for a case, in order
    "case_evaluations", metadata,
    Column("case_id", String(32), ForeignKey("cases.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("evaluation_id", String(16), ForeignKey("evaluations.id"), nullable=False),
    Column("tender_sha256", String(64), nullable=False),
    Column("evaluated_by", Text, nullable=False),
    Column("evaluated_at", String(20), nullable=False),
    PrimaryKeyConstraint("case_id", "number"),
)

case_letters = Table(  # the letters as issued (rendered at issue time), by their names (letters/<bid_id>.pdf)
    "case_letters", metadata,
    Column("case_id", String(32), ForeignKey("cases.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("sha256", String(64), ForeignKey("files.sha256"), nullable=False),
    PrimaryKeyConstraint("case_id", "name"),
)

case_declarations = Table(  # each panel member's (and the chair's) conflict-of-interest declaration, once per case
    "case_declarations", metadata,
    Column("case_id", String(32), ForeignKey("cases.id"), nullable=False),
    Column("person", Text, nullable=False),
    Column("conflicts", Text, nullable=False),  # JSON list of the bid IDs declared, sorted; [] = no conflict
    Column("declared_at", String(20), nullable=False),
    PrimaryKeyConstraint("case_id", "person"),
)

case_assessments = Table(  # the panel's assessments of the bids' claims (ingest.assessments' columns)
    "case_assessments", metadata,
    Column("case_id", String(32), ForeignKey("cases.id"), nullable=False),
    Column("bid_id", Text, nullable=False),
    Column("criterion_id", Text, nullable=False),
    Column("assessor", Text, nullable=False),
    Column("stage", String(16), nullable=False),  # individual | consensus
    Column("assessed_answer", Text, nullable=False),  # as an assessments CSV writes it; "" accepts the claim
    Column("justification", Text, nullable=False),
    Column("evidence_quality", String(32), nullable=False),  # an EvidenceQuality, or "" (not judged)
    Column("submitted_by", Text, nullable=False),
    Column("submitted_at", String(20), nullable=False),
    Column("source", Text, nullable=False),  # "desk", or the name of the imported file
    Column("source_sha256", String(64)),  # the imported file (in files), None from the desk
    PrimaryKeyConstraint("case_id", "bid_id", "criterion_id", "assessor", "stage"),
)

registry_entries = Table(  # provider assessments (assess once, reuse many): a new assessment is a new version
    "registry_entries", metadata,
    Column("provider", String(64), nullable=False),  # as the entry gives it; unique whatever the case
    Column("version", Integer, nullable=False),  # 1, 2, … in the order registered
    Column("sha256", String(64), ForeignKey("files.sha256"), nullable=False),  # the entry, canonical JSON
    Column("previous", String(64)),  # the version before (its sha256)
    Column("framework", String(64), nullable=False),
    Column("assessor", Text, nullable=False),
    Column("kind", String(16), nullable=False),  # self | third-party | authorised
    Column("assessed_on", String(10), nullable=False),  # YYYY-MM-DD
    Column("valid_until", String(10), nullable=False),
    Column("source_name", Text, nullable=False),  # the file it was made from (a bid file or an entry)
    Column("source_sha256", String(64), ForeignKey("files.sha256"), nullable=False),
    Column("added_by", Text, nullable=False),
    Column("added_at", String(20), nullable=False),
    PrimaryKeyConstraint("provider", "version"),
)

case_registry = Table(  # the registry entries a case's bids were built from (monitoring: changed or expired)
    "case_registry", metadata,
    Column("case_id", String(32), ForeignKey("cases.id"), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("version", Integer),  # None: the provider had no assessment valid as of the case's date
    Column("as_of", String(10), nullable=False),
    Column("added_by", Text, nullable=False),
    Column("added_at", String(20), nullable=False),
    PrimaryKeyConstraint("case_id", "provider"),
)

report_jobs = Table(  # an evaluation's PDFs being rendered in the background (the app): progress and liveness
    "report_jobs", metadata,
    Column("evaluation_id", String(16), ForeignKey("evaluations.id"), primary_key=True),
    Column("state", String(16), nullable=False),  # running | done | failed (the PDFs themselves are outputs)
    Column("done", Integer, nullable=False),  # documents rendered so far
    Column("total", Integer, nullable=False),  # documents to render (0 until known)
    Column("started_by", Text, nullable=False),
    Column("started_at", String(20), nullable=False),
    Column("beat", BigInteger, nullable=False),  # Unix seconds, renewed while it runs: an old beat, a dead job
    Column("runner", Text, nullable=False),  # host:pid of the process that runs it
    Column("error", Text),  # why it failed
)

user_settings = Table(  # what a user chose for themselves in the app: the language it speaks to them in
    "user_settings", metadata,
    Column("user_name", String(200), primary_key=True),  # the signed-in name (the local user has no users row)
    Column("language", String(16), nullable=False),  # en | zh-CN (evaluator.i18n.LANGUAGES)
)

framework_drafts = Table(  # an analyst's framework version in the editor, not yet published: one per user
    "framework_drafts", metadata,
    Column("user_name", String(200), primary_key=True),
    Column("draft", Text, nullable=False),  # JSON: the base's SHA-256, the new id and version, the edits
    Column("updated_at", String(20), nullable=False),
)
