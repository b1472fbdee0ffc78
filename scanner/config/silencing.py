"""Settings that would silence (nearly) every finding: an exclude glob or allow pattern that matches all,
a tiny `max_file_size`, a per-rule allowlist that holds everywhere. A configuration that turns the
scanner off must say so (range and CI scans make these errors), not pass quietly."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scanner.config.model import RuleAllowlist, located
from scanner.ruleset.globs import path_matches

# Paths an exclude glob is tried on; a glob matching all of them would exclude every file.
_EVERYTHING_PROBES = ("a", "README.md", "src/app/main.py", ".env", "deep/er/still/x.json")
# Secrets of unrelated shapes: an allow pattern that matches all of them allows any secret.
# (Assembled at run time so that this file holds no scannable token.)
_SECRET_PROBES = ("sk_" + "live_7Yq2Wm9Rt4Lp6Zx1Bn8Vc3Kd", "AKIA" + "Q7RT2MX9PL4VK8NB", "Zt4mQ9vX2nB7kL1p", "x")
TINY_FILE_SIZE = 1024


def silencing(path: Path, text: str, values: Mapping[str, Any]) -> tuple[str, ...]:
    """Warnings for settings that would silence (nearly) every finding: a configuration that turns the
    scanner off must say so, not pass quietly."""
    out = [f"{located(path, text, 'exclude')}: exclude glob '{glob}' matches every path; nothing will be scanned"
           for glob in values["exclude"] if excludes_everything(glob)]
    patterns = values["allow_patterns"]
    if patterns:
        import regex

        out.extend(f"{located(path, text, 'allow')}: allow pattern '{p}' matches any secret; nothing will "
                   "be reported" for p in patterns if all(regex.search(p, probe) for probe in _SECRET_PROBES))
    out.extend(f"{located(path, text, 'allow')}: stopword '{w}' is in most secrets; nearly nothing will be "
               "reported" for w in values["stopwords"] if len(w) <= 2)
    size = values.get("max_file_size")
    if size is not None and size < TINY_FILE_SIZE:
        out.append(f"{located(path, text, 'max_file_size')}: max_file_size is {size} bytes; nearly every file "
                   "will be skipped unscanned")
    out.extend(f"{a.where}: allowlists: {why}; {', '.join(a.rules)} will report (nearly) nothing"
               for a in values.get("allowlists", ()) for why in allowlist_silencing(a))
    return tuple(out)


def allowlist_silencing(allowlist: RuleAllowlist) -> list[str]:
    """What in a per-rule allowlist holds for (nearly) every secret or path."""
    out = [f"path glob '{g}' matches every path" for g in allowlist.paths if excludes_everything(g)]
    out += [f"stopword '{w}' is in most secrets" for w in allowlist.stopwords if len(w) <= 2]
    if allowlist.regexes:
        import regex

        out += [f"regex '{p}' matches any secret" for p in allowlist.regexes
                if all(regex.search(p, probe) for probe in _SECRET_PROBES)]
    return out


def excludes_everything(glob: str) -> bool:
    return all(path_matches(probe, (glob,)) for probe in _EVERYTHING_PROBES)

