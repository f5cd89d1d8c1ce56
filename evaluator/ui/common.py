"""What the workspaces share: the session's state, and tables made from a results document."""

import re
from pathlib import Path

import pandas as pd
import streamlit as st

from evaluator.application import PERMISSIONS, Desk, Store, default_store_url, read_framework, read_tender
from evaluator.errors import ConfigurationError, PermissionDenied, StoreError
from evaluator.i18n import N_, _, current
from evaluator.model.framework import WEIGHT_TOLERANCE, WEIGHT_TOTAL, Framework
from evaluator.model.tender import Tender
from evaluator.ui.signin import current_user

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = sorted(p for p in (ROOT / "frameworks").glob("*.yaml"))
SAMPLE_TENDER = ROOT / "samples" / "tender.yaml"
SAMPLE_BIDS = sorted((ROOT / "samples" / "bids").iterdir())
SAMPLE_TENDERS = {path.name: path for path in sorted((ROOT / "samples").glob("*.yaml"))}
SAMPLE_CERTIFICATES = ROOT / "samples" / "certificates.csv"
SAMPLE_CAPABILITY = ROOT / "samples" / "product" / "capability-wide.csv"
# the bundled sample answers of the whitepaper's frameworks: "Add the bundled sample bids" gives a case under one
# of them its own sample (vendors' products, enterprises, countries) instead of the CSF bid workbooks
FRAMEWORK_SAMPLES = {"apc-product-2026": SAMPLE_CAPABILITY,
                     "apc-enterprise-2026": ROOT / "samples" / "enterprise" / "adoption-wide.csv",
                     "apc-national-2026": ROOT / "samples" / "national-index-2026.csv"}
MAX_FILES = 200


@st.cache_resource
def framework_at(path: str) -> tuple[Framework, str]:
    return read_framework(path)


def capability_framework_at(path: str) -> tuple[Framework, str]:
    """A combined tender's capability framework: its path is relative to where the app runs, as for an
    evaluation, or else to the repository (the bundled tenders name frameworks/…)."""
    return framework_at(path if Path(path).exists() else str(ROOT / path))


def sample_tender() -> Tender:
    return read_tender(SAMPLE_TENDER)[0]


def state():
    """The session's working state, with defaults on first use."""
    session = st.session_state
    session.setdefault("framework_path", str(ROOT / "frameworks" / "eu-csf-2026.yaml"))
    session.setdefault("tender", sample_tender())
    session.setdefault("outcome", None)  # the last evaluation's Outcome
    session.setdefault("evaluation_id", None)  # its id in the store
    return session


@st.cache_resource
def store_at(url: str) -> Store:
    return Store(url)


def signed_in_desk() -> Desk:
    """The signed-in (or local) user's access to the store, with the roles and grants the users table
    holds; signs in once per session in the audit log (again if an admin changed the user's roles). app.py
    calls it once a run, before the navigation (which shows the user's workspaces only), and keeps it for
    the page."""
    store = store_at(default_store_url())
    user = current_user(store)
    desk = Desk(store, user)
    if st.session_state.get("signed_in_as") != user:
        desk.sign_in()
        st.session_state.signed_in_as = user
    st.session_state.desk = desk
    return desk


def workspace() -> Desk:
    """This run's Desk (made by app.py before the page runs)."""
    return st.session_state.get("desk") or signed_in_desk()


def show_notice() -> None:
    """What the last action said (it reran the page to show the store as it is now): shown once."""
    kind, message = st.session_state.pop("notice", (None, None))
    if kind:
        getattr(st, kind)(message)


def done(kind: str, message: str) -> None:
    """Say `message` (an st.success/error/info kind) once the page has rerun."""
    st.session_state.notice = (kind, message)
    st.rerun()


def literal(text: str) -> str:
    """Text someone typed (a user's name), shown as written in a message that Streamlit renders as Markdown:
    no emphasis, link or HTML made of it."""
    return re.sub(r"([\\`*_{}\[\]()<>#+\-.!|~:@])", r"\\\1", text)


def act(action, success: str) -> None:
    """Run one of the Desk's actions; say what happened (or why it was refused, the store unchanged) and show
    the page again."""
    try:
        action()
    except (ConfigurationError, StoreError, PermissionDenied) as error:
        done("error", str(error))
    done("success", success)


def opened_workspace(title: str, caption: str, action: str, workspace_name: str) -> Desk | None:
    """A workspace page's heading, and the user's Desk if they may use it (needs `action`), else None."""
    desk = workspace()
    st.title(title)
    st.caption(caption)
    return desk if may_use(desk, action, workspace_name) else None


# the names the pages give may_use, shown translated (a page may also give its name already translated)
WORKSPACE_NAMES = (N_("officer"), N_("policy analyst"), N_("auditor"), N_("evaluation panel"), N_("marketplace"),
                   N_("administrator"), N_("framework editor"))


def may_use(desk: Desk, action: str, workspace_name: str) -> bool:
    """Whether the user may use this workspace (it needs `action`). If not, the page says why, and the
    refusal is logged once a session, not at every rerun. The roles are named by their codes (officer,
    analyst, …), as an administrator gives them."""
    if desk.allowed(action):
        return True
    roles = ", ".join(sorted(desk.user.roles)) or _("no role")
    needed = _(" or ").join(sorted(PERMISSIONS[action]))
    st.warning(_("The {workspace} workspace is closed to {user} ({roles}): it needs the role {needed}. Ask an "
                 "administrator for the role.").format(workspace=_(workspace_name), user=desk.user.name, roles=roles,
                                                        needed=needed))
    logged = st.session_state.setdefault("denials_logged", set())
    if (desk.user, action) not in logged:
        desk.note_denied(action)
        logged.add((desk.user, action))
    return False


def verify_audit_log(desk: Desk) -> None:
    """The button that recomputes the audit chain (auditor and administrator workspaces), and its verdict."""
    if st.button(_("Verify the audit log"), key="verify"):
        checked, broken, head = desk.verify_audit()
        if broken:
            st.error(_("The audit log is broken at {where}: {reason}.").format(where=broken.where,
                                                                               reason=broken.reason))
        else:
            st.success(_("The audit log is intact: {count} entries, chain head {head}.").format(count=checked,
                                                                                                 head=head))


BLANK = "—"  # what a table shows for a missing value, never "None"
SCORE_DECIMALS = 4  # scores and totals as the report shows them; the stored results keep every digit


def score_text(value: float | None) -> str:
    """A score or total for display, rounded to the report's 4 decimals; "—" when there is none."""
    return BLANK if value is None else f"{value:.{SCORE_DECIMALS}f}"


def price_text(value: float | None, currency: str | None) -> str:
    """A price with thousands separators and its currency ("6,900,000.00 EUR"); "—" when there is none."""
    if value is None:
        return BLANK
    return f"{value:,.2f}" + (f" {currency}" if currency else "")


def text(value: object) -> str:
    return BLANK if value is None or value == "" else str(value)


def unbroken(code: str) -> str:
    """A code such as SEAL-2 or B-001 that a narrow table column must not break at its hyphen."""
    return code.replace("-", "\u2011")  # non-breaking hyphen


def chart(container, svg: str, caption: str) -> None:
    """One of evaluator.report.charts' SVG charts, as an image (`st.html` strips `<svg>`), stretched to the
    width of its column."""
    if svg:
        container.image(str(svg), caption=caption, width="stretch")


def weight_inputs(framework: Framework, start: dict[str, float], key: str) -> tuple[dict[str, float], bool]:
    """A number input per objective (four a row, from `start`) and the running total beside them: the weights
    as entered, and whether they sum to 100 (nothing is rescaled)."""
    inputs, beside = st.columns([5, 1])
    columns = inputs.columns(4)
    names = {objective.id: objective.name for objective in framework.translated(current()).objectives}
    weights = {oid: columns[i % 4].number_input(f"{oid} {names[oid]}", 0.0, 100.0, float(start[oid]), 0.5,
                                                key=f"{key}-{oid}") for i, oid in enumerate(framework.objective_ids)}
    total = sum(weights.values())
    balanced = abs(total - WEIGHT_TOTAL) <= WEIGHT_TOLERANCE
    beside.metric(_("Weights total"), f"{total:g} / {WEIGHT_TOTAL:g}",
                  _("sums to 100") if balanced else _("{difference}: must sum to 100").format(
                      difference=f"{total - WEIGHT_TOTAL:+g}"),
                  delta_color="green" if balanced else "red", delta_arrow="off")
    return weights, balanced


def listed(items) -> str:
    """Items one after the other, separated as the language separates the parts of a list ("; ", "；")."""
    return _("; ").join(items)


def glossary(level_scale_name: str, level_scale_description: str, levels: list[tuple[str, str]]) -> str:
    """How to read the results, said once: the level scale (SEAL) and "capped by"."""
    named = listed(f"{code} {name}" for code, name in levels)
    scale = f"**{level_scale_name}**" + (_(" ({description})").format(description=level_scale_description)
                                         if level_scale_description else "")
    return _("{scale}: the level each objective reaches, {levels}. A bid passes the gate when every objective "
             "reaches its required level. **Capped by**: the criteria whose answers held an objective at its "
             "level (its lowest-level answers); raising them is what would raise the level.").format(
        scale=scale, levels=named)


STATUS_WORDS = {"ranked": N_("ranked"), "excluded": N_("excluded"), "invalid": N_("invalid"),
                "pending": N_("pending")}  # a bid's status (a code in the data), as a person reads it


def status_word(status: str) -> str:
    """A bid's status code (ranked, excluded, invalid, pending) in the page's language."""
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def status_text(bid: dict) -> str:
    """A bid's status; a pending bid's figures are provisional (its disputed answers as claimed)."""
    return _("pending (provisional: disputed answers as claimed)") if bid.get("provisional") else \
        status_word(bid["status"])


def award_banner(document: dict) -> str:
    """The recommended award, naming each winning bid's vendor, total and price."""
    currency = (document["settings"].get("award") or {}).get("currency")
    winners = [bid for bid in document["bids"] if bid["status"] == "ranked" and bid["rank"] == 1]
    named = listed(_("{bid} ({vendor}), total {total}").format(bid=bid["bid_id"], vendor=text(bid["vendor"]),
                                                              total=score_text(bid["total"]))
                   + (_(", price {price}").format(price=price_text(bid["price"], bid.get("currency") or currency))
                      if bid["price"] is not None else "") for bid in winners)
    if len(winners) > 1:
        return _("Recommended award (tied): {winners}").format(winners=named)
    return _("Recommended award: {winners}").format(winners=named)


SCORE_FORMAT = f"%.{SCORE_DECIMALS}f"

# the column names of the tables made here and in the officer workspace: the frames keep them (the code, and
# the tests, look columns up by them); a table shows each translated (header, headed)
HEADERS = {name: name for name in (
    N_("rank"), N_("bid"), N_("vendor"), N_("status"), N_("level"), N_("score %"), N_("capability %"), N_("price"),
    N_("currency"), N_("total"), N_("tie"), N_("why not ranked"), N_("file"), N_("answers"), N_("problems"),
    N_("objective"), N_("required"), N_("passed"), N_("score"), N_("weighted"), N_("unanswered"), N_("capped by"),
    N_("criterion"), N_("title"), N_("answer"), N_("evidence"), N_("quality"), N_("location"), N_("message"),
    N_("claimed"), N_("assessed"), N_("stage"), N_("justification"))}


def header(column):
    """A column's name as a table shows it: translated if it is one of HEADERS, else as it is (IDs, codes)."""
    return _(HEADERS[column]) if isinstance(column, str) and column in HEADERS else column


def headed(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its column names (and its index's name) as a table shows them (header)."""
    return frame.rename(columns=header).rename_axis(index=header(frame.index.name))


def grid(frame, numbers: dict[str, str], wide: tuple[str, ...] = (), **options) -> None:
    """A sortable grid: numeric columns hold numbers, so they sort as numbers, shown with these printf formats
    (column -> format); the `wide` text columns get the room to show a list in full; a missing value shows "—".
    A DataFrame's column names are shown translated (header); a Styler's as they are."""
    if isinstance(frame, pd.DataFrame):
        frame = frame.rename(columns=header)
        numbers = {header(column): shown for column, shown in numbers.items()}
        wide = tuple(header(column) for column in wide)
    config = {column: st.column_config.NumberColumn(format=shown) for column, shown in numbers.items()} | \
        {column: st.column_config.TextColumn(width="large") for column in wide}
    st.dataframe(frame, hide_index=True, placeholder=BLANK, column_config=config, **options)


def ranking_frame(document: dict) -> tuple[pd.DataFrame, dict[str, str]]:
    """The ranking as numbers (rank, scores, price, total), so its columns sort as numbers, and the format of
    each: 4 decimals, prices with separators and their currency (a currency column if the bids' differ)."""
    codes = document["framework"]["level_codes"]
    tender_currency = (document["settings"].get("award") or {}).get("currency")
    currencies = [bid.get("currency") or tender_currency for bid in document["bids"]]
    priced = {c for c, bid in zip(currencies, document["bids"], strict=True) if bid["price"] is not None}
    shared = next(iter(priced)) if len(priced) == 1 else None  # else the currency is a column of its own
    capability = "capability" in document
    frame = pd.DataFrame([{"rank": bid["rank"], "bid": text(bid["bid_id"]), "vendor": text(bid["vendor"]),
                           "status": status_text(bid),
                           "level": BLANK if bid["overall_level"] is None else codes[bid["overall_level"]],
                           "score %": bid["score"],
                           **({"capability %": (bid.get("capability") or {}).get("score")} if capability else {}),
                           "price": bid["price"], **({} if len(priced) <= 1 else {"currency": text(currency)}),
                           "total": bid["total"], "tie": ", ".join(bid["tie"]["tied_with"]) if bid["tie"] else ""}
                          for bid, currency in zip(document["bids"], currencies, strict=True)])
    scores = ["score %", *(["capability %"] if capability else []), "total"]
    price = "%,.2f" + (f" {shared}" if shared else "")
    return (frame.astype({"rank": "Int64", "price": "float64", **dict.fromkeys(scores, "float64")}),
            {"rank": "%d", "price": price, **dict.fromkeys(scores, SCORE_FORMAT)})


def why_not_ranked(document: dict) -> pd.DataFrame:
    """Each bid not ranked, with every reason (the panel's open disagreements, exclusions, errors) in full."""
    return pd.DataFrame([{"bid": text(bid["bid_id"]), "vendor": text(bid["vendor"]), "status": status_text(bid),
                          "why not ranked": "; ".join(bid.get("pending_reasons", []) +
                                                      [r["message"] for r in bid["exclusion_reasons"]] +
                                                      [f"{e['location']}: {e['message']}" for e in bid["errors"]])}
                         for bid in document["bids"] if bid["status"] != "ranked"],
                        columns=["bid", "vendor", "status", "why not ranked"])


REQUIRED_ROW = N_("required level")  # the gate matrix's first row, shown translated


def gate_frame(document: dict):
    """Bids × objectives under a first row with the required level: each cell the offered level, a
    shortfall marked "✗" (not by colour alone) and coloured red, a pass blue."""
    codes = document["framework"]["level_codes"]
    bids = [bid for bid in document["bids"] if bid["status"] != "invalid"]
    objectives = list(document["framework"]["objectives"])
    required = document["settings"]["min_level"]

    def shown(objective: dict) -> str:
        level = BLANK if objective["level"] is None else codes[objective["level"]]
        return level if objective["passed"] else f"✗ {level}"
    levels = pd.DataFrame([[codes[required[o]] for o in objectives]] +
                          [[shown(bid["objectives"][o]) for o in objectives] for bid in bids],
                          index=[_(REQUIRED_ROW), *[text(bid["bid_id"]) for bid in bids]], columns=objectives)
    passed = [[None] * len(objectives)] + [[bid["objectives"][o]["passed"] for o in objectives] for bid in bids]
    colours = pd.DataFrame([["font-weight: bold; background-color: #eeeeee" if ok is None else
                             "background-color: #dcebfa" if ok else
                             "background-color: #f6d5d1; color: #8e1c10; font-weight: bold" for ok in row]
                            for row in passed], index=levels.index, columns=objectives)
    return levels.style.apply(lambda shown_levels: colours, axis=None)
