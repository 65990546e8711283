#!/bin/sh
# Host: every C file follows the checked-in .clang-format. usage: format.sh SOURCE_ROOT
cd "$1" || exit 1
if ! command -v clang-format >/dev/null; then
	echo "clang-format is not installed (ci/setup installs it)"
	exit 77
fi
bad=$(find common lab loader saver scenarios images tests bench -name '*.[ch]' -print |
	sort | while read -r f; do
		clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"
	done)
if [ -n "$bad" ]; then
	echo "not formatted (run: clang-format -i FILE):"
	echo "$bad"
	exit 1
fi
echo "all C files formatted"
