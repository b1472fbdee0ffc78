"""Suppression: why a finding a rule reported is still not shown.

Each mechanism is a suppressor, `(Finding, Fragment) -> reason` (empty: report it), run by scan.py on
every occurrence before grouping, so an ignore limited to a path is checked against each place the secret
is seen: inline allow comments, the `.leakstopignore` file, baselines, and the configuration's allowlist.
"""

IGNORE_FILE = ".leakstopignore"
"""Looked for on every scan; its reader (ignore_file.py) is imported only when one exists."""
BASELINE_FILE = ".leakstop-baseline.json"
"""Where `leakstop baseline create` writes; used without --baseline when it exists (a hook has no args)."""
