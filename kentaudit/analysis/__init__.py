"""The analyses behind the notebooks, one module per notebook section.

A notebook stays thin: it reads a cycle, calls one or two of these functions and shows
what they return (a :class:`Section` of named results tables and figures)::

    from kentaudit import analysis
    cycle = analysis.load_cycle("params/cycle-2009.yaml")
    section = analysis.districts(cycle)

=============================  ==========================================  ========================
notebook                       function                                    module
=============================  ==========================================  ========================
every notebook                 :func:`load_cycle`, :func:`findings`         ``cycle``, ``section``
``data_quality``               :func:`data_quality`,                        ``quality``,
                               :func:`auditor_calibration`                  ``calibration``
``compliance``                 :func:`compliance_summary`                   ``compliance``
``initial_vs_extended``        :func:`initial_vs_extended`                  ``extension``
``districts``                  :func:`districts`, :func:`district_ranks`    ``district_comparison``,
                                                                            ``ranking``
``district_profile``           :func:`district_profile`                     ``profile``
``trends``                     :func:`trends`                               ``programme``
``actions``                    :func:`actions_section`                      ``actions``
ad-hoc questions               :func:`compare_groups`,                      ``groups``
                               :func:`compare_grades_by`
=============================  ==========================================  ========================
"""
from kentaudit.analysis.actions import actions_section
from kentaudit.analysis.calibration import auditor_calibration
from kentaudit.analysis.compliance import compliance_summary
from kentaudit.analysis.cycle import CycleData, load_cycle
from kentaudit.analysis.district_comparison import districts
from kentaudit.analysis.extension import initial_vs_extended
from kentaudit.analysis.groups import ComparisonTable, compare_grades_by, compare_groups
from kentaudit.analysis.notebook import check_parameters, resolve_params_file
from kentaudit.analysis.profile import district_profile
from kentaudit.analysis.programme import trends
from kentaudit.analysis.quality import data_quality
from kentaudit.analysis.ranking import district_ranks
from kentaudit.analysis.section import FIGURES, TABLES, Section, findings

__all__ = ["CycleData", "load_cycle", "Section", "TABLES", "FIGURES", "findings", "check_parameters",
           "resolve_params_file", "data_quality", "auditor_calibration", "compliance_summary",
           "initial_vs_extended", "districts", "district_ranks", "district_profile", "trends", "actions_section",
           "compare_groups", "compare_grades_by", "ComparisonTable"]
