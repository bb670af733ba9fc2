"""The demo data set loaded by `python manage.py load_demo` (and `make demo`)."""
