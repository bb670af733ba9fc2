"""The pipeline board's cards as HTML, written in Python.

Kept because its measured gain is large. ``benchmarks/pipeline_board.py`` renders the 2,000 cards
of its board both ways on the same data: with this builder and with the public alternative, one
Django template loop per column (benchmarks/templates/board_cards.html, the same markup, which
tests/partnerships/test_pipeline_board.py checks). On SQLite, on a shared two-core machine, three
runs (2026-12-05) gave 41 ms against 376 ms, 153 against 1,599 and 300 against 2,837 (medians):
the template takes 9 to 10 times as long. In the first run the whole page took 592 ms with the
template loop, 376 of them for the cards. Dropping the ``{% url %}`` tags saved the template only
a sixth of its time. Run the benchmark again when either side changes.

Every value from the database goes through ``escape``; the creative-control badge's words and its
CSS class come from ``partnerships.models.creative_control_of``, the class from its stable key.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from partnerships.payments.selectors import overdue_by_partnership
from partnerships.selectors import Card

TRENDS = {
    "up": ' <span class="up" aria-label="score rising">▲</span>',
    "down": ' <span class="down" aria-label="score falling">▼</span>',
    "flat": ' <span class="flat" aria-label="score steady">▶</span>',
}


def card_html(
    card: Card, *, can_move: bool, back: str, partnership_url: str, move_url: str, community_url: str,
    outreach: str = "", overdue_payment: str = "",
) -> str:  # fmt: skip
    """One card. ``partnership_url``, ``move_url`` and ``community_url`` are reversed once with 0 for
    the id; ``outreach`` is its outreach line ("waiting for reply · follow-up in 2 days"), if any;
    ``overdue_payment`` what the brand owes the creator past its due date ("120.00 USD"), if anything."""
    name = escape(card.creator)
    moves = move_url.replace("/0/", f"/{card.pk}/")
    page = partnership_url.replace("/0/", f"/{card.pk}/")
    draggable = ' draggable="true"' if can_move else ""
    parts = [
        f'<li class="card" id="card-{card.pk}" data-id="{card.pk}" data-stage="{card.stage}" '
        f'data-move-url="{moves}"{draggable}>',
        f'<a class="creator" href="{page}">{name}</a>',
        f'<span class="brand">{escape(card.brand)}</span>',
    ]
    if card.community_id is not None:
        community = community_url.replace("/0/", f"/{card.community_id}/")
        parts.append(f'<a class="community" href="{community}">{escape(card.community)}</a>')
        if card.rank:
            trend = TRENDS.get(card.trend_direction, "")
            parts.append(
                f'<span class="rank" title="Score {card.score:.2f}">#{card.rank} of {card.ranked_members}{trend}</span>'
            )
        else:
            parts.append('<span class="rank muted">not ranked</span>')
    if card.next_task is not None:
        task = card.next_task
        due = f" · due {task.due_on:%b} {task.due_on.day}" if task.due_on else ""
        late = " overdue" if card.overdue else ""
        parts.append(f'<span class="task{late}">{escape(task.title)}{due}</span>')
    if outreach:
        parts.append(f'<span class="outreach">{escape(outreach)}</span>')
    if overdue_payment:
        parts.append(f'<span class="badge caution overdue-payment">overdue payment: {escape(overdue_payment)}</span>')
    control = card.control
    parts.append(f'<span class="badge control-{control.key}">{escape(control.badge)}</span>')
    if card.owner:
        parts.append(f'<span class="owner">{escape(card.owner)}</span>')
    if can_move:
        parts.append(f'<a class="move" href="{moves}?next={back}" aria-label="Move {name} to another stage">Move…</a>')
    parts.append("</li>")
    return "".join(parts)


def overdue_payment_lines(cards: list[Card]) -> dict[int, str]:
    """What each card's partnership owes past its due date, per currency ("120.00 USD + 40.00 EUR"):
    one query for the cards given, asked even for none, so that a board read column by column
    costs the same queries however its cards fall into the columns (the board's query-count test)."""
    overdue = overdue_by_partnership([card.pk for card in cards], even_for_none=True)
    return {
        pk: " + ".join(f"{amount:,.2f} {currency}" for amount, currency in totals) for pk, totals in overdue.items()
    }


def cards_html(
    cards: list[Card], *, can_move: bool, back: str, outreach: dict[int, str] | None = None,
    overdue_payments: dict[int, str] | None = None,
) -> SafeString:  # fmt: skip
    """The cards of one column; ``outreach`` maps a card's id to its outreach line
    (``partnerships.outreach.selectors.outreach_lines``, read once for the whole board);
    ``overdue_payments`` its overdue-payment badge (``overdue_payment_lines``): when the caller has
    not read them once for the whole board, one query for this column."""
    outreach = outreach or {}
    if overdue_payments is None:
        overdue_payments = overdue_payment_lines(cards)
    partnership_url = reverse("partnership", args=[0])
    move_url = reverse("pipeline-move", args=[0])
    community_url = reverse("community", args=[0])
    html = "".join(
        card_html(
            c, can_move=can_move, back=back, partnership_url=partnership_url, move_url=move_url,
            community_url=community_url, outreach=outreach.get(c.pk, ""),
            overdue_payment=overdue_payments.get(c.pk, ""),
        )
        for c in cards
    )  # fmt: skip
    return mark_safe(html or '<li class="empty muted">Nobody here</li>')  # noqa: S308 - every value escaped above
