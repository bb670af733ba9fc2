"""One date format on every page, the admin's too: the year first (2026-12-05), read the same way
by a manager in Berlin and one in Boston, sorted as text, and what the pages' date inputs use.
Django takes formats from the active language's locale, not from settings, so they are set here
(FORMAT_MODULE_PATH) rather than with DATE_FORMAT."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
TIME_FORMAT = "H:i"
