# Convenience shortcuts: the commands themselves are in tasks.py (documented in README.md).
PYTHON ?= python3

.PHONY: run test quality fix

run:
	$(PYTHON) tasks.py run

test:
	$(PYTHON) tasks.py test $(ARGS)

quality:
	$(PYTHON) tasks.py quality

fix:
	$(PYTHON) tasks.py fix
