# The two commands of the README: `make run` and `make test`. Everything else is what they need.
# python3 is picked by pyenv from .python-version (3.12); set PYTHON to use another interpreter.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup system-packages migrate demo lint messages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

# Chromium and CJK fonts for the browser tests, from Debian's packages (needs root or sudo).
system-packages:
	bash scripts/system-packages.sh

migrate: setup
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py seed_demo

# The server and one background worker beside it (extraction of long essays and other slow work);
# Ctrl+C stops both. In production run `manage.py db_worker` as its own service (see the README).
run: demo
	$(PY) manage.py db_worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup system-packages
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# Refresh the Chinese catalogues after adding strings (needs gettext): every app's strings go into claims/locale
# (LOCALE_PATHS); translate the new Simplified Chinese entries, then this compiles them and derives Traditional
# Chinese (scripts/make_zh_hant.py: OpenCC s2twp and the desk's term table).
messages: setup
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete -i ".venv/*" -i "tests/*" -i "bench/*" -i "scripts/*" -i "docs/*" -i "node_modules/*"
	$(PY) manage.py compilemessages -l zh_Hans --ignore ".venv/*"
	$(PY) scripts/make_zh_hant.py
