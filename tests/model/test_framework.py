"""Loading refuses broken frameworks with the place and a sentence."""

import copy

import pytest
import yaml

from evaluator.__main__ import main
from evaluator.errors import ConfigurationError
from evaluator.model.documents import parse_document
from evaluator.model.framework import Framework

from factories import TINY


def load(data) -> Framework:
    return parse_document(yaml.safe_dump(data).encode(), Framework, "tiny.yaml")


def refused(mutate) -> str:
    data = copy.deepcopy(TINY)
    mutate(data)
    with pytest.raises(ConfigurationError) as caught:
        load(data)
    return str(caught.value)


def test_tiny_framework_loads():
    assert load(TINY).criterion_index == {"A.1": 0, "B.1": 1}


def test_duplicate_criterion_id_is_refused():
    message = refused(lambda d: d["criteria"][1].update(id="A.1"))
    assert "criterion ID A.1 is used twice" in message and message.startswith("tiny.yaml")


def test_duplicate_objective_id_is_refused():
    assert "objective ID A is used twice" in refused(lambda d: d["objectives"][1].update(id="A"))


def test_answer_level_outside_the_scale_is_refused():
    message = refused(lambda d: d["criteria"][0]["answers"][1].update(level=7))
    assert "criterion A.1, answer 2: level 7 is outside the L scale (0..1)" in message


def test_weights_that_do_not_sum_to_100_are_refused():
    message = refused(lambda d: d["weight_profiles"]["even"]["weights"].update(B=55))
    assert "weight profile even: weights must sum to 100; they sum to 105" in message


def test_profile_naming_an_unknown_objective_is_refused():
    message = refused(lambda d: d["weight_profiles"]["even"]["weights"].update(C=0))
    assert "weight profile even names unknown objective C" in message


def test_negative_weight_is_refused_even_when_the_sum_is_100():
    message = refused(lambda d: d["weight_profiles"]["even"].update(weights={"A": 110, "B": -10}))
    assert "the weight of B must be a number of at least 0" in message


def test_unknown_key_is_refused_with_its_path():
    message = refused(lambda d: d["criteria"][0].update(weight=3))
    assert "criteria[0] (A.1).weight" in message and "Extra inputs are not permitted" in message


def test_answers_out_of_order_are_refused():
    def swap(d):
        d["criteria"][0]["answers"][1].update(points=0, level=0)
        d["criteria"][0]["answers"][0].update(points=100, level=1)
    assert "answer 2 is worth less" in refused(swap)


def test_criterion_of_unknown_objective_is_refused():
    assert "criterion B.1 belongs to unknown objective Z" in refused(lambda d: d["criteria"][1].update(objective="Z"))


def test_missing_default_profile_is_refused():
    assert "default_weight_profile heavy is not among" in refused(lambda d: d.update(default_weight_profile="heavy"))


def test_duplicate_yaml_key_is_refused():
    text = yaml.safe_dump(TINY) + "id: again\n"
    with pytest.raises(ConfigurationError, match=r"line \d+: key 'id' appears twice"):
        parse_document(text.encode(), Framework, "tiny.yaml")


def test_not_a_mapping_is_refused():
    with pytest.raises(ConfigurationError, match="must be a YAML mapping"):
        parse_document(b"- a\n- b\n", Framework, "tiny.yaml")


def test_validate_framework_command_exits_2_with_one_line(tmp_path, capsys):
    data = copy.deepcopy(TINY)
    data["criteria"][1]["id"] = "A.1"
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["validate-framework", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "criterion ID A.1 is used twice" in err


def test_missing_framework_file_is_a_configuration_error(tmp_path, capsys):
    assert main(["validate-framework", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read the file" in capsys.readouterr().err
