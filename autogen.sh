#!/bin/sh
# Generate configure and Makefile.in.
set -e
cd "$(dirname "$0")"
autoreconf -fi
