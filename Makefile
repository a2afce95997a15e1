# Cercle — the two commands: `make run` and `make test` (plus `make bench`, `make lint`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint install messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pybabel compile --domain django --directory locale --use-fuzzy --statistics 2>&1 | tail -n 2
	touch $(STAMP)

install: $(STAMP) messages

# Compiled catalogues are built from locale/*/LC_MESSAGES/django.po (pure Python, no gettext).
messages: $(STAMP)
	@$(BIN)/pybabel compile --domain django --directory locale --use-fuzzy >/dev/null

run: install
	$(BIN)/python platform/cercle/devenv.py run

test: install
	$(BIN)/python platform/cercle/devenv.py test $(ARGS)

bench: install
	$(BIN)/python platform/cercle/devenv.py bench $(ARGS)

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) staticfiles
