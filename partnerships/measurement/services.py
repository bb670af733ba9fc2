"""Measuring a brand: find its new mentions, compute its metrics, keep the dated result."""

from __future__ import annotations

import time

from partnerships.measurement.mentions import brand_mentions_refresh
from partnerships.measurement.metrics import WINDOW_DAYS, measure_brand
from partnerships.models import Brand, BrandMeasurement


def brand_measure(*, brand: Brand, days: int = WINDOW_DAYS) -> BrandMeasurement:
    """Scan the brand's communities for new mentions, then measure; the document is stored with
    what the scan read, so a reader can see how much the figures rest on."""
    started = time.monotonic()
    scan = brand_mentions_refresh(brand=brand)
    document = measure_brand(brand, days=days)
    document["counts"]["mention_scan"] = {
        "communities": scan.communities,
        "texts_read": scan.candidates,
        "new_mentions": scan.found,
        "read_again_from_the_start": scan.read_from_start,
    }
    seconds = round(time.monotonic() - started, 2)
    document["seconds"] = seconds
    return BrandMeasurement.objects.create(brand=brand, document=document, seconds=seconds)
