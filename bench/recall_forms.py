"""Recall in the forms real code and config hold credentials, beyond bench/recall.py's surroundings.

    python bench/recall_forms.py                    # the tables (about a minute)
    python bench/recall_forms.py --rules 'aws-*' --misses
    python bench/recall_forms.py --rule-misses keyed    # per rule of a kind: the forms it misses
    python bench/recall_forms.py --json forms.json

An independent corpus, generated at run time, of one-to-few-line snippets: dict and object literals,
keyword arguments, `process.env.X || "..."`, Go struct literals, Java/Kotlin/C# constants and `@Value`
defaults, Spring and .NET settings, Ruby hashes, PHP `define()`, Rust `const`, Helm and Ansible values,
Terraform variable defaults, Kubernetes `env` entries, GitHub Actions `with:` inputs, npmrc/pypirc/netrc,
URL userinfo, log lines, comments, keys spelt in every case style and values on the line after the key.

Three tracks, each text scanned as a file of its own through the real engine:
- provider tokens: for every rule, a fresh token of its shape (made as bench/recall.py makes them) in
  every TOKEN_FORM, named after the rule's provider. Split by tokens with a fixed prefix (`sk_live_`),
  other pattern rules (a keyword and a shape), and context rules (the unprefixed keys only the provider's
  name next to them identifies).
- passwords: random passwords in the forms that carry passwords (JDBC and database URLs of many schemes,
  SQL `IDENTIFIED BY`, connection strings, `.git-credentials`, netrc, pypirc, curl `-u`, Ansible, Spring).
- near misses: placeholders, `${VAR}` templates, `xxxx`, truncated tokens, digests under `sha`/`checksum`
  keys, UUID ids, Ansible `!vault` blocks. Any finding on them is a false positive.

Not a test: the figures are for people. No string here comes from another project.
"""

from __future__ import annotations

import argparse
import base64
import fnmatch
import hashlib
import json
import random
import string
import sys
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from recall import covered, kept_prefix, names_of, token_for  # noqa: E402

from scanner.engine.match import scan_fragment  # noqa: E402
from scanner.fragment import Fragment  # noqa: E402
from scanner.ruleset.rule_set import RuleSet, load_ruleset  # noqa: E402

# (name, file name, template). {T} is the token; {upper} {snake} {camel} {pascal} {host} {kebab} {dotted}
# spell the provider.
TOKEN_FORMS: tuple[tuple[str, str, str], ...] = (
    ("py-dict-nested", "settings.py", 'CONFIG = {{"{snake}": {{"api_key": "{T}", "timeout": 10}}}}\n'),
    ("py-dict-multiline", "conf.py", 'CREDENTIALS = {{\n    "{snake}_token": "{T}",\n    "region": "eu",\n}}\n'),
    ("py-kwargs-multiline", "app.py", "client = {snake}.Client(\n    api_key='{T}',\n    retries=3,\n)\n"),
    ("py-environ-default", "boot.py", 'key = os.environ.get("{upper}_API_KEY", "{T}")\n'),
    ("py-environ-set", "conftest.py", 'os.environ["{upper}_TOKEN"] = "{T}"\n'),
    ("js-object", "config.js", "module.exports = {{ {camel}: {{ apiKey: '{T}' }} }};\n"),
    ("js-env-fallback", "server.js", 'const key = process.env.{upper}_API_KEY || "{T}";\n'),
    ("ts-typed-const", "keys.ts", 'export const {upper}_TOKEN: string = "{T}";\n'),
    ("go-struct", "main.go", 'cfg := Config{{\n\t{pascal}APIKey: "{T}",\n\tTimeout: 5,\n}}\n'),
    ("go-const", "keys.go", 'const {camel}Secret = "{T}"\n'),
    ("go-map", "client.go", 'headers := map[string]string{{"X-{pascal}-Token": "{T}"}}\n'),
    ("java-value-default", "Client.java", '@Value("${{{dotted}.api-key:{T}}}")\nprivate String apiKey;\n'),
    ("kotlin-const", "Keys.kt", 'const val {upper}_API_KEY = "{T}"\n'),
    ("csharp-const", "Keys.cs", 'public const string {pascal}ApiKey = "{T}";\n'),
    ("swift-let", "Keys.swift", 'let {camel}APIKey = "{T}"\n'),
    ("dart-const", "keys.dart", "static const String {camel}ApiKey = '{T}';\n"),
    ("rust-const", "main.rs", 'const {upper}_TOKEN: &str = "{T}";\n'),
    ("spring-yml", "application.yml", "{kebab}:\n  api:\n    key: {T}\n    url: https://api.{host}.com\n"),
    ("appsettings-json", "appsettings.json", '{{\n  "{pascal}": {{\n    "ApiKey": "{T}"\n  }}\n}}\n'),
    ("ruby-hash", "config.rb", "{snake}: {{ api_key: \"{T}\", timeout: 5 }}\n"),
    ("ruby-env-default", "boot.rb", "ENV['{upper}_TOKEN'] ||= '{T}'\n"),
    ("php-define", "wp-config.php", "define('{upper}_API_KEY', '{T}');\n"),
    ("helm-values", "values.yaml", "{camel}:\n  enabled: true\n  auth:\n    token: \"{T}\"\n"),
    ("ansible-vars", "group_vars/all.yml", "{snake}_api_token: \"{T}\"\n"),
    ("terraform-default", "variables.tf",
     'variable "{snake}_api_key" {{\n  type      = string\n  default   = "{T}"\n  sensitive = true\n}}\n'),
    ("tfvars", "prod.tfvars", '{snake}_token = "{T}"\n'),
    ("k8s-env-value", "deployment.yaml", "        - name: {upper}_API_KEY\n          value: \"{T}\"\n"),
    ("k8s-secret-stringdata", "secret.yaml", "kind: Secret\nstringData:\n  {kebab}-token: {T}\n"),
    ("gha-with", "workflow.yml", "      - uses: {host}/setup-action@v2\n        with:\n          api-key: {T}\n"),
    ("npmrc", ".npmrc", "//npm.{host}.com/:_authToken={T}\n"),
    ("url-userinfo-token", "clone.sh", "git clone https://x-access-token:{T}@git.{host}.com/org/repo.git\n"),
    ("curl-u-token", "api.sh", "curl -u {T}: https://api.{host}.com/v1/charges\n"),
    ("netrc-token", ".netrc", "machine api.{host}.com login deploy password {T}\n"),
    ("log-kv", "app.log", 'ts=2024-05-01T10:22:03Z level=info msg="{snake} ready" token={T}\n'),
    ("log-json", "events.log", '{{"level":"debug","svc":"{snake}","api_key":"{T}"}}\n'),
    ("comment-hash", "deploy.sh", "# {pascal} key: {T}\n"),
    ("comment-slash", "index.ts", "// {upper}_TOKEN={T}\n"),
    ("case-pascal", "local.env", "{pascal}Token={T}\n"),
    ("case-kebab", "config.yaml", "{kebab}-api-key: {T}\n"),
    ("case-dotted", "app.properties", "{dotted}.secret={T}\n"),
    ("case-lower-nosep", "settings.cfg", "{host}key = {T}\n"),
    ("case-snake-key", "settings.py", "{snake}_key = '{T}'\n"),
    ("case-camel-key", "config.ts", "export const {camel}Key = '{T}';\n"),
    ("key-suffix-env", "prod.env", "{upper}_API_KEY_PROD={T}\n"),
    ("key-suffix-camel", "config.js", "const {camel}TokenLive = '{T}';\n"),
    ("next-line-yaml", "config.yml", "{snake}_token: >-\n  {T}\n"),
    ("next-line-python", "keys.py", "{upper}_API_KEY = (\n    \"{T}\"\n)\n"),
    ("provider-only-json", "creds.json", '{{"{snake}": "{T}"}}\n'),
    ("provider-only-yaml", "creds.yaml", "{pascal}: {T}\n"),
    ("provider-only-env", "ci.env", "{upper}={T}\n"),
    ("product-word-env", "svc.env", "{PRODUCT}_ACCESS_TOKEN={T}\n"),
    ("product-word-block", "values.yaml", "{product}:\n  region: eu\n  client:\n    secret: {T}\n"),
    ("provider-only-flag", "sync.sh", "./bin/report --since 7d --{kebab} {T} --quiet\n"),
    ("provider-only-assign", "keys.py", "{snake} = '{T}'\n"),
    ("provider-only-ruby", "secrets.rb", "KEYS = {{ :{snake} => \"{T}\", :region => 'eu' }}\n"),
    ("prose-colon", "NOTES.md", "{pascal} -> {T}\n"),
    ("windows-set", "setup.bat", "set {upper}_TOKEN={T}\n"),
    ("makefile-var", "Makefile", "{upper}_TOKEN ?= {T}\n"),
    ("systemd-env", "app.service", 'Environment="{upper}_API_KEY={T}"\n'),
    ("docker-run-e", "run.sh", "docker run -e {upper}_TOKEN={T} ghcr.io/acme/app:latest\n"),
    ("heroku-config-set", "deploy.sh", "heroku config:set {upper}_API_KEY={T} -a web\n"),
    ("gh-secret-set", "bootstrap.sh", 'gh secret set {upper}_TOKEN --body "{T}"\n'),
    ("sql-insert", "seed.sql", "INSERT INTO settings (name, value) VALUES ('{snake}_api_key', '{T}');\n"),
    ("csv-row", "keys.csv", "{snake},production,{T}\n"),
    ("hcl-map", "main.tf", '{snake} = {{ token = "{T}" }}\n'),
    ("nginx-header", "nginx.conf", "proxy_set_header X-{pascal}-Key {T};\n"),
    ("elixir-config", "config.exs", 'config :app, :{snake}, api_key: "{T}"\n'),
    ("r-setenv", "setup.R", 'Sys.setenv({upper}_KEY = "{T}")\n'),
    ("requests-header", "fetch.py",
     'r = requests.get("https://api.{host}.com/v1", headers={{"Authorization": "Token {T}"}})\n'),
    ("gradle-properties", "gradle.properties", "{camel}Token={T}\n"),
    ("go-var-typed", "vars.go", 'var {camel}Token string = "{T}"\n'),
    ("go-bytes", "sign.go", 'var {camel}Secret = []byte("{T}")\n'),
    ("node-buffer", "sign.js", 'const {camel}Key = Buffer.from("{T}", "utf8");\n'),
    ("php-concat-assign", "keys.php", '${camel}Token .= "{T}";\n'),
    ("make-double-colon", "rules.mk", "{upper}_TOKEN ::= {T}\n"),
    ("java-set-property", "Main.java", 'System.setProperty("{upper}_TOKEN", "{T}");\n'),
    ("java-local", "Setup.java", 'String {camel}Token = "{T}";\n'),
    ("perl-hash", "conf.pl", "my %cfg = ({snake}_token => '{T}');\n"),
    ("lua-table", "conf.lua", 'local cfg = {{ {snake}_token = "{T}" }}\n'),
    ("cpp-define", "keys.h", '#define {upper}_API_KEY "{T}"\n'),
    ("shell-default-expansion", "run.sh", 'TOKEN="${{{upper}_TOKEN:-{T}}}"\n'),
    ("go-header-set", "client.go", 'req.Header.Set("X-{pascal}-Token", "{T}")\n'),
    ("js-headers-bearer", "api.js", "fetch(url, {{ headers: {{ Authorization: `Bearer {T}` }} }});\n"),
    ("python-bearer-fstring", "api.py", 'headers = {{"Authorization": "Bearer {T}"}}  # {pascal}\n'),
    ("plist-key-string", "Info.plist", "<dict>\n\t<key>{pascal}APISecret</key>\n\t<string>{T}</string>\n</dict>\n"),
    ("c-char-array", "keys.c", 'static char {snake}_api_secret[] = "{T}";\n'),
    ("perl-env-hash", "setup.pl", "$ENV{{{upper}_TOKEN}} = '{T}';\n"),
    ("vb-dim-as", "Keys.vb", 'Dim {camel}ApiKey As String = "{T}"\n'),
    ("json-escaped-compact", "state.json", '{{"config": "{{\\"{camel}ApiKey\\":\\"{T}\\"}}"}}\n'),
    ("rust-unwrap-or", "main.rs", 'let key = env::var("{upper}_API_KEY").unwrap_or("{T}".to_string());\n'),
    ("kotlin-elvis", "Config.kt", 'val token = System.getenv("{upper}_TOKEN") ?: "{T}"\n'),
    ("argparse-default", "cli.py", "parser.add_argument('--{kebab}-token', default='{T}')\n"),
    ("swift-set-value", "Client.swift", 'request.setValue("{T}", forHTTPHeaderField: "X-{pascal}-Key")\n'),
    ("prose-set-to", "SETUP.md", "Set `{upper}_TOKEN` to `{T}` before running.\n"),
    ("ini-section-far", "app.ini", "[{snake}]\nregion = eu\ntimeout = 30\nretries = 3\nkey = {T}\n"),
)

NEAR_MISS_TOKEN_FORMS = frozenset({
    "py-dict-nested", "js-env-fallback", "kotlin-const", "appsettings-json", "terraform-default",
    "url-userinfo-token", "comment-slash", "case-camel-key", "provider-only-yaml", "provider-only-ruby",
    "heroku-config-set", "elixir-config", "node-buffer", "lua-table",
})
"""The token forms a cut-short or `x`ed-out token is written in: a fixed sample, so that forms added to
TOKEN_FORMS leave the near-miss figure comparable from one version to the next."""

# Forms that carry a password rather than a provider's token. {P} is the password.
PASSWORD_FORMS: tuple[tuple[str, str, str], ...] = (
    ("jdbc-query", "application.properties",
     "spring.datasource.url=jdbc:postgresql://db.corp.internal:5432/app?user=app&password={P}\n"),
    ("jdbc-userinfo", "db.conf", "url = jdbc:mysql://app:{P}@db.corp.internal:3306/app\n"),
    ("url-postgres", "settings.py", 'DATABASE_URL = "postgres://app:{P}@db.corp.internal:5432/app"\n'),
    ("url-mysql", ".env.production", "DB_URL=mysql://root:{P}@10.0.3.4/shop\n"),
    ("url-mongodb-srv", "config.js", "const uri = 'mongodb+srv://svc:{P}@cluster0.ab12c.mongodb.net/app';\n"),
    ("url-redis", "docker-compose.yml", "    command: worker --broker redis://:{P}@cache:6379/0\n"),
    ("url-amqp", "celery.py", 'broker_url = "amqp://worker:{P}@mq.corp.internal:5672//"\n'),
    ("url-ftp", "sync.sh", "lftp ftp://upload:{P}@files.corp.internal/incoming\n"),
    ("url-smtp", "mail.yml", "smtp_url: smtp://mailer:{P}@smtp.corp.internal:587\n"),
    ("url-https", "fetch.sh", "wget https://builder:{P}@nexus.corp.internal/repository/raw/app.tgz\n"),
    ("url-ldap", "auth.ini", "uri = ldap://cn=admin:{P}@ldap.corp.internal\n"),
    ("git-credentials", ".git-credentials", "https://jdoe:{P}@git.corp.internal\n"),
    ("sql-identified-by", "init.sql", "CREATE USER 'app'@'%' IDENTIFIED BY '{P}';\n"),
    ("sql-with-password", "roles.sql", "ALTER ROLE reporting WITH LOGIN PASSWORD '{P}';\n"),
    ("dotnet-connstring", "appsettings.json",
     '{{\n  "ConnectionStrings": {{\n    "Default": "Server=db;Database=app;User Id=sa;Password={P};"\n  }}\n}}\n'),
    ("netrc", ".netrc", "machine git.corp.internal\n  login jdoe\n  password {P}\n"),
    ("pypirc", ".pypirc", "[internal]\nrepository = https://pypi.corp.internal\nusername = ci\npassword = {P}\n"),
    ("curl-u", "upload.sh", "curl -u ci-bot:{P} -T app.tgz https://nexus.corp.internal/raw/\n"),
    ("spring-datasource", "application.yml",
     "spring:\n  datasource:\n    username: app\n    password: {P}\n"),
    ("ansible-become", "host_vars/db1.yml", "ansible_become_password: {P}\n"),
    ("ansible-ssh-pass", "inventory.ini", "db1 ansible_host=10.0.0.5 ansible_ssh_pass={P}\n"),
    ("k8s-env-password", "deploy.yaml", "        - name: DB_PASSWORD\n          value: {P}\n"),
    ("terraform-password-default", "variables.tf",
     'variable "db_password" {{\n  type    = string\n  default = "{P}"\n}}\n'),
    ("php-define-password", "wp-config.php", "define( 'DB_PASSWORD', '{P}' );\n"),
    ("java-constant", "Db.java", 'private static final String DB_PASS = "{P}";\n'),
    ("go-struct-password", "db.go", 'opts := &redis.Options{{Addr: "cache:6379", Password: "{P}"}}\n'),
    ("rails-database-yml", "database.yml", "production:\n  adapter: postgresql\n  password: {P}\n"),
    ("redis-requirepass", "redis.conf", "requirepass {P}\n"),
    ("sshpass", "deploy.sh", "sshpass -p '{P}' ssh deploy@10.0.0.7\n"),
    ("docker-login-p", "ci.sh", "docker login -u ci -p {P} registry.corp.internal\n"),
    ("mongo-shell", "seed.js", 'db.createUser({{user: "app", pwd: "{P}", roles: ["readWrite"]}})\n'),
    ("sqlcmd-P", "restore.bat", 'sqlcmd -S db01.corp.internal -U sa -P {P} -i restore.sql\n'),
    ("zip-P", "backup.sh", "zip -r -P {P} /backup/db.zip /var/lib/app\n"),
    ("7z-p", "pack.ps1", "7z a -p{P} -mhe=on release.7z .\\dist\n"),
    ("net-use", "map.cmd", "net use S: \\\\files01\\shared /user:CORP\\svc_sync {P} /persistent:no\n"),
    ("rabbitmqctl", "setup.sh", "rabbitmqctl add_user orders {P}\n"),
    ("jenkins-cli-auth", "trigger.sh",
     "java -jar jenkins-cli.jar -s https://ci.corp.internal -auth ops:{P} build app\n"),
    ("htpasswd-flags", "Dockerfile", "RUN htpasswd -B -b -c /etc/nginx/.htpasswd admin {P}\n"),
    ("ps-securestring", "deploy.ps1", '$pw = ConvertTo-SecureString "{P}" -AsPlainText -Force\n'),
    ("ps-securestring-pipe", "join.ps1", "$pw = '{P}' | ConvertTo-SecureString -AsPlainText -Force\n"),
    ("go-mysql-dsn", "store.go", 'db, err := sql.Open("mysql", "orders:{P}@tcp(db01:3306)/orders")\n'),
    ("cisco-username", "edge-rtr.cfg", "username netops privilege 15 password 0 {P}\n"),
    ("wpa-supplicant", "wpa_supplicant.conf", 'network={{\n  ssid="lab"\n  psk="{P}"\n}}\n'),
    ("hostapd", "hostapd.conf", "ssid=warehouse\nwpa=2\nwpa_passphrase={P}\n"),
    ("smtplib-login", "notify.py", 'server.login("alerts@corp.internal", "{P}")\n'),
    ("jdbc-get-connection", "Repo.java",
     'Connection c = DriverManager.getConnection("jdbc:postgresql://db01/app", "app", "{P}");\n'),
    ("php-pdo", "db.php", '$pdo = new PDO("mysql:host=db01;dbname=shop", "shop", "{P}");\n'),
    ("dotnet-network-credential", "Mailer.cs", 'client.Credentials = new NetworkCredential("svc-mail", "{P}");\n'),
    ("ldapsearch-w", "lookup.sh", "ldapsearch -x -H ldap://dc01 -D 'cn=admin,dc=corp' -w {P} '(uid=ana)'\n"),
    ("smbclient-U", "backup.sh", "smbclient //nas01/backup -U svc_backup%{P} -c 'ls'\n"),
    ("xfreerdp-p", "rdp.sh", "xfreerdp /v:10.4.0.12 /u:Administrator /p:{P} /cert:ignore\n"),
    ("psexec-p", "run.cmd", "PsExec.exe \\\\app02 -u CORP\\deploy -p {P} cmd /c ipconfig\n"),
    ("mongosh-p", "seed.sh", "mongosh --host db02 -u admin -p {P} --authenticationDatabase admin\n"),
    ("az-login-p", "login.sh",
     "az login --service-principal -u 5d1c7e2a-2b4f-4c9e-8a31-7f0e9d6b2c14 -p {P} --tenant corp.io\n"),
    ("sqlplus", "report.sh", "sqlplus hr/{P}@//db03.corp.internal:1521/PROD @report.sql\n"),
    ("pymysql-connect", "db.py", "conn = pymysql.connect('db02', 'shop', '{P}', 'shop')\n"),
    ("perl-dbi", "db.pl", "my $dbh = DBI->connect('dbi:Pg:dbname=app;host=db01', 'app', '{P}');\n"),
    ("ruby-net-smtp", "mail.rb",
     "Net::SMTP.start('smtp.corp.internal', 587, 'corp.internal', 'alerts', '{P}', :login)\n"),
    ("go-basic-auth", "client.go", 'req.SetBasicAuth("deploy", "{P}")\n'),
    ("sbt-credentials", "build.sbt",
     'credentials += Credentials("Artifactory Realm", "artifacts.corp.internal", "deploy", "{P}")\n'),
    ("gradle-credentials", "build.gradle", "credentials {{\n    username 'deploy'\n    password '{P}'\n}}\n"),
    ("credentials-pair", "NOTES.md", "Credentials: admin:{P}\n"),
    ("prose-password-for", "README.txt", "The password for the admin account is {P}\n"),
    ("pw-short-name", "conn.py", 'pw = "{P}"\n'),
    ("getpass-fallback", "login.py", 'password = getpass.getpass() or "{P}"\n'),
)

# Near misses: (name, file name, text). {upper} ... spell a provider; {H40}, {H64}, {UUID} are random.
NEAR_MISS_FORMS: tuple[tuple[str, str, str], ...] = (
    ("sha256-key", "lock.yaml", "{snake}_sha256: {H64}\n"),
    ("checksum-key", "release.json", '{{"{snake}_checksum": "{H40}"}}\n'),
    ("integrity", "package-lock.json", '      "integrity": "sha512-{B64}"\n'),
    ("commit-sha", "deps.yaml", "{snake}:\n  commit: {H40}\n"),
    ("uuid-id", "config.yaml", "{snake}_project_id: {UUID}\n"),
    ("uuid-request-id", "app.log", "2024-05-01 INFO {snake} request_id={UUID} done\n"),
    ("uuid-tenant", "appsettings.json", '{{"{pascal}": {{"TenantId": "{UUID}"}}}}\n'),
    ("template-env", ".env", "{upper}_API_KEY=${{{upper}_API_KEY}}\n"),
    ("template-jinja", "vars.yml", '{snake}_token: "{{{{ vault_{snake}_token }}}}"\n'),
    ("template-helm", "values.yaml", "{camel}:\n  token: {{{{ .Values.{camel}Token }}}}\n"),
    ("placeholder-angle", "README.md", "export {upper}_API_KEY=<your-{kebab}-api-key>\n"),
    ("placeholder-your", "config.py", '{snake}_api_key = "YOUR_{upper}_API_KEY"\n'),
    ("placeholder-xxxx", "settings.json", '{{"{snake}_token": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}\n'),
    ("env-lookup", "app.py", '{snake}_key = os.environ["{upper}_API_KEY"]\n'),
    ("js-env-only", "index.js", "const token = process.env.{upper}_TOKEN;\n"),
    ("ansible-vault", "group_vars/all.yml",
     "{snake}_api_key: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n          {H64}\n          {H64b}\n"),
    ("k8s-secret-ref", "deploy.yaml",
     "        - name: {upper}_API_KEY\n          valueFrom:\n            secretKeyRef:\n              name: {kebab}\n"),
    ("gha-secret-ref", "ci.yml", "        with:\n          api-key: ${{{{ secrets.{upper}_API_KEY }}}}\n"),
    ("terraform-var-ref", "main.tf", 'provider "{snake}" {{\n  token = var.{snake}_token\n}}\n'),
    ("spring-placeholder", "application.yml", "{kebab}:\n  api-key: ${{{upper}_API_KEY}}\n"),
    ("url-no-password", "settings.py", 'DATABASE_URL = "postgres://app@db.corp.internal:5432/app"\n'),
    ("url-template-password", ".env", "DATABASE_URL=postgres://${{DB_USER}}:${{DB_PASS}}@db:5432/app\n"),
    ("url-placeholder-password", "README.md", "mongodb://user:password@localhost:27017/app\n"),
    ("identified-by-placeholder", "init.sql", "CREATE USER app IDENTIFIED BY '<password>';\n"),
    ("docs-image-digest", "Dockerfile", "FROM python:3.12-slim@sha256:{H64}\n"),
    ("git-sha-in-log", "ci.log", "{pascal} build {H40} passed\n"),
    ("pinned-action", "ci.yml", "      - uses: {host}/setup@{H40}\n"),
    ("asset-hash", "manifest.json", '{{"main.js": "main.{H20}.js"}}\n'),
    ("bare-key-commit-pin", "versions.json", '{{\n  "{snake}": "{H40}",\n  "core": "{H40}"\n}}\n'),
    ("bare-key-digest", "images.yaml", "{snake}: {H64}\n"),
    ("bare-key-name", "services.yaml", "{snake}: {pascal}ReportingServiceAccountForProduction\n"),
)

_PASSWORD_SYMBOLS = "-_.!*~"


def random_password(rng: random.Random) -> str:
    """10 to 18 characters with both cases, digits and usually a symbol: how generated passwords look."""
    length = rng.randint(10, 18)
    pools = [string.ascii_lowercase, string.ascii_uppercase, string.digits]
    chars = [rng.choice(pool) for pool in pools]
    if rng.random() < 0.7:
        chars.append(rng.choice(_PASSWORD_SYMBOLS))
    alphabet = string.ascii_letters + string.digits
    chars += [rng.choice(alphabet) for _ in range(length - len(chars))]
    rng.shuffle(chars)
    while not chars[0].isalnum():
        rng.shuffle(chars)
    return "".join(chars)


def spellings(provider: str) -> dict[str, str]:
    names = names_of(provider)
    spelt = dict(names.__dict__)
    spelt["kebab"] = names.snake.replace("_", "-")
    spelt["dotted"] = names.snake.replace("_", ".")
    return spelt


_ID_WORDS_NOT_PRODUCT = frozenset({
    "api", "key", "keys", "token", "tokens", "secret", "secrets", "access", "client", "app", "application", "auth",
    "oauth", "password", "private", "public", "legacy", "context", "assignment", "account", "admin", "master",
    "personal", "service", "user", "id", "sandbox", "test", "live", "production", "webhook", "signing", "session",
})


def product_of(rule_id: str, provider: str) -> tuple[str, str]:
    """The word of a rule's id that names its product when that is not its company's name (`cosmosdb` in
    `azure-cosmosdb-key`), as (snake, UPPER); the provider's own spelling when the id names nothing else."""
    display = "".join(c for c in provider.lower() if c.isalnum())
    words = [w for w in rule_id.split("-") if w not in _ID_WORDS_NOT_PRODUCT and not w.isdigit()
             and len(w) >= 4 and w not in display]
    if not words:
        names = names_of(provider)
        return names.snake, names.upper
    return words[0], words[0].upper()


def randoms(rng: random.Random) -> dict[str, str]:
    hexdigits = "0123456789abcdef"
    return {
        "H40": "".join(rng.choice(hexdigits) for _ in range(40)),
        "H64": "".join(rng.choice(hexdigits) for _ in range(64)),
        "H64b": "".join(rng.choice(hexdigits) for _ in range(64)),
        "H20": "".join(rng.choice(hexdigits) for _ in range(20)),
        "UUID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "B64": base64.b64encode(hashlib.sha512(str(rng.random()).encode()).digest()).decode(),
    }


def token_near_misses(token: str, keep: int) -> dict[str, str]:
    """The token cut short, and with its random part turned into `x`s."""
    return {
        "truncated": token[: max(keep + 4, len(token) * 2 // 3)],
        "xxxx": token[:keep] + "x" * (len(token) - keep),
    }


def flagged(ruleset: RuleSet, text: str, path: str) -> bool:
    return bool(scan_fragment(ruleset, Fragment(text, path), timeout=2.0).matches)


class Tally:
    """found / total per form, split by a column."""

    def __init__(self) -> None:
        self.found: Counter[tuple[str, str]] = Counter()
        self.total: Counter[tuple[str, str]] = Counter()

    def add(self, form: str, column: str, hit: bool) -> None:
        self.found[(form, column)] += hit
        self.total[(form, column)] += 1

    def rate(self, form: str, column: str) -> float | None:
        total = self.total[(form, column)]
        return self.found[(form, column)] / total if total else None

    def overall(self, column: str | None = None) -> float:
        keys = [k for k in self.total if column is None or k[1] == column]
        total = sum(self.total[k] for k in keys)
        return sum(self.found[k] for k in keys) / total if total else 0.0


def run(rules_glob: str, seed: int, passwords: int, show_misses: bool, rule_misses: str = ""
        ) -> dict[str, object]:
    rng = random.Random(seed)
    ruleset = load_ruleset()
    chosen = [r for r in ruleset.rules if fnmatch.fnmatch(r.id, rules_glob) and r.provider != "Generic"]
    tokens = Tally()
    near = Tally()
    misses: defaultdict[str, list[str]] = defaultdict(list)
    by_rule: dict[str, list[str]] = {}
    started = time.perf_counter()
    tested = 0
    for rule in chosen:
        token = token_for(rule, rng)
        if token is None:
            continue
        tested += 1
        keep = kept_prefix(rule, token)
        column = "context" if rule.names else "prefixed" if keep else "keyed"
        spelt = spellings(rule.provider)
        spelt["product"], spelt["PRODUCT"] = product_of(rule.id, rule.provider)
        for name, path, template in TOKEN_FORMS:
            hit = covered(ruleset, template.format(T=token, **spelt), path, token)[0]
            tokens.add(name, column, hit)
            if not hit:
                misses[name].append(f"{column}:{rule.id}")
                if column == rule_misses:
                    by_rule.setdefault(rule.id, []).append(name)
        for kind, miss in token_near_misses(token, keep).items():
            for _name, path, template in (f for f in TOKEN_FORMS if f[0] in NEAR_MISS_TOKEN_FORMS):
                near.add(f"token-{kind}", column, flagged(ruleset, template.format(T=miss, **spelt), path))
        for name, path, template in NEAR_MISS_FORMS:
            near.add(name, column, flagged(ruleset, template.format(**spelt, **randoms(rng)), path))
    pw = Tally()
    for _ in range(passwords):
        password = random_password(rng)
        for name, path, template in PASSWORD_FORMS:
            hit = covered(ruleset, template.format(P=password), path, password)[0]
            pw.add(name, "password", hit)
            if not hit and len(misses[name]) < 5:
                misses[name].append(password)
    seconds = time.perf_counter() - started
    report: dict[str, object] = {
        "rules_tested": tested,
        "providers": len({r.provider for r in chosen}),
        "token_forms": len(TOKEN_FORMS),
        "password_forms": len(PASSWORD_FORMS),
        "recall_tokens": tokens.overall(),
        "recall_prefixed": tokens.overall("prefixed"),
        "recall_keyed": tokens.overall("keyed"),
        "recall_context": tokens.overall("context"),
        "recall_passwords": pw.overall(),
        "near_miss_flagged": near.overall(),
        "per_token_form": {n: (tokens.rate(n, "prefixed"), tokens.rate(n, "keyed"), tokens.rate(n, "context"))
                           for n, _, _ in TOKEN_FORMS},
        "per_password_form": {n: pw.rate(n, "password") for n, _, _ in PASSWORD_FORMS},
        "per_near_miss": {n: _form_rate(near, n) for n in sorted({k[0] for k in near.total})},
        "seconds": seconds,
    }
    if show_misses:
        report["misses"] = {k: v[:40] for k, v in misses.items()}
    if rule_misses:
        report["rule_misses"] = dict(sorted(by_rule.items(), key=lambda kv: (-len(kv[1]), kv[0])))
    return report


def _form_rate(tally: Tally, form: str) -> float:
    keys = [k for k in tally.total if k[0] == form]
    total = sum(tally.total[k] for k in keys)
    return sum(tally.found[k] for k in keys) / total if total else 0.0


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def print_report(report: dict[str, object]) -> None:
    print(f"{report['rules_tested']} rules ({report['providers']} providers), {report['token_forms']} token "
          f"forms, {report['password_forms']} password forms, {report['seconds']:.1f} s")
    print(f"token recall: {report['recall_tokens']:.1%} (prefixed tokens {report['recall_prefixed']:.1%}, "
          f"keyword-pattern rules {report['recall_keyed']:.1%}, context rules {report['recall_context']:.1%}); "
          f"password recall: {report['recall_passwords']:.1%}; "
          f"near misses flagged: {report['near_miss_flagged']:.1%}")
    per_token = report["per_token_form"]
    assert isinstance(per_token, dict)
    print("\n| token form | prefixed | keyword pattern | context |\n|---|---|---|---|")
    for name, (prefixed, keyed, context) in per_token.items():
        print(f"| {name} | {_pct(prefixed)} | {_pct(keyed)} | {_pct(context)} |")
    per_password = report["per_password_form"]
    assert isinstance(per_password, dict)
    print("\n| password form | found |\n|---|---|")
    for name, rate in per_password.items():
        print(f"| {name} | {_pct(rate)} |")
    per_near = report["per_near_miss"]
    assert isinstance(per_near, dict)
    print("\n| near miss | flagged |\n|---|---|")
    for name, rate in per_near.items():
        print(f"| {name} | {_pct(rate)} |")
    misses = report.get("misses")
    if isinstance(misses, dict):
        for name, which in misses.items():
            print(f"miss {name}: {', '.join(which)}")
    per_rule = report.get("rule_misses")
    if isinstance(per_rule, dict):
        print("\n| rule | forms missed | which |\n|---|---|---|")
        for rule_id, forms in per_rule.items():
            print(f"| {rule_id} | {len(forms)} | {', '.join(forms[:8])}{' ...' if len(forms) > 8 else ''} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rules", default="*", help="glob over rule ids (default: every provider rule)")
    parser.add_argument("--seed", type=int, default=7, help="random seed")
    parser.add_argument("--passwords", type=int, default=200, help="random passwords per password form")
    parser.add_argument("--misses", action="store_true", help="list some misses per form")
    parser.add_argument("--rule-misses", choices=("prefixed", "keyed", "context"), default="",
                        help="for each rule of this kind, list the token forms it misses")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    report = run(args.rules, args.seed, args.passwords, args.misses, args.rule_misses)
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
