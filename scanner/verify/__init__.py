"""Live verification (`scan --verify`): the only package that calls providers.

Importing it costs nothing; the HTTP client (httpx, the `leakstop[verify]` extra) is imported only when a
scan asks to verify, so scans without `--verify` cannot open a connection.
"""
