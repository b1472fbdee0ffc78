"""Matching a Fragment: keyword windows, the rules' regexes under a time limit, entropy and the
false-positive filters, decoding of encoded runs and notebooks, and the worker pool that runs it all on
every core.

Public names: `match.scan_fragment`, `match.Match`, `match.EngineResult`, `match.LineIndex`,
`decode.decoded_fragments`, `notebook.notebook_fragments`, `filters.failing_heuristic`,
`entropy.shannon_entropy`, `ranking` (which matches on one secret give way), `parallel.engine_results`
(over `worker_pool`, whose workers fail closed).
"""
