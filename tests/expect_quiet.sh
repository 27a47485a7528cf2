#!/usr/bin/env bash
# Usage: tests/expect_quiet.sh CMD [ARG...] -- FILE
#
# Passes when CMD exits 0, writes nothing at all to stderr (what --quiet promises: a script that
# runs it sees only errors there), and leaves a non-empty FILE behind (so a run that silently
# did nothing does not pass). FILE is removed first.
# The last `--` separates the command from the file name, so CMD may itself contain `--`.
set -uo pipefail

# shellcheck source=tests/split_command.sh
source "$(dirname "${BASH_SOURCE[0]}")/split_command.sh"
file=$regex

stderr_file=$(mktemp)
trap 'rm -f "$stderr_file"' EXIT
rm -f "$file"

"${cmd[@]}" </dev/null 2>"$stderr_file"
status=$?

echo "---- stderr of: ${cmd[*]} (exit status $status)"
cat "$stderr_file"
echo "----"

if ((status != 0)); then
  echo "FAIL: expected exit status 0, got $status"
  exit 1
fi
if [[ -s $stderr_file ]]; then
  echo "FAIL: stderr is not empty"
  exit 1
fi
if [[ ! -s $file ]]; then
  echo "FAIL: $file was not written"
  exit 1
fi
echo "ok: exit status 0, silent stderr, $file written"
