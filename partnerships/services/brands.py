"""Writes to a brand: its names, which the mention scan looks for in members' words, its site and
its own accounts (whose threads are not "in the brand's absence")."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from crm.background import enqueue_after_commit
from crm.models import Organization
from influencers.models import Identity
from partnerships.guards import require_editor
from partnerships.models import Brand
from partnerships.tasks import measure_brand

# What the mention scan can use: it ignores a name under two characters (it would match
# everywhere), and a list longer than this is more likely a pasted paragraph than names.
MIN_NAME_LENGTH = 2
MAX_NAME_LENGTH = 100
MAX_NAMES = 50
NAME_LISTS = {"aliases": "alias", "product_terms": "product term"}
# A change to any of these changes what counts as a mention: the brand is measured again.
SEARCHED_FIELDS = ("name", "aliases", "product_terms", "website")
CHANGEABLE = {"name", "slug", "aliases", "product_terms", "website", "official_identities"}


def brand_names_clean(names: Iterable[str], *, field: str) -> list[str]:
    """``names`` (aliases or product terms) as they are stored: each trimmed, runs of spaces made
    one, blanks dropped, each kept once whatever its case, in the order given. Raises
    ValidationError keyed by ``field``, naming every name the mention scan could not use."""
    what = NAME_LISTS.get(field, "name")
    kept: dict[str, str] = {}
    problems = []
    for raw in names:
        if not isinstance(raw, str):
            problems.append(f"Each {what} must be text.")
            continue
        name = " ".join(raw.split())
        if not name:
            continue
        if len(name) < MIN_NAME_LENGTH:
            problems.append(f"“{name}” is too short to look for: at least {MIN_NAME_LENGTH} characters.")
        elif len(name) > MAX_NAME_LENGTH:
            problems.append(f"“{name[:30]}…” is longer than {MAX_NAME_LENGTH} characters: one {what} per line.")
        else:
            kept.setdefault(name.casefold(), name)
    if len(kept) > MAX_NAMES:
        problems.append(f"At most {MAX_NAMES} of them ({len(kept)} given).")
    if problems:
        raise ValidationError({field: problems})
    return list(kept.values())


def _apply(brand: Brand, changes: dict) -> None:
    if unknown := set(changes) - CHANGEABLE:
        raise ValidationError({name: "This cannot be changed here." for name in sorted(unknown)})
    for field in NAME_LISTS:
        if field in changes:
            value = changes[field]
            if isinstance(value, str):  # one name, not its letters
                value = [value]
            setattr(brand, field, brand_names_clean(value or [], field=field))
    if "name" in changes:
        brand.name = " ".join((changes["name"] or "").split())
    if "website" in changes:
        brand.website = (changes["website"] or "").strip()
    if "slug" in changes:
        brand.slug = (changes["slug"] or "").strip()
    if not brand.slug:
        brand.slug = slugify(brand.name)[:80]
    # Field rules (a name, a web address) and one slug per organization, as the form would say.
    brand.full_clean(exclude=["official_identities"])


def _searched(brand: Brand) -> tuple:
    return tuple(getattr(brand, field) for field in SEARCHED_FIELDS)


@transaction.atomic
def brand_create(
    *,
    organization: Organization,
    name: str,
    actor=None,
    slug: str = "",
    aliases: Iterable[str] = (),
    product_terms: Iterable[str] = (),
    website: str = "",
    official_identities: Iterable[Identity] = (),
) -> Brand:
    """A brand of ``organization``, with the names members call it. The slug is made from the name
    when none is given. Raises ValidationError keyed by field (a name list the scan could not use,
    a slug taken in the organization) and PermissionDenied for an actor who may not edit there.
    Its mentions are looked for once the brand is committed (in the background)."""
    require_editor(actor, organization)
    brand = Brand(organization=organization)
    names = {"name": name, "aliases": list(aliases), "product_terms": list(product_terms), "website": website}
    _apply(brand, {**names, "slug": slug})
    brand.save()
    brand.official_identities.set(official_identities)
    _measure_after_commit(brand)
    return brand


@transaction.atomic
def brand_update(*, brand: Brand, actor=None, **changes) -> Brand:
    """Change a brand's name, slug, aliases, product terms, site or own accounts (keyword
    arguments named as the fields; its organization stays). Validates as ``brand_create``. A
    change to what the mention scan looks for (name, aliases, product terms, site) measures the
    brand again once committed; the scan then reads its communities again from the start."""
    require_editor(actor, brand)
    before = _searched(brand)
    _apply(brand, changes)
    brand.save()
    if "official_identities" in changes:
        brand.official_identities.set(changes["official_identities"])
    if _searched(brand) != before:
        _measure_after_commit(brand)
    return brand


def _measure_after_commit(brand: Brand) -> None:
    enqueue_after_commit(measure_brand, brand.pk)
