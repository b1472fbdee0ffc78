"""The rules: loading and validating the YAML, the on-disk cache, compiled patterns, the gate and the
keyword prefilters, the per-rule time limit.

Public names: `rules.Rule` and `rules.load_rules`, `rule_set.RuleSet` (the active rules, and which of them a
text's keywords call for), `cache.load_ruleset`, `gate.rule_gate`, `prefilter.best_prefilter`,
`lazy_pattern.LazyPattern`, `globs.path_matches`, `timeout.RuleTimeout`, `claims.unclaimed` (a generic
finding that is a near miss of a named provider's formats).
(Not `scanner/rules/`: the wheel puts the YAML rule files there.)
"""
