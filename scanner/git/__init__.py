"""The one door to git: the runner (hook variables stripped, `-z` everywhere), the diff and log parsers,
the blob reader, the commit contexts findings carry, and audit's clones and fetches.

Public names: `runner.run_git`, `runner.repository`, `runner.BlobReader`, `diff.parse_raw_and_patch`,
`diff.FileChange`, `log_stream` (the `git log -z` splitter), `context.GitContext`, `context.Occurrence`,
`context.CommitInfo`, `transfer.git_transfer`. No other package runs git.
"""
