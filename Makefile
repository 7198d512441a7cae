# Shortcuts for the scripts in scripts/, which need only bash and Python 3.11 (no make).
.PHONY: install run test check

install:
	scripts/install test

run:
	scripts/run

test:
	scripts/test

check:
	scripts/check
