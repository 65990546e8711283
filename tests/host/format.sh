#!/bin/sh
# Host: every C file follows the checked-in .clang-format. usage: format.sh SOURCE_ROOT
cd "$1" || exit 1
if ! command -v clang-format >/dev/null; then
	echo "clang-format is not installed (ci/setup installs it)"
	exit 77
fi
# One clang-format per batch of files, two at a time: one process per file took over 30 s on a
# loaded 2-core machine.
bad=$(find common lab loader saver scenarios images tests bench -name '*.[ch]' -print | sort |
	xargs -n 16 -P 2 sh -c 'for f; do clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"; done' sh)
if [ -n "$bad" ]; then
	echo "not formatted (run: clang-format -i FILE):"
	echo "$bad"
	exit 1
fi
echo "all C files formatted"
