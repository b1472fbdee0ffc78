"""One walk of a history: which commit wrote each blob at which path (`git log --raw`, tree diffs only), and
every blob's size in the order git stores it, which is the order the blobs are read in."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.git import runner as git
from scanner.git.context import GitContext
from scanner.sources.history_listing import CommitWrites, Introduction, introductions, walked


@dataclass(frozen=True)
class WalkedHistory:
    """What a history scan hands out and locates its findings by, whether walked now or from a listing."""

    introduced: dict[str, list[Introduction]]
    """Every blob with every place it was written, in the walk's order of first appearance."""
    commits: list[GitContext]
    """The commits the introductions name, oldest first."""
    submodules: int
    """How many submodule changes the commits made (not scanned)."""
    sizes: dict[str, int]
    """Every introduced blob's size, in the order the blobs are read."""
    deletions: list[Introduction]
    """Where paths were deleted: where a secret left them (sources/exposure.py)."""
    order: list[str]
    """The commit ids in the walk's order."""
    writes: dict[str, CommitWrites]
    """What each commit wrote, by commit id: what the scan cache keeps of the walk."""
    replacements: set[str]
    """The blobs `git replace` shows in place of blobs of this history."""
    parents: dict[str, list[str]] | None = None
    """Each commit's parents, when the walk was of every ref: the graph that says which refs reach a
    secret, without asking git for it again."""


def walk(repo: git.RepoInfo, revs: list[str], exclude: tuple[str, ...]) -> WalkedHistory:
    """Every commit's writes from one `git log` walk, and the blobs' sizes in pack order."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as side:  # the object listing runs while git log walks the history
        listing = side.submit(git.blob_listing, repo)
        parents: dict[str, list[str]] | None = {} if revs == ["--all"] else None
        order, walked_commits = walked(repo, revs, parents)
        deletions: list[Introduction] = []
        introduced, commits, submodules = introductions(order, walked_commits, exclude, deletions)
        swaps = git.replaced_blobs(repo)
        with_replacements(introduced, swaps)
        sizes = git.blobs_in_pack_order(repo, introduced, listing.result()) if introduced else {}
    return WalkedHistory(introduced, commits, submodules, sizes, deletions, order, walked_commits,
                         set(swaps.values()), parents)


def with_replacements(introduced: dict[str, list[Introduction]], swaps: dict[str, str]) -> None:
    """A blob that `git replace` shows in place of a blob of this history is scanned at that blob's places
    too (the history itself is read as stored, so the original is scanned as well)."""
    for original, replacement in swaps.items():
        places = introduced.get(original)
        if places:
            merged = sorted({*introduced.get(replacement, []), *places})
            introduced[replacement] = merged
