"""Officer workspace: set up the tender, hand out the template, take in bids, evaluate, download."""

import hashlib
import io
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from evaluator.application import Desk, certification_schemes, letter_files, read_tender
from evaluator.errors import ConfigurationError, StoreError
from evaluator.model.tender import PRICE_FORMULAS, TIE_BREAKS, Tender, resolve_settings
from evaluator.model.unanswered import MEANINGS, UNKNOWN_POLICIES
from evaluator.ui.common import (
    BLANK,
    FRAMEWORKS,
    MAX_FILES,
    SAMPLE_BIDS,
    SAMPLE_CAPABILITY,
    SAMPLE_CERTIFICATES,
    SAMPLE_TENDERS,
    award_banner,
    capability_framework_at,
    chart,
    framework_at,
    gate_frame,
    glossary,
    may_use,
    ranking_frame,
    root,
    score_text,
    state,
    text,
    workspace,
)

OUTPUTS = ("results.json", "results.xlsx", "report.pdf", "summary.pdf")
POLICY_LABELS = {"conservative": "Conservative", "calculator": "As the Commission's calculator",
                 "strict": "Strict"}
FORMULA_LABELS = {"lowest_ratio": "Relative to the lowest price (100 × lowest / price)",
                  "linear": "Linear between a floor and a ceiling price"}


def page() -> None:
    session = state()
    desk = workspace()
    st.title("Procurement officer")
    if not may_use(desk, "evaluate", "officer"):
        return
    st.caption("Set the tender, give vendors the template, upload their bids, evaluate, and download the award "
               "report. Everything uploaded is kept by its SHA-256.")
    tender = _tender_form(session, desk)
    if tender is None:
        return
    files = _bids_section(session, desk, tender)
    _evaluate_section(session, desk, tender, files)
    if session.outcome is not None:
        _results(session, desk)


def _tender_form(session, desk: Desk) -> Tender | None:
    st.header("1. Tender")
    names = [path.name for path in FRAMEWORKS]
    start = st.selectbox("Start from a bundled tender", list(SAMPLE_TENDERS), key="start_tender",
                         index=list(SAMPLE_TENDERS).index("tender.yaml"))
    if session.get("started_from") != start:  # a new starting point resets the form to that tender
        session.started_from, session.tender = start, read_tender(SAMPLE_TENDERS[start])[0]
        st.session_state["framework"] = f"{session.tender.framework}.yaml"
    chosen = st.selectbox("Framework", names, key="framework")
    session.framework_path = str(FRAMEWORKS[names.index(chosen)])
    framework, framework_sha = framework_at(session.framework_path)
    base = session.tender if session.tender.framework in (None, framework.id) else Tender()
    codes = [level.code for level in framework.level_scale.levels]
    left, right = st.columns(2)
    name = left.text_input("Tender name", base.name, key="tender_name")
    authority = right.text_input("Contracting authority", base.authority, key="authority")
    reference = left.text_input("Reference", base.reference, key="reference")
    deadline = right.text_input("Deadline", base.deadline, key="deadline")
    profiles = list(framework.weight_profiles)
    profile = left.selectbox("Weight profile", profiles, index=profiles.index(base.weight_profile)
                             if base.weight_profile in profiles else profiles.index(framework.default_weight_profile),
                             key="weight_profile")
    minimum = right.select_slider("Minimum level for every objective", codes,
                                  value=codes[framework.level_scale.parse(base.minimum_level or 0) or 0], key="minimum")
    unknown = left.radio("Unanswered criteria", UNKNOWN_POLICIES, index=UNKNOWN_POLICIES.index(base.unknown),
                         horizontal=True, key="unknown", format_func=lambda policy: POLICY_LABELS.get(policy, policy),
                         help="An unanswered criterion: " + "; ".join(
                             f"{POLICY_LABELS.get(policy, policy).lower()}, it {meaning}"
                             for policy, meaning in MEANINGS.items()))
    left.caption(f"An unanswered criterion {MEANINGS[unknown]}.")
    ties = right.multiselect("Tie-break, in order", list(TIE_BREAKS), default=list(base.ties.tie_break), key="ties",
                             format_func=lambda key: TIE_BREAKS[key][:1].upper() + TIE_BREAKS[key][1:])
    award = _award_form(base)
    try:
        tender = Tender.model_validate({
            "name": name, "authority": authority, "reference": reference, "deadline": deadline,
            "framework": framework.id, "weight_profile": profile, "minimum_level": minimum, "unknown": unknown,
            "award": award, "ties": {"decimals": base.ties.decimals, "tie_break": ties}, "evidence": base.evidence,
            "formulas": base.formulas, "certifications": base.certifications, "capability": base.capability,
            "report": base.report})
        resolve_settings(framework, tender, schemes=certification_schemes())
    except (ValidationError, ConfigurationError) as error:
        st.error(f"The tender is not valid: {error}")
        return None
    session.tender = tender
    settings = resolve_settings(framework, tender, schemes=certification_schemes())
    if tender.certifications:
        st.info("Certification gate: " + "; ".join(
            f"{rule.scheme} at {rule.minimum} or above" + (f", at most {rule.max_age_days} days old"
                                                           if rule.max_age_days else "")
            for rule in tender.certifications.rules) + f" (judged on {tender.certifications.as_of}).")
    if tender.capability and tender.award:  # a capability framework comes with its weight in the award
        st.info(f"Combined tender: product capability is scored under {tender.capability.framework} and "
                f"weighs {tender.award.capability_weight:g} % of the award total.")
    left, right = st.columns(2)
    left.download_button("Download the tender (YAML)", tender.to_yaml(), "tender.yaml", "application/x-yaml")
    right.download_button("Download the vendor bid template", desk.vendor_template(framework, framework_sha, settings),
                          "bid-template.xlsx", key="template")
    return tender


def _award_form(base: Tender) -> dict | None:
    scored = st.toggle("Score price too", value=base.award is not None, key="price_scored")
    if not scored:
        return None
    award = base.award
    left, middle, right = st.columns(3)
    capability = award.capability_weight if award else 0  # set by a combined tender's file
    quality = left.slider("Sovereignty weight %", 0, int(100 - capability),
                          int(award.quality_weight) if award else 80, key="quality")
    formulas = list(PRICE_FORMULAS)
    formula = middle.selectbox("Price formula", formulas, index=formulas.index(award.price_formula) if award else 1,
                               key="formula", format_func=lambda name: FORMULA_LABELS.get(name, name),
                               help="The linear formula is absolute: removing a bid never reverses the others; the "
                                    "relative one can.")
    currency = right.text_input("Currency", award.currency if award and award.currency else "EUR", key="currency")
    result = {"quality_weight": quality, "capability_weight": capability, "price_weight": 100 - capability - quality,
              "price_formula": formula, "currency": currency or None}
    if formula == "linear":
        floor = left.number_input("Floor price (100 points)", 0.0, value=float(award.floor_price or 0)
                                  if award and award.floor_price is not None else 0.0, key="floor")
        ceiling = middle.number_input("Ceiling price (0 points)", 0.0, value=float(award.ceiling_price)
                                      if award and award.ceiling_price else 1_000_000.0, key="ceiling")
        result.update(floor_price=floor, ceiling_price=ceiling)
    return result


def uploader_key(session) -> str:
    """The bid uploader's widget key: a new one after "Remove all bids", which empties the uploader."""
    generation = session.get("upload_generation", 0)
    return "upload" if generation == 0 else f"upload-{generation}"


def _remove_all(session) -> None:
    session.upload_generation = session.get("upload_generation", 0) + 1
    session.samples_added = False


def _bids_section(session, desk: Desk, tender: Tender) -> list[str]:
    """The bid files of this tender, exactly as the uploader shows them (plus the bundled samples once
    added): each kept under its SHA-256, validated, and returned as stored paths for the evaluation."""
    st.header("2. Bids")
    uploaded = st.file_uploader("Bid files (.xlsx from the template, or long or wide .csv)", type=["xlsx", "csv"],
                                accept_multiple_files=True, key=uploader_key(session)) or []
    left, right = st.columns(2)
    if left.button("Add the bundled sample bids", key="samples"):
        session.samples_added = True
    submitted = [(file.name, file.getvalue()) for file in uploaded]
    if session.get("samples_added"):
        extra = ([SAMPLE_CERTIFICATES] if tender.certifications else []) + \
            ([SAMPLE_CAPABILITY] if tender.capability else [])
        submitted += [(path.name, path.read_bytes()) for path in [*SAMPLE_BIDS, *extra]]
    right.button("Remove all bids", key="clear", disabled=not submitted, on_click=_remove_all, args=(session,))
    if len(submitted) > MAX_FILES:
        st.error(f"{len(submitted)} files: at most {MAX_FILES} are evaluated together. Remove some; nothing is "
                 f"evaluated until then.")
        return []
    if not submitted:
        st.info("No bids yet: upload bid files, or add the bundled samples.")
        return []
    files = _kept(session, desk, submitted)
    frameworks = [framework_at(session.framework_path)[0]]
    if tender.capability:
        frameworks.append(capability_framework_at(tender.capability.framework)[0])
    bid_sets = desk.read_uploads(sorted(files), frameworks, tender.formulas)
    rows = sorted(({"file": files.get(bid.source.file, bid.source.file.rsplit("/", 1)[-1]),
                    "sha256": bid.source.sha256[:12], "answers": framework.id, "bid": bid.bid_id, "vendor": bid.vendor,
                    "valid": not bid.invalid, "problems": "; ".join(f"{p.location}: {p.message}" for p in bid.errors)}
                   for framework, bids in zip(frameworks, bid_sets, strict=True) for bid in bids.bids),
                  key=lambda row: (str(row["file"]).casefold(), str(row["file"]), str(row["bid"] or "")))
    _validation_table(rows)
    outcome = [{"file": row["file"], "sha256": row["sha256"], "bid": row["bid"], "valid": row["valid"]}
               for row in rows]
    if session.get("validated") != outcome:  # log each validation outcome once, not on every rerun
        desk.record_validation(outcome)
        session.validated = outcome
    st.caption(f"{len(files)} files, {len(rows)} bids read, {sum(not r['valid'] for r in rows)} invalid. "
               "Invalid bids are evaluated as invalid and listed in the report.")
    return sorted(files)


def _validation_table(rows: list[dict]) -> None:
    """Each bid read, by file name: a static table, so every problem is shown in full and wrapped, and an
    invalid bid is marked in words."""
    frame = pd.DataFrame([{"file": row["file"], "sha256": row["sha256"], "answers": row["answers"],
                           "bid": text(row["bid"]), "vendor": text(row["vendor"]),
                           "status": "valid" if row["valid"] else "✗ INVALID", "problems": row["problems"]}
                          for row in rows]).set_index("file")
    st.table(frame)  # the file names, the index, may repeat (a CSV holds several bids): no Styler


def _kept(session, desk: Desk, submitted: list[tuple[str, bytes]]) -> dict[str, str]:
    """Stored path -> the name shown, for each distinct submitted file (name and content). A file is kept
    (and its upload logged) once a session; a name that two different files share is shown with each
    one's SHA-256, and the two are separate submissions."""
    by_key: dict[tuple[str, str], bytes] = {}
    for name, content in submitted:
        by_key.setdefault((Path(name).name, hashlib.sha256(content).hexdigest()), content)
    names = [name for name, _ in by_key]
    files = {}
    for (name, sha), content in by_key.items():
        if (name, sha) not in session.stored_uploads:
            session.stored_uploads[(name, sha)] = str(desk.upload(name, content, root()))
        files[session.stored_uploads[(name, sha)]] = name if names.count(name) == 1 else f"{name} ({sha[:12]})"
    return files


def _evaluate_section(session, desk: Desk, tender: Tender, files: list[str]) -> None:
    st.header("3. Evaluate")
    if not files:
        return
    letters = st.checkbox("Write a letter to every bidder", value=True, key="letters")
    if st.button("Evaluate", type="primary", key="evaluate"):
        with st.status("Evaluating…", expanded=True) as status:
            st.write(f"Reading {len(files)} files and scoring the bids; rendering the PDFs…")
            try:
                session.outcome, session.evaluation_id = desk.evaluate_tender(session.framework_path, tender, files,
                                                                              root(), letters)
            except (ConfigurationError, StoreError) as error:
                status.update(label="The evaluation could not run", state="error")
                st.error(str(error))
                return
            if session.outcome.report_error:
                status.update(label="Evaluated, but the PDFs could not be made", state="error")
                st.error(f"The PDF report could not be rendered ({session.outcome.report_error}). The results below, "
                         f"results.json and results.xlsx are stored as evaluation {session.evaluation_id}.")
                return
            status.update(label="Evaluated", state="complete", expanded=False)


def _results(session, desk: Desk) -> None:
    outcome = session.outcome
    document = outcome.document
    summary = document["summary"]
    st.header("Results")
    columns = st.columns(4)
    columns[0].metric("Bids", summary["bids"])
    columns[1].metric("Ranked", summary["ranked"])
    columns[2].metric("Excluded", summary["excluded"])
    columns[3].metric("Invalid", summary["invalid"])
    st.success(award_banner(document)) if summary["rank_1"] else st.warning("No bid passed the gate.")
    framework = outcome.evaluation.framework
    scale = framework.level_scale
    if len(scale.levels) > 1:
        st.caption(glossary(scale.name, scale.description, [(level.code, level.name) for level in scale.levels]))
    st.subheader("Ranking")
    st.dataframe(ranking_frame(document), hide_index=True, key="ranking")
    st.subheader("Gate matrix")
    st.caption("The first row is the level each objective requires; a bid's level below it is marked ✗.")
    st.dataframe(gate_frame(document), key="gate")
    left, _ = st.columns(2)
    chart(left, desk.score_distribution(document), "How the Sovereignty Scores spread")
    _drill_down(outcome, desk)
    _downloads(outcome, desk, session.evaluation_id)


def _drill_down(outcome, desk: Desk) -> None:
    document = outcome.document
    st.subheader("One bid in detail")
    labels = [f"{bid['bid_id'] or '?'} · {bid['vendor'] or bid['source']['file']} · {bid['status']}"
              for bid in document["bids"]]
    position = st.selectbox("Bid", range(len(labels)), format_func=labels.__getitem__, key="detail")
    bid = document["bids"][position]
    if bid["status"] == "invalid":
        st.error("This file could not be evaluated.")
        st.dataframe(pd.DataFrame(bid["errors"]), hide_index=True)
        return
    detail = desk.bid_detail(outcome, position)
    left, right = st.columns(2)
    chart(left, detail["profile_svg"], "Level per objective (bar); the black tick is the required level")
    chart(right, detail["contribution_svg"], "What each objective added to the score (blue) of its weight (grey)")
    codes = document["framework"]["level_codes"]
    st.dataframe(pd.DataFrame([{"objective": oid, "level": BLANK if o["level"] is None else codes[o["level"]],
                                "required": codes[o["required"]],
                                "passed": "yes" if o["passed"] else "✗ no", "score": score_text(o["score"]),
                                "weighted": score_text(o["weighted"]), "unanswered": ", ".join(o["unanswered"]),
                                "capped by": ", ".join(o.get("capped_by") or [])}
                               for oid, o in bid["objectives"].items()]),
                 hide_index=True)
    if detail["capping"]:
        st.caption("The criteria that capped each objective's level, with the answer and the evidence given")
        st.dataframe(pd.DataFrame([{**{key: text(value) for key, value in row.items()}, "level": codes[row["level"]]}
                                   for row in detail["capping"]]), hide_index=True)
    for reason in bid["exclusion_reasons"]:
        st.error(f"Excluded: {reason['message']}")


def _downloads(outcome, desk: Desk, evaluation_id: str) -> None:
    st.subheader("Downloads")
    st.caption(f"Stored as evaluation {evaluation_id}; every download is recorded in the audit log.")
    columns = st.columns(len(OUTPUTS) + 1)
    for column, name in zip(columns, OUTPUTS, strict=False):  # the last column holds the letters
        if name in outcome.files:
            column.download_button(name, outcome.files[name], name, key=f"download-{name}",
                                   on_click=desk.note_download, args=(evaluation_id, name, outcome.files[name]))
    letters = letter_files(outcome)
    if letters:
        archive = _zip(letters)
        columns[-1].download_button(f"{len(letters)} letters (.zip)", archive, "letters.zip", key="download-letters",
                                    on_click=desk.note_download, args=(evaluation_id, "letters.zip", archive))


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()
