# Sportello: `make demo` serves the demo, `make test` runs every check. Needs only Python 3.11.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-postgres test-browser lint format lock vendor messages clean

$(STAMP): requirements/dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/dev.txt
	touch $(STAMP)

# The web server and a Celery worker with beat (Procfile), on a broker that needs no server.
demo: $(STAMP)
	@mkdir -p var/celery
	DJANGO_DEBUG=1 SPORTELLO_DEMO=1 $(BIN)/python manage.py migrate --no-input -v 0
	DJANGO_DEBUG=1 SPORTELLO_DEMO=1 $(BIN)/python manage.py seed_demo
	DJANGO_DEBUG=1 SPORTELLO_DEMO=1 PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_DEBUG=1 $(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -p no:cacheprovider -n 2 $(PYTEST_ARGS)

# The same suite (without the browser tests) on PostgreSQL: DATABASE_URL=postgres://user:password@localhost/sportello
test-postgres: $(STAMP)
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "Set DATABASE_URL=postgres://… to run the suite on PostgreSQL"; exit 2;; esac
	$(BIN)/python -m pytest -p no:cacheprovider -n 2 -m "not browser" $(PYTEST_ARGS)

# Browser tests in Debian's Chromium (apt-get install chromium); SPORTELLO_REQUIRE_BROWSER=1 fails without it.
test-browser: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider tests/browser $(PYTEST_ARGS)

# Regenerate the lock files from pyproject.toml (needs network to PyPI).
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv lock
	$(BIN)/uv export --frozen --no-emit-project --no-dev --format requirements-txt -o requirements/base.txt -q
	$(BIN)/uv export --frozen --no-emit-project --format requirements-txt -o requirements/dev.txt -q

# Refresh static/vendor/ from package-lock.json (needs Node and npm; newcomers never need it).
vendor:
	python3 scripts/vendor.py

# Extract strings into the .po catalogues (needs GNU gettext), then compile the committed .mo files.
messages: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -l it -l en --ignore=.venv --ignore=node_modules --ignore=static --no-obsolete
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache staticfiles
