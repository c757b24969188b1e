# make run   — the whole system (venv, migrations, all services, demo employer)
# make test  — every test (unit, services, end-to-end, browser, portal), against the real RabbitMQ and PostgreSQL
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-unit test-services test-e2e test-browser test-portal portal openapi bench soak clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11 ($(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	@touch $(STAMP)

run: $(STAMP) portal
	$(VENV)/bin/hpf run

# the browser layer runs in a process of its own (no eventlet there, see tests/conftest.py)
BROWSER_PYTEST := HPF_TEST_LAYER=browser $(PY) -m pytest -q --suppress-nameko-eventlet-notification tests/browser

test: $(STAMP) portal
	$(PY) -m pytest -q tests
	$(BROWSER_PYTEST)
	cd portal && npm test

# the browser portal: npm ci + build when portal/dist is missing or older than its sources
portal: $(STAMP)
	$(PY) -m hpf.portal

# the OpenAPI document (no running system needed) and the portal's types generated from it
openapi: $(STAMP)
	$(VENV)/bin/hpf openapi -o portal/openapi.json
	cd portal && npm run gen:api

test-portal: portal
	cd portal && npm test

test-browser: $(STAMP) portal
	$(BROWSER_PYTEST)

test-unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

test-services: $(STAMP)
	$(PY) -m pytest -q tests/services

test-e2e: $(STAMP)
	$(PY) -m pytest -q tests/e2e

# the API sweeps with a larger budget of examples per operation than make test gives them
soak: $(STAMP)
	HPF_SWEEP_EXAMPLES=200 $(PY) -m pytest -q tests/e2e/test_api_sweep_e2e.py tests/e2e/test_auth_sweep_e2e.py

# the benchmarks' own needs (the redis client of the read path's reference system); wrk comes from Debian
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install -q -e ".[bench]"
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	@command -v wrk >/dev/null 2>&1 || { echo "bench/read_path.py 需要 wrk: apt-get install -y wrk"; exit 1; }
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf var
