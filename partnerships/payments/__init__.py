"""The ledger (issue 21): what a brand owes each creator under its signed agreements, and what it
has paid. ``schedule`` works the amounts out from plain values; ``services`` writes them (and the
manager's approve / paid / cancel); ``selectors`` reads them for the pages and the API."""
