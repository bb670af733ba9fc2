"""The ledger's daily run at volume: what 2,000 signed agreements owe, worked out from their sales.

2,000 partnerships, each with a signed one-year agreement (a monthly fee and a 10 % affiliate share)
that began eleven months ago, and 24 sales a year on its referral link: the first daily run writes
every payment owed so far (eleven months of fees, ten ended months of affiliate share); the second,
with nothing changed, writes nothing. Prints the time of each run, the payments written, and the
process's peak memory after each run. Checks every amount against the sales (sum per month × 10 %).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python benchmarks/ledger.py

Needs PostgreSQL (a throw-away database is created and dropped).
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from throwaway import migrated_postgresql  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=2000)
    options = parser.parse_args()
    with migrated_postgresql("bench_ledger"):
        run(options.agreements)


def _timed(label: str, figures: dict, function):
    """Time ``function()``; with the process's peak resident memory after it (tracemalloc would
    slow the run it measures several times over)."""
    started = time.perf_counter()
    result = function()
    figures[label] = (time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def run(count: int) -> None:
    from django.utils import timezone

    from crm.models import Organization
    from influencers.models import Creator
    from partnerships.models import (
        Agreement,
        AgreementStatus,
        Brand,
        CompensationType,
        FeeSchedule,
        Partnership,
        Payment,
        ReferralEvent,
        ReferralEventKind,
        ReferralLink,
        Stage,
    )  # fmt: skip
    from partnerships.payments.tasks import payments_daily

    today = timezone.localdate()
    first_month = (today.replace(day=1) - timedelta(days=320)).replace(day=1)
    organization = Organization.objects.create(name="Bench", slug=f"bench-{uuid.uuid4().hex[:6]}")
    brand = Brand.objects.create(organization=organization, name="Inkwell", slug="inkwell")
    creators = Creator.objects.bulk_create(Creator(display_name=f"Creator {n}") for n in range(count))
    partnerships = Partnership.objects.bulk_create(
        Partnership(brand=brand, creator=creator, stage=Stage.ACTIVE) for creator in creators
    )
    Agreement.objects.bulk_create(
        Agreement(
            partnership=partnership, status=AgreementStatus.SIGNED, starts_on=first_month,
            ends_on=first_month + timedelta(days=364), signed_on=first_month, currency="EUR",
            compensation_type=CompensationType.FEE_AND_AFFILIATE, compensation_amount=Decimal("150.00"),
            fee_schedule=FeeSchedule.MONTHLY, affiliate_share_percent=Decimal("10.00"),
        )
        for partnership in partnerships
    )  # fmt: skip
    links = ReferralLink.objects.bulk_create(
        ReferralLink(partnership=partnership, code=f"bench-{partnership.pk}", destination_url="https://ink.example")
        for partnership in partnerships
    )
    sales = []
    for link in links:
        for n in range(24):
            day = first_month + timedelta(days=14 * n + link.pk % 7)
            if day >= today:
                break
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
            sales.append(ReferralEvent(
                link=link, kind=ReferralEventKind.SALE, occurred_at=noon, external_id=f"{link.pk}-{n}",
                amount=Decimal("20.00") + n, currency="EUR",
            ))  # fmt: skip
    ReferralEvent.objects.bulk_create(sales, batch_size=5000)

    figures: dict[str, tuple[float, float]] = {}
    first = _timed("first daily run (every payment owed so far)", figures, payments_daily)
    written = Payment.objects.count()
    second = _timed("second daily run (nothing changed)", figures, payments_daily)
    assert Payment.objects.count() == written, "the second run wrote payments"
    assert first["failed"] == 0 and second["failed"] == 0, (first, second)

    # Every affiliate payment is 10 % of its month's sales, computed here from the rows themselves.
    by_month: dict[tuple[int, str], Decimal] = {}
    for partnership_pk, occurred, amount in ReferralEvent.objects.values_list(
        "link__partnership", "occurred_at", "amount"
    ):
        key = (partnership_pk, f"affiliate:{timezone.localtime(occurred):%Y-%m}")
        by_month[key] = by_month.get(key, Decimal(0)) + amount
    checked = 0
    for partnership_pk, key, amount in Payment.objects.filter(kind="affiliate_share").values_list(
        "agreement__partnership", "key", "amount"
    ):
        expected = (by_month[(partnership_pk, key)] / 10).quantize(Decimal("0.01"))
        assert amount == expected, (partnership_pk, key, amount, expected)
        checked += 1

    print(f"{count:,} signed agreements, {len(sales):,} sales; {written:,} payments written "
          f"({checked:,} affiliate amounts checked against the sales).")  # fmt: skip
    for label, (seconds, peak) in figures.items():
        print(f"  {label}: {seconds:.1f} s, process peak memory {peak:.0f} MiB")


if __name__ == "__main__":
    main()
