"""Recall of generated passwords that hold symbols, in the assignments code and config files write.

    python bench/password_symbols.py                 # 10 passwords per form, seed 3
    python bench/password_symbols.py --per-form 50 --seed 11 --misses

recall_forms.py's passwords hold at most one symbol, from `-_.!*~`. Password managers and `pwgen -y` use
the whole printable set, several at a time, and each symbol is a chance for a rule to stop early or for a
filter to read the value as code: `(` as a call, `<` as a placeholder, `{` as a template. Each password
here has 12 to 20 characters: both cases, a digit, and 2 to 4 symbols from `SYMBOLS` (no quote or
backslash, which a quoted form would have to escape). One scan through the real CLI, each text a file of its
own; a text counts as found when any finding is reported in its file.

Not a test: the figures are for people. No string here comes from another project.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

SYMBOLS = "!#$%&()*+,-./:;<=>?@[]^_{|}~"
FORMS = [
    ("py", 'DB_PASSWORD = "{P}"\n'),
    ("py", "password = '{P}'\n"),
    ("js", 'const password = "{P}";\n'),
    ("json", '{{"password": "{P}"}}\n'),
    ("yaml", 'password: "{P}"\n'),
    ("yaml", "db:\n  password: '{P}'\n"),
    ("env", 'DB_PASSWORD="{P}"\n'),
    ("toml", 'password = "{P}"\n'),
    ("xml", '<property name="password" value="{P}"/>\n'),
    ("java", 'String password = "{P}";\n'),
    ("go", 'password := "{P}"\n'),
    ("rb", "config.password = '{P}'\n"),
    ("php", "$password = '{P}';\n"),
    ("cs", 'var pwd = "{P}";\n'),
    ("sh", "export MYSQL_PASSWORD='{P}'\n"),
    ("ini", "[db]\npassword = {P}\n"),
    ("properties", "db.password={P}\n"),
    ("py", 'api_secret = "{P}"\n'),
    ("py", 'client_secret = "{P}"\n'),
    ("py", 'secret_key = "{P}"\n'),
]


def password(rng: random.Random) -> str:
    length = rng.randint(12, 20)
    chars = [rng.choice(string.ascii_lowercase), rng.choice(string.ascii_uppercase), rng.choice(string.digits)]
    chars += [rng.choice(SYMBOLS) for _ in range(rng.randint(2, 4))]
    chars += [rng.choice(string.ascii_letters + string.digits) for _ in range(length - len(chars))]
    rng.shuffle(chars)
    return "".join(chars)


def run(per_form: int, seed: int) -> tuple[Counter[int], Counter[int], list[tuple[str, str]]]:
    rng = random.Random(seed)
    found, total, missed = Counter[int](), Counter[int](), []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        texts: list[tuple[str, int, str]] = []
        for i in range(per_form):
            for j, (ext, template) in enumerate(FORMS):
                value = password(rng)
                texts.append((f"f{j:02d}_{i}.{ext}", j, value))
                (folder / texts[-1][0]).write_text(template.format(P=value), encoding="utf-8")
        out = subprocess.run([sys.executable, "-m", "scanner", "scan", "--no-git", "--format", "json", str(folder)],
                             capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
        reported = {Path(f["path"]).name for f in json.loads(out.stdout)["findings"]}
        for name, form, value in texts:
            total[form] += 1
            found[form] += name in reported
            if name not in reported:
                missed.append((FORMS[form][1].strip().splitlines()[-1], value))
    return found, total, missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-form", type=int, default=10)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--misses", action="store_true", help="list each missed form and password")
    args = parser.parse_args()
    found, total, missed = run(args.per_form, args.seed)
    print(f"found {sum(found.values())} of {sum(total.values())} ({sum(found.values()) / sum(total.values()):.1%})")
    print("| form | found |\n|---|---|")
    for j, (_, template) in enumerate(FORMS):
        print(f"| `{' / '.join(template.strip().splitlines())}` | {found[j]}/{total[j]} |")
    if args.misses:
        for form, value in missed:
            print(f"missed: {form!r} with {value!r}")


if __name__ == "__main__":
    main()
