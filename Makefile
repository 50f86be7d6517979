# Shortcuts for the commands the README gives.
.PHONY: run test check openapi ci

run:        ## start the server (creates and migrates the database)
	cargo run --release

test:       ## the whole test suite (PostgreSQL, Node.js; see scripts/test)
	scripts/test

check:      ## formatting and lints, as CI runs them
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

openapi:    ## rewrite the committed OpenAPI document from the code
	cargo run --quiet -- openapi > openapi/openapi.json

ci:
	bash .ci/run
