"""The ranking on real communities, whose members carry labels the communities gave themselves
(../shared/real-communities): imported with `ingest` as a user would, ranked through the same code
as `rank`, and held to the figures benchmarks/ranking_real.py reached (docs/ranking.md). A change
that loses ground on a real community fails here. Skipped, with the reason, without ../shared.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "benchmarks"))
from ranking_evaluation import figures  # noqa: E402
from ranking_real import (  # noqa: E402
    COMMUNITIES,
    WINDOWS,
    import_community,
    load_window,
    rank_as_the_command_does,
    window_days,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (SHARED / "real-communities").is_dir(),
        reason=f"{SHARED / 'real-communities'} is not there: no real communities to measure against",
    ),
]

# (NDCG@50, precision@k) the ranking reached, per community and window, less 0.005 for what the
# database may order differently among equal texts (measured on SQLite and PostgreSQL alike).
FLOORS = {
    ("Quantum Computing SE", "whole archive"): (0.737, 0.61),
    ("Urho3D forum", "whole archive"): (0.642, 0.38),
    ("Urho3D forum", "last 365 days"): (0.716, 0.25),
    ("Delving Bitcoin", "whole archive"): (0.647, 0.48),
    ("Delving Bitcoin", "last 365 days"): (0.629, 0.45),
}


@pytest.mark.parametrize("spec", COMMUNITIES, ids=lambda spec: spec.name)
def test_the_ranking_keeps_the_figures_it_reached_on_a_real_community(spec, tmp_path):
    community, labelled_accounts = import_community(spec, SHARED, tmp_path)
    assert labelled_accounts, "the labels were read from the archive"
    for label in WINDOWS:
        if label != WINDOWS[0] and window_days(community, label) >= window_days(community, WINDOWS[0]):
            continue  # the whole archive is shorter than a year: the same window
        window = load_window(community, labelled_accounts, label)
        ranked = figures(rank_as_the_command_does(window), window.labelled)
        ndcg, precision = FLOORS[(spec.name, label)]
        reached = f"{spec.name}, {label}: NDCG@50 {ranked['NDCG@50']:.3f}, P@k {ranked['P@k']:.3f}"
        assert ranked["NDCG@50"] >= ndcg and ranked["P@k"] >= precision, reached
