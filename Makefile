# Two commands on a fresh machine: `make demo` and `make test`. Only Python 3.11+ and make needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Local runs use the embedded defaults (SQLite file, tasks in-process) unless DATABASE_URL etc. are set.
DEV_ENV := DEBUG=1

.PHONY: demo test lint venv serve clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

demo: $(STAMP)
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py load_demo
	@echo
	@echo "  Demo running at http://127.0.0.1:8000/admin/"
	@echo "  Log in as: demo / demo  (partnership manager in demo-brand; demo data only)"
	@echo
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

serve: $(STAMP)
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
