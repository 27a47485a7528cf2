#!/usr/bin/env bash
# Usage: tests/expect_fail.sh CMD [ARG...] -- REGEX
#
# Passes when CMD fails the way a command line should refuse bad input: a non-zero exit status
# of its own (not a crash or a signal) AND an explanation on stderr that matches REGEX (an
# extended regular expression, matched per line, case-insensitive). A sanitizer report on stderr
# fails the check whatever else it says.
# The last `--` separates the command from the regex, so CMD may itself contain `--`.
set -uo pipefail

# shellcheck source=tests/split_command.sh
source "$(dirname "${BASH_SOURCE[0]}")/split_command.sh"

stderr_file=$(mktemp)
trap 'rm -f "$stderr_file"' EXIT

"${cmd[@]}" </dev/null 2>"$stderr_file"
status=$?

echo "---- stderr of: ${cmd[*]} (exit status $status)"
cat "$stderr_file"
echo "----"

if ((status == 0)); then
  echo "FAIL: expected a non-zero exit status, got 0"
  exit 1
fi
if ((status >= 126)); then
  echo "FAIL: exit status $status is a crash, a signal or a command that could not run," \
    "not a refusal"
  exit 1
fi
if grep -qE 'Sanitizer|runtime error:' "$stderr_file"; then
  echo "FAIL: sanitizer report on stderr"
  exit 1
fi
if ! grep -qiE -- "$regex" "$stderr_file"; then
  echo "FAIL: stderr does not match /$regex/"
  exit 1
fi
echo "ok: exit status $status and stderr matches /$regex/"
