"""Slack's published Block Kit limits, checked the way Slack refuses a payload (invalid_blocks)."""

from __future__ import annotations

from typing import Any


def block_kit_problems(blocks: Any) -> list[str]:
    """Every way ``blocks`` breaks Slack's Block Kit limits (empty when it is acceptable)."""
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    problems = [f"{len(blocks)} blocks (at most 50)"] if len(blocks) > 50 else []
    for i, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        where = f"block {i} ({kind})"
        if kind is None:
            problems.append(f"block {i} has no type")
            continue
        if len(str(block.get("block_id", ""))) > 255:
            problems.append(f"{where}: block_id over 255 characters")
        text = block.get("text") or {}
        if kind == "header" and (text.get("type") != "plain_text" or len(text["text"]) > 150):
            problems.append(f"{where}: header must be plain_text of at most 150 characters")
        if kind == "section":
            fields = block.get("fields") or []
            if not text and not fields:
                problems.append(f"{where}: needs text or fields")
            if text and not 1 <= len(text.get("text", "")) <= 3000:
                problems.append(f"{where}: text must be 1 to 3000 characters")
            if len(fields) > 10 or any(len(f.get("text", "")) > 2000 for f in fields):
                problems.append(f"{where}: at most 10 fields of at most 2000 characters")
        if kind == "context" and not 1 <= len(block.get("elements", [])) <= 10:
            problems.append(f"{where}: 1 to 10 elements")
        if kind == "actions":
            for element in block.get("elements", []):
                if len(element.get("text", {}).get("text", "")) > 75:
                    problems.append(f"{where}: button text over 75 characters")
                if len(element.get("url", "")) > 3000:
                    problems.append(f"{where}: button url over 3000 characters")
    return problems
