"""The message catalogues: every message the code and templates mark has a Chinese translation, neither
missing nor fuzzy, with the same placeholders; and numbers, money and dates follow the active language."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from evaluator import i18n
from evaluator.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[1]
CHINESE = ROOT / "evaluator" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{[a-z_0-9]*\}")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> dict:
    """The messages as marked in the code and templates now (a fresh extraction, not the committed .pot)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg", "-k", "N_",
                    "-o", str(pot), "."], cwd=ROOT, check=True)
    with pot.open("rb") as file:
        return {message.id: message for message in read_po(file) if message.id}


@pytest.fixture(scope="module")
def chinese() -> dict:
    with CHINESE.open("rb") as file:
        return {message.id: message for message in read_po(file) if message.id}


def _texts(value) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def test_every_marked_message_has_a_chinese_translation(extracted, chinese):
    missing = [message_id for message_id in extracted if message_id not in chinese
               or not all(_texts(chinese[message_id].string))]
    fuzzy = [message_id for message_id in extracted if message_id in chinese and chinese[message_id].fuzzy]
    assert not missing, f"{len(missing)} messages have no Chinese translation, e.g. {missing[:5]}"
    assert not fuzzy, f"{len(fuzzy)} Chinese translations are fuzzy, e.g. {fuzzy[:5]}"


def test_the_catalogue_holds_no_message_the_code_no_longer_marks(extracted, chinese):
    stale = sorted(set(chinese) - set(extracted), key=str)
    assert not stale, f"obsolete entries: {stale[:5]}"


def test_a_translation_keeps_the_placeholders_of_its_message(chinese):
    for message in chinese.values():
        for source, text in zip(_texts(message.id), _texts(message.string), strict=False):
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(text)), message.id


def test_the_compiled_catalogue_is_the_committed_one(chinese, tmp_path):
    """The .mo that setup.sh compiles matches the .po: a stale .mo would show old texts."""
    with CHINESE.open("rb") as file:
        catalog = read_po(file)
    with (tmp_path / "messages.mo").open("wb") as file:
        write_mo(file, catalog)
    assert (tmp_path / "messages.mo").read_bytes() == CHINESE.with_suffix(".mo").read_bytes()


def test_an_unknown_language_is_refused_with_the_known_ones():
    with pytest.raises(ConfigurationError, match=r"unknown language 'fr' \(known: en, zh-CN\)"):
        i18n.known_language("fr")


def test_using_a_language_translates_within_the_block_only():
    message = "unknown language {language} (known: {known})"
    with i18n.using("zh-CN"):
        translated = i18n._(message)
    assert translated != message and re.search("[\u4e00-\u9fff]", translated)
    assert i18n._(message) == message
    assert i18n.every_language(message) == [message, translated]


@pytest.mark.parametrize(("language", "money", "number", "date"), [
    ("en", "€6,800,000.00", "73.41", "27 April 2026"),
    ("zh-CN", "€6,800,000.00", "73.41", "2026年4月27日"),
])
def test_numbers_money_and_dates_follow_the_language(language, money, number, date):
    with i18n.using(language):
        assert (i18n.money(6_800_000, "EUR"), i18n.number(73.4112), i18n.date("2026-04-27T10:00:00Z")) == \
            (money, number, date)


def test_a_translated_message_keeps_its_english_through_format_and_into_an_error():
    """What the audit log records of a refusal does not depend on the language its user reads."""
    from evaluator.errors import StoreError

    with i18n.using("zh-CN"):
        where = i18n._("unknown language {language} (known: {known})").format(language="'fr'", known="en")
        error = ConfigurationError("tender.yaml", i18n._("the tender's {what}").format(what=where))
        store = StoreError(where)
    assert re.search("[\u4e00-\u9fff]", str(error)) and error.english == \
        "tender.yaml: the tender's unknown language 'fr' (known: en)"
    assert store.english == "unknown language 'fr' (known: en)"
    assert ConfigurationError("x", "plain").english is None
