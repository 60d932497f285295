"""Readable model names where a source gives only a slug. Pure.

`dracarys-llama-3.1-70b-instruct` -> `Dracarys Llama 3.1 70B Instruct`. A name counts as a
slug when it has no space and no capital letter (`gpt-5-nano`, `qwen/qwen3-32b`,
`deepseek-v3.1:671b`); a name with capitals or spaces is the source's own display name
and is kept as written (`MiniMax-M2`, `GPT-4o`). The raw name stays as provenance: in
the offering's `name` and in the source record.
"""

from __future__ import annotations

import re

# Words with a conventional spelling; everything else gets a capital first letter.
_SPELLINGS = {
    "ai": "AI", "api": "API", "chatgpt": "ChatGPT", "deepseek": "DeepSeek", "glm": "GLM",
    "gpt": "GPT", "hf": "HF", "it": "IT", "llm": "LLM", "minimax": "MiniMax", "mimo": "MiMo",
    "moe": "MoE", "ocr": "OCR", "openai": "OpenAI", "oss": "OSS", "pii": "PII", "qwq": "QwQ",
    "tts": "TTS", "vl": "VL", "xl": "XL",
    "o1": "o1", "o3": "o3", "o4": "o4",  # OpenAI writes these lower case
}  # fmt: skip
# Brands written with a hyphen before their version: GPT-5, GLM-4.5.
_HYPHENATED = frozenset({"gpt", "glm"})
_SIZE = re.compile(r"\d+(?:\.\d+)?(?:x\d+)?[bkmt]", re.IGNORECASE)  # 70b, 8x7b, 128k
_LETTER_VERSION = re.compile(r"[a-z]\d+(?:\.\d+)*[bkm]?")  # v3, r1, k2.5, a35b
_DIGIT_UNDERSCORE = re.compile(r"(?<=\d)_(?=\d)")  # 3_1 -> 3.1
_MINOR_VERSION = re.compile(r"\d")  # one digit after a hyphen: the minor version
_DATE_SO_FAR = re.compile(r"(?:^|\s)20\d\d(?:-[01]\d)?\Z")  # 2024 or 2024-12, then -DD
_MAJOR_VERSION = re.compile(r"(?:^|[-\s])\d{1,2}\Z")  # the word before it ends in 1-2 digits


def is_slug(name: str) -> bool:
    return " " not in name and name == name.lower() and any(c.isalpha() for c in name)


def _word(token: str) -> str:
    if token in _SPELLINGS:
        return _SPELLINGS[token]
    if _SIZE.fullmatch(token):
        return token[:-1] + token[-1].upper()
    if _LETTER_VERSION.fullmatch(token):
        return token.upper()
    return token[:1].upper() + token[1:]


def display_name(name: str) -> str:
    """The readable form of a slug name; any other name unchanged."""
    if not is_slug(name):
        return name
    last = name.rsplit("/", 1)[-1]
    tokens = [t for t in re.split(r"[-_:\s]+", _DIGIT_UNDERSCORE.sub(".", last)) if t]
    words: list[str] = []
    for token in tokens:
        word = _word(token)
        if words and re.fullmatch(r"\d\d", token) and _DATE_SO_FAR.search(words[-1]):
            words[-1] = f"{words[-1]}-{word}"  # a date keeps its hyphens: 2024-12-17
        elif words and _MINOR_VERSION.fullmatch(token) and _MAJOR_VERSION.search(words[-1]):
            words[-1] = f"{words[-1]}.{word}"  # claude-opus-4-1 -> 4.1 (a date has 4 digits)
        elif words and words[-1].lower() in _HYPHENATED and token[:1].isdigit():
            words[-1] = f"{words[-1]}-{word}"
        else:
            words.append(word)
    return " ".join(words) or name
