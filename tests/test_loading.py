"""Loading framework, tender, scheme and crosswalk files: the adapter around the pure model."""

import hashlib

import pytest

from evaluator.errors import ConfigurationError
from evaluator.loading import SCHEMES_FILE, load_crosswalk, load_framework, load_schemes, load_tender

from conftest import CSF_PATH, ROOT, SAMPLES


def test_each_file_loads_with_the_sha256_of_its_bytes():
    framework, sha = load_framework(CSF_PATH)
    assert framework.id == "eu-csf-2026" and sha == hashlib.sha256(CSF_PATH.read_bytes()).hexdigest()
    tender, _ = load_tender(SAMPLES / "tender.yaml")
    assert tender.framework == "eu-csf-2026"
    assert "eucs" in load_schemes().schemes and SCHEMES_FILE.exists()
    assert load_crosswalk(ROOT / "frameworks" / "crosswalks" / "csf-levels-to-calculator.yaml").id


def test_a_file_that_cannot_be_read_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigurationError, match="no-such.yaml: cannot read the file"):
        load_framework(tmp_path / "no-such.yaml")
