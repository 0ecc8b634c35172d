"""What the project ships as example data — the demo street, the scale generator, the
seeded campaigns and the test fixtures — describes matters to resolve, never people to
count or lawful acts to watch, and invents its people (DOMAIN.md, "a register of matters,
not of people"; issue 14, item 2).

The sources are read as text, so that a sample nobody happens to draw at random is
checked too; the loaded demo is then read back from the database.
"""

import ast
import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

from accounts.demo import load_users
from grids.demo import load_areas, load_departments
from ledgers.demo import load_archive_files
from meetings.demo import load_meetings
from rhythm.demo import load_rhythm
from risks.demo import SAMPLES, load_matters
from risks.models import Risk, Subtype
from supervision.demo import load_supervision, load_supervision_groups
from supervision.models import Campaign

ROOT = Path(__file__).resolve().parents[1]
# The work plan, when this checkout sits beside the shared seed; the tests never need it.
SEED = ROOT.parent / "shared" / "seed"

RETIRED_SUBTYPES = sorted(importlib.import_module(
    "risks.migrations.0010_retire_subtypes_about_people").REPLACEMENTS)

# Words that turn a matter into surveillance. The first group frames the lawful exercise
# of a right — striking, petitioning, assembling, claiming one's wages — as the risk,
# where the matter is the dispute behind it (a firm owes wages: mediate and get them
# paid). The second names classes of residents, by criminal record or health, to be
# counted, where the matter is a situation or an act (DOMAIN.md's corrected subtypes).
# Not listed: 信访 (a channel through which matters arrive, and an office's name) and 稳控
# (one of the four duties the plan names, applied to a matter); 聚众斗殴 (affray) is a
# crime, not an assembly, but no shipped text needs it.
LAWFUL_ACTS = ("停工", "罢工", "罢市", "集体反映", "集体上访", "上访", "聚集", "请愿",
               "静坐", "游行", "示威", "讨薪", "维权")
CLASSES_OF_PEOPLE = ("刑满释放", "社区矫正", "帮教对象", "精神障碍", "患者底数", "肇事肇祸",
                     "重点人群", "流动人口")
FRAMING_WORDS = LAWFUL_ACTS + CLASSES_OF_PEOPLE

# The officials the work plan names (section 四, 加强组织领导), written as escapes so that
# this file does not carry their names either.
NAMES_IN_THE_PLAN = {"\u5218\u957f\u6625", "\u5218\u4f20\u52c7"}
# "党工委副书记XXX同志", "副主任XXX同志": a name follows a title and precedes 同志.
NAMED_OFFICIAL = re.compile(
    r"(?:书记|主任|组长|部长|局长|所长|科长|处长|委员)([\u4e00-\u9fff]{2,3})同志")

DEMO_MODULES = ["risks/demo.py", "accounts/demo.py", "grids/demo.py", "meetings/demo.py",
                "rhythm/demo.py", "ledgers/demo.py", "supervision/demo.py",
                "quanfu/management/commands/load_demo.py"]
GENERATOR = ["quanfu/scale.py", "quanfu/management/commands/generate_scale.py"]
TEXT_SUFFIXES = {".py", ".html", ".txt", ".md", ".po", ".json", ".yml", ".yaml", ".toml",
                 ".js", ".css", ".csv", ".cfg", ".ini", ".sh", ".sql"}
NOT_OURS = {"var", "node_modules", "__pycache__", "build", "results"}


def names_from_the_plan() -> set[str]:
    names = set(NAMES_IN_THE_PLAN)
    for document in sorted(SEED.glob("*.txt")) if SEED.is_dir() else []:
        names.update(NAMED_OFFICIAL.findall(document.read_text(encoding="utf-8")))
    return names


def project_imports(path: Path) -> set[Path]:
    """The project's own modules that ``path`` imports (one level), where its texts may
    live."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            dotted = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            dotted = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in dotted:
            module = ROOT.joinpath(*name.split("."))
            for candidate in (module.with_suffix(".py"), module / "__init__.py"):
                if candidate.is_file() and ".venv" not in candidate.parts:
                    found.add(candidate)
    return found


def shipped_sources() -> list[Path]:
    generator = {ROOT / name for name in GENERATOR}
    for path in list(generator):
        generator |= project_imports(path)
    fixtures = [ROOT / "tests" / "conftest.py", *sorted((ROOT / "tests").glob("*helpers*.py"))]
    return sorted({*(ROOT / name for name in DEMO_MODULES), *generator, *fixtures})


def repository_text_files():
    for path in sorted(ROOT.rglob("*")):
        parts = path.relative_to(ROOT).parts
        if any(part.startswith(".") or part in NOT_OURS or part.endswith(".egg-info")
               for part in parts[:-1]):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES
                               or path.name in {"Dockerfile", "Makefile"}):
            yield path


def offending(text: str, words) -> list[str]:
    return [word for word in words if word in text]


# The sources -------------------------------------------------------------------------


@pytest.mark.parametrize("path", shipped_sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_shipped_data_names_no_retired_subtype_and_frames_no_lawful_act_or_class(path):
    text = path.read_text(encoding="utf-8")
    assert offending(text, RETIRED_SUBTYPES) == []
    assert offending(text, FRAMING_WORDS) == []


def test_the_generator_and_the_fixtures_are_among_the_sources_read():
    read = {str(path.relative_to(ROOT)) for path in shipped_sources()}
    assert {"quanfu/scale.py", "tests/conftest.py", "tests/supervision_helpers.py",
            *DEMO_MODULES} <= read


def test_no_name_from_the_work_plan_appears_in_code_data_or_tests():
    names = names_from_the_plan()
    carrying = {str(path.relative_to(ROOT)): found
                for path in repository_text_files()
                if (found := offending(path.read_text(encoding="utf-8", errors="ignore"),
                                       names))}
    assert carrying == {}


@pytest.mark.skipif(not SEED.is_dir(), reason="the work plan is not beside this checkout")
def test_the_names_read_from_the_work_plan_include_the_two_it_names():
    assert NAMES_IN_THE_PLAN <= names_from_the_plan()


def test_every_demo_sample_files_an_active_subtype_and_counts_its_people(db):
    codes = {code for code, _title, _description, _people in SAMPLES}
    active = set(Subtype.objects.filter(code__in=codes, is_active=True)
                 .values_list("code", flat=True))
    assert codes - active == set()
    assert all(isinstance(people, int) and people >= 1 for *_, people in SAMPLES)


# The seeded campaign ----------------------------------------------------------------


def test_no_seeded_campaign_counts_or_checks_a_class_of_residents(db):
    for campaign in Campaign.objects.all():
        assert offending(campaign.summary, FRAMING_WORDS) == [], campaign.code


def test_the_key_groups_campaign_acts_on_matters_after_the_migrations(db):
    campaign = Campaign.objects.get(code="key_groups")
    assert campaign.summary
    assert offending(campaign.summary, FRAMING_WORDS) == []
    assert "平安法治和信访办公室" in campaign.summary and "社会事务办公室" in campaign.summary


def test_the_campaign_summary_migration_leaves_an_administrators_wording_alone(db):
    migration = importlib.import_module(
        "supervision.migrations.0006_key_groups_summary_on_matters")
    campaign = Campaign.objects.get(code="key_groups")

    migration.restore(apps, None)
    campaign.refresh_from_db()
    assert campaign.summary == migration.SEEDED_SUMMARY
    migration.rewrite(apps, None)
    campaign.refresh_from_db()
    assert campaign.summary == migration.SUMMARY

    Campaign.objects.filter(pk=campaign.pk).update(summary="街道自定的说明")
    migration.restore(apps, None)
    migration.rewrite(apps, None)
    campaign.refresh_from_db()
    assert campaign.summary == "街道自定的说明"


# The loaded demo --------------------------------------------------------------------

# Seeded reference data an administrator keeps, with the plan's own words and retired
# subtypes kept for history: checked above, not part of the demo.
REFERENCE_DATA = {("risks", "category"), ("risks", "subtype"), ("supervision", "campaign")}


def demo_texts():
    """Every text the demo wrote, as (model, field, value)."""
    for label in ("grids", "accounts", "risks", "rhythm", "meetings", "ledgers", "supervision"):
        for model in apps.get_app_config(label).get_models():
            if (model._meta.app_label, model._meta.model_name) in REFERENCE_DATA:
                continue
            fields = [field.name for field in model._meta.concrete_fields
                      if isinstance(field, models.CharField | models.TextField)]
            for row in model.objects.values_list(*fields) if fields else []:
                for field, value in zip(fields, row, strict=True):
                    if value:
                        yield model._meta.label, field, value


def test_the_loaded_demo_holds_matters_in_use_counted_and_plainly_worded(db):
    street = load_areas()
    load_users(street, load_departments(street))
    load_supervision_groups(street)
    assert load_matters(street, count=90) == 90  # a third of the demo: enough samples drawn
    load_rhythm(street)
    load_meetings(street)
    load_archive_files(street)
    load_supervision(street)

    matters = Risk.objects.filter(street=street)
    assert not matters.filter(subtype__is_active=False).exists()
    assert not matters.filter(subtype__code__in=RETIRED_SUBTYPES).exists()
    assert not matters.filter(people_involved__isnull=True).exists()
    names = names_from_the_plan()
    wording = [(model, field, value) for model, field, value in demo_texts()
               if offending(value, FRAMING_WORDS) or offending(value, names)]
    assert wording == []
