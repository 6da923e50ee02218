"""The demo's supervision: a stopped child is started again, a crash loop is not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from syncwatch.demo import RESTART_LIMIT, DemoError, DemoOptions, DemoStack


def test_a_child_that_exits_is_restarted_until_it_crash_loops(tmp_path: Path) -> None:
    stack = DemoStack(DemoOptions(work_dir=tmp_path))
    # `syncwatch version` exits at once: a child that never stays up.
    stack.spawn("scheduler", ["version"], dict(os.environ))
    log = tmp_path / "scheduler.log"
    try:
        for _ in range(RESTART_LIMIT):
            stack.children[0].process.wait(60)
            assert stack.supervise() == [
                f"the scheduler exited with code 0: restarted it (log: {log})"
            ]
        stack.children[0].process.wait(60)
        with pytest.raises(DemoError, match="scheduler stopped again after 3 restarts within 5"):
            stack.supervise()
    finally:
        stack.stop()
    # Each restart appends to the log, so the first failure's output is still there.
    assert log.read_text(encoding="utf-8").count("syncwatch ") == RESTART_LIMIT + 1
    assert stack.children == []
