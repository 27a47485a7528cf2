#!/usr/bin/env bash
# Usage: tests/expect_ok.sh CMD [ARG...] -- REGEX
#
# Passes when CMD exits 0 AND its stdout matches REGEX (an extended regular expression, matched
# per line, case-sensitive). ctest's PASS_REGULAR_EXPRESSION alone would ignore the exit status.
# The last `--` separates the command from the regex, so CMD may itself contain `--`.
set -uo pipefail

# shellcheck source=tests/split_command.sh
source "$(dirname "${BASH_SOURCE[0]}")/split_command.sh"

stdout_file=$(mktemp)
trap 'rm -f "$stdout_file"' EXIT

"${cmd[@]}" </dev/null >"$stdout_file"
status=$?

echo "---- stdout of: ${cmd[*]} (exit status $status)"
cat "$stdout_file"
echo "----"

if ((status != 0)); then
  echo "FAIL: expected exit status 0, got $status"
  exit 1
fi
if ! grep -qE -- "$regex" "$stdout_file"; then
  echo "FAIL: stdout does not match /$regex/"
  exit 1
fi
echo "ok: exit status 0 and stdout matches /$regex/"
