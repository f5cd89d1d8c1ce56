"""Evaluation panel workspace: a member declares their conflicts of interest, then checks each bid's claims
against its evidence (accept, or assess another answer with a justification), blind to the others until they
submitted theirs; the chair sees where members disagree, with Krippendorff's alpha, and records consensus.
Every rule is enforced by the application layer (Desk); this page only shows what it allows."""

import pandas as pd
import streamlit as st

from evaluator.application import LOCAL_USER, Desk, User, signed_in_user
from evaluator.model.tender import EVIDENCE_QUALITIES
from evaluator.ui.common import BLANK, act, opened_workspace, show_notice, text

ACCEPT = ""  # an empty "your answer" cell accepts the claim
AS_CLAIMED = "as claimed"  # the evidence quality a member leaves as the bidder claimed it


def page() -> None:
    desk = opened_workspace("Evaluation panel", "Check each vendor claim against its evidence. Declare your "
                            "conflicts of interest first; you see the other members' assessments of a bid once "
                            "you have submitted yours, which is then final.", "assess bids", "evaluation panel")
    if desk is None:
        return
    desk = _acting(desk)
    case = _case(desk)
    if case is None:
        return
    st.caption(f"{case['id']} · {case['name']} · {case['state']} · panel: {case['panel']}. You are the "
               f"{case['place']}.")
    if case["state"] in ("draft", "bids received"):
        st.info("The panel starts once the officer has opened the case (the bids are then fixed).")
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
    name = st.sidebar.selectbox("Act as (local mode: the panel's people)", people, key="act-as")
    return Desk(desk.store, signed_in_user(desk.store, User(name, frozenset({"evaluator"}))))


def _case(desk) -> dict | None:
    cases = list(reversed(desk.panel_cases()))
    if not cases:
        st.info(f"{desk.user.name} is on no tender case's panel. The officer names the panel in the tender "
                f"(panel: chair, members); the bundled panel-tender.yaml has one, to try it.")
        return None
    ids = [case["id"] for case in cases]
    wanted = st.query_params.get("case")
    if wanted in ids and st.session_state.get("panel-case") != wanted:
        st.session_state["panel-case"] = wanted
    chosen = st.selectbox("Tender case", ids, key="panel-case", format_func=lambda case_id: next(
        f"{c['id']} · {c['name']} · {c['state']}" for c in cases if c["id"] == case_id))
    if st.query_params.get("case") != chosen:
        st.query_params["case"] = chosen
    return next(case for case in cases if case["id"] == chosen)


# -- the declaration --------------------------------------------------------------------------------
def _declaration(desk, case: dict) -> None:
    st.header("Declaration of conflicts of interest")
    bidders = desk.panel_bidders(case["id"])
    listed = case["listed_conflicts"]
    st.write("Before you see any bid's answers, declare the bidders you have a conflict of interest with "
             "(a family, financial or professional tie). You will neither see nor assess those bids.")
    if listed:
        st.info(f"The tender lists your conflict of interest with {', '.join(listed)}: it is part of your "
                f"declaration.")
    labels = {bid["bid_id"]: f"{bid['bid_id']} · {text(bid['vendor'])}" for bid in bidders}
    chosen = st.multiselect("I have a conflict of interest with", list(labels), default=listed,
                            format_func=lambda bid_id: labels.get(bid_id, bid_id),
                            key=f"conflicts-{case['id']}-{desk.user.name}")  # one person's, one case's
    sure = st.checkbox("I declare that I have no other conflict of interest with the bidders of this case.",
                       key="declare-sure")
    if st.button("Declare", type="primary", key="declare", disabled=not sure):
        act(lambda: desk.declare_conflicts(case["id"], chosen),
             "Declaration recorded: " + (f"conflict of interest with {', '.join(sorted(chosen))}."
                                         if chosen else "no conflict of interest."))


# -- a member ---------------------------------------------------------------------------------------
def _member(desk, case: dict) -> None:
    show_notice()
    bids = desk.panel_bids(case["id"])
    st.header("Your bids")
    st.table(pd.DataFrame([{"bid": bid["bid_id"], "vendor": text(bid["vendor"]),
                            "your assessment": "submitted" if bid["submitted"] else "to do"} for bid in bids]))
    done = sum(bid["submitted"] for bid in bids)
    st.progress(done / len(bids) if bids else 1.0, text=f"{done} of {len(bids)} bids submitted")
    if not bids:
        return
    upload = st.file_uploader("Or upload your assessments as a CSV (for panels working in spreadsheets)",
                              type=["csv"], key="assessments-file",
                              help="Columns bid_id, criterion_id, assessed_answer, justification, assessor, stage "
                                   "(individual), optionally evidence_quality; your own rows only. Each bid in it is "
                                   "then submitted (final).")
    if upload is not None and st.button("Import the assessments", key="import-assessments"):
        act(lambda: desk.import_assessments(case["id"], [(upload.name, upload.getvalue())]),
             f"The assessments in {upload.name} are imported.")
    labels = {bid["bid_id"]: f"{bid['bid_id']} · {text(bid['vendor'])}" for bid in bids}
    bid_id = st.selectbox("Bid", list(labels), format_func=labels.__getitem__, key="panel-bid")
    submitted = next(bid["submitted"] for bid in bids if bid["bid_id"] == bid_id)
    if submitted:
        st.subheader(f"The panel's assessments of {bid_id}")
        _assessments(desk.panel_assessments(case["id"], bid_id))
    else:
        _assessment_form(desk, case["id"], bid_id)


ROW_HEIGHT = 35  # pixels of one row of Streamlit's grid: the form shows every criterion without a scroll


def _assessment_form(desk, case_id: str, bid_id: str) -> None:
    st.subheader(f"Assess {bid_id}")
    st.caption("Leave *your answer* empty to accept the claim. Otherwise write the number of the answer the "
               "evidence supports (each criterion's answers are listed below the table), with a justification the "
               "bidder will read; pick an evidence quality only where you judge it differently from the claim.")
    claims = desk.bid_claims(case_id, bid_id)
    frame = pd.DataFrame([{"criterion": f"{claim['criterion_id']} {claim['title']}",
                           "claimed answer": claim["claimed_text"],
                           "evidence (claimed quality)": f"{text(claim['evidence'])} "
                                                         f"({text(claim['evidence_quality']).replace('_', ' ')})",
                           "your answer": ACCEPT, "justification": "", "evidence quality": AS_CLAIMED}
                          for claim in claims])
    edited = st.data_editor(frame, hide_index=True, key=f"assess-{bid_id}", height=ROW_HEIGHT * (len(frame) + 1) + 3,
                            disabled=("criterion", "claimed answer", "evidence (claimed quality)"), column_config={
        "criterion": st.column_config.TextColumn(width=190), "claimed answer": st.column_config.TextColumn(width=210),
        "evidence (claimed quality)": st.column_config.TextColumn(width=160),
        "your answer": st.column_config.TextColumn(width=105, help="empty: accept the claim; else the answer number"),
        "justification": st.column_config.TextColumn(width=150),
        "evidence quality": st.column_config.SelectboxColumn(width=115, options=[AS_CLAIMED, *EVIDENCE_QUALITIES],
                                                             help="as claimed, or the quality you judge")})
    changed = edited[(edited["your answer"].fillna("") != ACCEPT) |
                     (edited["evidence quality"].fillna(AS_CLAIMED) != AS_CLAIMED)]
    st.caption(f"{len(changed)} of {len(edited)} criteria assessed differently from the claim; the others accept it.")
    if st.button(f"Submit my assessment of {bid_id} (final)", type="primary", key="submit-assessment"):
        rows = [{"criterion_id": claim["criterion_id"], "answer": str(row["your answer"] or "").strip() or None,
                 "justification": str(row["justification"] or "").strip(),
                 "evidence_quality": None if row["evidence quality"] in (None, AS_CLAIMED) else row["evidence quality"]}
                for claim, row in zip(claims, edited.to_dict("records"), strict=True)]
        act(lambda: desk.submit_assessment(case_id, bid_id, rows), f"Your assessment of {bid_id} is submitted.")
    st.caption("The answers of each criterion")
    st.table(pd.DataFrame([{"criterion": claim["criterion_id"], "answers": "; ".join(claim["answers"]) or
                            "a number"} for claim in claims]), hide_index=True)


def _assessments(rows: list[dict]) -> None:
    """Every criterion of a bid that someone assessed differently from the claim (or whose evidence they judged),
    with each person's answer there, accepts included; the other criteria are counted."""
    differing = {row["criterion_id"] for row in rows if row["assessed_answer"] or row["evidence_quality"]}
    shown = [row for row in rows if row["criterion_id"] in differing]
    if shown:
        st.table(pd.DataFrame([{"criterion": row["criterion_id"], "who": row["assessor"], "stage": row["stage"],
                                "answer": row["assessed_answer"] or "accepts the claim",
                                "justification": text(row["justification"]),
                                "evidence quality": text(row["evidence_quality"])} for row in shown]), hide_index=True)
    people = sorted({row["assessor"] for row in rows})
    accepted = len({row["criterion_id"] for row in rows} - differing)
    st.caption(f"Assessed by {', '.join(people) or BLANK}; on {accepted} other criteria everyone accepts the claim.")


# -- the chair --------------------------------------------------------------------------------------
def _chair(desk, case: dict) -> None:
    show_notice()
    agreement = desk.panel_agreement(case["id"])
    st.header("Where the members disagree")
    alpha = agreement["alpha"]
    st.metric("Agreement overall (Krippendorff's alpha, ordinal)", BLANK if alpha is None else f"{alpha:.3f}",
              help="1 = the members gave the same answers; 0 = no better than chance; blank = not enough "
                   "assessments by two members or more to say.")
    if not agreement["bids"]:
        st.info("No member has submitted an assessment yet.")
        return
    st.table(pd.DataFrame([{"bid": bid["bid_id"], "alpha": BLANK if bid["alpha"] is None else f"{bid['alpha']:.3f}",
                            "open disagreements": bid["open_disagreements"],
                            "criteria assessed": len(bid["assessed"])} for bid in agreement["bids"]]),
             hide_index=True)
    bid_ids = [bid["bid_id"] for bid in agreement["bids"]]  # open disagreements first
    bid_id = st.selectbox("Bid", bid_ids, key="chair-bid")
    bid = next(bid for bid in agreement["bids"] if bid["bid_id"] == bid_id)
    st.subheader(f"The panel's assessments of {bid_id}")
    _assessments(desk.panel_assessments(case["id"], bid_id))
    open_ones = [d for d in bid["disagreements"] if not d["settled"]]
    for disagreement in bid["disagreements"]:
        said = "; ".join(f"{member}: {BLANK if answer is None else answer}"
                         for member, answer in disagreement["answers"].items())
        st.write(f"**{disagreement['criterion_id']}**: {said}" + (" — settled by consensus" if disagreement["settled"]
                                                                   else " — **open**"))
    if open_ones:
        _consensus_form(desk, case["id"], bid_id, [d["criterion_id"] for d in open_ones])


def _consensus_form(desk, case_id: str, bid_id: str, criteria: list[str]) -> None:
    """One answer and justification per open disagreement (there are few): empty accepts the claim."""
    st.subheader("Record the consensus")
    claims = {claim["criterion_id"]: claim for claim in desk.bid_claims(case_id, bid_id)}
    claimed = {criterion: claim["claimed_text"] for criterion, claim in claims.items()}
    rows = []
    for criterion in criteria:
        claim = claims[criterion]
        st.caption(f"**{criterion} {claim['title']}**: claimed {claim['claimed_text']}; evidence: "
                   f"{text(claim['evidence'])}. Answers: {'; '.join(claim['answers']) or 'a number'}.")
        left, right = st.columns([1, 3])
        answer = left.text_input(f"{criterion}: consensus answer", key=f"consensus-{bid_id}-{criterion}",
                                 help=f"Claimed: {claimed[criterion]}. Empty: accept the claim.")
        reason = right.text_input(f"{criterion}: justification (the bidder reads it)",
                                  key=f"consensus-why-{bid_id}-{criterion}")
        rows.append({"criterion_id": criterion, "answer": answer.strip() or None, "justification": reason.strip()})
    if st.button("Record the consensus", type="primary", key="record-consensus"):
        act(lambda: desk.record_consensus(case_id, bid_id, rows), f"The consensus on {bid_id} is recorded.")
