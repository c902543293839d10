"""The password policy, as a pure function."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: A few passwords that satisfy the length rule but are still the first guesses.
COMMON_PASSWORDS = frozenset({
    "1234567890", "12345678910", "qwertyuiop", "password123", "password1234", "1qaz2wsx3edc",
    "abc1234567", "admin12345", "admin123456", "woaini1314", "a123456789", "qwer123456",
})


def password_problems(password: str, *, username: str = "", min_length: int = 10) -> list[str]:
    """Everything wrong with ``password`` under the policy (empty list: acceptable)."""
    problems = []
    if len(password) < min_length:
        problems.append(str(_l("密码至少 %(n)s 位", n=min_length)))
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append(str(_l("密码须同时包含字母和数字")))
    if username and username.lower() in password.lower():
        problems.append(str(_l("密码不能包含用户名")))
    if password.lower() in COMMON_PASSWORDS:
        problems.append(str(_l("密码过于常见，请换一个")))
    return problems
