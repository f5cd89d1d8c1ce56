"""Reading the three bid formats, and located errors for ordinary mistakes. One bad file never stops others."""

import numpy as np
import pytest

from evaluator.ingest.files import read_bids

from conftest import SAMPLES, top_ranks
from factories import bid_workbook, csv_text, long_rows, read_bid_bytes, wide_rows


def errors_of(bid_set, index=0):
    return [(p.location, p.message) for p in bid_set.bids[index].errors]


def answers_for(csf, rank_of=lambda c: len(c.answers)):
    return {c.id: rank_of(c) for c in csf.criteria_in_objective_order}


def read_text(csf, text: str, name="bids.csv", encoding="utf-8"):
    return read_bid_bytes(text.encode(encoding), name, csf)


class TestSamples:
    def test_sample_workbook_reads_answers_evidence_and_metadata(self, csf):
        bids = read_bids([str(SAMPLES / "bids" / "b-001.xlsx")], csf)
        bid = bids.bids[0]
        assert (bid.bid_id, bid.vendor, bid.price, bid.currency, bid.errors) == \
            ("B-001", "Nordlicht Cloud GmbH", 6900000.0, "EUR", ())
        assert bid.metadata == {"contact": "tenders@example.eu"}
        assert (bids.ranks[0] >= 1).all()
        assert bids.evidence[0, 0] == "See annex SOV-1.1 of the technical offer"
        assert (bids.evidence_quality[0] >= 1).all()
        assert len(bid.source.sha256) == 64

    def test_folder_expands_to_every_sample_bid(self, csf):
        bids = read_bids([str(SAMPLES / "bids")], csf)
        assert sorted(b.bid_id for b in bids.bids) == [f"B-00{n}" for n in range(1, 9)]
        assert [b.bid_id for b in bids.bids if b.invalid] == ["B-008"]
        assert errors_of(bids, [b.bid_id for b in bids.bids].index("B-008")) == \
            [("Responses!B22", "answer '7' is out of range: SOV-4.2 has answers 1 to 5")]

    def test_chinese_vendor_name_survives(self, csf):
        bids = read_bids([str(SAMPLES / "bids" / "danubia-huawei-wide.csv")], csf)
        assert bids.bids[1].vendor.startswith("华为云 Stack")


class TestAnswerTexts:
    @pytest.mark.parametrize("text, rank", [
        ("3", 3), ("3.0", 3), ("3 - Shared; the provider holds override keys", 3),
        ("3. shared; THE PROVIDER holds override keys ", 3), ("3) Shared;  the provider holds override keys", 3),
        ("3-Shared; the provider holds override keys", 3), ("3 – Shared; the provider holds override keys", 3),
        ("3 -", 3), (" 5 ", 5), ("", 0), ("unknown", 0),
        ("Unknown", 0)])
    def test_rank_answers(self, csf, text, rank):
        bids = read_text(csf, csv_text(long_rows({"B": ("V", {"SOV-3.1": text})})))
        assert bids.bids[0].errors == ()
        assert bids.ranks[0, csf.criterion_index["SOV-3.1"]] == rank

    @pytest.mark.parametrize("text, message", [
        ("3 - The provider alone", "SOV-3.1: answer '3 - The provider alone' gives number 3, whose label is "
                                   "'Shared; the provider holds override keys'; the label written does not match"),
        ("3. x", "SOV-3.1: answer '3. x' gives number 3, whose label is 'Shared; the provider holds override keys'"),
        ("3.5", "answer '3.5' is not an answer number"),
        ("yes", "answer 'yes' is not an answer number"),
        ("6", "answer '6' is out of range: SOV-3.1 has answers 1 to 5"),
        ("0", "answer '0' is out of range"),
        ("-1", "answer '-1' is not an answer number"),
    ])
    def test_bad_rank_answers_are_located(self, csf, text, message):
        bids = read_text(csf, csv_text(long_rows({"B": ("V", {"SOV-1.1": 1, "SOV-3.1": text})})))
        assert bids.bids[0].invalid
        (location, found), = errors_of(bids)
        assert location == "row 3" and found.startswith(message)

    @pytest.mark.parametrize("text, rank", [("SEAL-2", 3), ("2", 3), ("seal-2", 3), ("SEAL-2 Data Sovereignty", 3),
                                            ("Technological Sovereignty", 4), ("0", 1), ("4.0", 5), ("", 0)])
    def test_level_answers_mean_levels_never_ranks(self, csf_levels, text, rank):
        bids = read_text(csf_levels, csv_text(long_rows({"B": ("V", {"SOV-5": text})})))
        assert bids.bids[0].errors == ()
        assert bids.ranks[0, 4] == rank

    @pytest.mark.parametrize("text", ["5", "SEAL-5", "3 - x"])
    def test_bad_level_answers(self, csf_levels, text):
        bids = read_text(csf_levels, csv_text(long_rows({"B": ("V", {"SOV-5": text})})))
        assert bids.bids[0].invalid and "not a level" in errors_of(bids)[0][1]


class TestLongCsvMistakes:
    def test_unknown_criterion_same_criterion_twice_and_missing_vendor(self, csf):
        rows = [["bid_id", "vendor", "criterion_id", "answer"],
                ["B-1", "V", "SOV-1.1", "1"], ["B-1", "V", "SOV-9.9", "1"], ["B-1", "V", "SOV-1.1", "2"],
                ["B-2", "", "SOV-1.1", "1"], ["B-3", "W", "SOV-1.1", "2"]]
        bids = read_text(csf, csv_text(rows))
        assert [b.bid_id for b in bids.bids] == ["B-1", "B-2", "B-3"]
        assert errors_of(bids, 0) == [
            ("row 3", "criterion 'SOV-9.9' is not in framework eu-csf-2026 version 2026.06"),
            ("row 4", "SOV-1.1 is answered a second time (first at row 2)")]
        assert errors_of(bids, 1) == [("row 5", "vendor is missing")]
        assert not bids.bids[2].invalid and bids.ranks[2, 0] == 2
        assert (bids.ranks[0] == 0).all()  # an invalid bid keeps no answers for scoring

    def test_missing_bid_id_rows_become_an_invalid_entry(self, csf):
        bids = read_text(csf, csv_text([["bid_id", "vendor", "criterion_id", "answer"],
                                        ["B-1", "V", "SOV-1.1", "1"], ["", "V", "SOV-1.2", "1"]]))
        orphan = next(b for b in bids.bids if b.bid_id is None)
        assert [(p.location, p.message) for p in orphan.errors] == \
            [("row 3", "bid_id is empty, so the row belongs to no bid")]
        assert not bids.bids[0].invalid

    def test_price_on_some_rows_only_and_differing_prices(self, csf):
        rows = [["bid_id", "vendor", "criterion_id", "answer", "price"],
                ["B-1", "V", "SOV-1.1", "1", "100"], ["B-1", "V", "SOV-1.2", "1", ""],
                ["B-2", "W", "SOV-1.1", "1", "100"], ["B-2", "W", "SOV-1.2", "1", "90"],
                ["B-3", "X", "SOV-1.1", "1", "abc"]]
        bids = read_text(csf, csv_text(rows))
        assert errors_of(bids, 0) == [("row 3", "price is empty here but given on other rows of the same bid")]
        assert errors_of(bids, 1) == [("row 5", "price '90' differs from '100' given at row 4")]
        assert errors_of(bids, 2) == [("row 6", "price 'abc' is not a number of at least 0")]

    def test_vendor_must_agree_on_every_row(self, csf):
        rows = long_rows({"B-1": ("Acme", {"SOV-1.1": 1})}) + [["B-1", "Acme Ltd", "SOV-1.2", "1"]]
        assert errors_of(read_text(csf, csv_text(rows))) == [("row 3", "vendor 'Acme Ltd' differs from 'Acme' "
                                                                       "given at row 2")]

    def test_missing_required_column(self, csf):
        bids = read_text(csf, "bid_id,vendor,criterion_id\nB,V,SOV-1.1\n")
        assert errors_of(bids) == [("row 1", "the long CSV has no column answer (it needs bid_id, vendor, "
                                              "criterion_id, answer)")]

    def test_semicolons_and_bom(self, csf):
        text = "\ufeff" + csv_text(long_rows({"B-1": ("Vendor; Inc", {"SOV-1.1": "3 - Mainly inside the EU/EEA"})}),
                                   separator=";")
        bids = read_text(csf, text)
        assert bids.bids[0].vendor == "Vendor; Inc" and bids.ranks[0, 0] == 3

    def test_evidence_quality_is_validated(self, csf):
        rows = [["bid_id", "vendor", "criterion_id", "answer", "evidence", "evidence_quality"],
                ["B", "V", "SOV-1.1", "1", "ISO report", "Third party certified"],
                ["B", "V", "SOV-1.2", "1", "", "notarised"]]
        bids = read_text(csf, csv_text(rows))
        assert errors_of(bids) == [("row 3", "evidence_quality must be one of self_attested, contractual, "
                                             "third_party_certified, independently_audited, or empty; "
                                             "found 'notarised'")]

    def test_evidence_text_and_quality_are_kept(self, csf):
        rows = [["bid_id", "vendor", "criterion_id", "answer", "evidence", "evidence_quality"],
                ["B", "V", "SOV-1.1", "1", "ISO report", "third_party_certified"]]
        bids = read_text(csf, csv_text(rows))
        assert bids.evidence[0, 0] == "ISO report" and bids.evidence_quality[0, 0] == 3


class TestWideCsv:
    def test_wide_csv_reads_and_locates_by_row_and_column(self, csf):
        criteria = [c.id for c in csf.criteria_in_objective_order]
        good = answers_for(csf)
        bad = {**good, "SOV-2.1": 4}
        bids = read_text(csf, csv_text(wide_rows(criteria, {"B-1": ("V", good), "B-2": ("W", bad)})))
        assert not bids.bids[0].invalid
        assert (bids.ranks[0] == [len(c.answers) for c in csf.criteria_in_objective_order]).all()
        assert errors_of(bids, 1) == [("row 3, column SOV-2.1", "answer '4' is out of range: SOV-2.1 has "
                                                                "answers 1 to 3")]

    def test_unknown_criterion_column(self, csf):
        bids = read_text(csf, "bid_id,vendor,SOV-1.1,SOV-9.1\nB,V,1,2\n")
        assert errors_of(bids) == [("row 2, column SOV-9.1", "criterion 'SOV-9.1' is not in framework "
                                                             "eu-csf-2026 version 2026.06")]

    def test_neither_long_nor_wide(self, csf):
        bids = read_text(csf, "name,score\nx,1\n")
        assert bids.bids[0].invalid and "neither a long CSV" in errors_of(bids)[0][1]


class TestWorkbooks:
    def test_answer_error_names_the_cell(self, csf, tmp_path):
        responses = [[c.id, len(c.answers)] for c in csf.criteria_in_objective_order]
        responses[5][1] = "nine"
        path = bid_workbook(tmp_path / "b.xlsx", {"bid_id": "B-1", "vendor": "V"}, responses)
        bids = read_bids([str(path)], csf)
        assert errors_of(bids) == [("Responses!B7", "answer 'nine' is not an answer number; write the number of "
                                                    "the chosen answer, or a text that starts with it such as '3 - …'")]

    def test_columns_may_come_in_any_order(self, csf, tmp_path):
        path = bid_workbook(tmp_path / "b.xlsx", {"bid_id": "B-1", "vendor": "V"}, [["2", "SOV-1.1"]],
                            header=("answer", "criterion_id"))
        bids = read_bids([str(path)], csf)
        assert bids.bids[0].errors == () and bids.ranks[0, 0] == 2

    def test_missing_bid_id(self, csf, tmp_path):
        no_id = bid_workbook(tmp_path / "a.xlsx", {"vendor": "V"}, [["SOV-1.1", 1]])
        bids = read_bids([str(no_id)], csf)
        assert errors_of(bids) == [("Bid!A:B", "bid_id is missing")]

    def test_missing_sheet(self, csf, tmp_path):
        import xlsxwriter
        workbook = xlsxwriter.Workbook(str(tmp_path / "a.xlsx"))
        workbook.add_worksheet("Bid")
        workbook.close()
        assert errors_of(read_bids([str(tmp_path / "a.xlsx")], csf)) == \
            [("Responses", "the workbook has no sheet named 'Responses' (sheets: Bid)")]

    def test_empty_responses_sheet_keeps_the_bid_as_invalid(self, csf, tmp_path):
        path = bid_workbook(tmp_path / "a.xlsx", {"bid_id": "B-1", "vendor": "V"}, [])
        bids = read_bids([str(path)], csf)
        assert bids.bids[0].bid_id == "B-1"
        assert errors_of(bids) == [("Responses!A2", "the Responses sheet has no answers")]

    def test_wrong_header_is_located(self, csf, tmp_path):
        path = bid_workbook(tmp_path / "a.xlsx", {"bid_id": "B-1", "vendor": "V"}, [["SOV-1.1", 1]],
                            header=("criterion", "response"))
        assert errors_of(read_bids([str(path)], csf)) == \
            [("Responses!1:1", "the header row has no column criterion_id, answer")]

    def test_price_must_be_a_number(self, csf, tmp_path):
        path = bid_workbook(tmp_path / "b.xlsx", {"bid_id": "B-1", "vendor": "V", "price": "cheap"}, [["SOV-1.1", 1]])
        assert errors_of(read_bids([str(path)], csf)) == [("Bid!B3", "price 'cheap' is not a number of at least 0")]


class TestUnreadableFiles:
    @pytest.mark.parametrize("name, content, message", [
        ("bid.xlsx", b"PK\x03\x04 not really a zip", "the workbook is damaged"),
        ("bid.xlsx", b"", "the file is empty"),
        ("bid.xlsm", b"PK", "macro-enabled workbooks are not accepted"),
        ("bid.pdf", b"%PDF-1.7", ".pdf is not a bid file type"),
        ("bid.csv", "bid_id,vendor\n".encode("utf-16-le"), "NUL bytes"),
        ("bid.csv", b"", "the CSV is empty"),
        ("bid.csv", b"bid_id,vendor,criterion_id,answer\n", "the CSV has a header but no rows"),
        ("bid.csv", b'bid_id,vendor\n"B-1,V\n', "the CSV is malformed"),
    ])
    def test_unreadable_file_is_one_invalid_entry(self, csf, name, content, message):
        bids = read_bid_bytes(content, name, csf)
        assert len(bids.bids) == 1 and bids.bids[0].invalid
        assert message in bids.bids[0].errors[0].message

    def test_missing_file_is_invalid_not_fatal(self, csf, tmp_path):
        bids = read_bids([str(tmp_path / "missing.xlsx"), str(SAMPLES / "bids" / "b-001.xlsx")], csf)
        assert [b.invalid for b in bids.bids] == [True, False]
        assert "cannot read the file" in bids.bids[0].errors[0].message

    def test_one_bad_file_never_stops_the_batch(self, csf, tmp_path):
        (tmp_path / "broken.xlsx").write_bytes(b"garbage")
        (tmp_path / "good.csv").write_text(csv_text(long_rows({"B-1": ("V", {"SOV-1.1": 1})})))
        bids = read_bids([str(tmp_path)], csf)
        assert [(b.source.file.rsplit("/", 1)[-1], b.invalid) for b in bids.bids] == \
            [("broken.xlsx", True), ("good.csv", False)]

    def test_bid_id_used_twice_across_files(self, csf, tmp_path):
        for name in ("a.csv", "b.csv"):
            (tmp_path / name).write_text(csv_text(long_rows({"B-1": ("V", {"SOV-1.1": 1})})))
        bids = read_bids([str(tmp_path)], csf)
        assert [b.invalid for b in bids.bids] == [True, True]  # whichever file comes first: no order wins
        given = "bid_id B-1 is also given by a bid in " + tmp_path.as_posix()
        assert bids.bids[1].errors[0].message.startswith(f"{given}/a.csv")
        assert bids.bids[0].errors[0].message.startswith(f"{given}/b.csv")
        assert np.all(bids.ranks == 0)


def test_unanswered_criteria_stay_unanswered(csf):
    bids = read_text(csf, csv_text(long_rows({"B": ("V", {"SOV-1.1": 2})})))
    assert bids.ranks[0, 0] == 2 and (bids.ranks[0, 1:] == 0).all()
    assert top_ranks(csf)["SOV-1.1"] == 4
