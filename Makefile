# Two commands for everyone: `make run` (try it on SQLite with demo data) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
# Test processes (pytest-xdist); each gets its own databases. TEST_WORKERS=0 runs in this process.
TEST_WORKERS ?= auto
PO     := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

.PHONY: run test install translations extract-messages bench clean

run: install translations
	MUTUALAID_ENV=development $(FLASK) db upgrade
	MUTUALAID_ENV=development $(FLASK) demo load --if-empty --url http://$(HOST):$(PORT)
	@echo "Starting the scheduler (sends texts, chases requests) and the web server on http://$(HOST):$(PORT) (another port: make run PORT=8080)"
	MUTUALAID_ENV=development $(FLASK) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	MUTUALAID_ENV=development $(FLASK) run --host $(HOST) --port $(PORT)

test: install translations
	MUTUALAID_ENV=testing $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(MO)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -i $< -o $@

# After adding or changing text: extract, update the catalogues, translate, commit the .po files.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

clean:
	rm -rf $(VENV) .pytest_cache
