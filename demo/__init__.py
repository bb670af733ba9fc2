"""The demo data set loaded by `python manage.py load_demo` (and `make demo`): fictional
communities with half a year of conversation, ranked and described, and a CRM on top. The top of
the dependency order beside api: it imports every app, and nothing imports it."""
