#!/usr/bin/env bash
# test_doc_links.sh — the project's documentation stands alone: every markdown link and every
# source path named in backquotes in README.md, docs/*.md and the folders' README.md files
# resolves inside the repository, and nothing points outside it (../). Paths that memvirt
# writes when it runs (results/..., build/...) and placeholders (DIR/, FILE) are not files of
# the repository and are not checked.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 1
docs=$(ls README.md docs/*.md */README.md 2>/dev/null)
bad=0
report() {
	echo "$1: $2"
	bad=$((bad + 1))
}
for f in $docs; do
	# markdown links [text](target), not web addresses or anchors
	grep -o '](\([^)#]*\))' "$f" | sed 's/^](//; s/)$//' | while read -r t; do
		case "$t" in http*|mailto:*|"") continue ;; esac
		[ -e "$(dirname "$f")/$t" ] || echo "$f: link to $t does not resolve"
	done
	# anything pointing outside the repository
	if grep -n '\.\./shared\|\.\./\.\./' "$f" >/dev/null; then
		report "$f" "points outside the repository: $(grep -n '\.\./shared\|\.\./\.\./' "$f" | head -1)"
	fi
	# `folder/file.ext` for the repository's source folders
	for p in $(grep -o '`[a-z]*/[A-Za-z0-9_./-]*\.\(c\|h\|md\|sh\|ini\|txt\|cc\)`' "$f" | tr -d '`' | sort -u); do
		case "$p" in results/demo/*|build/*) continue ;; esac
		top=${p%%/*}
		[ -d "$top" ] || continue # not one of ours (e.g. /proc, a placeholder)
		[ -e "$p" ] || report "$f" "names $p, which is not in the repository"
	done
done > /tmp/memvirt-doc-links.$$ 2>&1
n=$(wc -l < /tmp/memvirt-doc-links.$$)
cat /tmp/memvirt-doc-links.$$
rm -f /tmp/memvirt-doc-links.$$
if [ "$n" -ne 0 ]; then
	echo "doc_links: $n broken reference(s)"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "doc_links: every reference in $(echo $docs | wc -w) documents resolves"
echo "1 passed, 0 failed"
