"""The grammar the broad generic rules' patterns are built from (rules/generic.yaml).

A 1.5 KB regex is not something to edit by hand: change the word lists here, then run
`python tests/generic_grammar.py --write` to rewrite the patterns in rules/generic.yaml, and
`leakstop rules check`. tests/test_generic_rules.py fails while the YAML and this grammar disagree.

The shape of both: a credential word (matched first, so the engine does not try a key at every word
start), lookbehinds that check what precedes it (a separator or camelCase boundary; no word that says the
value is public or not a credential within the key), a separator of any syntax, then the value.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from scanner.ruleset.key_leads import VALUE_ALONE

RULES = Path(__file__).resolve().parent.parent / "rules" / "generic.yaml"

# Words that qualify key/token/secret into a credential name (`api_key`, `clientSecret`, `BOT_TOKEN`).
QUALIFIERS = (
    "api|access|auth|secret|client|app|private|bearer|refresh|session|oauth2?|personal|deploy|bot|service|user|"
    "master|admin|account|consumer|license|licence|signing|encryption|ingest|ingestion|integration|webhook|server|"
    "sdk|write|management|root|live|prod|production|developer|dev|partner|merchant|project|org|organization|team|"
    "workspace|agent|install|registration|upload|publish|rest|mobile|shared|subscription|customer|application|"
    "id|identity|authn|authz|hmac|jwt|cookie|cli|ci|pat|security|auth_?api|my"
)
API_WORDS = (
    rf"(?:(?:{QUALIFIERS})[_.-]?(?:key|token|secret)|(?:access|auth|api|secret)[_.-]?key[_.-]?secret|"
    r"secret|token|apikey|credentials?|creds|o?auth)"
)
PASSWORD_WORDS = r"(?:password|passwd|passphrase|passcode|pwd|pass|pword|pswd|psw|pw)"
_WORD_END = r"(?:(?![A-Za-z])|(?<=[a-z])(?=[A-Z]))"
"""Where a word of a key ends: at a non-letter, or where camelCase starts the next (`apiKey|V2`)."""
# Words in a key that say its value is not a credential: digests, public keys, pagination and request ids,
# cache and sort keys, and names of things about a token rather than the token. A `param` names a
# parameter (`:param password:`); `params.` holds values (Zend's `resources.db.params.password`).
NOT_SECRET_ANYWHERE = (
    r"hash|digest|sha\d{0,3}|md5|checksum|fingerprint|nonce|salt|public|publishable|pub|search_?only|csrf|xsrf|next|"
    r"continuation|cursor|sort|foreign|partition|row|idempotency|lock|i18n|translation|unique|"
    r"item|hostname|recaptcha|captcha|anon|anonymous|sitekey|stripe_?pk?|verify|verification|"
    r"reset|invite|invitation|confirm|confirmation|unsubscribe|tokens?_?type|type|expir\w*|max|min|len|length|"
    r"count|url|uri|endpoint|path|name|header|field|param(?!s[._:-])|format|prefix|suffix|kind|mode|change|grant|"
    r"purchase|lifecycle|pagination|paging|refresh_?page|counter|namespace|typeahead|formatted|"
    r"filename|pathname|instrumentation"
)
NOT_SECRET_BESIDE = r"host|cache|object|file|primary|site|sync|state|request|index|page"
"""Words that say a value is no credential only right before the last word (`cache_key`, `page_token`,
`site_key`, `host_key`), or one word before it that is no credential's qualifier (`page_size_token`,
`cacheBusterToken`); further off, or before a qualifier, they say whose credential it is (`EMAIL_HOST_PASSWORD`,
`OBJECT_STORE_SECRET_KEY`, `pageAccessToken`, `CACHE_REDIS_PASSWORD`). A host's, a cache's, a file's, a primary's
or a site's password is one."""
NOT_SECRET = NOT_SECRET_ANYWHERE + "|" + NOT_SECRET_BESIDE
_PASSWORD_OWNERS_BESIDE = ("host", "cache", "file", "primary", "site")
NOT_PASSWORD = "|".join([NOT_SECRET_ANYWHERE,
                         *(w for w in NOT_SECRET_BESIDE.split("|") if w not in _PASSWORD_OWNERS_BESIDE),
                         r"forgot|new_?|old_?|repeat|policy|bypass|compass|render|by|sur|over|under"])
# What may follow the credential word in its own key: a number (`API_KEY_2`) and up to two words that
# name the environment, region, version or encoding of the same credential (`SECRET_KEY_BASE`,
# `API_KEY_PROD`, `apiTokenLive`, `DB_PASSWORD_B64`, `API_KEY_EU`, `apiKeyV2`, Django's `SECRET_KEY_FALLBACKS`).
# Other words (`_ID`, `_TYPE`, `_URL`, `_FILE`) say the value is something else, and stay unmatched.
KEY_SUFFIX_WORDS = (
    r"base|prod|production|live|staging|stage|dev|development|local|primary|secondary|main|default|value|b64|"
    r"base64|raw|hex|master|admin|readonly|write|read|current|global|test|qa|uat|stg|prd|sandbox|backup|prev|"
    r"previous|fallbacks?|ro|rw|plain|eu|us|uk|apac|emea|v\d{1,2}"
)
# Each word is checked by a lookahead before a run of letters and digits that ends where it does: what
# Hyperscan's prefilter keeps of it is the run, and the alternation of words itself outgrew the gate's
# budget for the broad rule (the gate then opened on every lexer, tests/test_rule_gate.py).
KEY_SUFFIX = (
    rf"(?:[_.-]?(?:\d{{1,2}}|(?=(?i:{KEY_SUFFIX_WORDS}){_WORD_END})[A-Za-z0-9]{{2,11}}?{_WORD_END}))"
    r"{0,2}"
)
AUTO_PROPERTY = r"[ \t]*\{[ \t]*get;[ \t]*(?:(?:private[ \t]+|protected[ \t]+)?(?:set|init);[ \t]*)?\}"
"""C#'s auto-property between the name and its initialiser: `public string ApiKey { get; set; } = "..."`."""
YAML_NEXT_LINE = rf"(?<=:)[ \t]*\r?\n[ \t]+{VALUE_ALONE}"
"""`api_key:` and, indented on the next line, the value and nothing else: YAML's plain or quoted scalar
(a list's `- item`, a nested `key: value` or a nested block's `key:` is not one)."""
_BOUNDARY = r"(?:(?<![A-Za-z])|(?<=[a-z0-9])(?=[A-Z]))"
_MAPPING_ABOVE = (rf"(?:\A|\n)[ \t]*(?!(?i:{NOT_SECRET})(?![A-Za-z]))[A-Za-z_][\w.-]{{0,40}}:[ \t]*\r?\n"
                  r"(?:[ \t]+[^\n]*\n){0,3}")
"""A mapping's header line (`stripe:`) and up to three of its lines before the one that ends the lookbehind."""
_NOT_BOUNDARY = r"(?:(?<![A-Za-z])|(?<=[a-z])(?=[A-Z]))"
_WORD_ENDING = rf"(?i:e?d|e?s|ing)?{_WORD_END}"
"""Where a word of a key ends, after its `-ed`, `-s` or `-ing` if it has one (`hashed_`, `Pages`)."""
_OTHER_WORD = rf"(?!(?i:{QUALIFIERS}){_WORD_ENDING})(?:[A-Z]?[a-z]{{1,15}}|[A-Z]{{1,15}}){_WORD_END}"
"""One word of a key that is no qualifier of a credential word (`size` in `page_size_token`, not `access`)."""


def named_key_pattern() -> str:
    # A bare `key` (`key: ...`, `"key": "..."`, `using key=...`): what it keys says nothing by itself, so
    # the rule's `provider-named` filter asks for a provider's name on its line or the two lines above.
    # `public key: ...` and the like stay out as in the broad rule; compound names are the broad rule's.
    key = rf"(?i:key)(?<=(?<![\w.-])(?i:key))(?<!(?i:{NOT_SECRET})[ \t]{{1,3}}(?i:key))"
    return api_key_pattern(key, checked=False)


def api_key_pattern(own_key: str = "", checked: bool = True) -> str:
    """The broad rule's pattern; or, given a key of its own, another rule's with the same separators and
    values (`checked=False`: nothing before the key to check, so no lookahead guarding that check)."""
    # The last word of every credential name comes first: four literals the engine finds quickly, where
    # the whole alternation was tried at every position (16 ms on an 8 KB source file, now ~1 ms).
    # Any name ending in `_KEY`/`_key`/`.key`/`-key`/`-Key`/`Key` (`QUILLMETRICS_KEY`, `stormboard_key`,
    # `ledgerKey`, `X-Ledger-Key`): the NOT_SECRET words and the value's randomness keep out cache, sort
    # and lookup keys.
    # `<name> key: ...` in comments, docs and logs (`# Stripe key: ...`), a colon and a space after it
    # (`<add key="..."` is XML, where the value comes later), a Markdown table's next cell (`| API key | ...`;
    # not a template's pipe, `{{ .Values.auth.password | b64enc }}`), or prose's `is` (`The API key is ...`).
    # A YAML `key:` a mapping's own (`stripe:` / `  key: ...`, up to three siblings between): the mapping
    # names what it keys, unless its name says the value is no credential (`cache:` / `  key: ...`).
    key = own_key or (rf"(?i:key|token|secret|cred(?:entials?|s)|auth)(?:(?<={_BOUNDARY}(?i:{API_WORDS}))"
                     r"|(?<=[A-Z0-9]_KEY)|(?<=[A-Za-z0-9][_.-](?i:key))|(?<=[a-z0-9]Key)"
                     r"|(?<=[A-Za-z0-9][ \t](?i:key))(?=[ \t]*[:|][ \t]|[ \t]+(?:is|was)[ \t])"
                     rf"|(?<={_MAPPING_ABOVE}[ \t]{{1,16}}(?i:key))(?=[ \t]*:[ \t]))")
    # What precedes the name is checked only where a value follows: the check is the costly part.
    # The word (or its `-ed`, `-s`, `-ing` form) must end where it ends in the key (`PAGE_TOKEN`,
    # `nextPageToken`, `hashed_secret`, `publickey`), not begin a provider's name: `PAGERDUTY_API_KEY`,
    # `HOSTINGER_TOKEN` and `TYPEFORM_KEY` are credentials.
    # Helm's `checksum/secret:` annotation is a digest of the Secret's manifest.
    # An AWS ARN's resource type is no key: `arn:aws:secretsmanager:...:123456789012:secret:prod/db-Ab12Cd`.
    not_secret = (rf"(?<!{_NOT_BOUNDARY}(?i:{NOT_SECRET_ANYWHERE})(?:{_WORD_ENDING}[\w./-]{{0,24}})? ?"
                  rf"(?:(?i:{API_WORDS})|_KEY|[_.-](?i:key)|Key|(?i:key)))"
                  rf"(?<!{_NOT_BOUNDARY}(?i:{NOT_SECRET_BESIDE}){_WORD_ENDING}(?:[_.-]?{_OTHER_WORD})?[_.-]? ?"
                  r"(?i:key|token|secret|auth))"
                  r"(?<!\d:secret)")
    # A value may start on the next line only after a YAML block scalar (`key: >-`), a parenthesis
    # before a quoted string (`API_KEY = (` / `"..."`), or a YAML key whose plain value is the whole next,
    # deeper line (YAML_NEXT_LINE); after `{` or `[` the next line holds keys, and a match reaching into it
    # would hide that line's own key from the rule. `||=` is Ruby's and Perl's
    # assign-if-unset; `--body`/`-b` is how `gh secret set NAME` takes the value. `::=`/`:::=` (make,
    # BNF-like configs), `.=` (PHP, Perl) assign; `${ACME_TOKEN:-value}` is the shell's default for an
    # unset variable. Prose and logs say what the key is for before the colon: `API token for staging: `.
    # A command-line option's default (`add_argument("--token", default="...")`, click's `option`).
    # A name/value pair's value (`"name": "api_key", "value": "..."`, PowerShell's `-Value`), and JSON
    # escaped inside a string (`\"api_key\": \"...\"`) name their value too.
    # A fallback a lookup falls back to (Rust's `.unwrap_or("...")`, Kotlin's `?: "..."`, Java's
    # `getOrDefault`), a property list's `<key>APISecret</key>` / `<string>...</string>`, a C array or an
    # index before the separator (`char api_secret[] =`, Perl's `$ENV{API_KEY} =`), VB's `Dim apiKey As
    # String = "..."` and prose's `set API_TOKEN to ...` name their value too; so does a function or getter that
    # returns a literal (a pytest fixture's `def api_key(): return "..."`, `get apiKey() { return '...' }`).
    sep = (rf"{KEY_SUFFIX}(?![\w])\\?[\"'`]?(?:\[\d{{0,4}}\]|[\])}}]|{AUTO_PROPERTY})?"
           r"(?:[ \t]+(?:for|in|on)[ \t]+(?:the[ \t]+)?[\w.-]{1,24}(?=[ \t]*[:=]))?[ \t]*"
           r"(?:(?::{2,3}=|:=|:-(?=[A-Za-z0-9])|\.=|=>|<-|\|\|=|\|\||\?\?=|\?=|\+=|(?<![=!<>])=(?!=)|:(?![:/?+]|\\(?![\"']))|(?<=[\w\"'`])>"
           r"|(?<!\{\{[^}\r\n]{0,160})\|(?=[ \t]))[ \t]*"
           r"(?:(?:\((?=[ \t]*\r?\n[ \t]+[\"'`])|[>|][-+]?(?=[ \t]*\r?\n))[ \t]*\r?\n[ \t]+|[\[{(][ \t]*"
           rf"|{YAML_NEXT_LINE})?"
           r"|[,(][ \t]*(?:default[ \t]*=[ \t]*)?(?=[\"'`])"
           r"|(?=[.?<])(?:\.(?:unwrap_or(?:_else)?|or_else|orElse|getOrElse|getOrDefault)\((?:\|_?\|[ \t]*)?"
           r"(?=[\"'`])|\?:[ \t]*(?=[\"'`])|</(?i:key)>[ \t]*\r?\n?[ \t]*<string>)"
           r"|\([^()\r\n]{0,60}\)(?:[ \t]*(?:->|:)?[ \t]*[\w.\[\]]{1,40})?[ \t]*[:{]\s{0,40}?return[ \t]+(?=[\"'`])"
           r"|(?<=[\"'][ \t]{1,3})value[ \t]*=[ \t]*"
           r"|(?<=[\"'])[ \t]*,\s{0,40}?[\"'](?i:value)[\"'][ \t]*:[ \t]*"
           r"|(?<=[\w\"'`])[ \t]+(?:(?:is|was|[Aa]s|to|value|of|--body|-b|-[Vv]alue|--?>?)[ \t]+)?)")
    # A typed declaration's type before the `=`: `: str = `, Rust's `: &str = ` and `: &'static str = `.
    # Base64 may start with `+` and end with `+` or `/` (one key in sixteen of 40 characters does).
    # A fallback's literal after a lookup (`process.env.ACME_KEY || "..."`, `os.getenv("ACME_KEY") or "..."`,
    # `ENV["ACME_KEY"] ?? "..."`): the value a deploy without the variable uses.
    value = (r"(?:&?(?:'static[ \t]+)?[A-Za-z_][\w.\[\]]{0,40}[ \t]*=[ \t]*)?"
             r"(?:[A-Za-z_$][\w.$\[\]()\"']{0,80}?(?:[ \t]*(?:\|\||\?\?)[ \t]*|[ \t]+or[ \t]+)(?=[\"'`]))?"
             r"(?:(?i:bearer|basic|token|apikey)[ \t]+)?"
             # A literal wrapped as bytes or a secret type: Go's `[]byte("...")` (HMAC keys), Node's
             # `Buffer.from("...")`, pydantic's `SecretStr("...")`, Rust's `String::from("...")`, .NET's
             # `Encoding.UTF8.GetBytes("...")`.
             r"(?:(?:\[\]byte|Buffer\.from|SecretStr|String::from|Encoding\.UTF8\.GetBytes)[(](?=[\"'`]))?"
             r"(?:[rbu@](?=[\"'`]))?"
             # Quoted, a secret may hold what a token's alphabet lacks (`~:[]@?*!#$%^&(){}<>|,;`: legacy Entra ID
             # client secrets, generated passwords used as keys); one of them at least, or the plain form is the
             # one. With one of `(){}<>|,;` or under 16 characters, it holds a capital letter too
             # (`(min-width:768px)` is CSS). Not a regex's class before its quantifier (`[a-f0-9]{40}`) or its
             # group (`(?:`, `(?<!`), a template inside (`${X:-...}`, whose default the other forms take), a
             # format string's field (`user:{0}:posts`) or a tag (`<Ctrl><Shift>F12`).
             r"(?|\"((?=[^\"\s\\]*[~:\[\]@?*!#$%^&(){}<>|,;])(?=[^\"\s\\]*[A-Z]|[^\"\s\\(){}<>|,;]{16,200}\")"
             r"(?![^\"\s\\]*(?:\[[^\]\s]*\w-\w[^\]\s]*\][{*+?]|\$\{|\{\{|\{%|\{\w*\}|<\w+>|\(\?))"
             r"[A-Za-z0-9+~:\[\]@?*!#$%^&/=_.(){}<>|,;-]{12,200})\"(?![\w\"])"
             r"|'((?=[^'\s\\]*[~:\[\]@?*!#$%^&(){}<>|,;])(?=[^'\s\\]*[A-Z]|[^'\s\\(){}<>|,;]{16,200}')"
             r"(?![^'\s\\]*(?:\[[^\]\s]*\w-\w[^\]\s]*\][{*+?]|\$\{|\{\{|\{%|\{\w*\}|<\w+>|\(\?))"
             r"[A-Za-z0-9+~:\[\]@?*!#$%^&/=_.(){}<>|,;-]{12,200})'(?![\w'])"
             r"|\\?[\"'`]?([A-Za-z0-9+][A-Za-z0-9+/=_.~-]{10,510}[A-Za-z0-9=+/])(?![A-Za-z0-9+/=_~(\[-]|\.[A-Za-z0-9])"
             # Base64 and base64url may start or end with `/`, `_` or `-` (one key in sixteen does): where the
             # value, quoted or not, ends an item or its line.
             r"|\\?[\"'`]?([/_-](?=[^\s\"'`]{0,500}?[A-Za-z0-9]{8})[A-Za-z0-9+/=_.~-]{11,511}"
             r"|[A-Za-z0-9+][A-Za-z0-9+/=_.~-]{10,510}[_-])(?=\\?[\"'`]?[ \t]*(?:[,;)}\]]|\r?\n|$)))")
    ahead = (value.replace("(?|", "(?:").replace("((?=", "(?:(?=").replace("([A-Za-z0-9+]", "(?:[A-Za-z0-9+]")
             .replace("([/_-]", "(?:[/_-]"))
    if not checked:
        return f"(?:{key}){sep}{value}"
    return f"(?:{key})(?={sep}{ahead}){not_secret}{sep}{value}"


PASSWORD_OWNERS = (
    r"db|admin|root|user|my|app|smtp|mail|ftp|sftp|ssh|sql|mysql|pg|postgres|redis|ldap|proxy|wifi|vault|"
    r"keystore|truststore|store|master|sys|system|service|svc|bind|sudo|api|server|account|login|control"
)
"""Words that own a password in one word with it (`dbpassword`, `adminpass`, `keystorepassword`): a lowercase
key name has no boundary for the password word to start at."""


def password_pattern() -> str:
    key = (rf"(?:(?i:{PASSWORD_WORDS})(?<=(?:{_BOUNDARY}|(?<=(?<![A-Za-z])(?i:{PASSWORD_OWNERS})))"
           rf"(?i:{PASSWORD_WORDS})))")
    not_password = (rf"(?<!{_NOT_BOUNDARY}(?i:{NOT_PASSWORD})(?:{_WORD_ENDING}[\w.-]{{0,24}})? ?"
                    rf"(?i:{PASSWORD_WORDS}))")  # as not_secret: `NEWRELIC_PASSWORD`, `MAXSCALE_PASSWORD`
    # A name/value pair names its value as for keys (a Postman collection's `"key": "password", "value": ...`).
    # No bare space separator: `pass the value`, `password prompt` are prose. Only Dockerfile/Windows
    # `ENV DB_PASSWORD value`, and `password is X` (or `password for the admin account is X`) when X holds a
    # digit or a symbol; so does a line of nothing but `password` (not `passwd` or `pass`, which are commands)
    # and such a value (`password Xq7...`, as in a notes file). A quoted value after spaces is one too: Tcl's
    # `set db_password "..."`, Clojure's `:password "..."`, Lisp's `(setq smtp-password "...")`, CMake's
    # `set(ENV{DB_PASSWORD} "...")`, `gh secret set DB_PASSWORD --body '...'`; not after
    # a bare `pass` or `passwd`, a verb and a command (`pass 'sort=False'`). In Markdown, backticks quote it
    # (``with passphrase `...` ``). Go's `var dbPassword string = "..."`
    # names its type before the `=`, as VB's `As String` does. Erlang's terms quote it as a binary
    # (`{default_pass, <<"...">>}`, a RabbitMQ `advanced.config`).
    sep = (rf"{KEY_SUFFIX}(?![\w])\\?[\"'`]?(?:\[\d{{0,4}}\]|[\])}}]|{AUTO_PROPERTY})?"
           r"(?:(?:[ \t]*(?::{2,3}=|:=|\.=|=>|<-|\?=|(?<![=!<>])=(?!=)|(?<=[\w\"'`])>"
           r"|(?<!\{\{[^}\r\n]{0,160})\|(?=[ \t]))"
           r"|:-(?=[A-Za-z0-9])"
           r"|:(?![:/?+]|\\(?![\"'])))"
           rf"(?:{YAML_NEXT_LINE})?[ \t]*"
           r"|[ \t]*[,(][ \t]*(?:default[ \t]*=[ \t]*|<<)?(?=[\"'`])"
           r"|(?<=[\"'])[ \t]{1,3}value[ \t]*=[ \t]*"
           r"|(?<=[\"'])[ \t]*,\s{0,40}?[\"'](?i:value)[\"'][ \t]*:[ \t]*"
           r"|(?<=(?:^|\n)[ \t]*(?:ENV|ARG|setx)[ \t]+[A-Z0-9_]{0,40}(?-i:PASSWORD|PASSWD|PASS|PWD|PASSPHRASE)"
           r"(?:_?\d{1,2})?)[ \t]+"
           r"|[ \t]+(?:for[ \t]+(?:the[ \t]+)?[\w.@-]{1,32}(?:[ \t]+[\w.@-]{1,32}){0,2}[ \t]+)?(?:is|was)[ \t]+"
           r"(?=[^\s\"'`]{0,127}[\d!@#$%^&*])"
           r"|[ \t]+(?:[Aa]s[ \t]+(?=[A-Za-z_][\w.]{0,40}[ \t]*=[ \t]*[\"'`])|(?=string[ \t]*=[ \t]*[\"'`]))"
           r"|(?<=(?:^|\n)[ \t]*(?:(?:#|//)[ \t]*)?(?i:password|passphrase|passcode))[ \t]+"
           r"(?=[^\s\"'`]{0,127}[\d!@#$%^&*])(?=[^\s\"'`]{6,128}[ \t]*(?:\r?\n|$))"
           r"|</(?i:key)>[ \t]*\r?\n?[ \t]*<string>"
           r"|[ \t]+--?>?[ \t]+(?=[\"'`])"
           r"|(?<=[\w\"'`}])(?<!(?<![\w.:$@-])(?i:pass|passwd))[ \t]+(?:--body[ \t]+|-b[ \t]+)?(?=[\"'`][^\s\"'`]))")
    # Unquoted, a value ends at what ends it in shells, URLs and connection strings; `&` inside it is the
    # password's own unless another parameter (`&user=`) or a shell's `&&` follows, and it may start with
    # `!` or `@` when it holds a digit or a symbol (`!Ref`, `!vault` and `@Value` are no passwords). As
    # for keys, a fallback's literal after a lookup (`getpass.getpass() or "..."`) is the password a run
    # without one uses; a literal may be wrapped as for keys (Rust's `String::from("...")`), or be SQL Server's
    # Unicode string (`N'...'`). A double-quoted
    # `"${DB_PASSWORD:-...}"` is left to the match at the name inside it. Quotes escaped inside a string
    # (`"{\"password\": \"...\"}"`, a JAAS config's `password=\"...\"`) quote the value too.
    # Unquoted, a value may open with `#` or `!` right after `=` (`- POSTGRES_PASSWORD=#VX9eC%yq`): no comment
    # starts there in a Compose list, a kustomization's literals or a dotenv file; but `!` before a name alone is
    # a negation (Vue's `@click="showPass=!showPass"`).
    value = (r"(?:&?(?:'static[ \t]+)?[A-Za-z_][\w.\[\]]{0,40}[ \t]*=[ \t]*)?"
             r"(?:[A-Za-z_$][\w.$\[\]()]{0,80}?(?:[ \t]*(?:\|\||\?\?)[ \t]*|[ \t]+or[ \t]+)(?=[\"'`]))?"
             r"(?:(?:String::from|SecretStr|\[\]byte)[(](?=[\"'`]))?"
             r"(?:[rbuN@](?=[\"'`]))?"
             r"(?|\"(?!\$\{\w{1,80}:?[-=])([^\"\s\\]{6,200})\"|'([^'\s\\]{6,200})'|`([^`\s\\]{6,200})`"
             r"|\\\"(?!\$\{)([^\"\s\\]{6,200})\\\""
             r"|((?:[^\s\"'`<>;&|,#(){}\[\]$\\!*%@]|[!@](?=[^\s\"'`]*[\d#$%^&*])|(?<==)(?:#|!(?![A-Za-z_$][\w.$]*(?:[\"'`;)\s]|$))))"
             r"(?:[^\s\"'`<>;&|,(){}\[\]\\]|&(?![\w.\[\]-]*=|&)){5,127})(?![^\s\"'`<>;&|,{}\]\\]))")
    ahead = value.replace("(?|", "(?:").replace("([^", "(?:[^").replace("((?:", "(?:(?:")
    return f"{key}(?={sep}{ahead}){not_password}{sep}{value}"


def xml_key_pattern() -> str:
    """A `<key>` element of a parent element whose name is no NOT_SECRET word (`<payments>`, not `<cache>`),
    up to three lines below its start tag, holding a token-like value."""
    parent = (rf"<(?!(?i:{NOT_SECRET})(?![A-Za-z]))[A-Za-z_][\w.-]{{0,40}}(?:[ \t][^<>\n]{{0,200}})?>[ \t]*\r?\n"
              r"(?:[ \t]*<[^\n]*\n){0,3}[ \t]*")
    return rf"(?<={parent})<(?i:key)>[ \t]*([A-Za-z0-9+/=_.~-]{{16,200}})[ \t]*</(?i:key)>"


COLUMN_WORDS = (r"(?:api[_ -]?(?:key|secret|token)|apikey|access[_ -]?token|auth[_ -]?token|secret[_ -]?key"
                r"|client[_ -]?secret|secret|token|password|passwd|pwd)")
"""A column's whole name that says its cells are credentials; `password_hash` or `token_type` are not."""
PASSWORD_COLUMN_WORDS = "(?:password|passwd|pwd|token)"
KEY_COLUMN_WORDS = COLUMN_WORDS.replace("|token|password|passwd|pwd)", ")")
"""COLUMN_WORDS split: any hex digest is a password's, or a bare `token` column's (a reset or access token
stored hashed), but in a key column only a SHA-224's length or longer is one (many providers issue 32- and
40-hex keys)."""
CSV_COLUMN_WORDS = COLUMN_WORDS.replace("|token|", "|")
"""Not a bare `token` in a CSV: a tokenizer's vocabulary, a coin list and a log's request ids have one."""
STAND_IN = (r"(?![\"'`]?(?:[*xX\u2022.#-]{3}|<|\$\{|\{\{|%\w|(?i:changeme|password|passw0rd|secret|example|sample"
            r"|none|null|n/?a|todo|tbd|redacted|hidden|unset)(?![\w!@#$%^&*])))")
"""A cell that stands in for a credential (`********`, `<none>`, `changeme`): the row after it is tried instead
of the match ending there, where a filter would drop it and the rows below go unread."""
COLUMNS = 8
"""How many columns may come before the credential's: a regex counts no cells, so each count is a branch."""


def per_column_count(branch: Callable[[int], str]) -> str:
    """A branch reset of one branch per count of columns before the credential's."""
    return "(?|" + "|".join(branch(n) for n in range(COLUMNS)) + ")"


def csv_column_pattern() -> str:
    """A CSV file's header (its first line) naming a credential column, then, in one of the next five rows,
    the cell in the same place: each count of cells before it a branch of its own. Anchored at the text's
    start, the pattern is tried there alone: a data row holding `password` costs nothing."""
    header_cell = r"(?:[ \t]{0,8}\"[^\"\r\n]{0,40}\"[ \t]{0,8}|[^,\"\r\n]{0,40}),"
    cell = r"(?:\"[^\"\r\n]*\"|[^,\"\r\n]*),"
    value = rf"[ \t]{{0,8}}{STAND_IN}(?|\"([^\"\s]{{6,128}})\"|([^\s,\"]{{6,128}}))[ \t]{{0,8}}(?=,|\r?\n|\Z)"
    return r"\A\ufeff?" + per_column_count(
        lambda n: rf"(?:{header_cell}){{{n}}}[ \t]{{0,8}}\"?(?i:{CSV_COLUMN_WORDS})\"?[ \t]{{0,8}}(?=,|\r?\n)[^\n]*\n"
                  rf"(?:[^\n]*\n){{0,4}}?(?:{cell}){{{n}}}{value}")


def markdown_password_pattern() -> str:
    """A Markdown table whose header names a password column, then, in one of its first five rows, the cell
    in the same place: a password, short and full of symbols, that no token shape describes. The pattern
    opens with the column's name and checks the cells before it in a lookbehind."""
    # a cell holds something, a space at least: else the row's opening `|` would count as a cell of its own
    header_cell = r"[^|\r\n]{1,80}\|"
    word = rf"(?i:{PASSWORD_WORDS}s?)"
    rule = r"[ \t]*\|?[ \t]*:?-+:?[ \t]*\|[^\r\n]*\r?\n"
    cell = r"[^|\r\n]{1,200}\|"
    value = rf"[ \t]{{0,8}}{STAND_IN}`?([^\s|`]{{6,64}})`?[ \t]{{0,8}}(?=\|)"
    header = r"(?:^|\n)[ \t]{0,8}\|?"
    return word + per_column_count(
        lambda n: rf"(?<={header}(?:{header_cell}){{{n}}}[ \t]{{0,8}}[*_]{{0,2}}{word})[*_]{{0,2}}[ \t]{{0,8}}\|"
                  rf"[^\r\n]*\r?\n{rule}(?:[ \t]{{0,8}}\|[^\r\n]*\r?\n){{0,4}}?[ \t]{{0,8}}\|?(?:{cell}){{{n}}}{value}")


def sql_insert_pattern() -> str:
    """`INSERT INTO t (..., password, ...) VALUES (..., '...', ...)`: the value in the credential column's
    place, each count of columns before it a branch of its own. A hex digest is a password column's hash, but
    may be a key column's key (many providers issue 32- or 40-hex keys)."""
    column = r"\s{0,8}[`\"\[]?\w{1,40}[`\"\]]?[ \t]{0,8},"
    cell = r"(?:\s{0,8}'[^'\r\n]*'[ \t]{0,8}|[^,'()\r\n]{0,200}),"
    rest = r"[`\"\]]?[ \t]{0,8}(?:,[^()\r\n]{0,400})?\)\s{0,4}(?i:values)\s{0,4}\("
    digest = r"(?!(?:[0-9a-fA-F]{32,128}|(?i:sha1|sha224|sha256|sha384|sha512|md5)[:=-][^']*)')"
    long_digest = r"(?![0-9a-fA-F]{56,128}')"
    return r"(?i:insert[ \t]{1,8}into)[ \t]{1,8}[\w.`\"\[\]]{1,80}[ \t]{0,8}\(" + per_column_count(
        lambda n: rf"(?:{column}){{{n}}}\s{{0,8}}[`\"\[]?(?|(?i:{PASSWORD_COLUMN_WORDS}){rest}(?:{cell}){{{n}}}"
                  rf"\s{{0,8}}'{digest}([^'\s]{{6,128}})'|(?i:{KEY_COLUMN_WORDS}){rest}(?:{cell}){{{n}}}"
                  rf"\s{{0,8}}'{long_digest}([^'\s]{{6,128}})')")


PATTERNS = {"generic-api-key-assignment": api_key_pattern, "generic-password-assignment": password_pattern,
            "generic-provider-named-key": named_key_pattern, "generic-xml-key-element": xml_key_pattern,
            "generic-csv-credential": csv_column_pattern, "generic-sql-insert-credential": sql_insert_pattern,
            "generic-markdown-table-password": markdown_password_pattern}


def yaml_patterns(text: str) -> dict[str, str]:
    """Each built rule's pattern as written in the YAML (single-quoted, `''` for a quote)."""
    found = {}
    for rule_id in PATTERNS:
        start = text.index(f"  - id: {rule_id}\n")
        line_start = text.index("    pattern: '", start)
        line_end = text.index("\n", line_start)
        found[rule_id] = text[line_start + len("    pattern: '"):line_end - 1].replace("''", "'")
    return found


def rewrite(text: str) -> str:
    for rule_id, build in PATTERNS.items():
        start = text.index(f"  - id: {rule_id}\n")
        line_start = text.index("    pattern: '", start)
        line_end = text.index("\n", line_start)
        quoted = build().replace("'", "''")
        text = text[:line_start] + f"    pattern: '{quoted}'" + text[line_end:]
    return text


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        RULES.write_text(rewrite(RULES.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        for rule_id, build in PATTERNS.items():
            print(f"{rule_id}: {build()}")
