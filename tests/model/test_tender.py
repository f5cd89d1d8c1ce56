"""Tender settings: validated like frameworks; flags win over the tender, the tender over the framework."""

import pytest
import yaml

from evaluator.errors import ConfigurationError
from evaluator.loading import load_tender
from evaluator.model.documents import parse_document
from evaluator.model.tender import Overrides, Tender, resolve_settings

from conftest import SAMPLES


def tender(**fields) -> Tender:
    return parse_document(yaml.safe_dump(fields).encode(), Tender, "tender.yaml")


def test_framework_defaults_apply_without_a_tender(csf):
    settings = resolve_settings(csf)
    assert settings.weights == {"SOV-1": 15, "SOV-2": 10, "SOV-3": 10, "SOV-4": 15, "SOV-5": 20, "SOV-6": 15,
                                "SOV-7": 10, "SOV-8": 5}
    assert settings.weight_source == "profile v1.2.1"
    assert set(settings.minimum_levels.values()) == {0}
    assert settings.unknown == "conservative"


def test_tender_overrides_framework_and_flags_override_tender(csf):
    t = tender(weight_profile="guidance-2026", minimum_level="SEAL-2", minimum_levels={"SOV-3": 3}, unknown="strict")
    from_tender = resolve_settings(csf, t)
    assert from_tender.weights["SOV-1"] == 20 and from_tender.minimum_levels["SOV-3"] == 3
    assert from_tender.minimum_levels["SOV-1"] == 2 and from_tender.unknown == "strict"
    flags = Overrides(weight_profile="v1.2.1", minimum_level="1", minimum_levels={"SOV-8": "SEAL-4"},
                      unknown="calculator")
    from_flags = resolve_settings(csf, t, flags)
    assert from_flags.weights["SOV-1"] == 15
    assert from_flags.minimum_levels == {**dict.fromkeys(csf.objective_ids, 1), "SOV-8": 4}
    assert from_flags.unknown == "calculator"


def test_explicit_tender_weights(csf):
    weights = {f"SOV-{n}": 12.5 for n in range(1, 9)}
    settings = resolve_settings(csf, tender(weights=weights))
    assert settings.weights == weights and settings.weight_source == "tender weights"


@pytest.mark.parametrize("weights, message", [
    ({**{f"SOV-{n}": 12.5 for n in range(1, 9)}, "SOV-8": 20}, "weights must sum to 100; they sum to 107.5"),
    ({f"SOV-{n}": 12.5 for n in range(1, 8)}, "gives no weight for SOV-8"),
    ({**{f"SOV-{n}": 12.5 for n in range(1, 9)}, "SOV-9": 0}, "names unknown objective SOV-9"),
    ({**{f"SOV-{n}": 12.5 for n in range(1, 9)}, "SOV-1": 30, "SOV-2": -5}, "the weight of SOV-2 must be"),
])
def test_tender_weights_are_validated_one_by_one(csf, weights, message):
    with pytest.raises(ConfigurationError, match=message):
        resolve_settings(csf, tender(weights=weights))


def test_unknown_weight_profile_is_refused_with_its_name(csf):
    with pytest.raises(ConfigurationError, match="weight profile v1.2 does not exist in eu-csf-2026"):
        resolve_settings(csf, Tender(), Overrides(weight_profile="v1.2"))


def test_unknown_objective_in_a_minimum_is_refused(csf):
    with pytest.raises(ConfigurationError, match="objective SOV-9 does not exist"):
        resolve_settings(csf, Tender(), Overrides(minimum_levels={"SOV-9": "2"}))


@pytest.mark.parametrize("level", ["SEAL-5", "7", "high", "-1"])
def test_level_off_the_scale_is_refused(csf, level):
    with pytest.raises(ConfigurationError, match="is not a level of the SEAL scale"):
        resolve_settings(csf, Tender(), Overrides(minimum_level=level))


def test_tender_for_another_framework_is_refused(csf):
    with pytest.raises(ConfigurationError, match="the tender is for framework eu-csf-levels, not eu-csf-2026"):
        resolve_settings(csf, tender(framework="eu-csf-levels"))


@pytest.mark.parametrize("fields, message", [
    ({"award": {"quality_weight": 70, "price_weight": 20}}, "must sum to 100; they sum to 90"),
    ({"award": {"quality_weight": 70, "price_weight": 30, "price_formula": "linear"}}, "needs floor_price"),
    ({"award": {"quality_weight": 70, "price_weight": 30, "price_formula": "linear", "floor_price": 5,
                "ceiling_price": 5}}, "floor_price must be below ceiling_price"),
    ({"award": {"quality_weight": 70, "price_weight": 30, "price_formula": "cheapest"}}, "price_formula"),
    ({"unknown": "optimistic"}, "unknown"),
    ({"ties": {"tie_break": ["price", "price"]}}, "listed twice"),
    ({"weight_profile": "v1.2.1", "weights": {"SOV-1": 100}}, "either weight_profile or weights"),
    ({"minimum_leve": 2}, "Extra inputs are not permitted"),
])
def test_invalid_tender_files_are_refused(fields, message):
    with pytest.raises(ConfigurationError, match=message):
        tender(**fields)


def test_sample_tender_loads(csf):
    sample, sha = load_tender(SAMPLES / "tender.yaml")
    settings = resolve_settings(csf, sample)
    assert set(settings.minimum_levels.values()) == {2}
    assert settings.award.price_formula == "linear" and len(sha) == 64


def test_contact_signatory_and_letter_template():
    t = tender(contact={"name": "Procurement Unit", "email": "tender@example.eu"},
               signatory={"name": "Dr. Anna Weber", "title": "Head of Procurement"},
               letter_template="letters/l.html.j2")
    assert t.contact.email == "tender@example.eu" and t.contact.phone is None and t.signatory.title.startswith("Head")
    assert t.letter_template == "letters/l.html.j2" and Tender().letter_template is None


@pytest.mark.parametrize("name", ["../letter.html.j2", "/etc/passwd", "a/../../b", "C:\\x.j2", "a\\b", "", "./x"])
def test_a_letter_template_outside_the_tenders_folder_is_refused(name):
    with pytest.raises(ConfigurationError, match="letter_template"):
        tender(letter_template=name)
