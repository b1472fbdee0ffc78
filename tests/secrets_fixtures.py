"""Fake but well-formed secrets, assembled at run time so this file itself holds no scannable token."""

from __future__ import annotations

STRIPE = "sk_" + "live_" + "51H8xQ2Lk9PzT4vYb7RmN3cWq0aZe6Fs"
AWS_KEY_ID = "AKIA" + "QYLPMN5HHHFPZAM2"
AWS_SECRET = "wJalrXUtnFEMI" + "/K7MDENG/bPxRfiCYzQ8mR2sT1v"
OPENAI = "sk-proj-" + "Zt4mQ9vX2nB7kL1pR8sW3yH6jD0fG5aC" + "T3Blbk" + "FJqE2rT7uY9iO4pA1sD6fG3hJ"
GITHUB = "ghp_" + "Q7rT2mX9pL4vK8nB1zW6yH3jD5fG0aC2sE7u"
SLACK = "xoxb-" + "2783640912-4815162342108-Qm7Zt4vX2nB7kL1pR8sW3yH6"
DB_PASSWORD = "Tr0ub4dor&3-horse"
PRIVATE_KEY = (
    "-----BEGIN " + "RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo\n"
    "9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ0iT9wCS0DRTXu269V264Vf/3jvre\n"
    "-----END " + "RSA PRIVATE KEY-----\n"
)
ALL = {"stripe": STRIPE, "aws-id": AWS_KEY_ID, "aws-secret": AWS_SECRET, "openai": OPENAI,
       "github": GITHUB, "slack": SLACK, "db-password": DB_PASSWORD}
