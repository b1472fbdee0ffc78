"""Generic credential rules through the real CLI: what they catch in each format, what they leave alone."""

from __future__ import annotations

import pytest
from secrets_fixtures import DB_PASSWORD

HUMAN = "hunter2!x"
TOKEN = "4f9Kq2" + "XzR7mT1vB8nW3y"

CAUGHT = {
    # quotes escaped inside a string: JSON in a Go literal, a Kafka JAAS config in Java
    "report.go": f'raw := "{{\\"username\\": \\"svc-report\\", \\"password\\": \\"{DB_PASSWORD}\\"}}"\n',
    "Kafka.java": 'props.put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required '
                  f'username=\\"svc\\" password=\\"{DB_PASSWORD}\\";");\n',
    ".env": f"DB_PASSWORD={DB_PASSWORD}\n",
    "mail.env": "SMTP_PASS=Jw7#nb3Rq2\n",
    "config/app.yaml": f'database:\n  password: "{HUMAN}"\n',
    "config/plain.yml": f"smtp:\n  password: {DB_PASSWORD}\n",
    "settings.json": f'{{"db": {{"password": "{DB_PASSWORD}"}}}}\n',
    "app.ini": f"[db]\npassword = {DB_PASSWORD}\n",
    "pyproject.toml": f'[tool.app]\napi_key = "{TOKEN}"\n',
    "web.config": f'<add name="db" password="{DB_PASSWORD}" />\n',
    "settings.xml": f"<server><password>{HUMAN}</password></server>\n",
    "db.py": f'connect(user="app", password="{DB_PASSWORD}")\n',
    "client.ts": f'const clientSecret: string = "{TOKEN}";\n',
    "main.go": f'dbPassword := "{DB_PASSWORD}"\n',
    "App.java": f'private static final String DB_PASSWORD = "{DB_PASSWORD}";\n',
    "app.rb": f"config[:password] = '{HUMAN}'\n",
    "db.php": f"$password = '{HUMAN}';\n",
    "Program.cs": f'var apiKey = "{TOKEN}";\n',
    "deploy.sh": f"mysql -u root -p'{HUMAN}' app\n",
    "login.sh": f"docker login --password={DB_PASSWORD} registry.corp.io\n",
    "call.sh": f"curl -u deploy:{DB_PASSWORD.replace('&', '')} https://ci.corp.io/build\n",
    "keys.yaml": "signer:\n  api_key: +Jc4Rw9Lm2Tq7Vx3Zb8Nk5Hs1/Gd6Fp0Ye4Ua7Mi2/\n",  # base64's `+` and `/` at its ends
    "aad.py": 'client_secret = "Vx2~kQ9:tR4[mW7@zL1*pN5]"\n',  # quoted, what a token's alphabet lacks
    "mailer.cfg": "[smtp]\npasswd = vR4&qe9*Lm%2\n",  # `&` inside an unquoted value is the password's
    "relay.ini": "[relay]\npassword = !Kw8&zu3Tq\n",  # so is a leading `!` before digits and symbols
    "api.http": f"GET /v1/items\nAuthorization: Bearer {TOKEN}\n",
    "k8s/deployment.yaml": f"      env:\n        - name: DB_PASSWORD\n          value: \"{DB_PASSWORD}\"\n",
    "ecs-task.json": f'{{"environment": [{{"name": "BILLING_API_KEY", "value": "{TOKEN}"}}]}}\n',
    "init.sql": f"CREATE USER 'app'@'%' IDENTIFIED BY '{HUMAN}';\n",
    "roles.sql": f"ALTER ROLE reporting WITH LOGIN PASSWORD '{HUMAN}';\n",
    "variables.tf": f'variable "db_password" {{\n  type    = string\n  default = "{HUMAN}"\n}}\n',
    "charge.sh": f"curl -u {TOKEN}: https://api.payments.invalid/v1/charges\n",
    "redis.conf": f"bind 127.0.0.1\nrequirepass {TOKEN}\n",
    "ssh.sh": f"sshpass -p '{HUMAN}' ssh deploy@10.0.0.7 uptime\n",
    "main.rs": f'static LEDGER_TOKEN: &\'static str = "{TOKEN}";\n',
    "boot.rb": f"ENV['LEDGER_TOKEN'] ||= '{TOKEN}'\n",
    "bootstrap.sh": f'gh secret set LEDGER_TOKEN --body "{TOKEN}"\n',
    "config/block.yml": f"ledger:\n  api_token: >-\n    {TOKEN}\n",
    "keys.py": f'LEDGER_API_KEY = (\n    "{TOKEN}"\n)\n',
    "creds.py": f'CREDENTIALS = {{\n    "ledger_token": "{TOKEN}",\n}}\n',
    "keys.php": f'$ledgerToken .= "{TOKEN}";\n',
    "rules.mk": f"LEDGER_TOKEN ::= {TOKEN}\n",
    "run.sh": f'TOKEN="${{LEDGER_TOKEN:-{TOKEN}}}"\n',
    "api.js": f"fetch(url, {{ headers: {{ Authorization: `Bearer {TOKEN}` }} }});\n",
    "ledger.py": f'ledger_key = "{TOKEN}"\n',
    "ledger.ts": f'const ledgerKey = "{TOKEN}";\n',
    "me.http": "GET /account\nAuthorization: Bearer 5b2e9c4f-71d3-4a8e-b6f0-2c9d7e1a4b83\n",
    "rails.env": f"SECRET_KEY_BASE={TOKEN}\n",
    "prod.sh": f"export LEDGER_API_KEY_PROD={TOKEN}\n",
    "db.sh": f"export DB_PASSWORD_PROD='{DB_PASSWORD}'\n",
    "handover.txt": f"Here is the Ledger API token for staging: {TOKEN}\n",
    "notes.sh": f"# Ledger key: {TOKEN}\n",
    "nginx.conf": f"location /api {{\n  proxy_set_header X-Ledger-Key {TOKEN};\n}}\n",
    "ledger.cfg": f"[ledger]\nledger_auth = {TOKEN}\n",  # `auth` alone ends a credential's name too
    "oauth.ini": f"[ledger]\noauth = {TOKEN}\n",
    "firebase.js": f'fetch(`https://ledger.invalid/items.json?auth={TOKEN}`);\n',
    # a provider whose name begins with a word that says "not a secret" (`page`, `host`) is still named
    "pagewise.py": f'PAGEWISE_API_KEY = "{TOKEN}"\n',
    "hostwell.go": f'hostwellToken := "{TOKEN}"\n',
    "maxscale.env.sh": f"export MAXSCALE_PASSWORD='{HUMAN}'\n",
    # a label alone on its line, the value alone below it (notes, tickets, a README's setup section)
    "handover.md": f"## Ledger\n\n**API key**\n\n`{TOKEN}`\n",
    "ticket.txt": f"Here is the ledger access token for staging:\n```\n{TOKEN}\n```\n",
    "wifi.txt": f"Office wifi password:\n{DB_PASSWORD}\n",
    # `Here` opens the label, and is a provider's name (HERE) too: the key is no near miss of HERE's tokens
    "here.md": f"Here is the API key:\n{TOKEN}{TOKEN[:12]}\n",
    "reset.txt": f"Your new password is:\n  {DB_PASSWORD}.\n",
}

IGNORED = {
    ".env": "DB_PASSWORD=${DB_PASSWORD}\nAPI_KEY=your_api_key_here\nSECRET=\n",
    "app.yaml": "password: '{{ vault_password }}'\npassword_min_length: 12\npassword: !vault |\n  $ANSIBLE_VAULT;1.1\n",
    "settings.py": 'PASSWORD = os.environ["DB_PASSWORD"]\nSECRET_KEY = os.getenv("SECRET_KEY")\n',
    "login.py": 'password = getpass.getpass("Password: ")\nif password == "letmein99":\n    pass\n',
    "models.py": "password: str\npassword = forms.CharField(widget=forms.PasswordInput)\n",
    "form.html": '<input type="password" name="password" placeholder="Password">\n',
    "package-lock.json": '"integrity": "sha512-Xq2mV9pT4zK8wNc1Fy6Hb3Jd0Lm7vX9r+/==",\n',
    "requirements.txt": "requests==2.32.3 --hash=sha256:70761cfe03c773ceb22aa2f671b47579\n"
                        "tool --token=sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6\n",
    "config.js": "const token = process.env.API_TOKEN;\nconst password = null;\n",
    "README.md": "Run `app --password <password>` or `curl -u $USER:$PASS https://x`.\n",
    "tests/test_login.py": f'client.login(username="ada", password="{DB_PASSWORD}")\n',
    "docs/setup.rst": f'   DATABASE_PASSWORD = "{HUMAN}"\n',
    "k8s/secret-ref.yaml": "        - name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef:\n"
                           "              name: db\n        - name: API_TOKEN\n          value: ${API_TOKEN}\n",
    "schema.sql": "CREATE USER app IDENTIFIED BY '<password>';\n"
                  "ALTER USER app IDENTIFIED BY PASSWORD '*6C8989366EAF75BB670AD8EA7A7FC1176A95CEF4';\n",
    "vars.tf": 'variable "db_password" {\n  type      = string\n  sensitive = true\n}\n',
    "call_api.sh": "curl -u $STRIPE_KEY: https://api.payments.invalid/v1/charges\n",
    "redis-prod.conf": "# requirepass foobared\nrequirepass ${REDIS_PASSWORD}\n",
    "patterns.py": 'secret_mask = "********************"\nTOKEN_SEP = "::::::::::::::::::::"\n',
    "stack.yaml": "MasterUserPassword: !GetAtt Secrets.Value\nDbPassword: !Ref DatabasePass\n",
    "web.config": '<appSettings><add key="LedgerApiKey" value="${LEDGER_API_KEY}" /></appSettings>\n'
                  "<!-- Cache key: deps-v2-9f3a1c2e7b4d -->\n",
    "setup.cfg": "[metadata]\nauthor = Ada Lovelace-Byron\nauth: basic\n"
                 "auth_method = client_credentials_v2\n",
    "paging.py": f'NEXT_PAGE_TOKEN = "{TOKEN}"\nhashed_secret = "{TOKEN}"\n',  # the word ends in the key
    "account.py": f'new_password = "{HUMAN}"\nhashed_password = "{HUMAN}"\n',
    # labels whose next line is a description, a heading's underline, a key or a word
    "module_doc.yaml": "  password:\n    description: The password.\n  client_key:\n    type: path\n",
    "deploy.rst": "Configure the Secret Key\n------------------------\n",
    "cli.py": "        return token\n        Xk3mQ9vT2pLw\n    del password\n    Vq7mRz2Lp9xW\n",
    "setup.md": "API key:\n\n`YOUR_LEDGER_API_KEY_1`\n\nAccess token\n\n    ${{ secrets.LEDGER_TOKEN }}\n",
    # the shell's error for an unset variable, and its alternate value: no default password in either
    "compose.yaml": "environment:\n  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set-it-first}\n"
                    "  LEDGER_TOKEN: ${LEDGER_TOKEN:+configured}\n",
}


def scan_one_file(tmp_path, leakstop, name: str, content: str):
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content)
    return leakstop("scan", tmp_path, "--no-git", "--format", "json")


@pytest.mark.parametrize("name", sorted(CAUGHT))
def test_generic_credential_found(tmp_path, leakstop, name):
    result = scan_one_file(tmp_path, leakstop, name, CAUGHT[name])
    found = result.json()["findings"]
    assert result.code == 1, CAUGHT[name]
    # A file-type rule (.env, Maven settings.xml) outranks the generic rules on the same secret; either way
    # the credential is reported exactly once.
    assert len(found) == 1, found
    assert found[0]["provider"] != "Generic" or found[0]["confidence"] in ("low", "medium")
    assert HUMAN not in result.stdout and DB_PASSWORD not in result.stdout and TOKEN not in result.stdout


@pytest.mark.parametrize("name", sorted(IGNORED))
def test_generic_false_positives_stay_quiet(tmp_path, leakstop, name):
    result = scan_one_file(tmp_path, leakstop, name, IGNORED[name])
    assert result.code == 0, [(f["rule_id"], f["preview"]) for f in result.json()["findings"]]


def test_an_unquoted_password_ends_where_the_next_query_parameter_starts(tmp_path, leakstop):
    result = scan_one_file(tmp_path, leakstop, "client.py",
                           'url = "https://db.corp.io/login?user=ada&password=Qm4&v8Zrx9&mode=ro"\n')
    [finding] = result.json()["findings"]
    assert finding["end_column"] - finding["column"] == len("Qm4&v8Zrx9")


def test_dropped_generic_match_says_which_heuristic(tmp_path, leakstop):
    (tmp_path / "app.py").write_text('password = "${DB_PASSWORD}"\n')
    result = leakstop("scan", tmp_path, "--no-git", "--format", "json", "--show-suppressed")
    reasons = {f["suppressed_by"] for f in result.json()["suppressed"]}
    assert "filter:template" in reasons


def test_the_broad_generic_patterns_are_the_ones_their_grammar_builds():
    from generic_grammar import PATTERNS, RULES, yaml_patterns

    written = yaml_patterns(RULES.read_text(encoding="utf-8"))
    assert written == {rule_id: build() for rule_id, build in PATTERNS.items()}


def test_an_env_file_by_another_name_is_read_as_a_dotenv_file(tmp_path, leakstop):
    """Compose's `env_file: config/production.env` holds the same NAME=value lines as `.env`: a value of
    any alphabet under a credential name is reported by the dotenv rule, not only a token-shaped one."""
    result = scan_one_file(tmp_path, leakstop, "config/production.env", "RABBITMQ_PASSWORD=+n]N]ET!5C[)IHn6%F22b\n")
    assert [f["rule_id"] for f in result.json()["findings"]] == ["dotenv-credential"]
    template = scan_one_file(tmp_path / "t", leakstop, "config/production.example.env", "API_TOKEN=Xq7]Lm2!Vt9%Rz\n")
    assert "dotenv-credential" not in [f["rule_id"] for f in template.json()["findings"]]


def test_a_near_miss_of_a_named_providers_format_in_a_dotenv_file_is_claimed(tmp_path, leakstop):
    """A `.env` line reports a value of any shape under a credential's name, but one that misses the format
    of the provider its name names (a cut Sourcegraph token) is that provider's near miss, as in code."""
    near = scan_one_file(tmp_path, leakstop, ".env", "SOURCEGRAPH_TOKEN=sgp_4f9c2a7e81d04b6c9e5a\n")
    assert near.json()["findings"] == []
    kept = scan_one_file(tmp_path / "k", leakstop, ".env", "ORBITAL_TOKEN=Xq7]Lm2!Vt9%Rz4w\n")
    assert [f["rule_id"] for f in kept.json()["findings"]] == ["dotenv-credential"]


def test_a_providers_key_spoilt_by_one_symbol_in_a_dotenv_file_is_not_reported(tmp_path, leakstop):
    """Hive's keys are 32 lower-case letters and digits: one with a `!` in the middle is how a detector's
    test spoils a key, not a password, where the name says `API_KEY`; two symbols, and it may be one."""
    spoilt = scan_one_file(tmp_path, leakstop, ".env", "HIVE_API_KEY=kq7zx2lm9vt4rn8p!3bc6hdyt5re2wq1\n")
    assert spoilt.json()["findings"] == []
    kept = scan_one_file(tmp_path / "k", leakstop, ".env", "HIVE_API_KEY=kq7zx2lm9vt4rn8p!3bc6hdyt5re*wq1\n")
    assert [f["rule_id"] for f in kept.json()["findings"]] == ["dotenv-credential"]
