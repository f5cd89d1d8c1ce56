"""Times as the evaluator writes them: ISO 8601 in UTC to the second, e.g. 2026-11-26T09:00:00Z. Formatting
only; reading the clock is for the edges (the command line, the application layer)."""

import datetime as dt


def utc_text(moment: dt.datetime) -> str:
    """The moment in UTC as text, four-digit year always (a naive moment is taken to be UTC already)."""
    utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment
    return utc.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
