"""Evaluation panel workspace: a member declares their conflicts of interest, then checks each bid's claims
against its evidence (accept, or assess another answer with a justification), blind to the others until they
submitted theirs; the chair sees where members disagree, with Krippendorff's alpha, and records consensus.
Every rule is enforced by the application layer (Desk); this page only shows what it allows."""

import re

import pandas as pd
import streamlit as st

from evaluator.application import LOCAL_USER, Desk, User, signed_in_user
from evaluator.i18n import N_, _
from evaluator.model.tender import EVIDENCE_QUALITIES, EVIDENCE_QUALITY_WORDS
from evaluator.ui.common import BLANK, act, header, listed, opened_workspace, show_notice, text
from evaluator.ui.officer import state_word

ACCEPT = ""  # an empty "your answer" cell accepts the claim
AS_CLAIMED = N_("as claimed")  # the evidence quality a member leaves as the bidder claimed it: the editor's code
PLACES = {"chair": N_("panel chair"), "member": N_("panel member")}  # a person's place on the panel
STAGES = {"individual": N_("individual"), "consensus": N_("consensus")}  # an assessment's stage (a code)
# the column names of this page's tables: the frames keep them (the code and the tests look columns up by
# them); a table shows each translated
COLUMNS = {name: name for name in (
    N_("your assessment"), N_("claimed answer"), N_("evidence (claimed quality)"), N_("your answer"),
    N_("evidence quality"), N_("possible answers"), N_("who"), N_("alpha"), N_("open disagreements"),
    N_("criteria assessed"))}


def word(words: dict[str, str], code: str) -> str:
    """A code (a place on the panel, a stage) as a person reads it, in the page's language."""
    return _(words[code]) if code in words else code


def column_name(column: str) -> str:
    return _(COLUMNS[column]) if column in COLUMNS else header(column)


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its column names as a table shows them."""
    return frame.rename(columns=column_name)


def panel_words(described: str) -> str:
    """The panel as Panel.describe() says it ("chair cleo, members ana, ben"), in the page's language."""
    people = re.fullmatch(r"chair (.*), members (.*)", described)
    return _("chair {chair}, members {members}").format(chair=people[1], members=people[2]) if people else described


def quality_word(quality: str | None) -> str:
    """An evidence quality code (self_attested, …) in the page's language; "—" when none is stated."""
    return _(EVIDENCE_QUALITY_WORDS[quality]) if quality in EVIDENCE_QUALITY_WORDS else text(quality)


def editor_quality(choice: str | int | float | bool) -> str:
    """An option of the form's evidence quality column, as the member reads it."""
    return _(AS_CLAIMED) if choice == AS_CLAIMED else quality_word(str(choice))


def page() -> None:
    desk = opened_workspace(_("Evaluation panel"), _("Check each vendor claim against its evidence. Declare your "
                                                     "conflicts of interest first; you see the other members' "
                                                     "assessments of a bid once you have submitted yours, which is "
                                                     "then final."), "assess bids", "evaluation panel")
    if desk is None:
        return
    desk = _acting(desk)
    case = _case(desk)
    if case is None:
        return
    st.caption(_("{case} · {name} · {state} · panel: {panel}. You are the {place}.").format(
        case=case["id"], name=case["name"], state=state_word(case["state"]), panel=panel_words(case["panel"]),
        place=word(PLACES, case["place"])))
    if case["state"] in ("draft", "bids received"):
        st.info(_("The panel starts once the officer has opened the case (the bids are then fixed)."))
    elif not case["declared"]:
        _declaration(desk, case)
    elif case["place"] == "chair":
        _chair(desk, case)
    else:
        _member(desk, case)


def _acting(desk: Desk) -> Desk:
    """In single-user local mode the one user may act as any panel's chair or member (as the CLI's `--as`
    does), to run a panel on one machine; signed in, everyone is who they signed in as."""
    if desk.user.name != LOCAL_USER:
        return desk
    people = sorted({name for case in desk.cases() for panel in [desk.case_settings(case["id"])[2].panel]
                     if panel is not None for name in (panel.chair, *panel.members)})
    if not people:
        return desk
    name = st.sidebar.selectbox(_("Act as (local mode: the panel's people)"), people, key="act-as")
    return Desk(desk.store, signed_in_user(desk.store, User(name, frozenset({"evaluator"}))))


def _case(desk) -> dict | None:
    cases = list(reversed(desk.panel_cases()))
    if not cases:
        st.info(_("{user} is on no tender case's panel. The officer names the panel in the tender (panel: chair, "
                  "members); the bundled panel-tender.yaml has one, to try it.").format(user=desk.user.name))
        return None
    ids = [case["id"] for case in cases]
    wanted = st.query_params.get("case")
    if wanted in ids and st.session_state.get("panel-case") != wanted:
        st.session_state["panel-case"] = wanted
    chosen = st.selectbox(_("Tender case"), ids, key="panel-case", format_func=lambda case_id: next(
        f"{c['id']} · {c['name']} · {state_word(c['state'])}" for c in cases if c["id"] == case_id))
    if st.query_params.get("case") != chosen:
        st.query_params["case"] = chosen
    return next(case for case in cases if case["id"] == chosen)


# -- the declaration --------------------------------------------------------------------------------
def _declaration(desk, case: dict) -> None:
    st.header(_("Declaration of conflicts of interest"))
    bidders = desk.panel_bidders(case["id"])
    in_tender = case["listed_conflicts"]
    st.write(_("Before you see any bid's answers, declare the bidders you have a conflict of interest with "
               "(a family, financial or professional tie). You will neither see nor assess those bids."))
    if in_tender:
        st.info(_("The tender lists your conflict of interest with {bids}: it is part of your declaration.").format(
            bids=", ".join(in_tender)))
    labels = {bid["bid_id"]: f"{bid['bid_id']} · {text(bid['vendor'])}" for bid in bidders}
    chosen = st.multiselect(_("I have a conflict of interest with"), list(labels), default=in_tender,
                            format_func=lambda bid_id: labels.get(bid_id, bid_id),
                            key=f"conflicts-{case['id']}-{desk.user.name}")  # one person's, one case's
    sure = st.checkbox(_("I declare that I have no other conflict of interest with the bidders of this case."),
                       key="declare-sure")
    if st.button(_("Declare"), type="primary", key="declare", disabled=not sure):
        act(lambda: desk.declare_conflicts(case["id"], chosen),
            _("Declaration recorded: conflict of interest with {bids}.").format(bids=", ".join(sorted(chosen)))
            if chosen else _("Declaration recorded: no conflict of interest."))


# -- a member ---------------------------------------------------------------------------------------
def _member(desk, case: dict) -> None:
    show_notice()
    bids = desk.panel_bids(case["id"])
    st.header(_("Your bids"))
    st.table(shown(pd.DataFrame([{"bid": bid["bid_id"], "vendor": text(bid["vendor"]),
                                  "your assessment": _("submitted") if bid["submitted"] else _("to do")}
                                 for bid in bids], columns=["bid", "vendor", "your assessment"])))
    done = sum(bid["submitted"] for bid in bids)
    st.progress(done / len(bids) if bids else 1.0,
                text=_("{done} of {count} bids submitted").format(done=done, count=len(bids)))
    if not bids:
        return
    upload = st.file_uploader(_("Or upload your assessments as a CSV (for panels working in spreadsheets)"),
                              type=["csv"], key="assessments-file",
                              help=_("Columns bid_id, criterion_id, assessed_answer, justification, assessor, stage "
                                     "(individual), optionally evidence_quality; your own rows only. Each bid in it "
                                     "is then submitted (final)."))
    if upload is not None and st.button(_("Import the assessments"), key="import-assessments"):
        act(lambda: desk.import_assessments(case["id"], [(upload.name, upload.getvalue())]),
            _("The assessments in {file} are imported.").format(file=upload.name))
    labels = {bid["bid_id"]: f"{bid['bid_id']} · {text(bid['vendor'])}" for bid in bids}
    bid_id = st.selectbox(_("Bid"), list(labels), format_func=labels.__getitem__, key="panel-bid")
    submitted = next(bid["submitted"] for bid in bids if bid["bid_id"] == bid_id)
    if submitted:
        st.subheader(_("The panel's assessments of {bid}").format(bid=bid_id))
        _assessments(desk.panel_assessments(case["id"], bid_id))
    else:
        _assessment_form(desk, case["id"], bid_id)


ROW_HEIGHT = 35  # pixels of one row of Streamlit's grid: the form shows every criterion without a scroll


def _assessment_form(desk, case_id: str, bid_id: str) -> None:
    st.subheader(_("Assess {bid}").format(bid=bid_id))
    st.caption(_("Leave *your answer* empty to accept the claim. Otherwise write the number of the answer the "
                 "evidence supports (each criterion's answers are listed below the table), with a justification the "
                 "bidder will read; pick an evidence quality only where you judge it differently from the claim."))
    claims = desk.bid_claims(case_id, bid_id)
    frame = pd.DataFrame([{"criterion": f"{claim['criterion_id']} {claim['title']}",
                           "claimed answer": claim["claimed_text"],
                           "evidence (claimed quality)": f"{text(claim['evidence'])} "
                                                         f"({quality_word(claim['evidence_quality'])})",
                           "your answer": ACCEPT, "justification": "", "evidence quality": AS_CLAIMED}
                          for claim in claims])
    # the editor's columns keep their names (the rows below read them); column_config labels them translated
    edited = st.data_editor(frame, hide_index=True, key=f"assess-{bid_id}", height=ROW_HEIGHT * (len(frame) + 1) + 3,
                            disabled=("criterion", "claimed answer", "evidence (claimed quality)"), column_config={
        "criterion": st.column_config.TextColumn(column_name("criterion"), width=190),
        "claimed answer": st.column_config.TextColumn(column_name("claimed answer"), width=210),
        "evidence (claimed quality)": st.column_config.TextColumn(column_name("evidence (claimed quality)"),
                                                                  width=160),
        "your answer": st.column_config.TextColumn(column_name("your answer"), width=105,
                                                   help=_("empty: accept the claim; else the answer number")),
        "justification": st.column_config.TextColumn(column_name("justification"), width=150),
        "evidence quality": st.column_config.SelectboxColumn(
            column_name("evidence quality"), width=115, options=[AS_CLAIMED, *EVIDENCE_QUALITIES],
            format_func=editor_quality, help=_("as claimed, or the quality you judge"))})
    changed = edited[(edited["your answer"].fillna("") != ACCEPT) |
                     (edited["evidence quality"].fillna(AS_CLAIMED) != AS_CLAIMED)]
    st.caption(_("{changed} of {count} criteria assessed differently from the claim; the others accept it.").format(
        changed=len(changed), count=len(edited)))
    if st.button(_("Submit my assessment of {bid} (final)").format(bid=bid_id), type="primary",
                 key="submit-assessment"):
        rows = [{"criterion_id": claim["criterion_id"], "answer": str(row["your answer"] or "").strip() or None,
                 "justification": str(row["justification"] or "").strip(),
                 "evidence_quality": None if row["evidence quality"] in (None, AS_CLAIMED) else row["evidence quality"]}
                for claim, row in zip(claims, edited.to_dict("records"), strict=True)]
        act(lambda: desk.submit_assessment(case_id, bid_id, rows),
            _("Your assessment of {bid} is submitted.").format(bid=bid_id))
    st.caption(_("The answers of each criterion"))
    st.table(shown(pd.DataFrame([{"criterion": claim["criterion_id"],
                                  "possible answers": listed(claim["answers"]) or _("a number")}
                                 for claim in claims])), hide_index=True)


def _assessments(rows: list[dict]) -> None:
    """Every criterion of a bid that someone assessed differently from the claim (or whose evidence they judged),
    with each person's answer there, accepts included; the other criteria are counted."""
    differing = {row["criterion_id"] for row in rows if row["assessed_answer"] or row["evidence_quality"]}
    assessed = [row for row in rows if row["criterion_id"] in differing]
    if assessed:
        st.table(shown(pd.DataFrame([{
            "criterion": row["criterion_id"], "who": row["assessor"],
            "stage": word(STAGES, row["stage"]),
            "answer": row["assessed_answer"] or _("accepts the claim"), "justification": text(row["justification"]),
            "evidence quality": quality_word(row["evidence_quality"])} for row in assessed])), hide_index=True)
    people = sorted({row["assessor"] for row in rows})
    accepted = len({row["criterion_id"] for row in rows} - differing)
    st.caption(_("Assessed by {people}; on {count} other criteria everyone accepts the claim.").format(
        people=", ".join(people) or BLANK, count=accepted))


# -- the chair --------------------------------------------------------------------------------------
def _chair(desk, case: dict) -> None:
    show_notice()
    agreement = desk.panel_agreement(case["id"])
    st.header(_("Where the members disagree"))
    alpha = agreement["alpha"]
    st.metric(_("Agreement overall (Krippendorff's alpha, ordinal)"), BLANK if alpha is None else f"{alpha:.3f}",
              help=_("1 = the members gave the same answers; 0 = no better than chance; blank = not enough "
                     "assessments by two members or more to say."))
    if not agreement["bids"]:
        st.info(_("No member has submitted an assessment yet."))
        return
    st.table(shown(pd.DataFrame([{"bid": bid["bid_id"],
                                  "alpha": BLANK if bid["alpha"] is None else f"{bid['alpha']:.3f}",
                                  "open disagreements": bid["open_disagreements"],
                                  "criteria assessed": len(bid["assessed"])} for bid in agreement["bids"]])),
             hide_index=True)
    bid_ids = [bid["bid_id"] for bid in agreement["bids"]]  # open disagreements first
    bid_id = st.selectbox(_("Bid"), bid_ids, key="chair-bid")
    bid = next(bid for bid in agreement["bids"] if bid["bid_id"] == bid_id)
    st.subheader(_("The panel's assessments of {bid}").format(bid=bid_id))
    _assessments(desk.panel_assessments(case["id"], bid_id))
    open_ones = [d for d in bid["disagreements"] if not d["settled"]]
    for disagreement in bid["disagreements"]:
        said = listed(f"{member}: {BLANK if answer is None else answer}"
                      for member, answer in disagreement["answers"].items())
        st.write((_("**{criterion}**: {said} — settled by consensus") if disagreement["settled"] else
                  _("**{criterion}**: {said} — **open**")).format(criterion=disagreement["criterion_id"], said=said))
    if open_ones:
        _consensus_form(desk, case["id"], bid_id, [d["criterion_id"] for d in open_ones])


def _consensus_form(desk, case_id: str, bid_id: str, criteria: list[str]) -> None:
    """One answer and justification per open disagreement (there are few): empty accepts the claim."""
    st.subheader(_("Record the consensus"))
    claims = {claim["criterion_id"]: claim for claim in desk.bid_claims(case_id, bid_id)}
    claimed = {criterion: claim["claimed_text"] for criterion, claim in claims.items()}
    rows = []
    for criterion in criteria:
        claim = claims[criterion]
        st.caption(_("**{criterion} {title}**: claimed {claimed}; evidence: {evidence}. Answers: {answers}.").format(
            criterion=criterion, title=claim["title"], claimed=claim["claimed_text"], evidence=text(claim["evidence"]),
            answers=listed(claim["answers"]) or _("a number")))
        left, right = st.columns([1, 3])
        answer = left.text_input(_("{criterion}: consensus answer").format(criterion=criterion),
                                 key=f"consensus-{bid_id}-{criterion}",
                                 help=_("Claimed: {claimed}. Empty: accept the claim.").format(
                                     claimed=claimed[criterion]))
        reason = right.text_input(_("{criterion}: justification (the bidder reads it)").format(criterion=criterion),
                                  key=f"consensus-why-{bid_id}-{criterion}")
        rows.append({"criterion_id": criterion, "answer": answer.strip() or None, "justification": reason.strip()})
    if st.button(_("Record the consensus"), type="primary", key="record-consensus"):
        act(lambda: desk.record_consensus(case_id, bid_id, rows),
            _("The consensus on {bid} is recorded.").format(bid=bid_id))
