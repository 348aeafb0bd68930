"""Month names as questions and articles write them."""

from __future__ import annotations

import calendar

# "january" and "jan" (lower-case) -> 1, ... "december" and "dec" -> 12.
MONTHS: dict[str, int] = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
