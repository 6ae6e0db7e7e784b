import json
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from stipends.payouts.rules import Bracket, TaxTable

TAXDATA = Path(__file__).resolve().parent / "taxdata"


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


@cache
def load_table(key: str) -> TaxTable:
    """Read one versioned table from ``stipends/taxdata/<key>.json``."""
    data = json.loads((TAXDATA / f"{key}.json").read_text(encoding="utf-8"))
    return TaxTable(
        key=data["key"], method=data["method"], title=data["title"], source=data["source"],
        valid_from=date.fromisoformat(data["valid_from"]),
        brackets=tuple(Bracket(_decimal(b["upto"]), Decimal(b["rate"]), Decimal(b["quick_deduction"]))
                       for b in data["brackets"]),
        income_ratio=Decimal(data["income_ratio"]),
        monthly_deduction=Decimal(data.get("monthly_deduction", "0")),
        flat_deduction=Decimal(data.get("flat_deduction", "0")),
        flat_deduction_upto=Decimal(data.get("flat_deduction_upto", "0")),
    )


def table_for(method: str, on: date) -> TaxTable:
    """The newest table of ``method`` in force on ``on``."""
    tables = [load_table(p.stem) for p in sorted(TAXDATA.glob("*.json"))]
    candidates = [t for t in tables if t.method == method and t.valid_from <= on]
    if not candidates:
        raise LookupError(f"no {method} tax table in force on {on}")
    return max(candidates, key=lambda t: t.valid_from)
