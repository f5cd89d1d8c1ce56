"""The languages the evaluator speaks: English (the messages as written in the code) and Simplified Chinese.

Messages are marked with `_()` (or `N_()` where a module-level constant is translated when used) and extracted
with Babel into evaluator/locale/messages.pot (`babel.cfg` names the sources); evaluator/locale/zh_CN holds the
Chinese catalogue, which setup.sh compiles. The active language is a context variable: the CLI sets it for a
run, the app for a page run, the report renderer for an evaluation (`using`). Placeholders are `{name}`, filled
with str.format after translation, so a translation may move them.

Numbers, money and dates are formatted for the active language by Babel (imported when first needed: a run
that formats none starts sooner).
"""

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from functools import cache
from gettext import GNUTranslations, NullTranslations
from pathlib import Path
from typing import TYPE_CHECKING

from evaluator.errors import ConfigurationError

if TYPE_CHECKING:
    from babel import Locale

LANGUAGES = {"en": "English", "zh-CN": "简体中文"}  # code -> the language's own name
SOURCE_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
_BABEL_LOCALES = {"en": "en_GB", "zh-CN": "zh_Hans_CN"}  # en_GB: 27 April 2026, not April 27, 2026
_CATALOGUES = {"zh-CN": "zh_CN"}

_active: ContextVar[str | None] = ContextVar("language", default=None)
_fallback: Callable[[], str | None] | None = None


def known_language(language: str, where: str = "--language") -> str:
    """The language code itself when the evaluator speaks it; else a ConfigurationError listing those it does."""
    if language not in LANGUAGES:
        raise ConfigurationError(where, _("unknown language {language} (known: {known})").format(
            language=repr(language)[:40], known=", ".join(LANGUAGES)))
    return language


@cache
def catalogue(language: str) -> NullTranslations:
    """The compiled catalogue of a language (English needs none: its messages are the code's)."""
    if language not in _CATALOGUES:
        return NullTranslations()
    compiled = LOCALE_DIR / _CATALOGUES[language] / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not compiled.is_file():
        raise ConfigurationError(str(compiled), "the message catalogue is not compiled: run setup.sh")
    with compiled.open("rb") as file:
        return GNUTranslations(file)


def current() -> str:
    return _active.get() or (_fallback and _fallback()) or SOURCE_LANGUAGE


def fall_back_on(language: Callable[[], str | None]) -> None:
    """Where no language was set in this context, ask `language`: the app's widget callbacks run in a fresh
    thread before the page sets one, and speak the session's language through it."""
    global _fallback
    _fallback = language


@contextmanager
def using(language: str) -> Iterator[None]:
    """Messages, numbers and dates in `language` within the block."""
    token = _active.set(known_language(language))
    try:
        yield
    finally:
        _active.reset(token)


def use(language: str) -> None:
    """The language for the rest of this context (a CLI run, one run of an app page)."""
    _active.set(known_language(language))


class Message(str):
    """A translated message that keeps its English text (`english`), filled in alike by `format`: an error raised
    in the user's language is still recorded in English where records must not depend on who read them (the
    audit log)."""

    english: str

    def format(self, *args: object, **values: object) -> "Message":
        made = Message(str.format(self, *args, **values))
        made.english = self.english.format(*map(english, args),
                                           **{key: english(value) for key, value in values.items()})
        return made


def english(text: object) -> object:
    """The English text of a translated message (or of a message made from one by `format`); anything else as it
    is."""
    return getattr(text, "english", text)


def _(message: str) -> str:
    translated = Message(catalogue(current()).gettext(message))
    translated.english = message
    return translated


def ngettext(singular: str, plural: str, count: int) -> str:
    return catalogue(current()).ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated with `_()` where it is used."""
    return message


def every_language(message: str) -> list[str]:
    """The message in every language, English first: what a reader accepts from a file filled in any of them."""
    texts = [catalogue(language).gettext(message) for language in LANGUAGES]
    return list(dict.fromkeys(texts))


def babel_locale(language: str | None = None) -> "Locale":
    from babel import Locale

    return Locale.parse(_BABEL_LOCALES[language or current()])


def number(value: float | Decimal, decimals: int = 2) -> str:
    """A number with the language's grouping and decimal signs and exactly `decimals` decimals."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, pattern, locale=babel_locale(), decimal_quantization=True)


def money(amount: float | Decimal, currency: str) -> str:
    """An amount in a currency (ISO 4217), as the language writes it; without a currency, a plain number."""
    if not currency:
        return number(amount)
    from babel.numbers import format_currency

    return format_currency(amount, currency, locale=babel_locale())


def date(value: str | dt.date) -> str:
    """A date (or the date part of an ISO timestamp) in the language's long form: 27 April 2026, 2026年4月27日."""
    from babel.dates import format_date

    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    return format_date(day, "long", locale=babel_locale())
