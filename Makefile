# The two commands of the README: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench frontend frontend-deps frontend-check api-types api-types-check clean-var system-packages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the declared dependencies change.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

FRONTEND_STAMP := frontend/node_modules/.installed

$(FRONTEND_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	touch $(FRONTEND_STAMP)

frontend-deps: $(FRONTEND_STAMP)

# The web app, built into frontend/dist, which Django serves (STATICFILES_DIRS and bureau/http/spa.py).
frontend: $(FRONTEND_STAMP)
	cd frontend && npm run build

# The typed API client comes from the backend's OpenAPI schema: regenerate both after an API change.
api-types: $(STAMP) $(FRONTEND_STAMP)
	$(PY) manage.py spectacular --format openapi-json --file frontend/openapi.json
	cd frontend && npm run api-types

# CI: the checked-in schema and types must be what the backend generates now.
api-types-check: $(STAMP) $(FRONTEND_STAMP)
	@mkdir -p var/api-check
	$(PY) manage.py spectacular --format openapi-json --file var/api-check/openapi.json
	cd frontend && npx openapi-typescript ../var/api-check/openapi.json -o ../var/api-check/schema.d.ts >/dev/null
	@diff -q var/api-check/openapi.json frontend/openapi.json >/dev/null && diff -q var/api-check/schema.d.ts frontend/src/api/schema.d.ts >/dev/null \
		|| { echo "frontend/openapi.json or src/api/schema.d.ts is out of date: run make api-types"; exit 1; }

# TypeScript types and the component tests (vitest).
frontend-check: $(FRONTEND_STAMP) api-types-check
	cd frontend && npm run typecheck && npm test

run: $(STAMP) frontend
	$(PY) -m bureau.embedded run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy .

# What the tests use from Debian: OCR with Vietnamese data (scanned PDFs), converters for legacy
# .doc, gettext (translations), LibreOffice Writer without its GUI and fonts metric-compatible with
# Times New Roman (drafted documents laid out as PDF), Chromium (the end-to-end tests drive it; Playwright never downloads
# a browser). Installed when missing, as root with apt; elsewhere the tests that need them say what
# to install (the parsers' tests check the stated failure reasons instead, the browser tests skip).
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-vie antiword catdoc gettext chromium libreoffice-writer-nogui fonts-liberation2
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "Installing $$missing (Debian packages the tests use)"; \
		export DEBIAN_FRONTEND=noninteractive; \
		{ apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; } \
			|| echo "warning: could not install $$missing; the tests that need them say so" >&2; \
	else \
		echo "note: $$missing not installed (needs root and apt); the tests that need them say so" >&2; \
	fi

# The tests in three parts, all of which always run: the end-to-end tests (tests/e2e, a browser
# against a platform of their own under var/e2e; output in var/e2e-tests.log, shown when done) in
# the background, beside the rest in PYTEST_WORKERS parallel processes (pytest-xdist; each worker
# on a test database and a Redis database of its own); then, alone, those marked serial (they
# restart what the workers share). Each part keeps its own last failures for `pytest --lf`.
PYTEST_WORKERS ?= 3
pytest: $(STAMP) frontend system-packages
	@mkdir -p var
	$(PY) -m pytest tests/e2e -o cache_dir=.pytest_cache/e2e >var/e2e-tests.log 2>&1 & e2e=$$!; \
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal -m "not e2e and not serial"; parallel=$$?; \
	wait $$e2e; browser=$$?; echo "--- the end-to-end tests (var/e2e-tests.log):"; cat var/e2e-tests.log; \
	$(PY) -m pytest -m serial; serial=$$?; \
	[ $$parallel = 0 ] && [ $$browser = 0 ] && [ $$serial = 0 ]

test: system-packages lint typecheck frontend-check pytest

bench: $(STAMP)
	$(PY) -m bureau.embedded bench

clean-var:
	-$(PY) -m bureau.embedded stop
	rm -rf var
