# The two commands of the README: `make demo` and `make test`. Both set everything up first.
.PHONY: setup demo test lint unit screenshots

setup:
	@scripts/bootstrap.sh

demo: setup
	HF_HUB_OFFLINE=1 .venv/bin/buzzwire demo $(ARGS)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports
	.venv/bin/mypy

unit: setup
	HF_HUB_OFFLINE=1 .venv/bin/python -m pytest -m "not integration" $(ARGS)

test: lint
	HF_HUB_OFFLINE=1 .venv/bin/python -m pytest $(ARGS)

# The pages' screenshots in docs/images, from the real-browser tests.
screenshots: setup
	BUZZWIRE_SCREENSHOTS_DIR=docs/images HF_HUB_OFFLINE=1 .venv/bin/python -m pytest tests/browser $(ARGS)
