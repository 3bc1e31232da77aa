"""The notebooks the appendix reads hand their reviewer page to a task of its own, so that the
appendix, built beside the district notebooks, starts as soon as they have run rather than after
their pages (the districts page, every funnel plot embedded, was on the critical path).

Only the plan is tested here (no kernel starts); that every notebook of a real run still gets
its page is checked by every run itself (a promised page that is missing fails the run:
``_check_promised_outputs``) and by the default cycles' tests.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from kentaudit.inputs.params import load_params
from kentaudit.run.runner import DEFAULT_KERNEL_MANAGER, _make_jobs, _Run, build_jobs

ROOT = Path(__file__).resolve().parents[2]


def _jobs(*, n_jobs=2, appendix=True, partial=False):
    params = load_params(ROOT / "params" / "cycle-2009.yaml")
    run = _Run(params=params, plans=build_jobs(params), name="2009", partial=partial, n_jobs=n_jobs,
               timeout=600, appendix=appendix, kmc=DEFAULT_KERNEL_MANAGER, transport="ipc", zygote=False,
               kernel_dir="unused")
    run.manifest = {"packages": {}}
    return _make_jobs(run)


def test_the_notebooks_the_appendix_reads_export_their_page_later():
    jobs = _jobs()
    later = {j.stem for j in jobs if j.page_later}
    assert later == {"data_quality", "compliance", "initial_vs_extended", "districts"}


def test_district_notebooks_export_their_page_as_soon_as_they_have_run():
    assert not [j.stem for j in _jobs() if j.district is not None and j.page_later]


@pytest.mark.parametrize("kw", [{"n_jobs": 1}, {"appendix": False}, {"partial": True}],
                         ids=["one process", "no appendix", "partial run"])
def test_without_an_appendix_beside_the_notebooks_every_page_is_exported_by_its_worker(kw):
    jobs = _jobs(**kw)
    assert jobs and not [j.stem for j in jobs if j.page_later]
    assert all(j.page is not None for j in jobs)
