#!/usr/bin/env bash
# The whole logic of the leakstop GitHub Action (action.yml only installs leakstop and calls this), kept
# in one script so the test suite can run it with a fake event against a local repository.
#
# Reads the standard Actions environment (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_OUTPUT,
# GITHUB_STEP_SUMMARY) and the action's inputs as INPUT_* variables. LEAKSTOP may name the command to run
# (default: `leakstop`), LEAKSTOP_PYTHON the interpreter used to read the event JSON.
set -uo pipefail

leakstop=(${LEAKSTOP:-leakstop})
python=${LEAKSTOP_PYTHON:-python3}
mode=${INPUT_MODE:-auto}
sarif=${INPUT_SARIF_FILE:-leakstop.sarif}
fail=${INPUT_FAIL:-true}
event=${GITHUB_EVENT_NAME:-}
zero=0000000000000000000000000000000000000000

note() { echo "leakstop-action: $*" >&2; }

event_field() {
  # Prints one dotted field of the event payload, or nothing when it is absent.
  "$python" - "$1" <<'PY'
import json, os, sys
value = json.load(open(os.environ["GITHUB_EVENT_PATH"], encoding="utf-8"))
for key in sys.argv[1].split("."):
    value = value.get(key) if isinstance(value, dict) else None
print(value if isinstance(value, str) else "")
PY
}

have_commit() { git cat-file -e "$1^{commit}" 2>/dev/null; }

ensure_commits() {
  # actions/checkout fetches one commit by default; fetch what the range needs (fetch-depth: 0 avoids this).
  local missing=()
  for sha in "$@"; do have_commit "$sha" || missing+=("$sha"); done
  if [[ -n "${missing[*]-}" ]]; then
    note "fetching ${missing[*]} (use actions/checkout with fetch-depth: 0 to skip this)"
    git fetch --quiet --no-tags origin "${missing[@]}" || note "could not fetch ${missing[*]}"
  fi
}

push_range() {
  local before after default
  before=$(event_field before) after=$(event_field after)
  if [[ -z "$after" || "$after" == "$zero" ]]; then
    return 1  # a deleted branch: nothing new to scan
  fi
  if [[ -n "$before" && "$before" != "$zero" ]]; then
    ensure_commits "$before" "$after"
    echo "$before..$after"
    return 0
  fi
  # A new branch: its commits are those not on the default branch. Without one, scan its whole history.
  default=$(event_field repository.default_branch)
  if [[ -n "$default" ]] && base=$(git merge-base "origin/$default" "$after" 2>/dev/null) && [[ "$base" != "$after" ]]; then
    echo "$base..$after"
    return 0
  fi
  echo "history"
}

target_args() {
  case "$mode" in
    history) echo "--history"; return ;;
    tree) echo "."; return ;;
    auto|diff) ;;
    *) note "unknown mode '$mode' (auto, diff, history, tree)"; return 2 ;;
  esac
  case "$event" in
    pull_request|pull_request_target)
      local base head
      base=$(event_field pull_request.base.sha) head=$(event_field pull_request.head.sha)
      ensure_commits "$base" "$head"
      echo "--range $base..$head" ;;
    push)
      local range
      range=$(push_range) || { echo "none"; return; }
      if [[ "$range" == history ]]; then echo "--history"; else echo "--range $range"; fi ;;
    schedule|workflow_dispatch) echo "--history" ;;
    *) [[ "$mode" == diff ]] && { note "mode diff needs a push or pull_request event, not '$event'"; return 2; }
       echo "--history" ;;
  esac
}

target=$(target_args) || exit 2
if [[ "$target" == none ]]; then
  note "nothing to scan (the push deleted a branch)"
  exit 0
fi

options=()
[[ -n "${INPUT_CONFIG:-}" ]] && options+=(--config "$INPUT_CONFIG")
[[ -n "${INPUT_BASELINE:-}" ]] && options+=(--baseline "$INPUT_BASELINE")
set -f  # extra-args are split on spaces like a command line, but never glob-expanded
read -r -a extra <<< "${INPUT_EXTRA_ARGS:-}"
read -r -a target_words <<< "$target"
set +f

note "scanning: ${target}"
mkdir -p "$(dirname "$sarif")"
"${leakstop[@]}" scan "${target_words[@]}" ${options[@]+"${options[@]}"} ${extra[@]+"${extra[@]}"} --format sarif --output "$sarif"
code=$?

if [[ $code -eq 1 ]]; then
  # Findings: annotations for the pull request and the job summary. Only this case pays a second pass.
  "${leakstop[@]}" scan "${target_words[@]}" ${options[@]+"${options[@]}"} ${extra[@]+"${extra[@]}"} --format github --quiet
elif [[ $code -eq 0 && -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  printf '## leakstop\n\nNo secrets found (%s).\n' "$target" >> "$GITHUB_STEP_SUMMARY"
fi

findings=0
if [[ -f "$sarif" ]]; then
  findings=$("$python" -c 'import json, sys
results = json.load(open(sys.argv[1], encoding="utf-8"))["runs"][0]["results"]
print(sum(1 for r in results if not r.get("suppressions")))' "$sarif")
fi
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  { echo "sarif-file=$sarif"; echo "findings=$findings"; echo "exit-code=$code"; } >> "$GITHUB_OUTPUT"
fi

if [[ $code -eq 1 && "$fail" != true ]]; then
  note "$findings finding(s); not failing because fail is '$fail'"
  exit 0
fi
exit "$code"
