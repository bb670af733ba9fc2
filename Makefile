# Two commands on a fresh machine: `make demo` and `make test`. Only Python 3.11+ and make needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Local work: DEBUG on and a generated secret in .env.local, which manage.py reads for any
# variable the environment does not set (never the web server or worker: production sets its own).
# Without DATABASE_URL etc. the embedded defaults apply (SQLite file, tasks in-process).
LOCAL_SETTINGS := .env.local
# The demo mail server (`make mailserver`) is on this machine, which the outbound policy refuses
# unless the operator lists it: these two ports only.
DEMO_MAIL_HOSTS := OUTBOUND_ALLOWED_HOSTS=127.0.0.1:1025,127.0.0.1:1143

.PHONY: demo test lint venv serve mailserver clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

$(LOCAL_SETTINGS):
	@printf '%s\n' \
		'# Written by make for local work in this checkout; delete it to get a new secret.' \
		'# Read by manage.py for variables the environment leaves unset; never by the web server or worker.' \
		'DEBUG=1' \
		"SECRET_KEY=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		'# The demo mail server (make mailserver) on this machine; nothing else on it is reached.' \
		'$(DEMO_MAIL_HOSTS)' > $@
	@echo "Wrote $@ (DEBUG=1, a generated SECRET_KEY and the demo mail server's ports for local work)"

venv: $(STAMP) $(LOCAL_SETTINGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

demo: $(STAMP) $(LOCAL_SETTINGS)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo
	@echo "  Demo running at http://127.0.0.1:8000/"
	@echo "  Log in as: demo / demo  (partnership manager in demo-brand; demo data only)"
	@echo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Dana's mailbox for the demo, until Ctrl-C: SMTP 127.0.0.1:1025 (keeps what the CRM sends in
# .demo-mail/sent) and IMAP 127.0.0.1:1143 (Debian's dovecot-imapd), where `manage.py demo_reply` answers.
mailserver: $(STAMP) $(LOCAL_SETTINGS)
	@if ! grep -q '^OUTBOUND_ALLOWED_HOSTS=' $(LOCAL_SETTINGS); then \
		printf '%s\n' '# The demo mail server (make mailserver) on this machine; nothing else on it is reached.' \
			'$(DEMO_MAIL_HOSTS)' >> $(LOCAL_SETTINGS); \
		echo "Added $(DEMO_MAIL_HOSTS) to $(LOCAL_SETTINGS): restart the CRM (make serve) to read it"; \
	elif ! grep -q '^OUTBOUND_ALLOWED_HOSTS=.*127\.0\.0\.1:1025' $(LOCAL_SETTINGS); then \
		echo "$(LOCAL_SETTINGS) sets OUTBOUND_ALLOWED_HOSTS without the demo mail server: add 127.0.0.1:1025,127.0.0.1:1143 to it"; \
	fi
	$(BIN)/python manage.py demo_mailserver

serve: $(STAMP) $(LOCAL_SETTINGS)
	$(BIN)/python manage.py runserver 127.0.0.1:8000

clean:
	rm -rf $(VENV) $(LOCAL_SETTINGS) db.sqlite3 staticfiles .pytest_cache .demo-mail
