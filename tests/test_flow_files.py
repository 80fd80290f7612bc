"""The flow's read step in this process's threads: the period's files in one task (one task per
file only added Prefect's bookkeeping), each file still on its own when it fails."""

from __future__ import annotations

from flows import monthly
from heza.assess.context import period_inputs, prepare
from heza.config import load_settings


def test_a_file_whose_reading_crashes_is_that_files_error_and_the_others_are_read(sample_month, monkeypatch):
    ctx = prepare(load_settings(), "2024-02")
    paths = period_inputs(ctx)[:3]
    read_for_real = monthly.assess_file

    def crash_on_the_first_file(path, ctx, root=None):
        if path == paths[0]:
            raise MemoryError("hết bộ nhớ")
        return read_for_real(path, ctx, root=root)

    monkeypatch.setattr(monthly, "assess_file", crash_on_the_first_file)
    first, *others = monthly.assess_files_here.fn(paths, ctx)
    assert first.read.file == paths[0].name and "hết bộ nhớ" in first.read.error.message_vi
    assert [part.read.file for part in others] == [path.name for path in paths[1:]]
    assert all(part.read.error is None and part.tables for part in others)
