#!/usr/bin/env bash
# recon-codemod in one repository, run from its root: the one script behind both recipes of docs/multi-repo.md (a
# GitHub Actions matrix job, multi-gitter). The reports go outside the repository, to $RECON_REPORTS/<name>.json and
# <name>.md, <name> being the last part of $REPOSITORY (multi-gitter sets it: owner/name), else the directory's name.
#   DRY_RUN=true   reports only, nothing edited (multi-gitter --dry-run sets it)
#   otherwise      --write, then one commit whose message is a title and the Markdown report: multi-gitter
#                  --manual-commit makes that message the pull request's title and body
set -euo pipefail
case "${RECON_REPORTS:-}" in
  /*) ;;
  *) echo "recon-migrate.sh: set RECON_REPORTS to an absolute directory for the reports" >&2; exit 2 ;;
esac
read -r -a recon <<< "${RECON_CODEMOD:-npx --yes recon-codemod@0.1}"
name="${REPOSITORY:-$(basename "$PWD")}"
name="${name##*/}"
mkdir -p "$RECON_REPORTS"
codemod() {
  rm -f "$RECON_REPORTS/$name.json" "$RECON_REPORTS/$name.md"
  # Exit 1 means some files could not be processed: they are in the report, which is still worth having.
  "${recon[@]}" . "$@" --quiet --json "$RECON_REPORTS/$name.json" --report "$RECON_REPORTS/$name.md" || [ $? -eq 1 ]
  [ -s "$RECON_REPORTS/$name.json" ] || { echo "recon-migrate.sh: recon-codemod wrote no report" >&2; exit 2; }
}
if [ "${DRY_RUN:-}" = true ]; then
  codemod
  exit 0
fi
# With the dependencies installed, --write type-checks its edits; without them it says it skipped the check.
if [ -f package-lock.json ] && [ ! -d node_modules ]; then npm ci --ignore-scripts --no-audit --no-fund --quiet; fi
codemod --write
git diff --quiet && exit 0 # nothing changed: no commit, so no pull request
# GitHub refuses a pull request body over 65,536 characters: a longer report is cut after a whole line, and says so.
{
  printf 'Add OpenAI reconciliation fields to token usage tracking\n\n'
  awk -v max=60000 -v file="$name.md" '{ n += length($0) + 1 } n > max { print "\n_The report is cut here (a pull request body holds 65,536 characters at most): the whole of it is " file " in the reports of the run._"; exit } { print }' "$RECON_REPORTS/$name.md"
} | git commit --all --quiet --file=-
