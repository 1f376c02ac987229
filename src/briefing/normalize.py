"""Spoken text: placeholder until the rules land."""
def spoken(text: str, language: str = "en") -> str:
    return " ".join(text.split())
