#!/usr/bin/env bash
# The whole logic of the leakstop GitHub Action (action.yml only installs leakstop and calls this), kept
# in one script so the test suite can run it with a fake event against a local repository.
#
# Reads the standard Actions environment (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_OUTPUT,
# GITHUB_STEP_SUMMARY) and the action's inputs as INPUT_* variables. LEAKSTOP may name the command to run
# (default: `leakstop`), LEAKSTOP_PYTHON the interpreter used to read the event JSON.
#
# `run.sh plan` only decides what to scan and, for a history scan, the scan cache's folder and its
# actions/cache key (outputs target, cache-dir, cache-key, cache-restore-key); the scan step then gets
# the target as PLANNED_TARGET, so the event is read once.
set -uo pipefail

leakstop=(${LEAKSTOP:-leakstop})
python=${LEAKSTOP_PYTHON:-python3}
mode=${INPUT_MODE:-auto}
sarif=${INPUT_SARIF_FILE:-leakstop.sarif}
fail=${INPUT_FAIL:-true}
event=${GITHUB_EVENT_NAME:-}
zero=0000000000000000000000000000000000000000

note() { echo "leakstop-action: $*" >&2; }

warn() { echo "::warning title=leakstop::$*" >&2; }

event_field() {
  # Prints one dotted field of the event payload (`commits.0.id` indexes a list), or nothing when absent.
  "$python" - "$1" <<'PY'
import json, os, sys
value = json.load(open(os.environ["GITHUB_EVENT_PATH"], encoding="utf-8"))
for key in sys.argv[1].split("."):
    if isinstance(value, list) and key.isdigit():
        value = value[int(key)] if int(key) < len(value) else None
    else:
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
    git fetch --quiet --no-tags origin "${missing[@]}" 2>/dev/null || note "could not fetch ${missing[*]}"
  fi
}

deepen() {
  # More history for a shallow clone, a bounded amount at a time; false when the clone is complete.
  [[ "$(git rev-parse --is-shallow-repository 2>/dev/null)" == true ]] || return 1
  note "fetching $1 more commits of history (use actions/checkout with fetch-depth: 0 to skip this)"
  git fetch --quiet --no-tags --deepen="$1" origin 2>/dev/null
}

payload_base() {
  # The parent of the oldest commit the push event lists: the pushed commits are then base..after.
  local oldest step
  oldest=$(event_field commits.0.id)
  [[ -n "$oldest" ]] || return 1
  ensure_commits "$oldest"
  for step in 0 50 500; do
    if [[ $step -gt 0 ]]; then deepen "$step" || break; fi
    if have_commit "$oldest^"; then git rev-parse "$oldest^"; return 0; fi
  done
  return 1
}

on_default=3

default_branch_base() {
  # Where the pushed commits leave the default branch; status $on_default when `after` is on it already
  # (the push adds no commit the default branch lacks), 1 when that cannot be told.
  local default base step
  default=$(event_field repository.default_branch)
  [[ -n "$default" ]] || return 1
  if ! have_commit "origin/$default"; then
    git fetch --quiet --no-tags origin "+refs/heads/$default:refs/remotes/origin/$default" 2>/dev/null || return 1
  fi
  for step in 0 50 500; do
    if [[ $step -gt 0 ]]; then deepen "$step" || break; fi
    if base=$(git merge-base "origin/$default" "$after" 2>/dev/null); then
      [[ "$base" != "$after" ]] && { echo "$base"; return 0; }
      note "$after is on the default branch $default, whose pushes scan its commits: nothing new to scan"
      return $on_default
    fi
  done
  return 1
}

push_range() {
  local before base
  before=$(event_field before) after=$(event_field after)
  if [[ -z "$after" || "$after" == "$zero" ]]; then
    note "the push deleted $(event_field ref)"
    return 1  # a deleted branch or tag: nothing new to scan
  fi
  ensure_commits "$after"
  # An annotated tag's push names the tag object: the commits are those of the commit it tags.
  after=$(git rev-parse --verify --quiet "$after^{commit}" 2>/dev/null) || after=$(event_field after)
  if [[ -n "$before" && "$before" != "$zero" ]]; then
    ensure_commits "$before"
    if have_commit "$before"; then echo "$before..$after"; return 0; fi
    warn "the push's previous tip $before cannot be fetched (a force-push?): scanning the commits the push lists"
    base=$(payload_base) || base=$(default_branch_base) || base=""
  else
    # A new branch or tag: its commits are those not on the default branch (none when it points at a
    # commit of the default branch, whose own pushes scanned it), else those the push lists.
    base=$(default_branch_base)
    case $? in
      0) ;;
      "$on_default") return 1 ;;
      *) base=$(payload_base) || base="" ;;
    esac
  fi
  if [[ -n "$base" ]]; then echo "$base..$after"; return 0; fi
  warn "no commit to compare the push with: scanning the whole history"
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

cache_key_parts() {
  # leakstop's version and a digest of the rules it would load (the built-in ones and the configuration
  # file): a cache saved under other rules holds no verdict this scan can use, so it is not restored.
  "$python" - <<'PY'
import hashlib, os, pathlib
import scanner
from scanner.ruleset.rules import builtin_rules_dir
digest = hashlib.sha256()
for path in sorted(pathlib.Path(builtin_rules_dir()).rglob("*.y*ml")):
    digest.update(path.name.encode() + b"\0" + path.read_bytes())
config = os.environ.get("INPUT_CONFIG") or ""
if config and os.path.isfile(config):
    digest.update(b"config\0" + pathlib.Path(config).read_bytes())
print(f"{scanner.__version__}-{digest.hexdigest()[:16]}")
PY
}

if [[ "${1:-}" == plan ]]; then
  target=$(target_args) || exit 2
  { echo "target=$target"
    if [[ "$target" == --history* && "${INPUT_CACHE:-true}" == true ]]; then
      parts=$(cache_key_parts) || exit 2
      prefix="leakstop-history-${RUNNER_OS:-$(uname -s)}-$parts-"
      echo "cache-dir=${RUNNER_TEMP:-/tmp}/leakstop-scan-cache"
      echo "cache-key=$prefix${GITHUB_RUN_ID:-0}-${GITHUB_RUN_ATTEMPT:-1}"
      echo "cache-restore-key=$prefix"
    fi
  } >> "${GITHUB_OUTPUT:-/dev/stdout}"
  exit 0
fi

target=${PLANNED_TARGET:-}
[[ -n "$target" ]] || target=$(target_args) || exit 2
if [[ "$target" == none ]]; then
  note "nothing to scan: the push adds no commit that needs a scan (see above)"
  exit 0
fi

options=()
[[ -n "${INPUT_CONFIG:-}" ]] && options+=(--config "$INPUT_CONFIG")
[[ -n "${INPUT_BASELINE:-}" ]] && options+=(--baseline "$INPUT_BASELINE")
# only a range scan judges a change against its base; other modes have no base to trust instead
[[ "${INPUT_TRUST_RANGE_CONFIG:-false}" == true && "$target" == --range* ]] && options+=(--trust-range-config)
set -f  # extra-args are split on spaces like a command line, but never glob-expanded
read -r -a extra <<< "${INPUT_EXTRA_ARGS:-}"
read -r -a target_words <<< "$target"
set +f

case "$target" in
  --range*) category=leakstop/diff ;;
  --history*) category=leakstop/history ;;
  *) category=leakstop/tree ;;
esac
# The SARIF and JSON are written under names that say their format (leakstop infers it from the name), and
# the SARIF is moved to sarif-file, whatever that is called.
scratch=$(mktemp -d "${RUNNER_TEMP:-/tmp}/leakstop.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
report=$scratch/report.json

note "scanning: ${target}"
mkdir -p "$(dirname "$sarif")"
# One scan, rendered three ways: annotations (and the job summary) on stdout, SARIF for code scanning, JSON
# for the counts below.
"${leakstop[@]}" scan "${target_words[@]}" ${options[@]+"${options[@]}"} ${extra[@]+"${extra[@]}"} \
  --format github --output - --output "$scratch/report.sarif" --output "$report"
code=$?
[[ -f "$scratch/report.sarif" ]] && mv "$scratch/report.sarif" "$sarif"

findings=0
if [[ -s "$report" ]]; then
  # Each mode its own SARIF category: code scanning closes the alerts a category's latest upload lacks, so a
  # push's diff must not close what the weekly history scan found.
  findings=$("$python" - "$report" "$sarif" "$category" <<'PY'
import json, os, sys
report, sarif, category = sys.argv[1:]
print(len(json.load(open(report, encoding="utf-8"))["findings"]))
if os.path.isfile(sarif):
    with open(sarif, encoding="utf-8") as fh:
        log = json.load(fh)
    for run in log.get("runs", []):
        run["automationDetails"] = {"id": category + "/"}
    with open(sarif, "w", encoding="utf-8") as fh:
        json.dump(log, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
PY
)
fi
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
  { echo "sarif-file=$sarif"; echo "findings=$findings"; echo "exit-code=$code"; echo "category=$category"; } \
    >> "$GITHUB_OUTPUT"
fi

if [[ $code -eq 1 && "$fail" != true ]]; then
  note "$findings finding(s); not failing because fail is '$fail'"
  exit 0
fi
exit "$code"
