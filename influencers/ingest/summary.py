"""What an import counted: the summary a run reports, and the counters saved with each batch."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_EXAMPLES = 25  # skipped records described on the run; the rest are only counted


@dataclass(frozen=True)
class Progress:
    """The reader's counters at the moment a batch is handed over: saved with that batch."""

    read: int
    skipped: int
    skipped_reasons: dict
    skipped_examples: list
    checkpoint: dict | None
    repeated: int


@dataclass
class IngestSummary:
    """The counts of one import: read, created, updated, unchanged, skipped (with why), and how long it took."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    skipped_reasons: Counter = field(default_factory=Counter)
    skipped_examples: list = field(default_factory=list)
    communities: list = field(default_factory=list)
    seconds: float = 0.0

    def skip(self, location: str, reason: str) -> None:
        self.skipped += 1
        self.skipped_reasons[reason] += 1
        if len(self.skipped_examples) < MAX_EXAMPLES:
            self.skipped_examples.append({"where": location, "reason": reason})

    def as_dict(self) -> dict:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "skipped_reasons": dict(self.skipped_reasons.most_common()),
            "skipped_examples": self.skipped_examples,
            "communities": self.communities,
            "seconds": round(self.seconds, 2),
        }
