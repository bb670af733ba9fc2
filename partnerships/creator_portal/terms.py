"""An agreement's terms in plain words, said once (in the third person, as a contract says them,
so the creator and the manager read the same sentences).

The creator's page and the partnership page both render the terms from here, so what the creator
reads, what they accept (its text and SHA-256 are kept with the signature) and what the manager
sees cannot drift apart. Internal notes (the agreement's or the partnership's) are never part of it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from partnerships.models import Agreement, CompensationType, FeeSchedule, ReviewRights, UsageRights


@dataclass(frozen=True)
class Term:
    """One term: what it is about (``label``) and what it says, in words (``words``). ``key``
    names the part of the agreement it comes from (stable, for pages and tests)."""

    key: str
    label: str
    words: str


def _amount(agreement: Agreement) -> str:
    amount = Agreement.term_shown("compensation_amount", agreement.compensation_amount)
    return f"{amount} {agreement.currency}"


def _period(agreement: Agreement) -> str:
    if agreement.ends_on:
        return f"From {agreement.starts_on:%Y-%m-%d} to {agreement.ends_on:%Y-%m-%d}."
    return f"From {agreement.starts_on:%Y-%m-%d}, with no end date (either side may end it)."


def _fee(agreement: Agreement) -> str:
    if agreement.compensation_amount is None:
        return "A fee (the amount is not set yet)."
    amount = _amount(agreement)
    return {
        FeeSchedule.ON_SIGNATURE: f"A fee of {amount}, due when these terms are accepted.",
        FeeSchedule.ON_PUBLICATION: f"A fee of {amount}, due when the first piece is published.",
        FeeSchedule.MONTHLY: f"A fee of {amount} for each month of the agreement.",
    }.get(agreement.fee_schedule, f"A fee of {amount}.")


def _share(agreement: Agreement) -> str:
    share = Agreement.term_shown("affiliate_share_percent", agreement.affiliate_share_percent)
    if agreement.affiliate_share_percent is None:
        return "A share of the sales made through the creator's referral links (the share is not set yet)."
    return f"{share} % of the sales made through the creator's referral links, counted each month."


def _compensation(agreement: Agreement) -> list[Term]:
    kind = agreement.compensation_type
    if kind == CompensationType.UNPAID:
        return [Term("compensation", "What the creator gets", "No payment: this collaboration is unpaid.")]
    if kind == CompensationType.PRODUCT_SEEDING:
        words = "The brand sends its product; no fee."
        if agreement.compensation_amount:
            words = f"The brand sends its product (worth {_amount(agreement)}); no fee."
        return [Term("compensation", "What the creator gets", words)]
    parts = []
    if kind in (CompensationType.FLAT_FEE, CompensationType.FEE_AND_AFFILIATE):
        parts.append(_fee(agreement))
    if kind in (CompensationType.AFFILIATE_SHARE, CompensationType.FEE_AND_AFFILIATE):
        parts.append(_share(agreement))
    days = agreement.payment_terms_days
    return [
        Term("compensation", "What the creator gets", " ".join(parts)),
        Term(
            "payment_terms",
            "When the creator is paid",
            f"Within {days} day{'s' if days != 1 else ''} of a payment falling due.",
        ),
    ]


REVIEW_WORDS = {
    ReviewRights.NONE: "None. The creator publishes when ready; the brand sees it when everyone else does.",
    ReviewRights.FACTUAL_CHECK: (
        "A factual check only. Before publishing, the creator shows the brand the piece so it can point out "
        "factual mistakes (a price, a specification). Its corrections are suggestions: the creator decides."
    ),
    ReviewRights.APPROVAL: (
        "Approval. The brand must approve the piece before it is published, and may ask for changes."
    ),
}

USAGE_WORDS = {
    UsageRights.NONE: "None. The content stays the creator's; the brand does not reuse it.",
    UsageRights.ORGANIC_RESHARE: "The brand may reshare the content on its own channels, without paying to promote it",
    UsageRights.PAID_AMPLIFICATION: "The brand may use the content in its paid ads",
    UsageRights.FULL_LICENSE: "The brand may use the content as it wishes (a full licence)",
}


def _usage(agreement: Agreement) -> str:
    words = USAGE_WORDS.get(agreement.usage_rights, agreement.get_usage_rights_display())
    if agreement.usage_rights == UsageRights.NONE:
        return words
    days = agreement.usage_rights_days
    return f"{words}, for {days} day{'s' if days != 1 else ''}." if days else f"{words}, with no time limit."


def _disclosure(agreement: Agreement) -> str:
    if not agreement.disclosure_required:
        return "Not asked for by this agreement (the platform's and the law's own rules still apply)."
    words = "Required: each piece says it is a partnership with the brand."
    if agreement.disclosure_method:
        words += f" How: {agreement.disclosure_method.strip()}."
    if agreement.disclosure_phrase:
        words += f" It contains the words “{agreement.disclosure_phrase.strip()}”."
    return words


# Each term a creator may propose to change, named as they would (the form's choices).
TERM_NAMES = {
    "starts_on": "Start date",
    "ends_on": "End date",
    "compensation_type": "Kind of compensation",
    "compensation_amount": "Amount",
    "currency": "Currency",
    "fee_schedule": "When the fee falls due",
    "payment_terms_days": "Days the brand has to pay",
    "affiliate_share_percent": "Your share of sales (%)",
    "brief_goals": "What the brand hopes for",
    "brief_will_not_ask": "What the brand will not ask for",
    "creator_keeps_editorial_control": "You keep editorial control (yes or no)",
    "brand_review_rights": "The brand's review",
    "disclosure_required": "Disclosure required (yes or no)",
    "disclosure_method": "How the partnership is disclosed",
    "disclosure_phrase": "The disclosure's words",
    "usage_rights": "Use of the content",
    "usage_rights_days": "Days the brand may use your content",
}


def term_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """For each term with a fixed list of values, the values a proposal may give (value, words)."""
    shown = []
    for name in Agreement.CREATOR_TERM_FIELDS:
        field = Agreement._meta.get_field(name)
        if field.choices:
            shown.append((TERM_NAMES.get(name, name), [(str(v), str(label)) for v, label in field.flatchoices]))
    return shown


def agreement_terms(agreement: Agreement) -> list[Term]:
    """The agreement's terms as the creator reads them, in a fixed order: the brief, the period,
    compensation, editorial control, the brand's review, disclosure and usage rights."""
    terms = []
    if agreement.brief_goals.strip():
        terms.append(Term("brief_goals", "What the brand hopes for", agreement.brief_goals.strip()))
    if agreement.brief_will_not_ask.strip():
        terms.append(
            Term("brief_will_not_ask", "What the brand will not ask for", agreement.brief_will_not_ask.strip())
        )
    terms.append(Term("period", "Period", _period(agreement)))
    terms.extend(_compensation(agreement))
    editorial = (
        "The creator keeps it: they decide what is said, how and when."
        if agreement.creator_keeps_editorial_control
        else "Shared with the brand: it has a say in what the piece says."
    )
    terms.append(Term("editorial_control", "Editorial control", editorial))
    terms.append(Term("review", "The brand's review", REVIEW_WORDS.get(agreement.brand_review_rights, "")))
    terms.append(Term("disclosure", "Disclosure", _disclosure(agreement)))
    terms.append(Term("usage_rights", "Use of the content", _usage(agreement)))
    return terms


def terms_text(agreement: Agreement) -> str:
    """The exact text of the terms shown: what a signature records and hashes."""
    return "\n".join(f"{term.label}: {term.words}" for term in agreement_terms(agreement))


def terms_sha256(agreement: Agreement) -> str:
    return hashlib.sha256(terms_text(agreement).encode("utf-8")).hexdigest()
