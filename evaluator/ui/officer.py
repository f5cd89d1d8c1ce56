"""Officer workspace: one tender case at a time, as stored: its tender, the bids received, opening,
evaluation, results, the award (four-eyes) and the letters, and the dossier."""

import datetime as dt
import hashlib
import io
import zipfile
from collections.abc import Callable

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from evaluator.application import CASE_STATES, LOCAL_USER, Desk, certification_schemes
from evaluator.errors import ConfigurationError, StoreError
from evaluator.i18n import N_, _, current
from evaluator.model import unanswered
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
    headed,
    listed,
    may_use,
    ranking_frame,
    show_notice,
    state,
    status_word,
    text,
    unbroken,
    why_not_ranked,
    workspace,
)

OUTPUTS = ("results.json", "results.xlsx", "report.pdf", "summary.pdf")
POLICY_LABELS: dict[str, str] = {str(code): name for code, name in unanswered.NAMES.items()}
FORMULA_LABELS = {"lowest_ratio": N_("Relative to the lowest price (100 × lowest / price)"),
                  "linear": N_("Linear between a floor and a ceiling price")}
CASE_STATE_WORDS = {"draft": N_("draft"), "bids received": N_("bids received"), "opened": N_("opened"),
                    "evaluated": N_("evaluated"), "award decided": N_("award decided"),
                    "letters issued": N_("letters issued")}  # application.CASE_STATES, as a person reads them
TENDER_SOURCES = (N_("A bundled tender"), N_("A tender YAML file"))  # the radio's values, shown translated


def state_word(case_state: str) -> str:
    """A case's state (a code in the store: draft, opened, …) in the page's language."""
    return _(CASE_STATE_WORDS[case_state]) if case_state in CASE_STATE_WORDS else case_state


def label(labels: dict[str, str], code: str) -> str:
    """The translated label of a code (a policy, a price formula), the code itself if it has none."""
    return _(labels[code]) if code in labels else code


def capitalised(words: str) -> str:
    return words[:1].upper() + words[1:]


def page() -> None:
    session = state()
    desk = workspace()
    st.title(_("Procurement officer"))
    if not may_use(desk, "evaluate", "officer"):
        return
    st.caption(_("One tender case at a time, as the store holds it: its tender, the bids received, the evaluation, "
                 "the award and the letters. Every step is kept, with who and when, in the case's history."))
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
        st.caption(_("The PDFs of evaluation {evaluation} are still being rendered: a dossier downloaded now holds "
                     "its data outputs (results.json, results.xlsx, robustness.json) without them.").format(
            evaluation=latest))
    st.download_button(_("Download the dossier (.zip)"), lambda: desk.export_case(case_id), f"{case_id}.zip",
                       "application/zip", key="dossier",
                       help=_("Every file received (withdrawn ones too), every tender version, every evaluation "
                              "with its outputs, the case's history and a MANIFEST.sha256 to check them with."))


# -- the case ---------------------------------------------------------------------------------------
def _case_section(session, desk: Desk) -> str | None:
    """Pick a stored case or create one. The chosen case is kept in the address (?case=…, so a reload keeps
    it) and in the session (so the other workspaces and back keep it)."""
    st.header(_("1. Case"))
    cases = list(reversed(desk.cases()))  # the newest first
    ids = [row["id"] for row in cases]
    wanted = st.query_params.get("case") or session.get("case_id")
    if wanted in ids and st.session_state.get("case") != wanted:
        st.session_state["case"] = wanted
    chosen = None
    if cases:
        labels = {row["id"]: f"{row['id']} · {row['name']} · {state_word(row['state'])} · "
                             + _("deadline {deadline}").format(deadline=row["deadline"] or BLANK) for row in cases}
        chosen = st.selectbox(_("Tender case"), ids, format_func=labels.__getitem__, key="case")
        session.case_id = chosen
        if st.query_params.get("case") != chosen:
            st.query_params["case"] = chosen
    else:
        st.info(_("No tender case yet: create one from a bundled tender or a tender YAML of your own."))
    with st.expander(_("Create a new case"), expanded=not cases):
        _new_case(session, desk)
    return chosen


def _new_case(session, desk: Desk) -> None:
    source = st.radio(_("The tender"), TENDER_SOURCES, horizontal=True, key="new-source", format_func=_)
    if source == TENDER_SOURCES[0]:
        start = st.selectbox(_("Bundled tender"), list(SAMPLE_TENDERS), key="new-tender",
                             index=list(SAMPLE_TENDERS).index("tender.yaml"))
        tender_file: tuple[str, bytes] | None = (start, SAMPLE_TENDERS[start].read_bytes())
    else:
        upload = st.file_uploader(_("Tender (.yaml)"), type=["yaml", "yml"], key="new-tender-file")
        tender_file = (upload.name, upload.getvalue()) if upload else None
    choices = _framework_choices(desk)
    names = list(choices)
    named, template = None, None
    if tender_file is not None:
        try:
            parsed = parse_document(tender_file[1], Tender, tender_file[0])
        except ConfigurationError as error:
            st.error(_("The tender is not valid: {error}").format(error=error))
            return
        named = parsed.framework
        if parsed.letter_template:
            letter = st.file_uploader(_("Its letter template ({file})").format(file=parsed.letter_template),
                                      key="new-letter-template", type=["j2", "html", "jinja", "jinja2", "txt"])
            template = letter.getvalue() if letter else None
    framework_name = st.selectbox(_("Framework"), names, key=f"new-framework-{named}",  # follows the tender's choice
                                  index=names.index(f"{named}.yaml") if f"{named}.yaml" in names else 0,
                                  format_func=lambda key: choices[key][0],
                                  help=_("Fixed for the case once it is created. Published versions are those "
                                         "analysts derived in the framework editor."))
    name = st.text_input(_("Case name (default: the tender's name)"), key="new-name")
    if st.button(_("Create the case"), type="primary", key="create-case", disabled=tender_file is None) and \
            tender_file:
        try:
            case_id = desk.create_case((framework_name, choices[framework_name][1]()), tender_file, name.strip(),
                                       template)
        except (ConfigurationError, StoreError) as error:
            st.error(_("The case was not created: {error}").format(error=error))
            return
        session.case_id = case_id
        st.query_params["case"] = case_id
        done("success", _("Case {case} created from {file}.").format(case=case_id, file=tender_file[0]))


def _framework_choices(desk: Desk) -> dict[str, tuple[str, Callable[[], bytes]]]:
    """File name -> (how the list names it, its bytes when asked): the bundled frameworks, then the versions
    analysts published (newest first)."""
    choices = {path.name: (path.name, path.read_bytes) for path in FRAMEWORKS}
    if not desk.allowed("read framework versions"):
        return choices
    for version in reversed([v for v in desk.framework_versions() if v["derived"]]):
        choices[f"{version['id']}-{version['version']}.yaml"] = (
            _("{framework} {version} (published, sha256 {sha256}…)").format(
                framework=version["id"], version=version["version"], sha256=version["sha256"][:12]),
            _stored_file(desk, version["sha256"]))
    return choices


def _stored_file(desk: Desk, sha256: str) -> Callable[[], bytes]:
    return lambda: desk.framework_version(sha256)[1]


def _summary(case: dict, tender: Tender) -> None:
    steps = " → ".join(f"**{state_word(step)}**" if step == case["state"] else state_word(step)
                       for step in CASE_STATES)
    st.markdown(f"**{case['id']} · {case['name']}** · "
                + _("deadline {deadline}").format(deadline=tender.deadline or BLANK) + f" · {steps}")
    for change in case["changes_after_opening"]:
        st.warning(_("CHANGED AFTER OPENING: tender version {version} by {by} at {at}: {reason}").format(
            version=change["version"], by=change["by"], at=change["at"], reason=change["reason"]))


# -- the tender -------------------------------------------------------------------------------------
FORM_KEYS = ("tender_name", "authority", "reference", "deadline", "weight_profile", "minimum", "unknown", "ties",
             "price_scored", "quality", "formula", "currency", "floor", "ceiling", "reason")


def _tender_section(session, desk: Desk, case: dict, framework, framework_sha: str, stored: Tender,
                    tender_file: str) -> None:
    """The case's current tender version in a form; a change is saved as a new version (after opening, with
    a reason), never kept in the page alone."""
    st.header(_("2. Tender"))
    version = case["tender"]
    form_for = (case["id"], version["sha256"])
    drafts = session.setdefault("tender_drafts", {})  # unsaved form edits, by (case, version)
    if session.get("form_for") != form_for:  # another case or a new version: the form shows it as stored, or as
        # last edited unsaved; assigned, not dropped: the browser sends back what its widgets last held, which
        # would otherwise fill the form with the previous case's tender
        for key, value in {**_widget_values(framework, stored), **drafts.get(form_for, {})}.items():
            st.session_state[key] = value
        session.form_for = form_for
    for key, value in drafts.get(form_for, {}).items():  # Streamlit drops a widget's state on another page
        st.session_state.setdefault(key, value)
    st.caption(_("Version {version} ({file}, sha256 {sha256}…), by {by} at {at}. Framework {framework}, fixed for "
                 "the case.").format(version=version["version"], file=version["file"], sha256=version["sha256"][:12],
                                     by=version["by"], at=version["at"], framework=case["framework"]["file"]))
    settings = resolve_settings(framework, stored, schemes=certification_schemes())
    left, right = st.columns(2)
    left.download_button(_("Download the tender (YAML)"), stored.to_yaml(), tender_file, "application/x-yaml")
    right.download_button(_("Download the vendor bid template"),
                          lambda: desk.vendor_template(framework, framework_sha, settings), "bid-template.xlsx",
                          key="template")
    edited = _tender_form(framework, framework_sha, stored)
    drafts[form_for] = {key: st.session_state[key] for key in FORM_KEYS if key in st.session_state}
    if edited is None:
        return
    if stored.certifications:
        st.info(_("Certification gate: {rules} (judged on {date}).").format(rules=listed(
            _("{scheme} at {minimum} or above").format(scheme=rule.scheme, minimum=rule.minimum)
            + (_(", at most {days} days old").format(days=rule.max_age_days) if rule.max_age_days else "")
            for rule in stored.certifications.rules), date=stored.certifications.as_of))
    untouched = _from_form_values(framework, framework_sha, stored, _form_values(framework, stored))
    if untouched is None or edited.to_yaml() == untouched.to_yaml():
        return  # the form as stored (the comparison is made through the form, which normalises a few fields)
    locked = case["state"] in ("award decided", "letters issued")
    opened = case["state"] in ("opened", "evaluated")
    st.warning(_("The form differs from the stored tender (unsaved): save it as a new version, or it is not used "
                 "(the award is decided: the tender can no longer change).") if locked else
               _("The form differs from the stored tender (unsaved): save it as a new version, or it is not used."))
    reason = st.text_input(_("Reason for the change (required after opening; recorded and flagged)"),
                           key="reason") if opened else ""
    following = version["version"] + 1
    if st.button(_("Save as tender version {version}").format(version=following), key="save-tender",
                 disabled=locked or (opened and not reason.strip())):
        act(lambda: desk.set_case_tender(case["id"], (tender_file, edited.to_yaml().encode()), reason),
            (_("Tender version {version} saved: the results are out of date until the case is evaluated again.")
             if case["evaluations"] else _("Tender version {version} saved.")).format(version=following))


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


def _widget_values(framework, base: Tender) -> dict:
    """The form's widgets (by key) as `base` fills them."""
    shown, award = _form_values(framework, base), base.award
    chosen = shown["award"] or {}
    return {"tender_name": shown["name"], "authority": shown["authority"], "reference": shown["reference"],
            "deadline": shown["deadline"], "weight_profile": shown["weight_profile"],
            "minimum": shown["minimum_level"], "unknown": shown["unknown"], "ties": shown["tie_break"],
            "price_scored": award is not None, "quality": chosen.get("quality_weight", 80),
            "formula": chosen.get("price_formula", list(PRICE_FORMULAS)[1]), "currency": chosen.get("currency", "EUR"),
            "floor": float(award.floor_price or 0) if award and award.floor_price is not None else 0.0,
            "ceiling": float(award.ceiling_price) if award and award.ceiling_price else 1_000_000.0, "reason": ""}


def _from_form_values(framework, framework_sha: str, base: Tender, values: dict) -> Tender | None:
    """`base` with the form's values: what the form does not show (contact, signatory, evidence rule, …) is
    kept; weights or per-objective minimums of the base are dropped only when their form field changed. Under
    a derived framework version, the tender names that version by its SHA-256."""
    shown = _form_values(framework, base)
    data = base.model_dump()
    data.update(name=values["name"], authority=values["authority"], reference=values["reference"],
                deadline=values["deadline"], framework=framework.id, unknown=values["unknown"],
                framework_sha256=framework_sha if framework.derived_from else base.framework_sha256,
                ties={**data["ties"], "tie_break": values["tie_break"]})
    if values["weight_profile"] != shown["weight_profile"] or base.weights is None:
        data.update(weight_profile=values["weight_profile"], weights=None)
    if values["minimum_level"] != shown["minimum_level"] or (not base.minimum_levels and
                                                            (base.minimum_level is not None or
                                                             not framework.minimum_levels)):
        # untouched, a tender without minimums keeps the framework version's default minimums
        data.update(minimum_level=values["minimum_level"], minimum_levels={})
    if values["award"] != shown["award"]:
        data["award"] = None if values["award"] is None else {**(data["award"] or {}), **values["award"]}
    try:
        tender = Tender.model_validate(data)
        resolve_settings(framework, tender, schemes=certification_schemes())
    except (ValidationError, ConfigurationError) as error:
        st.error(_("The tender is not valid: {error}").format(error=error))
        return None
    return tender


def _tender_form(framework, framework_sha: str, base: Tender) -> Tender | None:
    """The tender as the form now shows it (None, with the reason shown, when it is not valid)."""
    codes = [level.code for level in framework.level_scale.levels]
    shown = _form_values(framework, base)
    left, right = st.columns(2)
    name = left.text_input(_("Tender name"), shown["name"], key="tender_name")
    authority = right.text_input(_("Contracting authority"), shown["authority"], key="authority")
    reference = left.text_input(_("Reference"), shown["reference"], key="reference")
    deadline = right.text_input(_("Deadline"), shown["deadline"], key="deadline")
    profiles = list(framework.weight_profiles)
    profile = left.selectbox(_("Weight profile"), profiles, index=profiles.index(shown["weight_profile"]),
                             key="weight_profile")
    minimum = right.select_slider(_("Minimum level for every objective"), codes, value=shown["minimum_level"],
                                  key="minimum")
    unknown = left.radio(_("Unanswered criteria"), UNKNOWN_POLICIES, index=UNKNOWN_POLICIES.index(base.unknown),
                         horizontal=True, key="unknown", format_func=lambda policy: label(POLICY_LABELS, policy),
                         help=_("An unanswered criterion: {policies}").format(policies=listed(
                             _("{policy}, it {meaning}").format(policy=label(POLICY_LABELS, policy).lower(),
                                                                meaning=_(meaning))
                             for policy, meaning in MEANINGS.items())))
    left.caption(_("An unanswered criterion {meaning}.").format(meaning=_(MEANINGS[unknown])))
    ties = right.multiselect(_("Tie-break, in order"), list(TIE_BREAKS), default=list(base.ties.tie_break),
                             key="ties", format_func=lambda key: capitalised(_(TIE_BREAKS[key])))
    award = _award_form(base)
    return _from_form_values(framework, framework_sha, base, {
        "name": name, "authority": authority, "reference": reference, "deadline": deadline,
        "weight_profile": profile, "minimum_level": minimum, "unknown": unknown, "tie_break": ties, "award": award})

def _award_form(base: Tender) -> dict | None:
    scored = st.toggle(_("Score price too"), value=base.award is not None, key="price_scored")
    if not scored:
        return None
    award = base.award
    left, middle, right = st.columns(3)
    capability = award.capability_weight if award else 0  # set by a combined tender's file
    quality = left.slider(_("Sovereignty weight %"), 0, int(100 - capability),
                          int(award.quality_weight) if award else 80, key="quality")
    formulas = list(PRICE_FORMULAS)
    formula = middle.selectbox(_("Price formula"), formulas,
                               index=formulas.index(award.price_formula) if award else 1,
                               key="formula", format_func=lambda name: label(FORMULA_LABELS, name),
                               help=_("The linear formula is absolute: removing a bid never reverses the others; the "
                                      "relative one can."))
    currency = right.text_input(_("Currency"), award.currency if award and award.currency else "EUR", key="currency")
    result = {"quality_weight": quality, "capability_weight": capability, "price_weight": 100 - capability - quality,
              "price_formula": formula, "currency": currency or None}
    if formula == "linear":
        floor = left.number_input(_("Floor price (100 points)"), 0.0, value=float(award.floor_price or 0)
                                  if award and award.floor_price is not None else 0.0, key="floor")
        ceiling = middle.number_input(_("Ceiling price (0 points)"), 0.0, value=float(award.ceiling_price)
                                      if award and award.ceiling_price else 1_000_000.0, key="ceiling")
        result.update(floor_price=floor, ceiling_price=ceiling)
    return result


# -- the bids ---------------------------------------------------------------------------------------
def _bids_section(session, desk: Desk, case: dict, tender: Tender) -> None:
    """The case's bids as stored: files are added (uploads, the bundled samples) and withdrawn until the case
    is opened; a corrected file is a new bid, and the old one is withdrawn by its button."""
    st.header(_("3. Bids"))
    current = [bid for bid in case["bids"] if bid["current"]]
    receiving = case["state"] in ("draft", "bids received")
    if receiving:
        generation = session.get("upload_generation", 0)
        uploaded = st.file_uploader(_("Add bid files (.xlsx from the template, long or wide .csv, or a registry "
                                      "entry .json)"), type=["xlsx", "csv", "json"], accept_multiple_files=True,
                                    key="upload" if generation == 0 else f"upload-{generation}") or []
        submitted = [(file.name, file.getvalue()) for file in uploaded]
        if st.button(_("Add the bundled sample bids"), key="samples"):
            own = FRAMEWORK_SAMPLES.get(tender.framework or "")
            extra = ([SAMPLE_CERTIFICATES] if tender.certifications else []) + \
                ([SAMPLE_CAPABILITY] if tender.capability else [])
            submitted += [(path.name, path.read_bytes()) for path in [*([own] if own else SAMPLE_BIDS), *extra]]
        if submitted:
            session.upload_generation = generation + 1  # the uploader empties: the case holds the files now
            _add(session, desk, case, submitted)
        _from_registry(desk, case)
    if case.get("registry"):
        st.caption(_("From the provider registry, valid on {date}: {providers}").format(
            date=case["registry"][0]["as_of"], providers=listed(
                _("{provider} version {version}").format(provider=row["provider"], version=row["version"])
                if row["version"] else
                _("{provider} (no assessment registered: an invalid bid, saying why)").format(provider=row["provider"])
                for row in case["registry"])))
    for notice in case.get("registry_notices", []):
        st.warning(_("Registry: {notice}").format(notice=notice["notice"]))
    if len(current) > MAX_FILES:
        st.error(_("{count} files: at most {most} are evaluated together. Withdraw some.").format(
            count=len(current), most=MAX_FILES))
    if not current:
        st.info(_("No bids yet: upload bid files, or add the bundled samples.") if receiving else
                _("No current bid."))
    else:
        _validation(session, desk, case, current)
        if receiving:
            _withdraw_buttons(session, desk, case, current)
    withdrawn = [bid for bid in case["bids"] if not bid["current"]]
    if withdrawn:
        st.caption(_("Withdrawn (kept in the store and the dossier): {files}").format(files=listed(
            _("{file} ({sha256}) by {by} at {at}").format(file=bid["file"], sha256=bid["sha256"][:12],
                                                          by=bid["withdrawn_by"], at=bid["withdrawn_at"])
            for bid in withdrawn)))


def _from_registry(desk: Desk, case: dict) -> None:
    """Bids from the provider registry: each chosen provider's assessment valid on the case's as-of date."""
    if not desk.allowed("read the registry"):
        return
    with st.expander(_("Add bids from the provider registry (assess once, reuse many)")):
        taken = case.get("registry", [])
        fixed = dt.date.fromisoformat(taken[0]["as_of"]) if taken else None
        as_of = st.date_input(_("Assessments valid on"), value=fixed or dt.date.fromisoformat(desk.clock()[:10]),
                              disabled=fixed is not None, key="registry-as-of",
                              help=_("One date per case: the registered assessments must hold on it."))
        framework = desk.case_settings(case["id"])[0]
        registered = {row["provider"]: row for row in desk.registry(framework, as_of)}
        chosen = st.multiselect(_("Providers"), [p for p in registered if p not in {t["provider"] for t in taken}],
                                key="registry-providers", format_func=lambda provider: (
                                    f"{provider} · {registered[provider]['provider_name']} · "
                                    + _("score {score}").format(score=registered[provider]["score"]) + " · "
                                    + (_("valid") if registered[provider]["valid"] else
                                       registered[provider]["invalid_reason"])))
        if st.button(_("Add from the registry"), key="registry-add", disabled=not chosen):
            act(lambda: desk.add_case_registry(case["id"], chosen, as_of),
                _("Added the registered assessments of {providers} (valid on {date}) to case {case}.").format(
                    providers=", ".join(chosen), date=as_of, case=case["id"]))


def _add(session, desk: Desk, case: dict, submitted: list[tuple[str, bytes]]) -> None:
    held = {bid["sha256"]: bid["file"] for bid in case["bids"] if bid["current"]}
    new: dict[str, tuple[str, bytes]] = {}
    for name, content in submitted:
        sha = hashlib.sha256(content).hexdigest()
        if sha not in held:
            new.setdefault(sha, (name, content))
    same = sorted({name for name, content in submitted if hashlib.sha256(content).hexdigest() in held})
    note = _(" Already in the case (same content), not added again: {files}.").format(files=", ".join(same)) \
        if same else ""
    if not new:
        done("info", _("Nothing new to add.") + note)
    act(lambda: desk.add_case_bids(case["id"], list(new.values())),
        _("{count} file(s) added to case {case}: {files}.").format(
            count=len(new), case=case["id"], files=", ".join(name for name, content in new.values())) + note)


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
                    "problems": _("; ").join(_("{location}: {message}").format(location=p.location, message=p.message)
                                             for p in bid.errors)} for bid in bids.bids),
                  key=lambda row: (str(row["file"]).casefold(), str(row["file"]), str(row["bid"] or "")))
    _validation_table(rows)
    outcome = [{"file": row["file"], "sha256": row["sha256"], "bid": row["bid"], "valid": row["valid"]}
               for row in rows]
    if session.get("validated") != outcome:  # log each validation outcome once, not on every rerun
        desk.record_validation(outcome)
        session.validated = outcome
    st.caption(_("{files} files, {bids} bids read, {invalid} invalid. Invalid bids are evaluated as invalid and "
                 "listed in the report.").format(files=len(current), bids=len(rows),
                                                 invalid=sum(not r["valid"] for r in rows)))


def _withdraw_buttons(session, desk: Desk, case: dict, current: list[dict]) -> None:
    st.caption(_("A corrected file is a new bid: add it, then withdraw the old one. A withdrawn file is kept and "
                 "logged, and no longer evaluated."))
    for bid in current:
        name, button = st.columns([6, 1], vertical_alignment="center")
        name.write(f"{bid['file']} · sha256 {bid['sha256'][:12]}… · "
                   + _("added by {by} at {at}").format(by=bid["added_by"], at=bid["added_at"]))
        if button.button(_("Withdraw"), key=f"withdraw-{bid['sha256'][:12]}"):
            act(lambda sha=bid["sha256"]: desk.withdraw_case_bid(case["id"], sha),
                _("{file} ({sha256}) withdrawn; the case's history records it.").format(file=bid["file"],
                                                                                        sha256=bid["sha256"][:12]))


# -- open, evaluate, results ------------------------------------------------------------------------
def _evaluate_section(session, desk: Desk, case: dict) -> None:
    st.header(_("4. Open and evaluate"))
    state_ = case["state"]
    if state_ in ("draft", "bids received"):
        st.caption(_("Opening fixes the bids; the tender is locked from then on (a change needs a reason, which is "
                     "recorded and flagged in the report)."))
        if st.button(_("Open the case"), key="open", disabled=state_ == "draft"):
            act(lambda: desk.open_case(case["id"]),
                _("Case {case} opened: the bids are fixed.").format(case=case["id"]))
        return
    if state_ in ("opened", "evaluated"):
        st.button(_("Evaluate"), type="primary", key="evaluate", on_click=_evaluate, args=(session, desk, case["id"]))
    latest = case["evaluations"][-1] if case["evaluations"] else None
    if latest is None:
        st.info(_("Not evaluated yet."))
        session.outcome = session.evaluation_id = None
        return
    if state_ == "opened" or latest["tender_sha256"] != case["tender"]["sha256"]:
        st.warning(_("Out of date: evaluate again. The tender changed (now version {version}) after evaluation "
                     "{evaluation} of {at}, whose results are therefore not shown here (the auditor workspace and "
                     "the dossier keep them).").format(version=case["tender"]["version"], evaluation=latest["id"],
                                                       at=latest["at"]))
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
    session.notice = ("success", _("Evaluated: stored as evaluation {evaluation}. The PDF report, the summary and "
                                   "the draft letters are being rendered; they are offered under Downloads when "
                                   "ready.").format(evaluation=evaluation_id))


def _results(desk: Desk, document: dict, outcome, latest: dict) -> None:
    """The case's latest evaluation, as stored: its results document and its stored outputs."""
    summary = document["summary"]
    st.header(_("Results"))
    st.caption(_("Evaluation {evaluation}, by {by} at {at}, of the current tender and bids.").format(
        evaluation=latest["id"], by=latest["by"], at=latest["at"]))
    counts = [(_("Bids"), "bids"), (_("Ranked"), "ranked")] + \
        ([(_("Pending (panel)"), "pending")] if "pending" in summary else []) + \
        [(_("Excluded"), "excluded"), (_("Invalid"), "invalid")]
    for column, (shown, key) in zip(st.columns(len(counts)), counts, strict=True):
        column.metric(shown, summary[key])
    if summary.get("pending"):
        st.warning(_("Provisional: {count} bid(s) pending, until the panel's chair records a consensus and the case "
                     "is evaluated again; the award cannot be approved before. So far: {award}").format(
            count=summary["pending"], award=award_banner(document)) if summary["rank_1"] else
            _("Provisional: {count} bid(s) pending, until the panel's chair records a consensus and the case is "
              "evaluated again; the award cannot be approved before.").format(count=summary["pending"]))
    elif summary["rank_1"]:
        st.success(award_banner(document))
    else:
        st.warning(_("No bid passed the gate."))
    scale = outcome.evaluation.framework.translated(current()).level_scale  # its names in the page's language
    if len(scale.levels) > 1:
        st.caption(glossary(scale.name, scale.description, [(level.code, level.name) for level in scale.levels]))
    st.subheader(_("Ranking"))
    grid(*ranking_frame(document), key="ranking")
    reasons = why_not_ranked(document)
    if len(reasons):
        st.caption(_("Why the other bids are not ranked, in full:"))
        st.table(headed(reasons), hide_index=True)
    st.subheader(_("Gate matrix"))
    st.caption(_("The first row is the level each objective requires; a bid's level below it is marked ✗."))
    st.dataframe(gate_frame(document), key="gate")
    left, __ = st.columns(2)
    chart(left, desk.score_distribution(document), _("How the Sovereignty Scores spread"))
    _drill_down(outcome, desk)
    _downloads(desk, latest["id"])


# -- the award --------------------------------------------------------------------------------------
def _award_section(desk: Desk, case: dict) -> None:
    st.header(_("5. Award and letters"))
    latest = case["evaluations"][-1] if case["evaluations"] else None
    if case["state"] == "evaluated" and latest is not None:
        if latest["by"] == desk.user.name:
            st.info(_("Four-eyes rule: the award must be approved by another officer than the one who ran the "
                      "evaluation ({by}). Ask a colleague with the officer role to open case {case} and approve "
                      "it.").format(by=latest["by"], case=case["id"])
                    + (_(" In single-user local mode there is no other officer: approve with `{command}` (any name "
                         "but {user}).").format(command=f"python -m evaluator case approve {case['id']} --as "
                                                        f"OTHER_OFFICER", user=LOCAL_USER)
                       if desk.user.name == LOCAL_USER else ""))
        elif st.button(_("Approve the award"), type="primary", key="approve"):
            act(lambda: desk.approve_award(case["id"]),
                _("The award of evaluation {evaluation} is approved.").format(evaluation=latest["id"]))
    elif case["state"] not in ("award decided", "letters issued"):
        st.caption(_("The award is approved after an evaluation, by another officer than who ran it (four-eyes)."))
    award, letters = case["award"], case["letters"]
    if award:
        st.success(_("Award approved by {by} at {at} (evaluation {evaluation}).").format(
            by=award["approved_by"], at=award["approved_at"], evaluation=award["evaluation"]))
        issue = _("Issue the letters again (copies)") if letters else _("Issue letters")
        rendering = not letters and desk.report_status(award["evaluation"])["state"] == "running"
        if rendering:  # issuing renders the drafts again, dated: not while they are being rendered
            st.info(_("The draft letters are still being rendered (see Downloads): Issue letters is offered once "
                      "they are stored."))
        if st.button(issue, key="issue-letters", disabled=rendering):
            act(lambda: desk.issue_letters(case["id"]), _("Letters issued."))
    if letters:
        st.success(_("Letters issued at {at}; the standstill period ({days} days) ends on {end}.").format(
            at=letters["issued_at"], days=letters["standstill_days"], end=letters["standstill_end"]))
        st.download_button(_("Download the issued letters (.zip)"), lambda: _zip(desk.issued_letters(case["id"])),
                           f"{case['id']}-letters.zip", "application/zip", key="issued-letters")


def _validation_table(rows: list[dict]) -> None:
    """Each bid read, by file name: a static table, so every problem is shown in full and wrapped, and an
    invalid bid is marked in words."""
    frame = pd.DataFrame([{"file": row["file"], "sha256": row["sha256"], "answers": row["answers"],
                           "bid": text(row["bid"]), "vendor": text(row["vendor"]),
                           "status": _("valid") if row["valid"] else _("✗ INVALID"), "problems": row["problems"]}
                          for row in rows]).set_index("file")
    st.table(headed(frame))  # the file names, the index, may repeat (a CSV holds several bids): no Styler


def _drill_down(outcome, desk: Desk) -> None:
    document = outcome.document
    st.subheader(_("One bid in detail"))
    labels = [f"{bid['bid_id'] or '?'} · {bid['vendor'] or bid['source']['file']} · {status_word(bid['status'])}"
              for bid in document["bids"]]
    position = st.selectbox(_("Bid"), range(len(labels)), format_func=labels.__getitem__, key="detail")
    bid = document["bids"][position]
    if bid["status"] == "invalid":
        st.error(_("This file could not be evaluated."))
        st.table(headed(pd.DataFrame(bid["errors"]).map(text)), hide_index=True)  # wrapped, in full
        return
    detail = desk.bid_detail(outcome, position)
    left, right = st.columns(2)
    chart(left, detail["profile_svg"], _("Level per objective (bar); the black tick is the required level"))
    chart(right, detail["contribution_svg"], _("What each objective added to the score (blue) of its weight (grey)"))
    codes = document["framework"]["level_codes"]
    grid(pd.DataFrame([{"objective": oid, "level": BLANK if o["level"] is None else codes[o["level"]],
                        "required": codes[o["required"]], "passed": _("yes") if o["passed"] else _("✗ no"),
                        "score": o["score"], "weighted": o["weighted"], "unanswered": ", ".join(o["unanswered"]),
                        "capped by": ", ".join(o.get("capped_by") or [])}
                       for oid, o in bid["objectives"].items()]).astype({"score": "float64", "weighted": "float64"}),
         {"score": SCORE_FORMAT, "weighted": SCORE_FORMAT}, wide=("capped by",), key="objectives")
    if detail["capping"]:
        st.caption(_("The criteria that capped each objective's level, with the answer and the evidence given"))
        st.table(headed(pd.DataFrame([{**{key: text(value) for key, value in row.items()},
                                       "level": unbroken(codes[row["level"]]),
                                       "quality": text(row.get("quality")).replace("_", " ")}
                                      for row in detail["capping"]])),
                 hide_index=True)  # wrapped: answers and evidence in full
    for reason in bid["exclusion_reasons"]:
        st.error(_("Excluded: {reason}").format(reason=reason["message"]))
    if bid.get("claimed") is not None:
        _claimed_and_assessed(bid, codes)


def _claimed_and_assessed(bid: dict, codes: list[str]) -> None:
    """The bid as claimed beside the bid as the panel assessed it, and each answer the panel changed."""
    st.subheader(_("As claimed and as the panel assessed it"))
    assessed = _("decided so far (provisional)") if bid.get("provisional") else _("assessed")
    claimed = bid["claimed"]
    figures = [(_("status"), status_word(claimed["status"]), status_word(bid["status"])),
               (_("rank"), claimed["rank"], bid["rank"]),
               (_("Sovereignty Score %"), claimed["score"], bid["score"]), (_("total"), claimed["total"], bid["total"])]
    levels = [(_("overall level"), claimed["overall_level"], bid["overall_level"])] + [
        (oid, claimed["objectives"][oid]["level"], o["level"]) for oid, o in bid["objectives"].items()]
    st.table(pd.DataFrame([{"": name, _("claimed"): _figure(a), assessed: _figure(b)} for name, a, b in figures] +
                          [{"": name, _("claimed"): BLANK if a is None else unbroken(codes[a]),
                            assessed: BLANK if b is None else unbroken(codes[b])} for name, a, b in levels]),
             hide_index=True)
    for reason in bid.get("pending_reasons", []):
        st.warning(_("Pending: {reason}").format(reason=reason))
    if bid.get("moderations"):
        st.table(headed(pd.DataFrame([{"criterion": m["criterion_id"], "claimed": text(m["claimed"]),
                                       "assessed": text(m["assessed"]), "by": ", ".join(m["assessors"]),
                                       "stage": m["stage"], "justification": listed(m["justifications"]) or BLANK}
                                      for m in bid["moderations"]]).rename(columns={"by": _("assessors")})),
                 hide_index=True)


def _figure(value) -> str:
    return BLANK if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def _downloads(desk: Desk, evaluation_id: str) -> None:
    """The evaluation's stored outputs. Its PDFs are rendered in the background after the ranking is shown
    (Desk.start_report): meanwhile a progress bar, read from the store, so a reload or another instance shows
    it too; a rendering that failed, or whose process is gone (stopped), is offered again."""
    st.subheader(_("Downloads"))
    st.caption(_("Stored as evaluation {evaluation}; every download is recorded in the audit log.").format(
        evaluation=evaluation_id))
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
        columns[-1].download_button(_("{count} draft letters (.zip)").format(count=len(letters)), archive,
                                    "draft-letters.zip",
                                    key="download-letters", on_click=desk.note_download,
                                    args=(evaluation_id, "draft-letters.zip", archive))
    status = desk.report_status(evaluation_id)
    if status["state"] == "running":
        _rendering(desk, evaluation_id)
    elif status["state"] in ("stopped", "failed", "not rendered"):
        _render_again(desk, evaluation_id, status)


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
                text=_("The PDF report, the summary and the draft letters are being rendered: {done} of {total} "
                       "documents done (the report first, then the summary and the letters)").format(
                    done=done_, total=total) if total else
                _("The PDF report, the summary and the draft letters are being rendered: starting…"))
    st.caption((_("Started by {by} at {at}. ").format(by=status["started_by"], at=status["started_at"])
                if "started_by" in status else "")
               + _("The ranking, the gate matrix and the bids in detail can be read meanwhile; the PDFs are offered "
                   "here when they are stored."))


def _render_again(desk: Desk, evaluation_id: str, status: dict) -> None:
    if status["state"] == "stopped":
        st.warning(_("The rendering of the PDFs started by {by} at {at} stopped after {done} of {total} documents: "
                     "the process rendering them is gone (the server restarted?). The results, results.json and "
                     "results.xlsx are stored.").format(by=status["started_by"], at=status["started_at"],
                                                        done=status["done"], total=status["total"]))
    elif status["state"] == "failed":
        st.error(_("The PDFs could not be rendered ({error}). The results, results.json and results.xlsx are "
                   "stored.").format(error=status["error"]))
    else:
        st.info(_("The PDF report, the summary and the draft letters of this evaluation are not stored."))
    if st.button(_("Render the PDFs again") if status["state"] != "not rendered" else _("Render the PDFs"),
                 key="render-again"):
        act(lambda: desk.start_report(evaluation_id), _("The PDFs are being rendered again."))


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()
