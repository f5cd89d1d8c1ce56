"""Officer workspace: one tender case at a time, as stored: its tender, the bids received, opening,
evaluation, results, the award (four-eyes) and the letters, and the dossier."""

import datetime as dt
import hashlib
import io
import zipfile

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from evaluator.application import CASE_STATES, LOCAL_USER, Desk, certification_schemes
from evaluator.errors import ConfigurationError, StoreError
from evaluator.model.documents import parse_document
from evaluator.model.tender import PRICE_FORMULAS, TIE_BREAKS, Tender, resolve_settings
from evaluator.model.unanswered import MEANINGS, UNKNOWN_POLICIES
from evaluator.ui.common import (
    BLANK,
    FRAMEWORK_SAMPLES,
    FRAMEWORKS,
    MAX_FILES,
    SAMPLE_BIDS,
    SAMPLE_CAPABILITY,
    SAMPLE_CERTIFICATES,
    SAMPLE_TENDERS,
    SCORE_FORMAT,
    act,
    award_banner,
    chart,
    done,
    framework_at,
    gate_frame,
    glossary,
    grid,
    may_use,
    ranking_frame,
    show_notice,
    state,
    text,
    unbroken,
    why_not_ranked,
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
    st.caption("One tender case at a time, as the store holds it: its tender, the bids received, the evaluation, "
               "the award and the letters. Every step is kept, with who and when, in the case's history.")
    show_notice()
    case_id = _case_section(session, desk)
    if case_id is None:
        return
    case = desk.case(case_id)
    framework, framework_sha, stored, tender_file = desk.case_settings(case_id)
    session.tender = stored  # the analyst workspace starts from the case's current tender
    bundled = {framework_at(str(path))[0].id: str(path) for path in FRAMEWORKS}
    if framework.id in bundled:
        session.framework_path = bundled[framework.id]
    _summary(case, stored)
    _tender_section(session, desk, case, framework, framework_sha, stored, tender_file)
    _bids_section(session, desk, case, stored)
    _evaluate_section(session, desk, case)
    _award_section(desk, case)
    latest = case["evaluations"][-1]["id"] if case["evaluations"] else None
    if latest is not None and desk.report_status(latest)["state"] == "running":
        st.caption(f"The PDFs of evaluation {latest} are still being rendered: a dossier downloaded now holds its "
                   f"data outputs (results.json, results.xlsx, robustness.json) without them.")
    st.download_button("Download the dossier (.zip)", lambda: desk.export_case(case_id), f"{case_id}.zip",
                       "application/zip", key="dossier",
                       help="Every file received (withdrawn ones too), every tender version, every evaluation "
                            "with its outputs, the case's history and a MANIFEST.sha256 to check them with.")


# -- the case ---------------------------------------------------------------------------------------
def _case_section(session, desk: Desk) -> str | None:
    """Pick a stored case or create one. The chosen case is kept in the address (?case=…, so a reload keeps
    it) and in the session (so the other workspaces and back keep it)."""
    st.header("1. Case")
    cases = list(reversed(desk.cases()))  # the newest first
    ids = [row["id"] for row in cases]
    wanted = st.query_params.get("case") or session.get("case_id")
    if wanted in ids and st.session_state.get("case") != wanted:
        st.session_state["case"] = wanted
    chosen = None
    if cases:
        labels = {row["id"]: f"{row['id']} · {row['name']} · {row['state']} · deadline {row['deadline'] or BLANK}"
                  for row in cases}
        chosen = st.selectbox("Tender case", ids, format_func=labels.__getitem__, key="case")
        session.case_id = chosen
        if st.query_params.get("case") != chosen:
            st.query_params["case"] = chosen
    else:
        st.info("No tender case yet: create one from a bundled tender or a tender YAML of your own.")
    with st.expander("Create a new case", expanded=not cases):
        _new_case(session, desk)
    return chosen


def _new_case(session, desk: Desk) -> None:
    source = st.radio("The tender", ["A bundled tender", "A tender YAML file"], horizontal=True, key="new-source")
    if source == "A bundled tender":
        start = st.selectbox("Bundled tender", list(SAMPLE_TENDERS), key="new-tender",
                             index=list(SAMPLE_TENDERS).index("tender.yaml"))
        tender_file: tuple[str, bytes] | None = (start, SAMPLE_TENDERS[start].read_bytes())
    else:
        upload = st.file_uploader("Tender (.yaml)", type=["yaml", "yml"], key="new-tender-file")
        tender_file = (upload.name, upload.getvalue()) if upload else None
    names = [path.name for path in FRAMEWORKS]
    named, template = None, None
    if tender_file is not None:
        try:
            parsed = parse_document(tender_file[1], Tender, tender_file[0])
        except ConfigurationError as error:
            st.error(f"The tender is not valid: {error}")
            return
        named = parsed.framework
        if parsed.letter_template:
            letter = st.file_uploader(f"Its letter template ({parsed.letter_template})", key="new-letter-template",
                                      type=["j2", "html", "jinja", "jinja2", "txt"])
            template = letter.getvalue() if letter else None
    framework_name = st.selectbox("Framework", names, key=f"new-framework-{named}",  # follows the tender's choice
                                  index=names.index(f"{named}.yaml") if f"{named}.yaml" in names else 0,
                                  help="Fixed for the case once it is created.")
    name = st.text_input("Case name (default: the tender's name)", key="new-name")
    if st.button("Create the case", type="primary", key="create-case", disabled=tender_file is None) and tender_file:
        path = FRAMEWORKS[names.index(framework_name)]
        try:
            case_id = desk.create_case((path.name, path.read_bytes()), tender_file, name.strip(), template)
        except (ConfigurationError, StoreError) as error:
            st.error(f"The case was not created: {error}")
            return
        session.case_id = case_id
        st.query_params["case"] = case_id
        done("success", f"Case {case_id} created from {tender_file[0]}.")


def _summary(case: dict, tender: Tender) -> None:
    steps = " → ".join(f"**{step}**" if step == case["state"] else step for step in CASE_STATES)
    st.markdown(f"**{case['id']} · {case['name']}** · deadline {tender.deadline or BLANK} · {steps}")
    for change in case["changes_after_opening"]:
        st.warning(f"CHANGED AFTER OPENING: tender version {change['version']} by {change['by']} at "
                   f"{change['at']}: {change['reason']}")


# -- the tender -------------------------------------------------------------------------------------
FORM_KEYS = ("tender_name", "authority", "reference", "deadline", "weight_profile", "minimum", "unknown", "ties",
             "price_scored", "quality", "formula", "currency", "floor", "ceiling", "reason")


def _tender_section(session, desk: Desk, case: dict, framework, framework_sha: str, stored: Tender,
                    tender_file: str) -> None:
    """The case's current tender version in a form; a change is saved as a new version (after opening, with
    a reason), never kept in the page alone."""
    st.header("2. Tender")
    version = case["tender"]
    form_for = (case["id"], version["sha256"])
    drafts = session.setdefault("tender_drafts", {})  # unsaved form edits, by (case, version)
    if session.get("form_for") != form_for:  # another case or a new version: the form shows it as stored
        for key in FORM_KEYS:
            st.session_state.pop(key, None)
        session.form_for = form_for
    for key, value in drafts.get(form_for, {}).items():  # Streamlit drops a widget's state on another page
        st.session_state.setdefault(key, value)
    st.caption(f"Version {version['version']} ({version['file']}, sha256 {version['sha256'][:12]}…), by "
               f"{version['by']} at {version['at']}. Framework {case['framework']['file']}, fixed for the case.")
    settings = resolve_settings(framework, stored, schemes=certification_schemes())
    left, right = st.columns(2)
    left.download_button("Download the tender (YAML)", stored.to_yaml(), tender_file, "application/x-yaml")
    right.download_button("Download the vendor bid template",
                          lambda: desk.vendor_template(framework, framework_sha, settings), "bid-template.xlsx",
                          key="template")
    edited = _tender_form(framework, stored)
    drafts[form_for] = {key: st.session_state[key] for key in FORM_KEYS if key in st.session_state}
    if edited is None:
        return
    if stored.certifications:
        st.info("Certification gate: " + "; ".join(
            f"{rule.scheme} at {rule.minimum} or above" + (f", at most {rule.max_age_days} days old"
                                                           if rule.max_age_days else "")
            for rule in stored.certifications.rules) + f" (judged on {stored.certifications.as_of}).")
    untouched = _from_form_values(framework, stored, _form_values(framework, stored))
    if untouched is None or edited.to_yaml() == untouched.to_yaml():
        return  # the form as stored (the comparison is made through the form, which normalises a few fields)
    locked = case["state"] in ("award decided", "letters issued")
    opened = case["state"] in ("opened", "evaluated")
    st.warning("The form differs from the stored tender (unsaved): save it as a new version, or it is not used"
               + (" (the award is decided: the tender can no longer change)." if locked else "."))
    reason = st.text_input("Reason for the change (required after opening; recorded and flagged)", key="reason") \
        if opened else ""
    if st.button(f"Save as tender version {version['version'] + 1}", key="save-tender", disabled=locked or (
            opened and not reason.strip())):
        act(lambda: desk.set_case_tender(case["id"], (tender_file, edited.to_yaml().encode()), reason),
             f"Tender version {version['version'] + 1} saved" + (": the results are out of date until the case "
                                                                 "is evaluated again." if case["evaluations"] else "."))


def _form_values(framework, base: Tender) -> dict:
    """What the form shows for `base` untouched, in the shape the form returns."""
    codes = [level.code for level in framework.level_scale.levels]
    profiles = list(framework.weight_profiles)
    award = base.award
    values = {"name": base.name, "authority": base.authority, "reference": base.reference, "deadline": base.deadline,
              "weight_profile": base.weight_profile if base.weight_profile in profiles else
              framework.default_weight_profile,
              "minimum_level": codes[framework.level_scale.parse(base.minimum_level or 0) or 0],
              "unknown": base.unknown, "tie_break": list(base.ties.tie_break), "award": None}
    if award is not None:
        values["award"] = {"quality_weight": int(award.quality_weight), "capability_weight": award.capability_weight,
                           "price_weight": 100 - award.capability_weight - int(award.quality_weight),
                           "price_formula": award.price_formula, "currency": award.currency or "EUR"}
        if award.price_formula == "linear":
            values["award"].update(floor_price=float(award.floor_price or 0),
                                   ceiling_price=float(award.ceiling_price) if award.ceiling_price else 1_000_000.0)
    return values


def _from_form_values(framework, base: Tender, values: dict) -> Tender | None:
    """`base` with the form's values: what the form does not show (contact, signatory, evidence rule, …) is
    kept; weights or per-objective minimums of the base are dropped only when their form field changed."""
    shown = _form_values(framework, base)
    data = base.model_dump()
    data.update(name=values["name"], authority=values["authority"], reference=values["reference"],
                deadline=values["deadline"], framework=framework.id, unknown=values["unknown"],
                ties={**data["ties"], "tie_break": values["tie_break"]})
    if values["weight_profile"] != shown["weight_profile"] or base.weights is None:
        data.update(weight_profile=values["weight_profile"], weights=None)
    if values["minimum_level"] != shown["minimum_level"] or not base.minimum_levels:
        data.update(minimum_level=values["minimum_level"], minimum_levels={})
    if values["award"] != shown["award"]:
        data["award"] = None if values["award"] is None else {**(data["award"] or {}), **values["award"]}
    try:
        tender = Tender.model_validate(data)
        resolve_settings(framework, tender, schemes=certification_schemes())
    except (ValidationError, ConfigurationError) as error:
        st.error(f"The tender is not valid: {error}")
        return None
    return tender


def _tender_form(framework, base: Tender) -> Tender | None:
    """The tender as the form now shows it (None, with the reason shown, when it is not valid)."""
    codes = [level.code for level in framework.level_scale.levels]
    shown = _form_values(framework, base)
    left, right = st.columns(2)
    name = left.text_input("Tender name", shown["name"], key="tender_name")
    authority = right.text_input("Contracting authority", shown["authority"], key="authority")
    reference = left.text_input("Reference", shown["reference"], key="reference")
    deadline = right.text_input("Deadline", shown["deadline"], key="deadline")
    profiles = list(framework.weight_profiles)
    profile = left.selectbox("Weight profile", profiles, index=profiles.index(shown["weight_profile"]),
                             key="weight_profile")
    minimum = right.select_slider("Minimum level for every objective", codes, value=shown["minimum_level"],
                                  key="minimum")
    unknown = left.radio("Unanswered criteria", UNKNOWN_POLICIES, index=UNKNOWN_POLICIES.index(base.unknown),
                         horizontal=True, key="unknown", format_func=lambda policy: POLICY_LABELS.get(policy, policy),
                         help="An unanswered criterion: " + "; ".join(
                             f"{POLICY_LABELS.get(policy, policy).lower()}, it {meaning}"
                             for policy, meaning in MEANINGS.items()))
    left.caption(f"An unanswered criterion {MEANINGS[unknown]}.")
    ties = right.multiselect("Tie-break, in order", list(TIE_BREAKS), default=list(base.ties.tie_break), key="ties",
                             format_func=lambda key: TIE_BREAKS[key][:1].upper() + TIE_BREAKS[key][1:])
    award = _award_form(base)
    return _from_form_values(framework, base, {
        "name": name, "authority": authority, "reference": reference, "deadline": deadline,
        "weight_profile": profile, "minimum_level": minimum, "unknown": unknown, "tie_break": ties, "award": award})

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


# -- the bids ---------------------------------------------------------------------------------------
def _bids_section(session, desk: Desk, case: dict, tender: Tender) -> None:
    """The case's bids as stored: files are added (uploads, the bundled samples) and withdrawn until the case
    is opened; a corrected file is a new bid, and the old one is withdrawn by its button."""
    st.header("3. Bids")
    current = [bid for bid in case["bids"] if bid["current"]]
    receiving = case["state"] in ("draft", "bids received")
    if receiving:
        generation = session.get("upload_generation", 0)
        uploaded = st.file_uploader("Add bid files (.xlsx from the template, long or wide .csv, or a registry entry "
                                    ".json)", type=["xlsx", "csv", "json"], accept_multiple_files=True,
                                    key="upload" if generation == 0 else f"upload-{generation}") or []
        submitted = [(file.name, file.getvalue()) for file in uploaded]
        if st.button("Add the bundled sample bids", key="samples"):
            own = FRAMEWORK_SAMPLES.get(tender.framework or "")
            extra = ([SAMPLE_CERTIFICATES] if tender.certifications else []) + \
                ([SAMPLE_CAPABILITY] if tender.capability else [])
            submitted += [(path.name, path.read_bytes()) for path in [*([own] if own else SAMPLE_BIDS), *extra]]
        if submitted:
            session.upload_generation = generation + 1  # the uploader empties: the case holds the files now
            _add(session, desk, case, submitted)
        _from_registry(desk, case)
    if case.get("registry"):
        st.caption(f"From the provider registry, valid on {case['registry'][0]['as_of']}: " + "; ".join(
            f"{row['provider']} version {row['version']}" if row["version"] else
            f"{row['provider']} (no assessment registered: an invalid bid, saying why)" for row in case["registry"]))
    for notice in case.get("registry_notices", []):
        st.warning(f"Registry: {notice['notice']}")
    if len(current) > MAX_FILES:
        st.error(f"{len(current)} files: at most {MAX_FILES} are evaluated together. Withdraw some.")
    if not current:
        st.info("No bids yet: upload bid files, or add the bundled samples." if receiving else "No current bid.")
    else:
        _validation(session, desk, case, current)
        if receiving:
            _withdraw_buttons(session, desk, case, current)
    withdrawn = [bid for bid in case["bids"] if not bid["current"]]
    if withdrawn:
        st.caption("Withdrawn (kept in the store and the dossier): " + "; ".join(
            f"{bid['file']} ({bid['sha256'][:12]}) by {bid['withdrawn_by']} at {bid['withdrawn_at']}"
            for bid in withdrawn))


def _from_registry(desk: Desk, case: dict) -> None:
    """Bids from the provider registry: each chosen provider's assessment valid on the case's as-of date."""
    if not desk.allowed("read the registry"):
        return
    with st.expander("Add bids from the provider registry (assess once, reuse many)"):
        taken = case.get("registry", [])
        fixed = dt.date.fromisoformat(taken[0]["as_of"]) if taken else None
        as_of = st.date_input("Assessments valid on", value=fixed or dt.date.fromisoformat(desk.clock()[:10]),
                              disabled=fixed is not None, key="registry-as-of",
                              help="One date per case: the registered assessments must hold on it.")
        framework = desk.case_settings(case["id"])[0]
        listed = {row["provider"]: row for row in desk.registry(framework, as_of)}
        chosen = st.multiselect("Providers", [p for p in listed if p not in {t["provider"] for t in taken}],
                                key="registry-providers", format_func=lambda provider: (
                                    f"{provider} · {listed[provider]['provider_name']} · score "
                                    f"{listed[provider]['score']} · "
                                    + ("valid" if listed[provider]["valid"] else listed[provider]["invalid_reason"])))
        if st.button("Add from the registry", key="registry-add", disabled=not chosen):
            act(lambda: desk.add_case_registry(case["id"], chosen, as_of),
                f"Added the registered assessments of {', '.join(chosen)} (valid on {as_of}) to case {case['id']}.")


def _add(session, desk: Desk, case: dict, submitted: list[tuple[str, bytes]]) -> None:
    held = {bid["sha256"]: bid["file"] for bid in case["bids"] if bid["current"]}
    new: dict[str, tuple[str, bytes]] = {}
    for name, content in submitted:
        sha = hashlib.sha256(content).hexdigest()
        if sha not in held:
            new.setdefault(sha, (name, content))
    same = sorted({name for name, content in submitted if hashlib.sha256(content).hexdigest() in held})
    note = f" Already in the case (same content), not added again: {', '.join(same)}." if same else ""
    if not new:
        done("info", "Nothing new to add." + note)
    act(lambda: desk.add_case_bids(case["id"], list(new.values())),
         f"{len(new)} file(s) added to case {case['id']}: {', '.join(name for name, _ in new.values())}.{note}")


def _validation(session, desk: Desk, case: dict, current: list[dict]) -> None:
    """Every current bid file read from the store and validated: one row per bid read (a CSV holds several)."""
    key = (case["id"], tuple(bid["sha256"] for bid in current), case["tender"]["sha256"])
    if session.get("case_read", (None,))[0] != key:
        session.case_read = (key, desk.case_bids(case["id"]))
    bids = session.case_read[1]
    names = [bid["file"] for bid in current]
    shown = {bid["sha256"]: bid["file"] if names.count(bid["file"]) == 1 else f"{bid['file']} ({bid['sha256'][:12]})"
             for bid in current}
    rows = sorted(({"file": shown.get(bid.source.sha256, bid.source.file), "sha256": bid.source.sha256[:12],
                    "answers": case["framework"]["file"].removesuffix(".yaml"), "bid": bid.bid_id,
                    "vendor": bid.vendor, "valid": not bid.invalid,
                    "problems": "; ".join(f"{p.location}: {p.message}" for p in bid.errors)} for bid in bids.bids),
                  key=lambda row: (str(row["file"]).casefold(), str(row["file"]), str(row["bid"] or "")))
    _validation_table(rows)
    outcome = [{"file": row["file"], "sha256": row["sha256"], "bid": row["bid"], "valid": row["valid"]}
               for row in rows]
    if session.get("validated") != outcome:  # log each validation outcome once, not on every rerun
        desk.record_validation(outcome)
        session.validated = outcome
    st.caption(f"{len(current)} files, {len(rows)} bids read, {sum(not r['valid'] for r in rows)} invalid. "
               "Invalid bids are evaluated as invalid and listed in the report.")


def _withdraw_buttons(session, desk: Desk, case: dict, current: list[dict]) -> None:
    st.caption("A corrected file is a new bid: add it, then withdraw the old one. A withdrawn file is kept and "
               "logged, and no longer evaluated.")
    for bid in current:
        name, button = st.columns([6, 1], vertical_alignment="center")
        name.write(f"{bid['file']} · sha256 {bid['sha256'][:12]}… · added by {bid['added_by']} at {bid['added_at']}")
        if button.button("Withdraw", key=f"withdraw-{bid['sha256'][:12]}"):
            act(lambda sha=bid["sha256"]: desk.withdraw_case_bid(case["id"], sha),
                 f"{bid['file']} ({bid['sha256'][:12]}) withdrawn; the case's history records it.")


# -- open, evaluate, results ------------------------------------------------------------------------
def _evaluate_section(session, desk: Desk, case: dict) -> None:
    st.header("4. Open and evaluate")
    state_ = case["state"]
    if state_ in ("draft", "bids received"):
        st.caption("Opening fixes the bids; the tender is locked from then on (a change needs a reason, which is "
                   "recorded and flagged in the report).")
        if st.button("Open the case", key="open", disabled=state_ == "draft"):
            act(lambda: desk.open_case(case["id"]), f"Case {case['id']} opened: the bids are fixed.")
        return
    if state_ in ("opened", "evaluated"):
        st.button("Evaluate", type="primary", key="evaluate", on_click=_evaluate, args=(session, desk, case["id"]))
    latest = case["evaluations"][-1] if case["evaluations"] else None
    if latest is None:
        st.info("Not evaluated yet.")
        session.outcome = session.evaluation_id = None
        return
    if state_ == "opened" or latest["tender_sha256"] != case["tender"]["sha256"]:
        st.warning(f"Out of date: evaluate again. The tender changed (now version {case['tender']['version']}) "
                   f"after evaluation {latest['id']} of {latest['at']}, whose results are therefore not shown "
                   f"here (the auditor workspace and the dossier keep them).")
        session.outcome = session.evaluation_id = None
        return
    outcomes = session.setdefault("outcomes", {})
    if latest["id"] not in outcomes:
        outcomes[latest["id"]] = desk.stored_outcome(latest["id"])
    session.outcome, session.evaluation_id = outcomes[latest["id"]], latest["id"]
    _results(desk, desk.results(latest["id"]), outcomes[latest["id"]], latest)


def _evaluate(session, desk: Desk, case_id: str) -> None:
    """Evaluate, before the page runs (the button's callback), so that one run shows the evaluation: its
    ranking at once, and its PDFs rendered in the background, beginning RENDER_AFTER_S later so that they do
    not slow that run down (and whether or not it runs: the tab may be closed at once)."""
    try:
        outcome, evaluation_id = desk.evaluate_case(case_id, render=False)
    except (ConfigurationError, StoreError) as error:
        session.notice = ("error", str(error))
        return
    session.setdefault("outcomes", {})[evaluation_id] = outcome
    desk.start_report(evaluation_id, after=RENDER_AFTER_S)
    session.notice = ("success", f"Evaluated: stored as evaluation {evaluation_id}. The PDF report, the summary and "
                                 f"the draft letters are being rendered; they are offered under Downloads when "
                                 f"ready.")


def _results(desk: Desk, document: dict, outcome, latest: dict) -> None:
    """The case's latest evaluation, as stored: its results document and its stored outputs."""
    summary = document["summary"]
    st.header("Results")
    st.caption(f"Evaluation {latest['id']}, by {latest['by']} at {latest['at']}, of the current tender and bids.")
    counts = [("Bids", "bids"), ("Ranked", "ranked")] + ([("Pending (panel)", "pending")] if "pending" in summary
                                                         else []) + [("Excluded", "excluded"), ("Invalid", "invalid")]
    for column, (label, key) in zip(st.columns(len(counts)), counts, strict=True):
        column.metric(label, summary[key])
    if summary.get("pending"):
        st.warning(f"Provisional: {summary['pending']} bid(s) pending, until the panel's chair records a consensus "
                   f"and the case is evaluated again; the award cannot be approved before. "
                   + (f"So far: {award_banner(document)}" if summary["rank_1"] else ""))
    elif summary["rank_1"]:
        st.success(award_banner(document))
    else:
        st.warning("No bid passed the gate.")
    scale = outcome.evaluation.framework.level_scale
    if len(scale.levels) > 1:
        st.caption(glossary(scale.name, scale.description, [(level.code, level.name) for level in scale.levels]))
    st.subheader("Ranking")
    grid(*ranking_frame(document), key="ranking")
    reasons = why_not_ranked(document)
    if len(reasons):
        st.caption("Why the other bids are not ranked, in full:")
        st.table(reasons, hide_index=True)
    st.subheader("Gate matrix")
    st.caption("The first row is the level each objective requires; a bid's level below it is marked ✗.")
    st.dataframe(gate_frame(document), key="gate")
    left, _ = st.columns(2)
    chart(left, desk.score_distribution(document), "How the Sovereignty Scores spread")
    _drill_down(outcome, desk)
    _downloads(desk, latest["id"])


# -- the award --------------------------------------------------------------------------------------
def _award_section(desk: Desk, case: dict) -> None:
    st.header("5. Award and letters")
    latest = case["evaluations"][-1] if case["evaluations"] else None
    if case["state"] == "evaluated" and latest is not None:
        if latest["by"] == desk.user.name:
            st.info(f"Four-eyes rule: the award must be approved by another officer than the one who ran the "
                    f"evaluation ({latest['by']}). Ask a colleague with the officer role to open case {case['id']} "
                    f"and approve it." + (" In single-user local mode there is no other officer: approve with "
                                          f"`python -m evaluator case approve {case['id']} --as OTHER_OFFICER` "
                                          f"(any name but {LOCAL_USER})."
                                          if desk.user.name == LOCAL_USER else ""))
        elif st.button("Approve the award", type="primary", key="approve"):
            act(lambda: desk.approve_award(case["id"]),
                 f"The award of evaluation {latest['id']} is approved.")
    elif case["state"] not in ("award decided", "letters issued"):
        st.caption("The award is approved after an evaluation, by another officer than who ran it (four-eyes).")
    award, letters = case["award"], case["letters"]
    if award:
        st.success(f"Award approved by {award['approved_by']} at {award['approved_at']} "
                   f"(evaluation {award['evaluation']}).")
        label = "Issue the letters again (copies)" if letters else "Issue letters"
        rendering = not letters and desk.report_status(award["evaluation"])["state"] == "running"
        if rendering:  # issuing renders the drafts again, dated: not while they are being rendered
            st.info("The draft letters are still being rendered (see Downloads): Issue letters is offered once "
                    "they are stored.")
        if st.button(label, key="issue-letters", disabled=rendering):
            act(lambda: desk.issue_letters(case["id"]), "Letters issued.")
    if letters:
        st.success(f"Letters issued at {letters['issued_at']}; the standstill period "
                   f"({letters['standstill_days']} days) ends on {letters['standstill_end']}.")
        st.download_button("Download the issued letters (.zip)", lambda: _zip(desk.issued_letters(case["id"])),
                           f"{case['id']}-letters.zip", "application/zip", key="issued-letters")

def _validation_table(rows: list[dict]) -> None:
    """Each bid read, by file name: a static table, so every problem is shown in full and wrapped, and an
    invalid bid is marked in words."""
    frame = pd.DataFrame([{"file": row["file"], "sha256": row["sha256"], "answers": row["answers"],
                           "bid": text(row["bid"]), "vendor": text(row["vendor"]),
                           "status": "valid" if row["valid"] else "✗ INVALID", "problems": row["problems"]}
                          for row in rows]).set_index("file")
    st.table(frame)  # the file names, the index, may repeat (a CSV holds several bids): no Styler


def _drill_down(outcome, desk: Desk) -> None:
    document = outcome.document
    st.subheader("One bid in detail")
    labels = [f"{bid['bid_id'] or '?'} · {bid['vendor'] or bid['source']['file']} · {bid['status']}"
              for bid in document["bids"]]
    position = st.selectbox("Bid", range(len(labels)), format_func=labels.__getitem__, key="detail")
    bid = document["bids"][position]
    if bid["status"] == "invalid":
        st.error("This file could not be evaluated.")
        st.table(pd.DataFrame(bid["errors"]).map(text), hide_index=True)  # wrapped, in full
        return
    detail = desk.bid_detail(outcome, position)
    left, right = st.columns(2)
    chart(left, detail["profile_svg"], "Level per objective (bar); the black tick is the required level")
    chart(right, detail["contribution_svg"], "What each objective added to the score (blue) of its weight (grey)")
    codes = document["framework"]["level_codes"]
    grid(pd.DataFrame([{"objective": oid, "level": BLANK if o["level"] is None else codes[o["level"]],
                        "required": codes[o["required"]], "passed": "yes" if o["passed"] else "✗ no",
                        "score": o["score"], "weighted": o["weighted"], "unanswered": ", ".join(o["unanswered"]),
                        "capped by": ", ".join(o.get("capped_by") or [])}
                       for oid, o in bid["objectives"].items()]).astype({"score": "float64", "weighted": "float64"}),
         {"score": SCORE_FORMAT, "weighted": SCORE_FORMAT}, wide=("capped by",), key="objectives")
    if detail["capping"]:
        st.caption("The criteria that capped each objective's level, with the answer and the evidence given")
        st.table(pd.DataFrame([{**{key: text(value) for key, value in row.items()},
                                "level": unbroken(codes[row["level"]]),
                                "quality": text(row.get("quality")).replace("_", " ")}
                               for row in detail["capping"]]), hide_index=True)  # wrapped: answers and evidence in full
    for reason in bid["exclusion_reasons"]:
        st.error(f"Excluded: {reason['message']}")
    if bid.get("claimed") is not None:
        _claimed_and_assessed(bid, codes)


def _claimed_and_assessed(bid: dict, codes: list[str]) -> None:
    """The bid as claimed beside the bid as the panel assessed it, and each answer the panel changed."""
    st.subheader("As claimed and as the panel assessed it")
    assessed = "decided so far (provisional)" if bid.get("provisional") else "assessed"
    claimed = bid["claimed"]
    figures = [("status", claimed["status"], bid["status"]), ("rank", claimed["rank"], bid["rank"]),
               ("Sovereignty Score %", claimed["score"], bid["score"]), ("total", claimed["total"], bid["total"])]
    levels = [("overall level", claimed["overall_level"], bid["overall_level"])] + [
        (oid, claimed["objectives"][oid]["level"], o["level"]) for oid, o in bid["objectives"].items()]
    st.table(pd.DataFrame([{"": name, "claimed": _figure(a), assessed: _figure(b)} for name, a, b in figures] +
                          [{"": name, "claimed": BLANK if a is None else unbroken(codes[a]),
                            assessed: BLANK if b is None else unbroken(codes[b])} for name, a, b in levels]),
             hide_index=True)
    for reason in bid.get("pending_reasons", []):
        st.warning(f"Pending: {reason}")
    if bid.get("moderations"):
        st.table(pd.DataFrame([{"criterion": m["criterion_id"], "claimed": text(m["claimed"]),
                                "assessed": text(m["assessed"]), "by": ", ".join(m["assessors"]), "stage": m["stage"],
                                "justification": "; ".join(m["justifications"]) or BLANK}
                               for m in bid["moderations"]]), hide_index=True)


def _figure(value) -> str:
    return BLANK if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def _downloads(desk: Desk, evaluation_id: str) -> None:
    """The evaluation's stored outputs. Its PDFs are rendered in the background after the ranking is shown
    (Desk.start_report): meanwhile a progress bar, read from the store, so a reload or another instance shows
    it too; a rendering that failed, or whose process is gone (stopped), is offered again."""
    st.subheader("Downloads")
    st.caption(f"Stored as evaluation {evaluation_id}; every download is recorded in the audit log.")
    stored = desk.files_of(evaluation_id)["output"]
    columns = st.columns(len(OUTPUTS) + 1)
    for column, name in zip(columns, OUTPUTS, strict=False):  # the last column holds the letters
        if name in stored:
            content = desk.output(evaluation_id, name)
            column.download_button(name, content, name, key=f"download-{name}",
                                   on_click=desk.note_download, args=(evaluation_id, name, content))
    letters = {name: desk.output(evaluation_id, name) for name in stored if name.startswith("letters/")}
    if letters:
        archive = _zip(letters)
        columns[-1].download_button(f"{len(letters)} draft letters (.zip)", archive, "draft-letters.zip",
                                    key="download-letters", on_click=desk.note_download,
                                    args=(evaluation_id, "draft-letters.zip", archive))
    status = desk.report_status(evaluation_id)
    if status["state"] == "running":
        _rendering(desk, evaluation_id)
    elif status["state"] in ("stopped", "failed", "not rendered"):
        _render_again(desk, evaluation_id, status)


RENDERING_LABEL = "The PDF report, the summary and the draft letters are being rendered"
RENDER_AFTER_S = 1.0  # after Evaluate: the page showing the ranking runs first


@st.fragment(run_every=1)
def _rendering(desk: Desk, evaluation_id: str) -> None:
    """The rendering's progress, from the store, every second; the whole page again once it has ended (the
    downloads, and Issue letters, then show)."""
    status = desk.report_status(evaluation_id)
    if status["state"] != "running":
        st.rerun()
    done_, total = status.get("done", 0), status.get("total", 0)
    st.progress(done_ / total if total else 0.0,
                text=f"{RENDERING_LABEL}: {done_} of {total} documents done (the report first, then the summary "
                     f"and the letters)" if total else f"{RENDERING_LABEL}: starting…")
    st.caption((f"Started by {status['started_by']} at {status['started_at']}. " if "started_by" in status else "")
               + "The ranking, the gate matrix and the bids in detail can be read meanwhile; the PDFs are offered "
                 "here when they are stored.")


def _render_again(desk: Desk, evaluation_id: str, status: dict) -> None:
    if status["state"] == "stopped":
        st.warning(f"The rendering of the PDFs started by {status['started_by']} at {status['started_at']} "
                   f"stopped after {status['done']} of {status['total']} documents: the process rendering them is "
                   f"gone (the server restarted?). The results, results.json and results.xlsx are stored.")
    elif status["state"] == "failed":
        st.error(f"The PDFs could not be rendered ({status['error']}). The results, results.json and "
                 f"results.xlsx are stored.")
    else:
        st.info("The PDF report, the summary and the draft letters of this evaluation are not stored.")
    if st.button("Render the PDFs again" if status["state"] != "not rendered" else "Render the PDFs",
                 key="render-again"):
        act(lambda: desk.start_report(evaluation_id), "The PDFs are being rendered again.")


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()
