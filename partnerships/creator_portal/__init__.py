"""The creator's side of a partnership (issue 21): the private link a creator opens without an
account, the terms in plain words, their click-signature, the changes they propose, their work,
links and money; and the manager's panel for the link and the proposals.

``links`` makes, finds and revokes links; ``terms`` says an agreement in words (the one rendering
the portal and the partnership page share); ``acceptance`` signs and proposes; ``selectors`` reads
what the pages show; ``views`` are thin."""
