"""Which refs reach the commits of a history scan's secrets, remembered in the scan cache while the refs stay
as they were; and the key that names a repository there."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from scanner.git import runner as git

if TYPE_CHECKING:
    from scanner.engine.scan_cache import ScanCache
    from scanner.sources.exposure import RefReach


class RefsContaining:
    """Which refs reach a secret's commits, from the refs' commit graph (`RefReach`, one `rev-list` for
    every secret), remembered in the scan cache while the refs are as they were. It holds ref names and
    commit ids only."""

    def __init__(self, repo: git.RepoInfo, cache: ScanCache | None, state: str,
                 parents: dict[str, list[str]] | None = None, order: Sequence[str] = ()) -> None:
        """`parents` and `order` (oldest first), when given, are the graph of every commit of the
        repository (a walk of `--all`)."""
        self.repo, self.cache, self.state = repo, cache, state
        self.parents, self.order = parents, order
        self.name = hashlib.blake2b(b"refs-containing", key=repository_key(repo), digest_size=16).digest()
        self.known: dict[str, tuple[str, ...]] = self._load() if cache is not None and state else {}
        self.learnt = False
        self._graph: RefReach | bool | None = None

    def _load(self) -> dict[str, tuple[str, ...]]:
        import marshal

        assert self.cache is not None
        data = self.cache.listing(self.name)
        try:
            state, known = marshal.loads(data) if data is not None else ("", {})
        except (EOFError, TypeError, ValueError):
            return {}
        if state != self.state or not isinstance(known, dict):
            return {}
        return {k: v for k, v in known.items()
                if isinstance(k, str) and isinstance(v, tuple) and all(isinstance(r, str) for r in v)}

    def refs(self, commits: Sequence[str]) -> list[str]:
        key = "\n".join(sorted(commits))
        found = self.known.get(key)
        if found is None:
            graph = self.graph()
            found = tuple(graph.refs(commits) if graph is not None else git.refs_containing(self.repo, commits))
            self.known[key] = found
            self.learnt = True
        return list(found)

    def graph(self) -> RefReach | None:
        """The refs' commit graph, read once at the first question not answered from the cache."""
        from scanner.sources.exposure import RefReach

        if self._graph is None:
            tips = git.containing_ref_tips(self.repo)
            if tips is None:
                self._graph = False
            elif self.parents is not None:
                parents = self.parents
                self._graph = RefReach(tips, ((sha, parents[sha]) for sha in reversed(self.order)))
            else:
                self._graph = RefReach(tips, git.commit_parents(self.repo, [sha for _, sha in tips]))
        return self._graph if isinstance(self._graph, RefReach) else None

    def save(self) -> None:
        import marshal

        if self.cache is not None and self.state and self.learnt:
            self.cache.add_listing(self.name, marshal.dumps((self.state, self.known)))


def repository_key(repo: git.RepoInfo) -> bytes:
    """Which repository a cached listing is of: its git folder. (Its records are keyed by commit and blob
    ids, so a listing of another repository would only ever be incomplete, never wrong.)"""
    return hashlib.sha256(str(repo.git_dir.resolve()).encode("utf-8", "surrogateescape")).digest()[:16]
