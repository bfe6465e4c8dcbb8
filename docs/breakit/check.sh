#!/usr/bin/env bash
# docs/breakit/check.sh: every "Break it" patch still breaks what the
# chapter says it breaks. For each docs/breakit/*.patch (or those named as
# arguments) it copies the repository's tracked files, as they are in the
# working tree, to a scratch directory, applies the patch there, and runs
# the command on the patch's "Test:" header line. The patch must apply and
# the test must FAIL; a test that passes with the line gone means the
# chapter's claim (and the test) no longer hold. The repository itself is
# never modified.
#
#	bash docs/breakit/check.sh                          # every patch
#	bash docs/breakit/check.sh docs/breakit/03-reap-once.patch
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

patches=("$@")
if [ ${#patches[@]} -eq 0 ]; then
	patches=(docs/breakit/*.patch)
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

failed=0
for p in "${patches[@]}"; do
	test_cmd=$(sed -n 's/^Test: //p' "$p" | head -n 1)
	if [ -z "$test_cmd" ]; then
		echo "FAIL $p: no 'Test: ' line in its header"
		failed=1
		continue
	fi
	dir="$scratch/$(basename "$p" .patch)"
	mkdir -p "$dir"
	git ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$dir")
	if ! (cd "$dir" && git apply "$root/$p"); then
		echo "FAIL $p: does not apply to the working tree any more"
		failed=1
		continue
	fi
	log="$dir.log"
	# Each named test takes seconds; the bound only stops a hang.
	if (cd "$dir" && timeout 300 bash -c "$test_cmd") >"$log" 2>&1; then
		echo "FAIL $p: with the patch applied, the test still passes: $test_cmd"
		tail -n 20 "$log"
		failed=1
	else
		echo "ok   $p breaks: $test_cmd"
		grep -m 3 -E '^\s+\S+\.go:[0-9]+: ' "$log" | cut -c1-160 | sed 's/^/       /' || true
	fi
	rm -rf "$dir"
done
exit "$failed"
