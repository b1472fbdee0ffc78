"""The one door to git: the runner (hook variables stripped, `-z` everywhere), the diff and log parsers,
the blob reader, and the commit contexts findings carry.

Public names: `runner.run_git`, `runner.repository`, `runner.BlobReader`, `diff.parse_raw_and_patch`,
`diff.FileChange`, `log_stream` (the `git log -z` splitter), `context.GitContext`, `context.Occurrence`.
No other package runs git.
"""
