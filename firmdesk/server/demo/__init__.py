"""Demo and benchmark data: the spec's demo institute and firms, and a generator of firms of any size.

Every record is made the way the service would have made it (see `builder`); names, ID numbers and
firms are fictional (`people`). The modules: `facts` (who exists, passwords, the year, the window's dates
rule, notices, reasons), `people`, `builder` (the builder that writes a world, and the organisations with
their first accounts), `steps` (what CPAs, firms and the institute do), `story` (`seed_demo`: the demo
firm's story across every state) and `generated` (`generate_firm`, for benchmarks).
"""

from __future__ import annotations

from firmdesk.server.demo.builder import SeedSummary, SeedTarget, Store, attachment_sink, utc_now
from firmdesk.server.demo.facts import (
    BATCH_RETURN_REASONS,
    CPA_PASSWORD,
    CURRENT_YEAR,
    DEFER_REASONS,
    DEMO_FIRM_NAME,
    DEMO_FIRM_NUMBER,
    DEMO_INSTITUTE_CODE,
    DEMO_INSTITUTE_NAME,
    FAIL_REASONS,
    FIRM_PASSWORD,
    FIRM_RETURN_REASONS,
    INSTITUTE_PASSWORD,
    INSTITUTE_RETURN_REASONS,
    MATERIALS_RETIRED,
    MATERIALS_WORKING,
    NOTICE_START,
    NOTICE_SUCCESS,
    PAST_YEARS,
    SECOND_FIRM_NAME,
    SECOND_FIRM_NUMBER,
    SICHUAN_FIRM_NAME,
    SICHUAN_FIRM_NUMBER,
    SICHUAN_INSTITUTE_CODE,
    SICHUAN_INSTITUTE_NAME,
    DemoWindow,
    demo_window,
)
from firmdesk.server.demo.generated import MAX_GENERATED_CPAS, generate_firm
from firmdesk.server.demo.people import DEMO_ADMINS, DEMO_INSTITUTE_STAFF, admin_name
from firmdesk.server.demo.story import seed_demo

__all__ = [
    "BATCH_RETURN_REASONS",
    "CPA_PASSWORD",
    "CURRENT_YEAR",
    "DEFER_REASONS",
    "DEMO_ADMINS",
    "DEMO_FIRM_NAME",
    "DEMO_FIRM_NUMBER",
    "DEMO_INSTITUTE_CODE",
    "DEMO_INSTITUTE_NAME",
    "DEMO_INSTITUTE_STAFF",
    "FAIL_REASONS",
    "FIRM_PASSWORD",
    "FIRM_RETURN_REASONS",
    "INSTITUTE_PASSWORD",
    "INSTITUTE_RETURN_REASONS",
    "MATERIALS_RETIRED",
    "MATERIALS_WORKING",
    "MAX_GENERATED_CPAS",
    "NOTICE_START",
    "NOTICE_SUCCESS",
    "PAST_YEARS",
    "SECOND_FIRM_NAME",
    "SECOND_FIRM_NUMBER",
    "SICHUAN_FIRM_NAME",
    "SICHUAN_FIRM_NUMBER",
    "SICHUAN_INSTITUTE_CODE",
    "SICHUAN_INSTITUTE_NAME",
    "DemoWindow",
    "SeedSummary",
    "SeedTarget",
    "Store",
    "admin_name",
    "attachment_sink",
    "demo_window",
    "generate_firm",
    "seed_demo",
    "utc_now",
]
