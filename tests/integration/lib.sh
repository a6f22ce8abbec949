# lib.sh: shared helpers for the integration tests (TAP).
