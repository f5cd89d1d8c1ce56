"""The access-checked layer: one redaction for everything an analyst without the bid_identities grant
reads, roles and grants from the users table, and `analyse` checked and logged like every action."""

import json

import pytest
from sqlalchemy import select

from evaluator.__main__ import main
from evaluator.application import Desk, PermissionDenied, Store, User, read_framework, read_tender, signed_in_user
from evaluator.errors import ConfigurationError
from evaluator.model.tender import resolve_settings
from evaluator.pipeline import Request
from evaluator.scoring import evaluate_combined
from evaluator.store.schema import audit_log

from conftest import CSF_PATH, ROOT, SAMPLES

COMBINED = Request(framework="frameworks/eu-csf-2026.yaml", tender="samples/tender-combined.yaml",
                   inputs=("samples/bids", "samples/certificates.csv", "samples/product/capability-wide.csv"),
                   formats=("json",), evaluated_at="2026-11-26T09:00:00Z")
# what names a vendor or a file: vendor names, file names, evidence, certificate issuers and references
IDENTIFYING = ("Nordlicht", "Azurblau", "Celtic", "Lumen", "b-001", ".xlsx", ".csv", "TÜV", "KPMG", "EUCS-2025",
               "C5-2026")


@pytest.fixture
def store(tmp_path, monkeypatch) -> Store:
    monkeypatch.chdir(ROOT)  # requests name files relative to the repository, as the CLI would
    return Store(f"sqlite:///{tmp_path / 'evaluator.db'}")


def desk(store: Store, *roles, grants=(), name="someone") -> Desk:
    return Desk(store, User(name, frozenset(roles), frozenset(grants)), lambda: "2026-11-26T09:00:00Z")


def two_bids(evaluated_at: str) -> Request:
    """The sample tender on its first two bid files, with the report, as the officer's evaluation."""
    return Request(framework=str(CSF_PATH), tender=str(SAMPLES / "tender.yaml"), evaluated_at=evaluated_at,
                   inputs=tuple(str(path) for path in sorted((SAMPLES / "bids").iterdir())[:2]),
                   formats=("json", "pdf"))


def events(store: Store) -> list[tuple[str, str, dict]]:
    with store.engine.connect() as connection:
        rows = connection.execute(select(audit_log.c.event, audit_log.c.actor, audit_log.c.detail)
                                  .order_by(audit_log.c.seq)).all()
    return [(event, actor, json.loads(detail)) for event, actor, detail in rows]


class TestOneRedaction:
    @pytest.fixture
    def stored(self, store):
        outcome, evaluation_id = desk(store, "officer").evaluate(COMBINED)
        return store, outcome, evaluation_id

    def test_results_and_analysis_bids_number_the_bidders_alike(self, stored):
        """The same 'Bidder n' is the same bidder in the results document and in the analyst's bids."""
        store, outcome, evaluation_id = stored
        analyst = desk(store, "analyst")
        document = analyst.results(evaluation_id)
        inputs = analyst.analysis_bids(evaluation_id)
        csf = outcome.evaluation.framework
        again = evaluate_combined(csf, outcome.evaluation.settings, inputs.bids, inputs.capability,
                                  inputs.capability_bids).evaluation
        names = [bid.bid_id for bid in inputs.bids.bids]
        assert sorted(names) == sorted(bid["bid_id"] for bid in document["bids"])
        assert len(set(names)) == len(names) and all(name.startswith("Bidder ") for name in names)
        for bid in document["bids"]:
            row = names.index(bid["bid_id"])
            assert (again.status[row] == "invalid") == (bid["status"] == "invalid")
            if bid["status"] != "invalid":
                assert float(again.score[row]) == pytest.approx(bid["score"])
                assert int(again.overall_level[row]) == bid["overall_level"]
                assert [r.kind for r in again.exclusion_reasons[row]] == [r["kind"] for r in bid["exclusion_reasons"]]
                assert again.status[row] == bid["status"] and (again.rank[row] or None) == bid["rank"]
                if bid["total"] is not None:  # the priced award is recomputed, though no price is shown
                    assert float(again.total[row]) == pytest.approx(bid["total"])

    def test_nothing_identifying_reaches_an_analyst_without_the_grant(self, stored):
        store, _, evaluation_id = stored
        analyst = desk(store, "analyst")
        text = json.dumps(analyst.results(evaluation_id), ensure_ascii=False)
        assert not [word for word in IDENTIFYING if word in text]
        inputs = analyst.analysis_bids(evaluation_id)
        for bids in (inputs.bids, inputs.capability_bids):
            headers = repr(bids.bids)
            assert not [word for word in IDENTIFYING if word in headers]
            assert all(bid.service is None and not bid.metadata and bid.source.file == "hidden" for bid in bids.bids)
            assert all(problem.message == "hidden" for bid in bids.bids for problem in bid.errors)
            assert (bids.evidence == None).all() and (bids.notes == None).all()  # noqa: E711
        certificates = [c for bid in inputs.bids.bids for c in bid.certificates]
        assert certificates and all(c.issuer == "" and c.reference == "" for c in certificates)
        assert any(bid.invalid for bid in inputs.bids.bids)  # an invalid bid stays invalid, its text hidden

    def test_the_grant_and_the_officer_see_everything(self, stored):
        store, _, evaluation_id = stored
        for reader in (desk(store, "analyst", grants=("bid_identities",)), desk(store, "officer")):
            assert "Nordlicht Cloud GmbH" in {bid["vendor"] for bid in reader.results(evaluation_id)["bids"]}
            inputs = reader.analysis_bids(evaluation_id)
            assert any(bid.vendor == "Nordlicht Cloud GmbH" for bid in inputs.bids.bids)
            assert any(text for text in inputs.bids.evidence.ravel() if text)


class TestRolesFromTheStore:
    def test_an_admins_roles_and_grants_win_over_the_claims(self, store):
        desk(store, "admin").set_user("ana@example.org", ["analyst"], ["bid_identities"])
        user = signed_in_user(store, User("ana@example.org", frozenset({"officer"})))
        assert user == User("ana@example.org", frozenset({"analyst"}), frozenset({"bid_identities"}))

    def test_the_claims_seed_a_user_the_table_does_not_hold(self, store):
        claimed = User("new@example.org", frozenset({"officer"}))
        assert signed_in_user(store, claimed) == claimed

    def test_a_user_the_admin_left_without_roles_has_none(self, store):
        desk(store, "admin").set_user("gone@example.org", [], [])
        assert signed_in_user(store, User("gone@example.org", frozenset({"officer"}))).roles == frozenset()


class TestAnalyse:
    def test_analyse_needs_a_role_and_leaves_an_audit_entry(self, store):
        request = Request(framework=str(CSF_PATH.relative_to(ROOT)), tender="samples/tender.yaml",
                          inputs=("samples/bids",), formats=("robustness",), draws=200)
        with pytest.raises(PermissionDenied, match="may not analyse the award"):
            desk(store, "admin").analyse(request)
        outcome = desk(store, "analyst").analyse(request)
        assert "robustness.json" in outcome.files
        assert [event for event, _, _ in events(store)] == ["permission denied", "analysis"]
        detail = events(store)[-1][2]
        assert detail["draws"] == 200 and "samples/bids/b-001.xlsx" in detail["inputs"]

    def test_the_command_goes_through_the_layer(self, tmp_path, monkeypatch, capsys):
        monkeypatch.chdir(ROOT)
        monkeypatch.setenv("EVALUATOR_DATA", str(tmp_path))
        assert main(["analyse", "--framework", str(CSF_PATH), "--tender", str(SAMPLES / "tender.yaml"),
                     "--draws", "200", "--out", str(tmp_path / "out"), str(SAMPLES / "bids")]) == 0
        assert (tmp_path / "out" / "robustness.json").exists()
        logged = events(Store(f"sqlite:///{tmp_path / 'evaluator.db'}"))
        assert [(event, actor) for event, actor, _ in logged] == [("analysis", "local")]


class TestTheAppsActions:
    """What the app's workspaces do goes through the layer too: each action checks its role; the officer's
    evaluation takes its time from the desk's clock."""

    @pytest.fixture
    def sample(self):
        framework, sha = read_framework(CSF_PATH)
        tender = read_tender(SAMPLES / "tender.yaml")[0]
        return framework, sha, tender, resolve_settings(framework, tender)

    def test_the_officers_actions(self, store, sample):
        framework, sha, tender, settings = sample
        officer = desk(store, "officer")
        assert officer.vendor_template(framework, sha, settings)[:2] == b"PK"
        outcome, _ = officer.evaluate(two_bids(officer.clock()))
        assert [row["request"].evaluated_at for row in officer.evaluations()] == ["2026-11-26T09:00:00Z"]
        assert "<svg" in officer.score_distribution(outcome.document)
        assert "<svg" in officer.bid_detail(outcome, 0)["contribution_svg"]
        assert [event for event, _, _ in events(store)] == ["evaluation", "report generated"]

    def test_the_analysts_what_ifs_are_live_and_not_logged(self, store, sample):
        framework, _, tender, settings = sample
        analyst = desk(store, "analyst")
        bids, part, capability_bids = analyst.sample_bids(
            [str(path) for path in sorted((SAMPLES / "bids").iterdir())], tender, framework)
        assert len(bids.bids) == 8 and part is None and capability_bids is None
        analysis = analyst.robustness(analyst.reevaluate(framework, settings, bids), draws=200)
        assert "<svg" in analyst.acceptability_chart(analysis["acceptability"]["bids"])
        assert events(store) == []

    def test_other_roles_are_refused_and_logged(self, store, sample):
        framework, sha, tender, settings = sample
        files = [str(SAMPLES / "bids" / "b-001.xlsx")]
        analyst, admin = desk(store, "analyst"), desk(store, "admin")
        refusals = [(analyst, "make the vendor template", lambda d: d.vendor_template(framework, sha, settings)),
                    (analyst, "upload bids", lambda d: d.record_validation([])),
                    (analyst, "evaluate", lambda d: d.evaluate(two_bids(d.clock()))),
                    (admin, "analyse the award", lambda d: d.sample_bids(files, tender, framework)),
                    (admin, "analyse the award", lambda d: d.robustness(None)),
                    (admin, "read evaluations", lambda d: d.score_distribution({"bids": []}))]
        for who, action, act in refusals:
            with pytest.raises(PermissionDenied, match=f"may not {action}"):
                act(who)
        assert [(event, detail["action"]) for event, _, detail in events(store)] == [
            ("permission denied", action) for _, action, _ in refusals]  # and no tender version was saved


def test_a_user_name_is_checked_and_the_last_administrator_stays(store):
    admin = desk(store, "admin")
    for name, says in (("x" * 201, "at most 200 characters"), ("ana\nbob", "line breaks"), ("  ", "needs a name")):
        with pytest.raises(ConfigurationError, match=says):
            admin.change_user(name, ("officer",))
    with pytest.raises(ConfigurationError, match="there is no user nobody"):
        admin.change_user("nobody", remove=("officer",))
    admin.change_user("dora", ("admin",))
    with pytest.raises(ConfigurationError, match="dora is the last administrator"):
        admin.change_user("dora", remove=("admin",))
    admin.change_user("erik", ("admin",))
    assert admin.change_user("dora", remove=("admin",))["roles"] == []
