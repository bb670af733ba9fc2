"""Outreach: writing to a creator from the CRM and reading their answer back.

``merge`` fills a template's fields; ``consent`` reads a reply for "please stop"; ``services``
records, sends and files messages; ``selectors`` reads them for pages; ``transports`` talks to
SMTP/IMAP and Reddit. The models are in ``partnerships.models.outreach``.
"""
