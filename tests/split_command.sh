# Sourced by expect_ok.sh, expect_fail.sh and expect_quiet.sh: splits "CMD [ARG...] -- REGEX"
# into the array `cmd` and the string `regex` (expect_quiet.sh reads it as a file name). The last
# `--` is the separator, so CMD may itself contain `--`.
args=("$@")
split=-1
for i in "${!args[@]}"; do
  [[ ${args[$i]} == -- ]] && split=$i
done
if ((split < 1 || split != ${#args[@]} - 2)); then
  echo "usage: $0 CMD [ARG...] -- REGEX (or FILE)" >&2
  exit 2
fi
cmd=("${args[@]:0:split}")
regex=${args[$((split + 1))]}
