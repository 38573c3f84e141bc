#!/bin/bash
# `npm run bench` (package.json) → loadtest/compare.sh; arguments pass through:
#   npm run bench -- --quick
#   npm run bench -- --runs 3
exec bash "$(dirname "${BASH_SOURCE[0]}")/compare.sh" "$@"
