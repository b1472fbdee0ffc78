"""Ways to ask `git commit` for a commit that `.git/index` does not describe (a temporary index).

Each case starts from `prepare`: settings.py tracked and clean, its working copy holding a Stripe key that
is not staged; the case's setup and `git commit` arguments then commit that key.
"""

from __future__ import annotations

from collections.abc import Callable

from conftest import Repo
from secrets_fixtures import STRIPE

CLEAN = 'STRIPE_SECRET_KEY = os.environ["STRIPE_SECRET_KEY"]\n'
LEAKY = f'STRIPE_SECRET_KEY = "{STRIPE}"\n'


def prepare(repo: Repo) -> None:
    """settings.py is tracked and clean; its working copy now holds a key that is not staged."""
    repo.write("settings.py", CLEAN)
    repo.write("README.md", "hello\n")
    repo.commit("start")
    repo.write("settings.py", LEAKY)


def stage_other_file(repo: Repo) -> None:
    repo.write("README.md", "hello again\n")
    repo.git("add", "README.md")


# name → (setup beyond `prepare`, git commit arguments)
CASES: dict[str, tuple[Callable[[Repo], None], list[str]]] = {
    "commit -a": (lambda repo: None, ["-a"]),
    "commit PATH": (stage_other_file, ["settings.py"]),
    "commit --only PATH": (stage_other_file, ["--only", "settings.py"]),
    "commit --include PATH": (stage_other_file, ["--include", "settings.py"]),
    "commit --amend -a": (lambda repo: None, ["--amend", "-a"]),
}
