# The two commands of the README: `make run` and `make test`.
# Debian's python3.11 is built with PGO and LTO; a plain source build (pyenv's
# default) spends about a fifth more CPU per request at the deadline peak
# (bench/peak.py). Either works; the faster one is taken when it can make a venv.
PYTHON ?= $(shell /usr/bin/python3.11 -c 'import ensurepip, venv' 2>/dev/null \
	&& echo /usr/bin/python3.11 || echo python3.11)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Cần Python 3.11 ($(PYTHON))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py seed_demo
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

# A few tests need PostgreSQL (row locks, pg_dump) or Redis (a real Celery worker).
# Our machines run both on 127.0.0.1, and the tests use them when they answer, as CI
# does; elsewhere it is SQLite with eager tasks, and those tests say why they skip.
answers = $(shell $(BIN)/python -c 'import socket; socket.create_connection(("127.0.0.1", $(1)), 1)' 2>/dev/null && echo yes)

test: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-$(if $(call answers,5432),postgres://postgres@127.0.0.1:5432/thidua,sqlite:///db.sqlite3)} \
	REDIS_URL=$${REDIS_URL-$(if $(call answers,6379),redis://127.0.0.1:6379/0)} \
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python bench/province.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache

# Deadline peak: member users (USERS, 300 by default; 600 is the whole province) saving
# their sheets for 60 s under gunicorn + PostgreSQL on 127.0.0.1:5432 (bench/peak.py;
# targets p95 < 150 ms, no errors, nothing lost).
.PHONY: peak
peak: $(STAMP)
	$(BIN)/python bench/peak.py $(if $(USERS),--users $(USERS))
